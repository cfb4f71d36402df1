"""Locate the labelled data sets beside the repository (cards-dev, FEBRL); light enough for benchmark workers."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """Locate ../shared beside the repository."""
    return REPO.parent / "shared"


def shared_data_dir(name: str) -> Path:
    """Locate a labelled data set: $MEISHI_SHARED_DATA/NAME, else ../shared/data/NAME beside the repository."""
    base = os.environ.get("MEISHI_SHARED_DATA")
    return (Path(base) if base else shared_dir() / "data") / name


def require_shared_data(name: str, probe: str) -> Path:
    """Return the data set's folder if ``probe`` exists in it; skip otherwise, but fail in CI (CI=true)."""
    folder = shared_data_dir(name)
    if not (folder / probe).exists():
        message = f"{name} not found at {folder} (set MEISHI_SHARED_DATA to the folder that holds it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the labelled data is part of the CI test bed: {message}")
        pytest.skip(message)
    return folder
