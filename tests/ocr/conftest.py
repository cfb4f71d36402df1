"""Fixtures for the OCR tests: the labelled cards-dev folder and small synthetic images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.ocr.synth import draw_card
from tests.shared_data import require_shared_data


@pytest.fixture(scope="session")
def cards_dev() -> Path:
    return require_shared_data("cards-dev", "photos/labels.json")


@pytest.fixture(scope="session")
def english_card() -> np.ndarray:
    return draw_card()
