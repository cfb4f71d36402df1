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
    """Locate a labelled data set: $MEISHI_SHARED_DATA/NAME, else shared/data/NAME beside the repository or
    beside one of its parent folders (a clone checked out one level deeper still finds it)."""
    base = os.environ.get("MEISHI_SHARED_DATA")
    if base:
        return Path(base) / name
    for folder in REPO.parents:
        candidate = folder / "shared" / "data" / name
        if candidate.exists():
            return candidate
    return shared_dir() / "data" / name


def require_shared_data(name: str, probe: str) -> Path:
    """Return the data set's folder if ``probe`` exists in it, else skip the test and say where it looked.

    Unlike PostgreSQL, the data sets are not part of a fresh machine, so a missing one skips even in CI.
    """
    folder = shared_data_dir(name)
    if not (folder / probe).exists():
        pytest.skip(f"{name} not found at {folder} (set MEISHI_SHARED_DATA to the folder that holds it)")
    return folder
