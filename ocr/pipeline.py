"""The card pipeline: bytes -> intake -> card -> orientation -> recognition -> fields.

``scan_card`` is the entry point used by the CLI and the web service's worker.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

import cv2
import numpy as np

from ocr import PIPELINE_VERSION
from ocr.engine import OcrEngine, Word, default_engine
from ocr.errors import EngineError
from ocr.fields import detect_lang, extract_fields
from ocr.fields.calibration import calibrate_fields
from ocr.fields.contact import mend_doubled_letter
from ocr.fields.jpaddress import verify_address
from ocr.fields.katakana import mend_katakana
from ocr.intake import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, load_image, reencode
from ocr.layout import Line, group_columns, group_lines
from ocr.namecheck import check_name, find_missing_name
from ocr.ppocr import PaddleEngine, model_dir, paddle_engine
from ocr.ppread import (
    doubt_lost_marks,
    mend_name_by_email,
    mend_reading,
    mend_spelling,
    read_side,
    reading_words,
)
from ocr.preprocess import (
    CARD_LONG_SIDE_MM,
    CardQuad,
    alignment_cue,
    deskew,
    find_card,
    fit_scan,
    flatten_light,
    rotate,
    skew_angle,
    to_gray,
    warp_card,
)
from ocr.reread import refine_japanese_lines
from ocr.result import CardResult, Field, SideResult
from ocr.vertical import VERTICAL_LANG, refine_columns

# Decoding larger than this buys nothing: the card is warped to OCR_LONG_SIDE anyway.
DECODE_LONG_SIDE = 2800
# The card's long side in pixels for recognition: ~280 dpi for a 91 mm card. Measured:
# larger costs time (Tesseract time grows with pixels) without gaining accuracy.
OCR_LONG_SIDE = 1000
OCR_LANG = "jpn"
# Mean word confidence above which an orientation is accepted without trying others;
# upright cards score 0.75-0.95, upside-down or sideways text 0.25-0.45.
ACCEPT_CONFIDENCE = 0.62
# An alignment cue this close to zero (centred layout) says nothing about the rotation.
ALIGNMENT_DEAD_ZONE = 0.02
LOW_CONFIDENCE_WARNING = 0.6
ENGLISH_LANG = "eng"


@dataclass(frozen=True)
class ScanLimits:
    """Safety limits applied to every side of a card."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS
    engine_timeout: float = 20.0


@dataclass(frozen=True)
class Recognition:
    """Words read at one rotation and how good they look."""

    rotation: int
    words: list[Word]
    score: float
    lang: str


class _Debug:
    """Write each stage's image into a folder (no-op without a folder)."""

    def __init__(self, folder: Path | None, prefix: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.count = 0
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def save(self, name: str, image: np.ndarray) -> None:
        if self.folder is None:
            return
        self.count += 1
        path = self.folder / f"{self.prefix}-{self.count:02d}-{name}.png"
        out = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        cv2.imwrite(str(path), out)

    def write_text(self, name: str, text: str) -> None:
        if self.folder is not None:
            (self.folder / f"{self.prefix}-{name}").write_text(text, encoding="utf-8")


def recognition_score(words: list[Word]) -> float:
    """Return the character-weighted mean confidence of the words (0 when nothing was read)."""
    weights = [len(w.text) for w in words]
    total = sum(weights)
    if total == 0:
        return 0.0
    return sum(w.confidence * n for w, n in zip(words, weights, strict=True)) / total


def rotation_candidates(gray: np.ndarray) -> list[int]:
    """Order the rotations to try: the card's shape gives the axis, line alignment the direction."""
    h, w = gray.shape[:2]
    base = 90 if h > w * 1.1 else 0
    cue = alignment_cue(rotate(gray, base))
    first, second = (base, base + 180) if cue >= -ALIGNMENT_DEAD_ZONE else (base + 180, base)
    other = 90 - base
    return [first % 360, second % 360, other % 360, (other + 180) % 360]


def recognize_upright(gray: np.ndarray, engine: OcrEngine, *, dpi: int) -> Recognition:
    """Read the card at the most likely rotation, trying others only while confidence is low."""
    candidates = rotation_candidates(gray)
    best: Recognition | None = None
    for index, rotation in enumerate(candidates):
        if index >= 2 and best is not None and best.score >= 0.5:
            break
        words = engine.recognize(rotate(gray, rotation), lang=OCR_LANG, psm=3, dpi=dpi)
        result = Recognition(rotation=rotation, words=words, score=recognition_score(words), lang=OCR_LANG)
        if best is None or result.score > best.score:
            best = result
        if result.score >= ACCEPT_CONFIDENCE:
            break
    assert best is not None
    if best.score < ACCEPT_CONFIDENCE:
        # The Japanese model reads some Latin fonts with low confidence at every rotation;
        # an English card is recognised by the English model reading it well.
        best = _better_reading(best, gray, engine, candidates[:2], lang=ENGLISH_LANG, psm=3, dpi=dpi)
    h, w = gray.shape[:2]
    if best.score < ACCEPT_CONFIDENCE and max(h, w) > 1.1 * min(h, w):
        # A card that reads badly horizontally may be printed vertically (縦書き): read it standing up,
        # either way up (a landscape photo of a portrait card needs a quarter turn).
        rotations = [0, 180] if h > w else [90, 270]
        best = _better_reading(best, gray, engine, rotations, lang=VERTICAL_LANG, psm=5, dpi=dpi)
    return best


def _better_reading(
    best: Recognition,
    gray: np.ndarray,
    engine: OcrEngine,
    rotations: list[int],
    *,
    lang: str,
    psm: int,
    dpi: int,
) -> Recognition:
    """Read at each rotation with another model until one is accepted; keep whichever reading scores best."""
    for rotation in rotations:
        words = engine.recognize(rotate(gray, rotation), lang=lang, psm=psm, dpi=dpi)
        result = Recognition(rotation=rotation, words=words, score=recognition_score(words), lang=lang)
        if result.score > best.score:
            best = result
        if result.score >= ACCEPT_CONFIDENCE:
            break
    return best


def prepare_card(pixels: np.ndarray, debug: _Debug) -> tuple[np.ndarray, CardQuad | None]:
    """Find and flatten the card; a flat scan (no edge found) is only resized."""
    quad = find_card(pixels)
    if quad is not None:
        if debug.folder is not None:
            outline = pixels.copy()
            cv2.polylines(outline, [quad.points.astype(np.int32).reshape(-1, 1, 2)], True, (255, 0, 0), 8)
            debug.save("detected", outline)
        card = warp_card(pixels, quad, long_side=OCR_LONG_SIDE)
    else:
        # No edge: a flat scan, or a card filling (or cut by) the frame; level tilted text.
        card = fit_scan(pixels, long_side=OCR_LONG_SIDE)
        angle = skew_angle(to_gray(card))
        if abs(angle) >= 1.0:
            card = deskew(card, angle)
            debug.save("deskewed", card)
    debug.save("card", card)
    return card, quad


RECOGNIZERS = ("tesseract", "ppocr", "combined")


def default_recognizer() -> str:
    """Return the recognizer to use: MEISHI_OCR_RECOGNIZER, else "combined" when PP-OCR is installed."""
    chosen = os.environ.get("MEISHI_OCR_RECOGNIZER", "").strip().lower()
    if chosen in RECOGNIZERS:
        return chosen
    try:
        model_dir()
    except EngineError:
        return "tesseract"
    return "combined"


def scan_side(
    data: bytes,
    *,
    side: str = "front",
    engine: OcrEngine,
    limits: ScanLimits,
    debug_dir: Path | None = None,
    recognizer: str = "tesseract",
    paddle: PaddleEngine | None = None,
) -> SideResult:
    """Run the whole pipeline on one image with the chosen recognizer."""
    debug = _Debug(debug_dir, side)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    decoded = load_image(
        data, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels, max_side=DECODE_LONG_SIDE
    )
    seconds["decode"] = time.perf_counter() - started
    debug.save("decoded", decoded.pixels)
    if recognizer == "tesseract":
        result = _tesseract_side(decoded.pixels, side=side, engine=engine, debug=debug, seconds=seconds)
    else:
        result = _ppocr_side(
            decoded.pixels,
            side=side,
            engine=engine,
            paddle=paddle or paddle_engine(),
            debug=debug,
            seconds=seconds,
            combined=recognizer == "combined",
        )
    result.seconds = seconds
    if debug.folder is not None:
        debug.write_text(
            "seconds.json", json.dumps({k: round(v, 4) for k, v in seconds.items()}, indent=1) + "\n"
        )
    return result


def _timed(seconds: dict[str, float], stage: str, started: float) -> None:
    seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started


def _ppocr_side(
    pixels: np.ndarray,
    *,
    side: str,
    engine: OcrEngine,
    paddle: PaddleEngine,
    debug: _Debug,
    seconds: dict[str, float],
    combined: bool,
) -> SideResult:
    """Read a side with PP-OCR (whole image and card quad as candidates); fields from its lines."""
    started = time.perf_counter()
    quad = find_card(pixels)
    _timed(seconds, "find_card", started)
    if quad is not None and debug.folder is not None:
        outline = pixels.copy()
        cv2.polylines(outline, [quad.points.astype(np.int32).reshape(-1, 1, 2)], True, (255, 0, 0), 8)
        debug.save("detected", outline)
    reading = read_side(paddle, pixels, quad)
    seconds.update(reading.seconds)
    if combined and reading.maybe_vertical and not reading.vertical:
        # Japanese lines standing tall with no flat Latin line among them: vertical print or a card
        # turned on the table. Tesseract's rotation search with jpn_vert tells the two apart; its
        # vertical reading is kept.
        # Only a vertical reading is kept, so the rest of Tesseract's reading runs only for one.
        second = _tesseract_side(
            pixels, side=side, engine=engine, debug=debug, seconds=seconds, vertical_only=True
        )
        if second is not None:
            return second
    debug.save("upright", reading.image)
    started = time.perf_counter()
    words = reading_words(reading)
    lines = group_columns(words) if reading.vertical else group_lines(words)
    lang, fields = extract_fields(lines, side=side)
    fields, warnings = mend_name_by_email(paddle, reading, fields) if lang == "ja" else (fields, [])
    fields, reread = mend_reading(paddle, reading, fields) if lang == "ja" else (fields, [])
    fields, spelled = mend_spelling(paddle, reading, fields, lang)
    fields, unmarked = doubt_lost_marks(paddle, reading, fields)
    warnings += reread + spelled + unmarked
    _timed(seconds, "fields", started)
    text = "\n".join(line.text for line in lines)
    score = recognition_score(words)
    if reading.source == "whole" and quad is not None:
        warnings.append(f"{side}: the whole image read better than the detected card; it was read whole")
    if quad is None:
        warnings.append(f"{side}: no card edge found; the whole image was read as a flat scan")
    if score < LOW_CONFIDENCE_WARNING:
        warnings.append(f"{side}: low recognition confidence ({score:.2f})")
    if reading.vertical:
        warnings.append(f"{side}: read as vertical text (縦書き)")
    elif reading.lying:
        warnings.append(
            f"{side}: read as vertical text (縦書き) lying on its side, its columns read as lines"
        )
    elif reading.maybe_vertical:
        warnings.append(
            f"{side}: Japanese lines stand tall; read as a card turned a quarter, not as vertical text"
        )
    if reading.inverted:
        warnings.append(f"{side}: light text on a dark background; read inverted")
    if debug.folder is not None:
        debug.save("lines", _draw_lines(reading.image, lines))
        debug.write_text("text.txt", text + "\n")
    return SideResult(
        side=side,
        lang=lang,
        fields=fields,
        text=text,
        image=reencode(reading.image, fmt="JPEG", quality=88),
        rotation=reading.rotation,
        found_card=reading.source == "card",
        mean_confidence=score,
        warnings=warnings,
    )


@overload
def _tesseract_side(
    pixels: np.ndarray,
    *,
    side: str,
    engine: OcrEngine,
    debug: _Debug,
    seconds: dict[str, float],
    vertical_only: Literal[False] = False,
) -> SideResult: ...


@overload
def _tesseract_side(
    pixels: np.ndarray,
    *,
    side: str,
    engine: OcrEngine,
    debug: _Debug,
    seconds: dict[str, float],
    vertical_only: bool,
) -> SideResult | None: ...


def _tesseract_side(
    pixels: np.ndarray,
    *,
    side: str,
    engine: OcrEngine,
    debug: _Debug,
    seconds: dict[str, float],
    vertical_only: bool = False,
) -> SideResult | None:
    """Read a side with Tesseract: card quad (or the whole image), rotation search, second readings.

    With ``vertical_only``, a side the rotation search does not read as vertical text (縦書き) stops there: None.
    """
    started = time.perf_counter()
    card, quad = prepare_card(pixels, debug)
    gray = flatten_light(to_gray(card))
    _timed(seconds, "find_card", started)
    debug.save("flattened", gray)
    dpi = max(70, round(max(gray.shape[:2]) / (CARD_LONG_SIDE_MM / 25.4)))
    started = time.perf_counter()
    recognition = recognize_upright(gray, engine, dpi=dpi)
    _timed(seconds, "tesseract_first", started)
    if vertical_only and recognition.lang != VERTICAL_LANG:
        return None
    upright = rotate(card, recognition.rotation)
    upright_gray = rotate(gray, recognition.rotation)
    debug.save("upright", upright_gray)

    started = time.perf_counter()
    vertical = recognition.lang == VERTICAL_LANG
    if vertical:
        lines = refine_columns(upright_gray, group_columns(recognition.words), engine, dpi=dpi)
    else:
        lines = group_lines(recognition.words)
    if recognition.lang == OCR_LANG:  # (an English first reading is already final)
        if detect_lang(lines) == "ja":
            lines = refine_japanese_lines(upright_gray, lines, engine, dpi=dpi)
        else:
            # An English card: the English model alone reads it best, so read it again whole.
            lines = group_lines(engine.recognize(upright_gray, lang=ENGLISH_LANG, psm=3, dpi=dpi))
    _timed(seconds, "tesseract_second", started)
    started = time.perf_counter()
    lang, fields = extract_fields(lines, side=side)
    if lang == "ja" and recognition.lang == OCR_LANG:
        fields = check_name(fields, upright_gray, engine, dpi=dpi, lines=lines)
        fields = find_missing_name(fields, upright_gray, lines, engine, dpi=dpi)
    _timed(seconds, "fields", started)
    text = "\n".join(line.text for line in lines)
    warnings: list[str] = []
    if quad is None:
        warnings.append(f"{side}: no card edge found; the whole image was read as a flat scan")
    if recognition.score < LOW_CONFIDENCE_WARNING:
        warnings.append(f"{side}: low recognition confidence ({recognition.score:.2f})")
    if vertical:
        warnings.append(f"{side}: read as vertical text (縦書き)")
    if debug.folder is not None:
        debug.save("lines", _draw_lines(upright, lines))
        debug.write_text("text.txt", text + "\n")
    return SideResult(
        side=side,
        lang=lang,
        fields=fields,
        text=text,
        image=reencode(upright, fmt="JPEG", quality=88),
        rotation=recognition.rotation,
        found_card=quad is not None,
        mean_confidence=recognition.score,
        warnings=warnings,
    )


def _draw_lines(image: np.ndarray, lines: list[Line]) -> np.ndarray:
    out = image.copy()
    for line in lines:
        x, y, w, h = line.box
        color = (0, 160, 0) if line.confidence >= 0.7 else (220, 0, 0)
        cv2.rectangle(out, (x, y), (x + w, y + h), color, 2)
    return out


# Fields whose value does not depend on the language a side is printed in.
_NEUTRAL_FIELDS = {"email", "url", "phone", "mobile", "fax", "postal_code"}


def merge_sides(front: SideResult, back: SideResult | None) -> dict[str, Field]:
    """Merge the back into the front: fill gaps, and take the back's English name as romaji."""
    fields = dict(front.fields)
    if back is None:
        return fields
    for name, value in back.fields.items():
        if front.lang == "ja" and back.lang == "en":
            if name == "name":
                fields.setdefault("name_romaji", value)
                continue
            if name not in _NEUTRAL_FIELDS:
                continue
        current = fields.get(name)
        if current is None or (current.confidence < 0.5 and value.confidence > current.confidence + 0.2):
            fields[name] = value
    return fields


def scan_card(
    front: bytes,
    back: bytes | None = None,
    *,
    engine: OcrEngine | None = None,
    debug_dir: Path | None = None,
    limits: ScanLimits | None = None,
    recognizer: str | None = None,
    paddle: PaddleEngine | None = None,
) -> CardResult:
    """Read one card (front and optional back) and return its merged fields.

    ``recognizer`` is "tesseract", "ppocr" or "combined" (see ocr/README.md); by default
    ``default_recognizer()``, except that a caller handing in its own Tesseract-shaped
    ``engine`` without ``paddle`` gets the Tesseract pipeline it asked for.
    """
    started = time.perf_counter()
    limits = limits or ScanLimits()
    if recognizer is None:
        recognizer = "tesseract" if engine is not None and paddle is None else default_recognizer()
    if recognizer not in RECOGNIZERS:
        raise ValueError(f"unknown recognizer {recognizer!r}; use one of {', '.join(RECOGNIZERS)}")
    engine = engine or default_engine(timeout=limits.engine_timeout)
    sides = [
        scan_side(
            data,
            side=side,
            engine=engine,
            limits=limits,
            debug_dir=debug_dir,
            recognizer=recognizer,
            paddle=paddle,
        )
        for side, data in (("front", front), ("back", back))
        if data is not None
    ]
    fields, mended = mend_katakana(merge_sides(sides[0], sides[1] if len(sides) > 1 else None))
    fields, doubled = mend_doubled_letter(fields)
    fields, address_warnings = verify_address(fields)
    fields = calibrate_fields(fields)
    warnings = [w for s in sides for w in s.warnings] + mended + doubled + address_warnings
    if "name" not in fields:
        warnings.append("no name found")
    return CardResult(
        lang=sides[0].lang,
        fields=fields,
        text="\n\n".join(s.text for s in sides),
        warnings=warnings,
        seconds=time.perf_counter() - started,
        sides=sides,
        pipeline_version=PIPELINE_VERSION,
    )
