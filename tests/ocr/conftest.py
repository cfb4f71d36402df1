"""Fixtures for the OCR tests: the labelled cards-dev folder and small synthetic images."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tests.ocr.synth import draw_card


def cards_dev_dir() -> Path:
    """Locate cards-dev: $MEISHI_CARDS_DEV, else ../shared/data/cards-dev beside the repository."""
    env = os.environ.get("MEISHI_CARDS_DEV")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cards-dev"


@pytest.fixture(scope="session")
def cards_dev() -> Path:
    folder = cards_dev_dir()
    if not (folder / "photos" / "labels.json").exists():
        pytest.skip(f"cards-dev not found at {folder}")
    return folder


@pytest.fixture(scope="session")
def english_card() -> np.ndarray:
    return draw_card()
