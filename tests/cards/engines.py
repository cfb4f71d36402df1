"""OCR engines for worker tests: one that always fails and one that is slow (for the killed-worker test)."""

from __future__ import annotations

import os
import time
from typing import Any

from ocr.engine import Orientation, TesseractEngine, Word
from ocr.errors import EngineError


class BrokenEngine:
    """Fail every call, like a crashed or missing Tesseract."""

    def recognize(self, image: Any, *, lang: str, psm: int = 3, dpi: int | None = None) -> list[Word]:
        raise EngineError("tesseract failed: simulated crash")

    def detect_orientation(self, image: Any) -> Orientation | None:
        raise EngineError("tesseract failed: simulated crash")


class SlowEngine(TesseractEngine):
    """Real Tesseract after a pause of MEISHI_TEST_OCR_DELAY seconds per recognition."""

    def recognize(self, image: Any, *, lang: str, psm: int = 3, dpi: int | None = None) -> list[Word]:
        time.sleep(float(os.environ.get("MEISHI_TEST_OCR_DELAY", "0")))
        return super().recognize(image, lang=lang, psm=psm, dpi=dpi)


def broken() -> BrokenEngine:
    """Return an engine that always fails."""
    return BrokenEngine()


def slow() -> SlowEngine:
    """Return a slowed-down Tesseract engine (for `meishi worker --engine tests.cards.engines:slow`)."""
    return SlowEngine()
