"""Vertical cards (縦書き): second readings of the columns the first reading got wrong.

The first reading of a whole vertical card reads large type badly: a name set at twice the size of the
rest comes back split into pieces (郎 as 良 and 阝). Read alone, scaled to the size the model reads
best, the same column comes back whole. Vertical cards are the rare path, so each column gets its own
engine call instead of the stacked crops of ``ocr.reread``.
"""

from __future__ import annotations

import numpy as np

from ocr.engine import OcrEngine, Word
from ocr.layout import Line, make_line
from ocr.preprocess import framed_for_reading

VERTICAL_LANG = "jpn_vert"
REREAD_CHAR_SIZE = 24  # px; the character width a column is scaled to for its second reading
REREAD_BELOW = 0.75  # columns read with less confidence than this are read again
PROMINENT_RATIO = 1.4  # columns set this many times larger than the median (the name) are read again
MAX_REREADS = 4
PAD = 16


def _free_sides(column: Line, columns: list[Line]) -> tuple[float, float]:
    """Blank space left and right of a column, up to the nearest column beside it (half the gap each)."""
    x, y, w, h = column.box
    left = right = float("inf")
    for other in columns:
        ox, oy, ow, oh = other.box
        if other is column or min(y + h, oy + oh) <= max(y, oy):
            continue
        if ox + ow <= x + w / 2:
            left = min(left, (x - (ox + ow)) / 2)
        elif ox >= x + w / 2:
            right = min(right, (ox - (x + w)) / 2)
    return left, right


def read_column(
    gray: np.ndarray,
    column: Line,
    engine: OcrEngine,
    *,
    dpi: int,
    min_size: float = 1.0,
    free: tuple[float, float] = (float("inf"), float("inf")),
) -> Line | None:
    """Read one column crop alone (psm 5), scaled to REREAD_CHAR_SIZE; boxes map back into ``gray``.

    A garbled first reading can leave a column's boxes narrower than its characters (Latin digits
    stacked in a column read as slivers), so the type size is at least ``min_size``, and the crop
    leaves three quarters of a character each side, but no more than the ``free`` space left and right.
    """
    x, y, w, h = column.box
    size = max(1.0, min_size, column.height)
    reach = size * 0.75
    left, right = (max(2, round(min(reach, side))) for side in free)
    my = max(4, round(size / 2))
    x0, y0 = max(0, x - left), max(0, y - my)
    crop = gray[y0 : y + h + my, x0 : x + w + right]
    if crop.size == 0:
        return None
    scale = float(np.clip(REREAD_CHAR_SIZE / size, 0.3, 2.0))
    framed = framed_for_reading(crop, scale, PAD)
    words = [
        Word(
            text=word.text,
            confidence=word.confidence,
            box=(
                round((word.box[0] - PAD) / scale) + x0,
                round((word.box[1] - PAD) / scale) + y0,
                round(word.box[2] / scale),
                round(word.box[3] / scale),
            ),
            line_key=column.words[0].line_key,
        )
        for word in engine.recognize(framed, lang=VERTICAL_LANG, psm=5, dpi=dpi)
    ]
    line = make_line(sorted(words, key=lambda wd: wd.box[1]), vertical=True) if words else None
    return line if line is not None and line.text else None


def refine_columns(gray: np.ndarray, columns: list[Line], engine: OcrEngine, *, dpi: int) -> list[Line]:
    """Read weak and prominent columns again, alone; keep a second reading only when it is more confident."""
    if not columns:
        return columns
    sizes = sorted(c.height for c in columns)
    median = sizes[len(sizes) // 2]
    wanted = [c for c in columns if c.confidence < REREAD_BELOW or c.height >= PROMINENT_RATIO * median]
    wanted = sorted(wanted, key=lambda c: (c.height < PROMINENT_RATIO * median, c.confidence))[:MAX_REREADS]
    out = list(columns)
    for column in wanted:
        second = read_column(
            gray, column, engine, dpi=dpi, min_size=median, free=_free_sides(column, columns)
        )
        if second is not None and second.confidence > column.confidence:
            out[out.index(column)] = second
    return out
