"""A fake OCR engine and word builders for field-extraction and pipeline tests."""

from __future__ import annotations

import numpy as np

from ocr.engine import Word
from ocr.layout import Line, group_lines


def words_for(lines: list[tuple[str, int]], *, confidence: float = 0.93) -> list[Word]:
    """Lay out text lines top to bottom (text, type height in px) as engine words."""
    words: list[Word] = []
    y = 40
    for number, (text, height) in enumerate(lines, start=1):
        x = 60
        for token in text.split(" "):
            width = max(1, len(token)) * int(height * 0.8)
            words.append(
                Word(text=token, confidence=confidence, box=(x, y, width, height), line_key=(1, 1, number))
            )
            x += width + int(height * 0.7)  # a visible space
        y += int(height * 1.7)
    return words


def lines_for(lines: list[tuple[str, int]], *, confidence: float = 0.93) -> list[Line]:
    """Build layout lines from text lines."""
    return group_lines(words_for(lines, confidence=confidence))


class FakeEngine:
    """Returns fixed words; reads well only when the image has the expected rotation."""

    def __init__(self, lines: list[tuple[str, int]], *, upright_shape: tuple[int, int] | None = None) -> None:
        self.words = words_for(lines)
        self.upright_shape = upright_shape
        self.calls: list[tuple[str, int, tuple[int, ...]]] = []

    def recognize(self, image: np.ndarray, *, lang: str, psm: int = 3, dpi: int | None = None) -> list[Word]:
        self.calls.append((lang, psm, image.shape))
        if psm != 3:
            return []  # second readings add nothing
        if self.upright_shape is not None and image.shape[:2] != self.upright_shape:
            return [Word(text="~~", confidence=0.2, box=(10, 10, 30, 20), line_key=(1, 1, 1))]
        return list(self.words)
