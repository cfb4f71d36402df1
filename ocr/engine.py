"""The only module that talks to Tesseract: word boxes, confidences and orientation.

Two implementations of ``OcrEngine``:
- ``TesserocrEngine`` (default when tesserocr is installed) keeps the models loaded in
  the worker process; loading ``jpn`` per call would cost 0.15-0.25 s per card.
- ``TesseractEngine`` runs the ``tesseract`` binary through pytesseract (a subprocess per
  call, TSV output); the fallback where tesserocr is not installed, and the baseline.
Both run with ``OMP_THREAD_LIMIT=1`` (worker processes scale with cores instead of
fighting over threads) and a timeout on every call (``EngineTimeout``).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np
import pytesseract

from ocr.errors import EngineError, EngineTimeout

DEFAULT_TIMEOUT = 20.0


@dataclass(frozen=True)
class Word:
    """One recognised word: text, confidence in [0, 1] and box (x, y, w, h) in image pixels."""

    text: str
    confidence: float
    box: tuple[int, int, int, int]
    line_key: tuple[int, int, int] = (0, 0, 0)  # (block, paragraph, line) as the engine grouped it
    original_key: tuple[int, int, int] = (0, 0, 0)  # for words re-read from a stacked image: the stack's line


@dataclass(frozen=True)
class Orientation:
    """Result of orientation and script detection."""

    rotate: int  # degrees clockwise to apply to make the text upright
    confidence: float
    script: str
    script_confidence: float


class OcrEngine(Protocol):
    """What the pipeline needs from an OCR engine; tests substitute a fake."""

    def recognize(self, image: np.ndarray, *, lang: str, psm: int = 3, dpi: int | None = None) -> list[Word]:
        """Return the words found in a grayscale ``uint8`` image."""
        ...


_TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)
_TSV_HEADER = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
)


def find_tessdata() -> str | None:
    """Return the folder holding the installed traineddata files (TESSDATA_PREFIX first)."""
    prefix = os.environ.get("TESSDATA_PREFIX")
    candidates = ([prefix, os.path.join(prefix, "tessdata")] if prefix else []) + list(_TESSDATA_CANDIDATES)
    for folder in candidates:
        if folder and os.path.exists(os.path.join(folder, "eng.traineddata")):
            return folder
    return None


class TesserocrEngine:
    """OcrEngine on the Tesseract C++ API through tesserocr: models stay loaded between calls.

    Loading ``jpn`` costs about 0.15 s and ``jpn+eng`` 0.25 s per subprocess call, which is
    most of the time budget of a card, so a worker keeps one engine per process. Not
    thread-safe across threads (a lock serialises calls). ``OMP_THREAD_LIMIT=1`` is put in
    the environment before the library loads, so a worker uses one core.
    """

    def __init__(self, *, tessdata: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        os.environ["OMP_THREAD_LIMIT"] = "1"
        import tesserocr

        # Leptonica prints harmless "Error in boxClipToRectangle" lines for boxes at the
        # image edge; silence them (process-wide, like the thread limit above).
        tesserocr.set_leptonica_log_level(tesserocr.LeptLogLevel.NONE)
        self._tesserocr = tesserocr
        self.tessdata = tessdata or find_tessdata()
        if self.tessdata is None:
            raise EngineError("no tessdata folder with eng.traineddata found; set TESSDATA_PREFIX")
        self.timeout = timeout
        self._apis: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _api(self, lang: str) -> Any:
        api = self._apis.get(lang)
        if api is None:
            try:
                api = self._tesserocr.PyTessBaseAPI(path=self.tessdata, lang=lang)
            except RuntimeError as e:
                raise EngineError(f"cannot load tesseract language {lang!r}: {e}") from e
            self._apis[lang] = api
        return api

    def recognize(self, image: np.ndarray, *, lang: str, psm: int = 3, dpi: int | None = None) -> list[Word]:
        """Run recognition and return the words with boxes and confidences."""
        gray = np.ascontiguousarray(image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
        h, w = gray.shape
        with self._lock:
            api = self._api(lang)
            api.SetPageSegMode(psm)
            api.SetImageBytes(gray.tobytes(), w, h, 1, w)
            if dpi:
                api.SetSourceResolution(dpi)
            if not api.Recognize(timeout=int(self.timeout * 1000)):
                api.Clear()
                raise EngineTimeout(f"tesseract did not finish within {self.timeout:g} s")
            tsv = api.GetTSVText(0)
            api.Clear()
        return parse_tsv(_TSV_HEADER + tsv)

    def close(self) -> None:
        """Free the loaded models."""
        with self._lock:
            for api in self._apis.values():
                api.End()
            self._apis.clear()


_local = threading.local()


def default_engine(*, timeout: float = DEFAULT_TIMEOUT) -> OcrEngine:
    """Return this thread's shared engine: tesserocr when installed, else the tesseract binary.

    Created on first use (never at import) and reused, so models load once per worker.
    Each thread gets its own engine: a Tesseract API object must not be shared between
    threads that run at the same time.
    """
    engines: dict[float, OcrEngine] = getattr(_local, "engines", None) or {}
    _local.engines = engines
    engine = engines.get(timeout)
    if engine is None:
        try:
            engine = TesserocrEngine(timeout=timeout)
        except (ImportError, EngineError):
            engine = TesseractEngine(timeout=timeout)
        engines[timeout] = engine
    return engine


class TesseractEngine:
    """OcrEngine backed by the ``tesseract`` command line program, called through pytesseract."""

    def __init__(
        self, *, command: str = "tesseract", timeout: float = DEFAULT_TIMEOUT, tessdata: str | None = None
    ):
        self.command = command
        self.timeout = timeout
        self.tessdata = tessdata
        # pytesseract hands the process environment to tesseract; one thread per call lets worker
        # processes scale with cores (the tesserocr engine sets the same for the whole process).
        os.environ["OMP_THREAD_LIMIT"] = "1"

    def _config(self, args: list[str]) -> str:
        if self.tessdata:
            args = ["--tessdata-dir", self.tessdata, *args]
        return " ".join(args)

    def _call(self, function: Any, image: np.ndarray, **kwargs: Any) -> str:
        pytesseract.pytesseract.tesseract_cmd = self.command
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB) if image.ndim == 3 else image
        try:
            return str(function(rgb, timeout=self.timeout, **kwargs))
        except RuntimeError as e:
            if "timeout" in str(e).lower():
                raise EngineTimeout(f"tesseract did not finish within {self.timeout:g} s") from e
            raise EngineError(f"tesseract failed: {e}") from e
        except pytesseract.TesseractNotFoundError as e:
            raise EngineError(f"tesseract is not installed (looked for {self.command!r})") from e
        except pytesseract.TesseractError as e:
            raise EngineError(f"tesseract failed: {e.message or e.status}") from e

    def recognize(self, image: np.ndarray, *, lang: str, psm: int = 3, dpi: int | None = None) -> list[Word]:
        """Run recognition and return the words with boxes and confidences."""
        args = ["--psm", str(psm)]
        if dpi:
            args += ["--dpi", str(dpi)]
        return parse_tsv(self._call(pytesseract.image_to_data, image, lang=lang, config=self._config(args)))

    def detect_orientation(self, image: np.ndarray) -> Orientation | None:
        """Run Tesseract OSD (``--psm 0``); None when OSD finds too little text."""
        try:
            out = self._call(pytesseract.image_to_osd, image, config=self._config(["--psm", "0"]))
        except EngineError as e:
            if isinstance(e, EngineTimeout):
                raise
            return None  # "Too few characters" is reported as a failure by tesseract
        return parse_osd(out)

    @staticmethod
    def available() -> bool:
        """Tell whether the tesseract binary is on PATH."""
        return shutil.which("tesseract") is not None


def parse_tsv(tsv: str) -> list[Word]:
    """Parse Tesseract's TSV output into words (level 5 rows with text)."""
    words: list[Word] = []
    reader = csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if not header:
        return words
    index = {name: i for i, name in enumerate(header)}
    needed = ("level", "block_num", "par_num", "line_num", "left", "top", "width", "height", "conf", "text")
    if any(name not in index for name in needed):
        return words
    for row in reader:
        if len(row) < len(header) or row[index["level"]] != "5":
            continue
        text = row[index["text"]].strip()
        if not text:
            continue
        try:
            conf = float(row[index["conf"]])
            box = tuple(int(row[index[k]]) for k in ("left", "top", "width", "height"))
            key = tuple(int(row[index[k]]) for k in ("block_num", "par_num", "line_num"))
        except ValueError:
            continue
        words.append(
            Word(text=text, confidence=max(0.0, min(1.0, conf / 100.0)), box=box, line_key=key)  # type: ignore[arg-type]
        )
    return words


_OSD_PATTERNS = {
    "rotate": re.compile(r"Rotate:\s*(\d+)"),
    "confidence": re.compile(r"Orientation confidence:\s*([\d.]+)"),
    "script": re.compile(r"Script:\s*(\S+)"),
    "script_confidence": re.compile(r"Script confidence:\s*([\d.]+)"),
}


def parse_osd(text: str) -> Orientation | None:
    """Parse the text printed by ``tesseract --psm 0``."""
    found = {k: p.search(text) for k, p in _OSD_PATTERNS.items()}
    rotate, confidence, script, script_conf = (
        found[k] for k in ("rotate", "confidence", "script", "script_confidence")
    )
    if rotate is None or confidence is None:
        return None
    return Orientation(
        rotate=int(rotate.group(1)) % 360,
        confidence=float(confidence.group(1)),
        script=script.group(1) if script else "",
        script_confidence=float(script_conf.group(1)) if script_conf else 0.0,
    )
