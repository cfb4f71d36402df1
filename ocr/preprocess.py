"""Image stages before recognition: find the card, flatten it, fix rotation and light.

Every stage is a small function on numpy arrays (RGB or grayscale ``uint8``) so it can
be tested on synthetic images. OpenCV only ever sees arrays decoded by ``ocr.intake``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# A business card is 91 x 55 mm (Japan) or 89 x 51 mm (US); we warp to this long side.
CARD_LONG_SIDE = 1400
CARD_LONG_SIDE_MM = 91.0
_DETECT_SIDE = 640
_MIN_CARD_AREA = 0.08  # of the image, below this a "card" is probably a logo or a shadow
_MAX_CARD_AREA = 0.92  # above this the card fills the frame: treat as a flat scan
_MIN_FILL = 0.80  # contour area / quad area, rejects blobs that are not quadrilaterals
# Long side / short side of a card seen in perspective (a flat card is about 1.65).
_MIN_ASPECT = 1.15
_MAX_ASPECT = 2.6
_MIN_EDGE_SUPPORT = 0.4
_SNAP = 3  # pixels (at _DETECT_SIDE) a quad's side may be shifted across itself to meet the card's edge
_SNAPPED = 0.95  # edge support of a quad whose sides were shifted: straight edges all round
_MIN_QUAD_SCORE = 0.6  # edge support x fill; below it the "card" is more likely a printed band


@dataclass(frozen=True)
class CardQuad:
    """Four corners (tl, tr, br, bl) in the coordinates of the image they were found in."""

    points: np.ndarray  # float32, shape (4, 2)
    score: float

    def scaled(self, factor: float) -> CardQuad:
        """Return the quad with coordinates multiplied by ``factor``."""
        return CardQuad(points=(self.points * factor).astype(np.float32), score=self.score)


def to_gray(image: np.ndarray) -> np.ndarray:
    """Return a grayscale copy of an RGB image (or the image itself if already gray)."""
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def resize_long_side(image: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    """Downscale so the longer side is at most ``long_side``; return the image and the factor used."""
    h, w = image.shape[:2]
    factor = min(1.0, long_side / max(h, w))
    if factor >= 1.0:
        return image, 1.0
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor


def order_quad(points: np.ndarray) -> np.ndarray:
    """Order four corners clockwise, starting at the top-left: the corner whose edge to the next points most
    nearly to the right.

    Going round the centre by angle holds for any turn of the box: sorting by x (a column tilted more than a few
    degrees then starts at its bottom-left, and its crop lies on its side) or by x+y and y-x (a box at 45 degrees
    gives one corner twice) does not.
    """
    pts = np.asarray(points, dtype=np.float32).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    ring = pts[np.argsort(angles)]  # image y down: growing angles go clockwise
    edges = np.roll(ring, -1, axis=0) - ring
    rightward = edges[:, 0] / np.maximum(np.hypot(edges[:, 0], edges[:, 1]), 1e-6)
    return np.roll(ring, -int(np.argmax(rightward)), axis=0).astype(np.float32)


def _foreground_mask(small: np.ndarray) -> np.ndarray:
    """Mark pixels whose colour differs from the image border (the background)."""
    lab = cv2.cvtColor(cv2.GaussianBlur(small, (5, 5), 0), cv2.COLOR_RGB2LAB).astype(np.float32)
    h, w = lab.shape[:2]
    m = max(2, int(min(h, w) * 0.03))
    border_mask = np.zeros((h, w), dtype=bool)
    border_mask[:m] = border_mask[-m:] = True
    border_mask[:, :m] = border_mask[:, -m:] = True
    # The background is modelled as a smooth quadratic surface fitted to the image border,
    # so light gradients and vignetting on the desk are not mistaken for the card.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    xx /= w
    yy /= h
    basis = np.stack([np.ones_like(xx), xx, yy, xx * yy, xx**2, yy**2], axis=-1)
    b_border = basis[border_mask]
    border = lab[border_mask]
    coef, *_ = np.linalg.lstsq(b_border, border, rcond=None)
    background = basis.reshape(-1, 6) @ coef
    diff = lab - background.reshape(h, w, 3)
    # Lightness differences are down-weighted: shadows and vignetting change L, not colour.
    dist = np.sqrt(0.5 * diff[:, :, 0] ** 2 + diff[:, :, 1] ** 2 + diff[:, :, 2] ** 2)
    spread = float(np.percentile(dist[border_mask], 90))
    dist8 = np.clip(dist, 0, 255).astype(np.uint8)
    otsu, _ = cv2.threshold(dist8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    thresh = max(float(otsu), spread * 1.5, 12.0)
    mask = (dist > thresh).astype(np.uint8) * 255
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)


def _quad_from_contour(contour: np.ndarray) -> np.ndarray:
    hull = cv2.convexHull(contour)
    peri = cv2.arcLength(hull, True)
    for eps in (0.02, 0.03, 0.05, 0.08):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4:
            return approx.reshape(4, 2).astype(np.float32)
    return cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float32)


def _edge_map(small: np.ndarray) -> np.ndarray:
    gray = cv2.GaussianBlur(to_gray(small), (5, 5), 0)
    # Low fixed thresholds: a light card on a light desk has a faint edge.
    edges = cv2.Canny(gray, 8, 24)
    return cv2.dilate(edges, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))


def _edge_support(edges: np.ndarray, quad: np.ndarray, shift: int = 0) -> tuple[float, float]:
    """Return the share of points along the quad's sides that lie on an edge pixel, as traced and with each side
    shifted across itself by up to ``shift`` pixels to where it meets the most.

    Points on the image border are left out: a card cut off by the frame has no edge there, and that must not
    count against it.
    """
    h, w = edges.shape
    traced = [0, 0]  # hits, points
    shifted = [0, 0]
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        length = float(np.linalg.norm(b - a))
        t = np.linspace(0.05, 0.95, max(8, int(length / 3)))[:, None]
        normal = np.array([a[1] - b[1], b[0] - a[0]]) / max(1.0, length)
        best, count = -1, 0
        for offset in sorted(range(-shift, shift + 1), key=abs):  # offset 0 first
            pts = np.rint(a + (b - a) * t + normal * offset).astype(int)
            inside = (pts[:, 0] >= 3) & (pts[:, 0] < w - 3) & (pts[:, 1] >= 3) & (pts[:, 1] < h - 3)
            pts = pts[inside]
            found = int(np.count_nonzero(edges[pts[:, 1], pts[:, 0]]))
            if offset == 0:
                traced[0] += found
                traced[1] += len(pts)
            if found > best:
                best, count = found, len(pts)
        shifted[0] += best
        shifted[1] += count
    return _share(*traced), _share(*shifted)


def _share(hits: int, total: int) -> float:
    return hits / total if total >= 40 else 0.0


def _snapped_support(edges: np.ndarray, quad: np.ndarray) -> float:
    """Return the quad's edge support as traced or, when each side shifted by up to ``_SNAP`` pixels lies on the
    card's edge almost all along (``_SNAPPED``), as shifted.

    A quad traced from the colour mask (found at half size, smoothed and closed) can lie a pixel or three off the
    card's edge, which the thin edge map then misses along a whole side (a light card on a grained desk). A
    printed band or a block of text does not line up with straight edges all round once shifted.
    """
    traced, snapped = _edge_support(edges, quad, _SNAP)
    return snapped if snapped >= _SNAPPED else traced


def _aspect(quad: np.ndarray) -> float:
    tl, tr, br, bl = quad
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    return float(max(width, height)) / max(1.0, float(min(width, height)))


def _candidate_quads(small: np.ndarray, *, with_colour: bool = True) -> list[tuple[np.ndarray, float]]:
    """Yield (quad, fill ratio) for the biggest regions of two segmentations: colour and edges."""
    area_img = float(small.shape[0] * small.shape[1])
    masks = []
    edges = _edge_map(small)
    closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    filled = np.zeros_like(closed)
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    masks.append(filled)
    if with_colour:
        # The colour mask is computed at half the size: it only needs the card's outline.
        half, _ = resize_long_side(small, max(small.shape[:2]) // 2)
        colour = _foreground_mask(half)
        masks.append(cv2.resize(colour, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_NEAREST))
    out = []
    for mask in masks:
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
            area = cv2.contourArea(contour)
            if not (_MIN_CARD_AREA * area_img <= area <= _MAX_CARD_AREA * area_img):
                continue
            quad = order_quad(_quad_from_contour(contour))
            quad_area = cv2.contourArea(quad.reshape(-1, 1, 2))
            if quad_area > _MAX_CARD_AREA * area_img:
                continue  # the whole frame: a flat scan, not a card in a photo
            fill = area / quad_area if quad_area > 0 else 0.0
            if fill >= _MIN_FILL and _MIN_ASPECT <= _aspect(quad) <= _MAX_ASPECT:
                out.append((quad, min(1.0, fill)))
    return out


def find_card(image: np.ndarray) -> CardQuad | None:
    """Find the card's four corners in a photo, or None for a flat scan (no edge to find).

    Candidates come from a colour segmentation against the background and from an edge
    map; the winner is the one whose sides best follow image edges, weighted by its size.
    """
    rgb = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    small, factor = resize_long_side(rgb, _DETECT_SIDE)
    edges = _edge_map(small)
    area_img = float(small.shape[0] * small.shape[1])
    best: CardQuad | None = None
    best_rank = 0.0
    # The edge segmentation alone usually finds a clean card; the colour one is the fallback.
    for with_colour in (False, True):
        for quad, fill in _candidate_quads(small, with_colour=with_colour):
            support = _snapped_support(edges, quad)
            area = cv2.contourArea(quad.reshape(-1, 1, 2)) / area_img
            rank = support * fill * np.sqrt(area)
            if support >= _MIN_EDGE_SUPPORT and rank > best_rank:
                best_rank = rank
                best = CardQuad(points=quad / factor, score=float(support * fill))
        if best is not None and best.score >= 0.85:
            break
    if best is not None and best.score < _MIN_QUAD_SCORE:
        return None
    return best


def card_transform(quad: CardQuad, *, long_side: int = CARD_LONG_SIDE) -> tuple[np.ndarray, tuple[int, int]]:
    """Return the perspective matrix that flattens the card and the (width, height) it flattens to."""
    tl, tr, br, bl = quad.points
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    factor = long_side / max(float(width), float(height), 1.0)
    out_w, out_h = max(1, round(width * factor)), max(1, round(height * factor))
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], dtype=np.float32)
    return cv2.getPerspectiveTransform(quad.points.astype(np.float32), dst), (out_w, out_h)


def warp_card(image: np.ndarray, quad: CardQuad, *, long_side: int = CARD_LONG_SIDE) -> np.ndarray:
    """Perspective-correct the card to a rectangle whose longer side is ``long_side``."""
    matrix, size = card_transform(quad, long_side=long_side)
    tl, tr, _, bl = quad.points
    shrinking = max(size) < max(float(np.linalg.norm(tr - tl)), float(np.linalg.norm(bl - tl)))
    return cv2.warpPerspective(
        image,
        matrix,
        size,
        flags=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def fit_scan(image: np.ndarray, *, long_side: int = CARD_LONG_SIDE) -> np.ndarray:
    """Resize a flat scan (the whole image is the card) to the normalised resolution."""
    h, w = image.shape[:2]
    factor = long_side / max(h, w)
    if abs(factor - 1.0) < 0.02:
        return image
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=interp)


def rotate(image: np.ndarray, degrees: int) -> np.ndarray:
    """Rotate by a multiple of 90 degrees clockwise."""
    turns = (degrees // 90) % 4
    if turns == 0:
        return image
    codes = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[turns])


def flatten_light(gray: np.ndarray) -> np.ndarray:
    """Divide by an estimate of the background to remove shadows and uneven light."""
    h, w = gray.shape
    small, _ = resize_long_side(gray, 200)
    k = max(3, (min(small.shape) // 8) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.GaussianBlur(background, (k, k), 0)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, np.maximum(background, 1), scale=255)
    return flat


def alignment_cue(gray: np.ndarray) -> float:
    """Score how much more ragged the right ends of text lines are than the left ends.

    Positive for left-aligned text (most cards), negative when the same card is upside
    down; near zero for centred layouts. Used only to choose which rotation to try first.
    """
    small, _ = resize_long_side(gray, 600)
    ink = cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 20)
    h, w = ink.shape
    mx, my = int(w * 0.04), int(h * 0.04)
    ink[:my] = 0
    ink[h - my :] = 0
    ink[:, :mx] = 0
    ink[:, w - mx :] = 0
    rows = ink.sum(axis=1) > 2
    lefts: list[int] = []
    rights: list[int] = []
    y = 0
    while y < h:
        if not rows[y]:
            y += 1
            continue
        start = y
        while y < h and rows[y]:
            y += 1
        if y - start < 4:
            continue
        cols = np.flatnonzero(ink[start:y].sum(axis=0) > 0)
        if cols.size and cols[-1] - cols[0] > w * 0.15:
            lefts.append(int(cols[0]))
            rights.append(int(cols[-1]))
    if len(lefts) < 3:
        return 0.0
    return float((np.std(rights) - np.std(lefts)) / w)


def skew_angle(gray: np.ndarray) -> float:
    """Return the counter-clockwise rotation (degrees) that makes the text lines level, 0 if unsure.

    Used when no card edge was found (a card filling the frame, or cut by it): text lines
    are smeared into long blobs whose minimum-area rectangles give their angles.
    """
    small, _ = resize_long_side(gray, 800)
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    blobs = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 3)))
    contours, _ = cv2.findContours(blobs, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    angles: list[float] = []
    weights: list[float] = []
    for contour in contours:
        rect = cv2.minAreaRect(contour)
        w, h = rect[1]
        long_side, short_side = max(w, h), min(w, h)
        if short_side < 4 or long_side < 5 * short_side or long_side < 60:
            continue
        corners = cv2.boxPoints(rect)
        edges = [corners[(i + 1) % 4] - corners[i] for i in range(2)]
        dx, dy = max(edges, key=lambda e: float(np.hypot(*e)))
        tilt = float(np.degrees(np.arctan2(dy, dx)))  # the long side's direction, image y down
        tilt = (tilt + 90) % 180 - 90  # into [-90, 90)
        if abs(tilt) > 45:
            continue  # a vertical blob: not a horizontal text line
        angles.append(tilt)
        weights.append(float(long_side))
    if len(angles) < 3:
        return 0.0
    order = np.argsort(angles)
    cumulative = np.cumsum(np.asarray(weights)[order])
    median = float(np.asarray(angles)[order][np.searchsorted(cumulative, cumulative[-1] / 2)])
    spread = float(np.median(np.abs(np.asarray(angles) - median)))
    return median if spread < 4.0 else 0.0


def deskew(image: np.ndarray, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees counter-clockwise about the centre, keeping the whole image."""
    if abs(angle) < 1.0:
        return image
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    return cv2.warpAffine(
        image, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def framed_for_reading(crop: np.ndarray, scale: float, pad: int) -> np.ndarray:
    """Scale a crop (area averaging down, cubic up) and frame it in ``pad`` px of white for a second reading."""
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interp)
    return cv2.copyMakeBorder(scaled, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
