"""The word lists of the normalisers, read from the data files shipped beside them."""

from __future__ import annotations

from importlib import resources


def _read(name: str) -> list[str]:
    text = (resources.files("contacts.normalize") / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def word_list(name: str) -> list[str]:
    """Return the words of a data file, one a line, in file order."""
    return _read(name)


def word_pairs(name: str) -> dict[str, str]:
    """Return the tab-separated pairs of a data file (variant, then standard form) as a dict."""
    return dict(line.split("\t", 1) for line in _read(name))
