"""Fixtures for the OCR tests: the labelled cards-dev folder and small synthetic images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tests.ocr.synth import JAPANESE_FONT, draw_card
from tests.shared_data import require_shared_data


@pytest.fixture(scope="session")
def cards_dev() -> Path:
    return require_shared_data("cards-dev", "photos/labels.json")


@pytest.fixture(scope="session")
def english_card() -> np.ndarray:
    return draw_card()


@pytest.fixture(scope="session")
def japanese_font() -> str:
    """The IPA Gothic font the Japanese cards are drawn with (a failure in CI, where make test installs it)."""
    if not Path(JAPANESE_FONT).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{JAPANESE_FONT} is missing: make test installs fonts-ipafont-gothic")
        pytest.skip(f"{JAPANESE_FONT} is missing (Debian fonts-ipafont-gothic)")
    return JAPANESE_FONT
