"""The card pipeline: bytes -> intake -> card -> orientation -> recognition -> fields.

``scan_card`` is the entry point used by the CLI and the web service's worker.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ocr import PIPELINE_VERSION
from ocr.engine import OcrEngine, TesseractEngine, Word
from ocr.fields import detect_lang, extract_fields
from ocr.intake import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, load_image, reencode
from ocr.layout import Line, group_lines, make_line
from ocr.preprocess import (
    CARD_LONG_SIDE_MM,
    CardQuad,
    alignment_cue,
    find_card,
    fit_scan,
    flatten_light,
    rotate,
    to_gray,
    warp_card,
)
from ocr.result import CardResult, Field, SideResult

# Decoding larger than this buys nothing: the card is warped to OCR_LONG_SIDE anyway.
DECODE_LONG_SIDE = 2800
# The card's long side in pixels for recognition: ~280 dpi for a 91 mm card. Measured:
# larger costs time (Tesseract time grows with pixels) without gaining accuracy.
OCR_LONG_SIDE = 1000
OCR_LANG = "jpn+eng"
VERTICAL_LANG = "jpn_vert"
# Mean word confidence above which an orientation is accepted without trying others;
# upright cards score 0.75-0.95, upside-down or sideways text 0.25-0.45.
ACCEPT_CONFIDENCE = 0.62
# An alignment cue this close to zero (centred layout) says nothing about the rotation.
ALIGNMENT_DEAD_ZONE = 0.02
LOW_CONFIDENCE_WARNING = 0.6
# Lines read with less confidence than this get a second reading with REREAD_LANG.
REREAD_BELOW = 0.75
REREAD_LANG = "jpn"
REREAD_TEXT_HEIGHT = 40  # px; the text height the second reading scales each line to
MAX_EXTRA_REGIONS = 12


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
    h, w = gray.shape[:2]
    if best.score < ACCEPT_CONFIDENCE and h > w * 1.1:
        # A portrait card that reads badly horizontally may be printed vertically (縦書き).
        words = engine.recognize(gray, lang=VERTICAL_LANG, psm=5, dpi=dpi)
        vertical = Recognition(rotation=0, words=words, score=recognition_score(words), lang=VERTICAL_LANG)
        if vertical.score > best.score:
            best = vertical
    return best


def _suspect_latin(line: Line) -> bool:
    """On a Japanese card, a line with Latin letters but no digits, @ or / may be misread kanji."""
    text = line.text
    if not re.search(r"[A-Za-z]", text) or re.search(r"[\d@/]", text):
        return False
    # A clean romaji name or English slogan reads with high confidence; keep those.
    return line.confidence < 0.9 or bool(re.search(r"[\u3040-\u9fff]", text))


def uncovered_text_boxes(gray: np.ndarray, lines: list[Line]) -> list[tuple[int, int, int, int]]:
    """Find line-shaped ink regions that no recognised word covers (text the layout step dropped)."""
    h, w = gray.shape
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 25)
    covered = np.zeros_like(ink)
    for ln in lines:
        x, y, bw, bh = ln.box
        m = 4 + int(0.4 * ln.height)
        cv2.rectangle(covered, (x - m, y - m), (x + bw + m, y + bh + m), 255, thickness=cv2.FILLED)
    ink[covered > 0] = 0
    margin = int(min(h, w) * 0.03)
    ink[:margin] = 0
    ink[h - margin :] = 0
    ink[:, :margin] = 0
    ink[:, w - margin :] = 0
    blobs = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 5)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(blobs)
    boxes = []
    for i in range(1, count):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        fill = np.count_nonzero(ink[y : y + bh, x : x + bw]) / max(1, bw * bh)
        # Text lines are wider than tall, not tiny, not solid (a logo disc or a colour bar).
        if 14 <= bh <= h * 0.2 and bw >= 1.5 * bh and 0.08 <= fill <= 0.6:
            boxes.append((x, y, bw, bh))
    return boxes[:MAX_EXTRA_REGIONS]


def reread_weak_lines(
    gray: np.ndarray, lines: list[Line], engine: OcrEngine, *, dpi: int, lang: str = REREAD_LANG
) -> list[Line]:
    """Read weak lines and missed text regions again with the Japanese model, keep what is better.

    With ``jpn+eng`` Tesseract sometimes lets the English model take over a line of large
    or coloured kanji ("中村te"), and its layout analysis can drop a large title or name.
    Each such line is cut out, scaled to a uniform text height (very large type reads
    badly) and stacked into one image, so the second opinion costs one engine call.
    """
    japanese = detect_lang(lines) == "ja"
    weak: list[Line | None] = [
        ln for ln in lines if ln.box[3] >= 8 and (ln.confidence < REREAD_BELOW or (japanese and _suspect_latin(ln)))
    ]
    boxes = [ln.box for ln in weak if ln is not None]
    for box in uncovered_text_boxes(gray, lines):
        weak.append(None)
        boxes.append(box)
    if not boxes:
        return lines
    pad = 16
    crops: list[np.ndarray] = []
    placements: list[tuple[int, int, int, float]] = []  # (y in stack, x0, y0 in card, scale)
    y_stack = pad
    for x, y, w, h in boxes:
        m = max(4, h // 4)
        x0, y0 = max(0, x - m), max(0, y - m)
        x1, y1 = min(gray.shape[1], x + w + m), min(gray.shape[0], y + h + m)
        crop = gray[y0:y1, x0:x1]
        scale = float(np.clip(REREAD_TEXT_HEIGHT / max(1, h), 0.4, 2.0))
        if abs(scale - 1.0) > 0.1:
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        crops.append(crop)
        placements.append((y_stack, x0, y0, scale))
        y_stack += crop.shape[0] + pad
    width = max(c.shape[1] for c in crops) + 2 * pad
    stack = np.full((y_stack, width), 255, dtype=np.uint8)
    for crop, (ys, _, _, _) in zip(crops, placements, strict=True):
        stack[ys : ys + crop.shape[0], pad : pad + crop.shape[1]] = crop
    words = engine.recognize(stack, lang=lang, psm=6, dpi=dpi)
    by_crop: dict[int, list[Word]] = {}
    for word in words:
        cy = word.box[1] + word.box[3] / 2
        for i, (crop, (ys, x0, y0, scale)) in enumerate(zip(crops, placements, strict=True)):
            if ys <= cy < ys + crop.shape[0]:
                bx, by, bw, bh = word.box
                box = (round((bx - pad) / scale) + x0, round((by - ys) / scale) + y0, round(bw / scale), round(bh / scale))
                by_crop.setdefault(i, []).append(Word(text=word.text, confidence=word.confidence, box=box,
                                                      line_key=(10_000 + i, 0, 0)))
                break
    replaced: dict[int, Line] = {}
    added: list[Line] = []
    for i, old in enumerate(weak):
        new_words = by_crop.get(i)
        if not new_words:
            continue
        new_words.sort(key=lambda w: w.box[0])
        candidate = make_line(new_words)
        if old is None:
            known = "".join(ln.compact for ln in lines)
            alnum = sum(ch.isalnum() for ch in candidate.compact)
            if candidate.confidence >= 0.6 and alnum >= 2 and candidate.compact not in known:
                added.append(candidate)
        elif candidate.text and candidate.confidence > old.confidence + 0.05:
            replaced[id(old)] = candidate
    merged = [replaced.get(id(ln), ln) for ln in lines] + added
    merged.sort(key=lambda ln: (ln.box[1] + ln.box[3] / 2, ln.box[0]))
    return merged


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
        card = fit_scan(pixels, long_side=OCR_LONG_SIDE)
    debug.save("card", card)
    return card, quad


def scan_side(
    data: bytes,
    *,
    side: str = "front",
    engine: OcrEngine,
    limits: ScanLimits,
    debug_dir: Path | None = None,
) -> SideResult:
    """Run the whole pipeline on one image."""
    debug = _Debug(debug_dir, side)
    decoded = load_image(data, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels, max_side=DECODE_LONG_SIDE)
    debug.save("decoded", decoded.pixels)
    card, quad = prepare_card(decoded.pixels, debug)
    gray = flatten_light(to_gray(card))
    debug.save("flattened", gray)
    dpi = max(70, round(max(gray.shape[:2]) / (CARD_LONG_SIDE_MM / 25.4)))
    recognition = recognize_upright(gray, engine, dpi=dpi)
    upright = rotate(card, recognition.rotation)
    upright_gray = rotate(gray, recognition.rotation)
    debug.save("upright", upright_gray)

    lines = group_lines(recognition.words)
    if recognition.lang == OCR_LANG:
        lines = reread_weak_lines(upright_gray, lines, engine, dpi=dpi)
    lang, fields = extract_fields(lines, side=side)
    text = "\n".join(line.text for line in lines)
    warnings: list[str] = []
    if quad is None:
        warnings.append(f"{side}: no card edge found; the whole image was read as a flat scan")
    if recognition.score < LOW_CONFIDENCE_WARNING:
        warnings.append(f"{side}: low recognition confidence ({recognition.score:.2f})")
    if recognition.lang == VERTICAL_LANG:
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
) -> CardResult:
    """Read one card (front and optional back) and return its merged fields."""
    started = time.perf_counter()
    limits = limits or ScanLimits()
    engine = engine or TesseractEngine(timeout=limits.engine_timeout)
    sides = [scan_side(front, side="front", engine=engine, limits=limits, debug_dir=debug_dir)]
    if back is not None:
        sides.append(scan_side(back, side="back", engine=engine, limits=limits, debug_dir=debug_dir))
    fields = merge_sides(sides[0], sides[1] if len(sides) > 1 else None)
    warnings = [w for s in sides for w in s.warnings]
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
