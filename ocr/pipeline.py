"""The card pipeline: bytes -> intake -> card -> orientation -> recognition -> fields.

``scan_card`` is the entry point used by the CLI and the web service's worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ocr import PIPELINE_VERSION
from ocr.engine import OcrEngine, Word, default_engine
from ocr.fields import detect_lang, extract_fields
from ocr.intake import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, load_image, reencode
from ocr.layout import Line, group_lines, make_line, merge_row_fragments
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
from ocr.result import CardResult, Field, SideResult

# Decoding larger than this buys nothing: the card is warped to OCR_LONG_SIDE anyway.
DECODE_LONG_SIDE = 2800
# The card's long side in pixels for recognition: ~280 dpi for a 91 mm card. Measured:
# larger costs time (Tesseract time grows with pixels) without gaining accuracy.
OCR_LONG_SIDE = 1000
OCR_LANG = "jpn"
VERTICAL_LANG = "jpn_vert"
# Mean word confidence above which an orientation is accepted without trying others;
# upright cards score 0.75-0.95, upside-down or sideways text 0.25-0.45.
ACCEPT_CONFIDENCE = 0.62
# An alignment cue this close to zero (centred layout) says nothing about the rotation.
ALIGNMENT_DEAD_ZONE = 0.02
LOW_CONFIDENCE_WARNING = 0.6
# Lines read with less confidence than this get a second reading with REREAD_LANG.
REREAD_BELOW = 0.75
REREAD_LANG = "jpn+eng"
ENGLISH_LANG = "eng"
REREAD_TEXT_HEIGHT = 40  # px; the text height the second reading scales each line to
MAX_EXTRA_REGIONS = 12
PROMINENT_RATIO = 1.4  # ink lines this many times taller than the median are re-read (name, company)


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
        for rotation in candidates[:2]:
            words = engine.recognize(rotate(gray, rotation), lang=ENGLISH_LANG, psm=3, dpi=dpi)
            english = Recognition(
                rotation=rotation, words=words, score=recognition_score(words), lang=ENGLISH_LANG
            )
            if english.score > best.score:
                best = english
            if english.score >= ACCEPT_CONFIDENCE:
                break
    h, w = gray.shape[:2]
    if best.score < ACCEPT_CONFIDENCE and h > w * 1.1:
        # A portrait card that reads badly horizontally may be printed vertically (縦書き).
        words = engine.recognize(gray, lang=VERTICAL_LANG, psm=5, dpi=dpi)
        vertical = Recognition(rotation=0, words=words, score=recognition_score(words), lang=VERTICAL_LANG)
        if vertical.score > best.score:
            best = vertical
    return best


def text_blobs(gray: np.ndarray, *, exclude: list[Line] | None = None) -> list[tuple[int, int, int, int]]:
    """Find line-shaped ink regions, optionally ignoring ink that the given lines already cover."""
    h, w = gray.shape
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 25)
    if exclude:
        covered = np.zeros_like(ink)
        for ln in exclude:
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
        x, y, bw, bh, _area = (int(v) for v in stats[i])
        fill = np.count_nonzero(ink[y : y + bh, x : x + bw]) / max(1, bw * bh)
        # Text lines are wider than tall, not tiny, not solid (a logo disc or a colour bar).
        if 14 <= bh <= h * 0.2 and bw >= 1.5 * bh and 0.08 <= fill <= 0.6:
            boxes.append((x, y, bw, bh))
    return boxes


def prominent_rows(lines: list[Line]) -> list[tuple[int, int, int, int]]:
    """Boxes of rows set in large type (the name, the company), merged with fragments beside them.

    Tesseract sometimes splits a large name into pieces ("BE" / "BR晃"); the union of the
    pieces on the same row is what gets read again.
    """
    if len(lines) < 3:
        return []
    heights = sorted(ln.height for ln in lines)
    median = heights[len(heights) // 2]
    rows: list[tuple[int, int, int, int]] = []
    for ln in lines:
        if ln.height < PROMINENT_RATIO * median:
            continue
        x0, y0, w, h = ln.box
        x1, y1 = x0 + w, y0 + h
        for other in lines:
            ox, oy, ow, oh = other.box
            center = oy + oh / 2
            same_row = y0 <= center <= y1 and other.height >= 0.5 * ln.height
            gap = max(ox - x1, x0 - (ox + ow), 0)  # 0 when the boxes overlap
            if other is not ln and same_row and gap < 2.5 * h:
                x0, y0, x1, y1 = min(x0, ox), min(y0, oy), max(x1, ox + ow), max(y1, oy + oh)
        box = (x0, y0, x1 - x0, y1 - y0)
        if box not in rows:
            rows.append(box)
    return rows


def _center_inside(line: Line, box: tuple[int, int, int, int]) -> bool:
    x, y, w, h = box
    cx, cy = line.box[0] + line.box[2] / 2, line.box[1] + line.box[3] / 2
    return x <= cx <= x + w and y <= cy <= y + h


def _latin_dominant(line: Line) -> bool:
    chars = [c for c in line.compact if not c.isspace()]
    return bool(chars) and sum(c.isascii() for c in chars) >= 0.7 * len(chars)


def reread_lines(
    gray: np.ndarray, boxes: list[tuple[int, int, int, int]], engine: OcrEngine, *, lang: str, dpi: int
) -> list[Line | None]:
    """Read the given line boxes again, stacked into one image (one engine call for all).

    Each crop is scaled to a uniform text height first: very large type (names, logos)
    reads badly at print size. Returns one Line (or None when nothing was read) per box,
    with word boxes mapped back into ``gray`` coordinates.
    """
    if not boxes:
        return []
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
            interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interp)
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
                box = (
                    round((bx - pad) / scale) + x0,
                    round((by - ys) / scale) + y0,
                    round(bw / scale),
                    round(bh / scale),
                )
                by_crop.setdefault(i, []).append(
                    Word(
                        text=word.text,
                        confidence=word.confidence,
                        box=box,
                        line_key=(10_000 + i, 0, 0),
                        original_key=word.line_key,
                    )
                )
                break
    out: list[Line | None] = []
    for i, box in enumerate(boxes):
        found = _target_line(by_crop.get(i, []), box)
        line = make_line(sorted(found, key=lambda w: w.box[0])) if found else None
        out.append(line if line is not None and line.text else None)
    return out


def _target_line(words: list[Word], box: tuple[int, int, int, int]) -> list[Word]:
    """Keep the words of the text line nearest the crop's centre (a crop may catch a neighbour)."""
    groups: dict[tuple[int, int, int], list[Word]] = {}
    for word in words:
        groups.setdefault(word.original_key, []).append(word)
    if len(groups) <= 1:
        return words
    center = box[1] + box[3] / 2

    def distance(group: list[Word]) -> float:
        mid = sorted(w.box[1] + w.box[3] / 2 for w in group)[len(group) // 2]
        return abs(mid - center)

    return min(groups.values(), key=distance)


def refine_japanese_lines(gray: np.ndarray, lines: list[Line], engine: OcrEngine, *, dpi: int) -> list[Line]:
    """Second opinions on a Japanese card: two stacked engine calls, then keep the better readings.

    The ``jpn`` model reads kanji and kana best but garbles Latin text (④ for @, Www), so
    Latin lines (e-mail, URL, phones, romaji) are read again with ``jpn+eng``. Large type
    (the name, the company), weak lines and ink the layout step dropped or fragmented are
    read again with ``jpn``, cut from ink blobs rather than from the first reading's lines.
    """
    latin = [ln for ln in lines if _latin_dominant(ln)]
    prominent = prominent_rows(lines)[:MAX_EXTRA_REGIONS]
    weak = [
        ln
        for ln in lines
        if ln.confidence < REREAD_BELOW
        and not _latin_dominant(ln)
        and ln.box[3] >= 8
        and not any(_center_inside(ln, b) for b in prominent)
    ]
    uncovered = [b for b in text_blobs(gray, exclude=lines) if b not in prominent][:MAX_EXTRA_REGIONS]

    replaced: dict[int, Line] = {}
    removed: set[int] = set()
    added: list[Line] = []
    for old, new in zip(
        latin, reread_lines(gray, [ln.box for ln in latin], engine, lang=REREAD_LANG, dpi=dpi), strict=True
    ):
        # jpn is often confidently wrong on Latin text; trust the reading with English.
        if new is not None and new.confidence >= old.confidence - 0.15:
            replaced[id(old)] = new

    regions: list[tuple[int, int, int, int]] = [*prominent, *[ln.box for ln in weak], *uncovered]
    readings = reread_lines(gray, regions, engine, lang=OCR_LANG, dpi=dpi)
    known = "".join(ln.compact for ln in lines)
    for index, new in enumerate(readings):
        if new is None or not any(ch.isalnum() for ch in new.compact):
            continue
        box = regions[index]
        if index < len(prominent):
            inside = [ln for ln in lines if _center_inside(ln, box) and id(ln) not in removed]
            if not inside:
                if new.confidence >= 0.6 and new.compact not in known:
                    added.append(new)
                continue
            old_conf = sum(ln.confidence * len(ln.compact) for ln in inside) / max(
                1, sum(len(ln.compact) for ln in inside)
            )
            garbled = any(_latin_dominant(ln) for ln in inside) and not _latin_dominant(new)
            old_len = sum(len(ln.compact) for ln in inside)
            if len(new.compact) < 0.75 * old_len:
                continue  # a partial reading must not drop text
            if new.confidence > old_conf + 0.02 or (garbled and new.confidence >= 0.6):
                removed.update(id(ln) for ln in inside)
                added.append(new)
        elif index < len(prominent) + len(weak):
            old = weak[index - len(prominent)]
            if new.confidence > old.confidence + 0.05:
                replaced[id(old)] = new
        elif new.confidence >= 0.6 and len(new.compact) >= 2 and new.compact not in known:
            added.append(new)
    return merge_row_fragments([replaced.get(id(ln), ln) for ln in lines if id(ln) not in removed] + added)


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
    decoded = load_image(
        data, max_bytes=limits.max_bytes, max_pixels=limits.max_pixels, max_side=DECODE_LONG_SIDE
    )
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
    if recognition.lang == OCR_LANG:  # (an English first reading is already final)
        if detect_lang(lines) == "ja":
            lines = refine_japanese_lines(upright_gray, lines, engine, dpi=dpi)
        else:
            # An English card: the English model alone reads it best, so read it again whole.
            lines = group_lines(engine.recognize(upright_gray, lang=ENGLISH_LANG, psm=3, dpi=dpi))
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
    engine = engine or default_engine(timeout=limits.engine_timeout)
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
