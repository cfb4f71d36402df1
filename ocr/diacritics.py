"""Marks printed over capitals that the recogniser leaves out.

PP-OCRv5 often reads an accented capital as the plain letter: RIVIÈRE as RIVIERE (cards-hard 0018), and, on names
rendered in DejaVu Serif and Sans, NUÑEZ as NUNEZ, ÅSTRÖM as ASTROM or AsTRÖM, GARCÍA as GARCIA, DUPRÉ as DUPRE
(which ones, depends on the font and size), though it reads é and ü in lower case (André, Célina on cards-hard).
Nothing else on a card tells: the e-mail address spells the name without accents either way. So the line's image
is looked at: a small mark that sits just above a tall glyph, where the reading has an unaccented capital, is a
mark the reading lost, and the field is held for review rather than stored misspelt.

``marks_over`` finds the marks from the line's ink alone (dots of i and j included); ``lost_marks`` keeps those
over a capital that the reading, placed by the recogniser's own steps (``PaddleEngine.positions``), has without a
mark.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

TALL = 0.75  # a glyph under a mark is at least this share of the line's tall glyphs (capitals, ascenders)
MARK = 0.4  # a mark is at most this share of the tall glyphs' height, and no wider than they are tall
GAP = 0.3  # share of that height a mark may float above its glyph
# A mark's ink is at least this share of the tall glyphs' height squared: accents over capitals measure 0.017 to
# 0.06 (cards-hard 0018, names rendered in DejaVu), the grain of a textured card that binarises into specks 0.009
# at most (cards-dev real-en).
MARK_INK = 0.012


def marks_over(crop: np.ndarray) -> list[float]:
    """Return the x (px of ``crop``, a text line, dark or light on its ground) of each small mark that sits wholly
    above a tall glyph, a little apart from it: accents, umlauts, rings and tildes over capitals, and the dots of
    i and j where lower case stands as tall as that. Marks cut by the crop's top edge are left out (they may be a
    line above's descenders)."""
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if ink.mean() > 127:  # light text on a dark ground
        ink = 255 - ink
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    boxes = [tuple(int(v) for v in stats[i]) for i in range(1, count)]
    if len(boxes) < 2:
        return []
    tall = float(np.percentile([h for _, _, _, h, _ in boxes], 90))
    out = []
    for x, y, w, h, ink_area in boxes:
        if y == 0 or h > MARK * tall or w > tall or ink_area < MARK_INK * tall * tall:
            continue
        middle = x + w / 2
        if any(
            bh >= TALL * tall and bx <= middle <= bx + bw and 0 <= by - (y + h) <= GAP * tall
            for bx, by, bw, bh, _ in boxes
        ):
            out.append(middle)
    return out


def lost_marks(read: Sequence[tuple[str, float]], marks: Sequence[float]) -> list[str]:
    """Return the characters of ``read`` (each with its x, as ``PaddleEngine.positions`` gives them) nearest to a
    mark of ``marks`` that are Latin capitals read without one (E for È); the dots of i and j, and marks over
    letters read with theirs, are not lost."""
    letters = [(ch, x) for ch, x in read if ch.strip()]
    out = []
    for mark in marks:
        if not letters:
            break
        ch, _ = min(letters, key=lambda item: abs(item[1] - mark))
        if ch.isascii() and ch.isupper():  # (È, Ü, Å are not ASCII)
            out.append(ch)
    return out
