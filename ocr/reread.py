"""Second readings: re-read the lines the first reading got wrong, in as few engine calls as possible.

Lines are cut out of the upright card, scaled to one text height and stacked into a single
image, so every second opinion costs one engine call however many lines need it.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.engine import OcrEngine, Word
from ocr.layout import Line, make_line, merge_row_fragments

JAPANESE_LANG = "jpn"  # second readings of kanji and kana
# Lines read with less confidence than this get a second reading.
REREAD_BELOW = 0.75
REREAD_LANG = "jpn+eng"
REREAD_TEXT_HEIGHT = 40  # px; the text height the second reading scales each line to
MAX_EXTRA_REGIONS = 12
PROMINENT_RATIO = 1.4  # rows this many times taller than the median line are re-read (name, company)


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
    readings = reread_lines(gray, regions, engine, lang=JAPANESE_LANG, dpi=dpi)
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
