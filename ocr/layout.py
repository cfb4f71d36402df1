"""Group engine words into text lines with a box, a size and a confidence."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ocr.engine import Word

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u3005\u3006\u301c\uff66-\uff9f]")
_GAP_SPLIT = 2.5  # a gap along a line (or column) wider than this many type sizes starts a new segment


@dataclass(frozen=True)
class Line:
    """A run of words on one text line (a segment: wide gaps split a line in two)."""

    text: str  # NFKC-normalised
    words: tuple[Word, ...]
    box: tuple[int, int, int, int]
    height: float  # median word height, the type size
    confidence: float  # character-weighted mean word confidence

    @property
    def weakest(self) -> float:
        """The lowest word confidence: one misread character makes a name wrong."""
        return min((w.confidence for w in self.words), default=0.0)

    @property
    def compact(self) -> str:
        """The text without any whitespace."""
        return re.sub(r"\s+", "", self.text)


def is_cjk(ch: str) -> bool:
    """Tell whether a character is kana or kanji."""
    return bool(_CJK.match(ch))


_CIRCLED_AT = re.compile(r"(?<=[A-Za-z0-9._\-])@?[④⑥©®ⓐ]@?(?=[A-Za-z0-9])")


def normalize(text: str) -> str:
    """NFKC-normalise and collapse whitespace.

    A circled 4 or 6 (or ©) between Latin characters is the OCR's reading of "@"; it is
    fixed before NFKC would turn ④ into a plain "4".
    """
    text = _CIRCLED_AT.sub("@", text)
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    return "".join(japanese_form(c) if not c.isascii() else c for c in text)


def _in_japanese_sets(ch: str) -> bool:
    """Tell whether a character is in Windows-31J or JIS X 0213 (every character Japanese print uses)."""
    for encoding in ("cp932", "euc_jis_2004"):
        try:
            ch.encode(encoding)
        except UnicodeEncodeError:
            continue
        return True
    return False


@functools.lru_cache(maxsize=4096)
def japanese_form(ch: str) -> str:
    """Return the Japanese form of a Chinese simplified or traditional character (产/產 -> 産, 岛 -> 島).

    A recognizer trained on Chinese as well as Japanese (PP-OCR) sometimes reads a kanji as its Chinese form;
    such a character is in no Japanese character set. OpenCC's simplified-to-traditional then
    traditional-to-Japanese tables give the form Japanese print uses; a character that is Japanese already
    (邉, 鷗, 𠮷 stay), or that has no Japanese form, is kept as read.
    """
    if _in_japanese_sets(ch) or not ch.isprintable():
        return ch
    converted = _to_japanese()(ch)
    if len(converted) == 1 and converted != ch and _in_japanese_sets(converted):
        return converted
    return ch


def variant_to_japanese(ch: str) -> str:
    """Return OpenCC's Japanese form of a character even when the character is in a Japanese set itself (an old
    form, 穗 -> 穂, or a Chinese one, 荣 -> 栄); for comparing with a dictionary's spelling, not for the reading."""
    converted = _to_japanese()(ch)
    return converted if len(converted) == 1 else ch


@functools.lru_cache(maxsize=1)
def _to_japanese() -> Callable[[str], str]:
    import opencc

    simplified_to_traditional = opencc.OpenCC("s2t")
    traditional_to_japanese = opencc.OpenCC("t2jp")
    return lambda ch: traditional_to_japanese.convert(simplified_to_traditional.convert(ch))


_KANJI_CLASS = "\u3400-\u9fff\uf900-\ufaff々"
# Katakana that Tesseract confuses with kanji of the same shape, fixed only between kanji.
_KANA_AS_KANJI = {"ニ": "二", "ロ": "口", "エ": "工", "カ": "力", "ハ": "八", "ー": "一", "タ": "夕"}
_KANA_BETWEEN_KANJI = re.compile(
    f"(?<=[{_KANJI_CLASS}])([{''.join(_KANA_AS_KANJI)}])(?=[{_KANJI_CLASS}]|$|\\s)"
)
MIN_FRAGMENT_CONFIDENCE = 0.1  # a piece of a column read with less is noise, not half of a character
_FLAT_STROKE_AFTER_KANJI = re.compile(f"(?<=[{_KANJI_CLASS}])[-ー−‐](?=[{_KANJI_CLASS}]|$|\\s)")
_HYPHEN_ENDING_KANJI = re.compile(f"(?<=[{_KANJI_CLASS}])[-−‐—―](?=$|\\s)")
_ORDINAL = re.compile("第([ニーー])")


KANJI_AS_KANA = {"二": "ニ", "口": "ロ", "工": "エ", "力": "カ", "八": "ハ", "夕": "タ", "卜": "ト"}
_KATAKANA_CLASS = "ァ-ヶ"
# A kanji look-alike touching katakana on both sides, or starting a katakana word (八イツ -> ハイツ).
_KANJI_IN_KATAKANA = re.compile(
    f"(?<=[{_KATAKANA_CLASS}ー])([{''.join(KANJI_AS_KANA)}])(?=[{_KATAKANA_CLASS}ー]|$|\\s|\\d)"
    f"|(?<![{_KANJI_CLASS}{_KATAKANA_CLASS}ー])([{''.join(KANJI_AS_KANA)}])(?=[{_KATAKANA_CLASS}ー]{{2}})"
)
# A flat stroke after katakana is the long-vowel mark (コ一ポ, コ-ト -> コーポ, コート).
_STROKE_IN_KATAKANA = re.compile(
    f"(?<=[{_KATAKANA_CLASS}])[一\\-−‐—](?=[{_KATAKANA_CLASS}{''.join(KANJI_AS_KANA)}]|$|\\s)"
)
_CHOME = re.compile(r"丁日(?=\d)")  # 丁目 with 目 read as 日


def fix_kana_kanji(text: str) -> str:
    """Replace look-alikes between kana and kanji by what their neighbours say they are.

    Katakana between kanji becomes kanji (山ロ -> 山口, 第ニ -> 第二); kanji and strokes among
    katakana become katakana (八イツ -> ハイツ, コ一卜 -> コート); 丁日 before a number is 丁目.
    """
    text = _ORDINAL.sub(lambda m: "第" + {"ニ": "二", "ー": "一"}[m.group(1)], text)
    text = _KANA_BETWEEN_KANJI.sub(lambda m: _KANA_AS_KANJI[m.group(1)], text)
    text = _STROKE_IN_KATAKANA.sub("ー", text)
    text = _KANJI_IN_KATAKANA.sub(lambda m: KANJI_AS_KANA[m.group(1) or m.group(2)], text)
    text = _STROKE_IN_KATAKANA.sub("ー", text)
    return _CHOME.sub("丁目", text)


def join_cjk(text: str) -> str:
    """Remove spaces that stand between two CJK characters (keep them between Latin words)."""
    return re.sub(
        r"(?<=[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々]) +(?=[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々])",
        "",
        text,
    )


def union_box(boxes: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    """Return the smallest (x, y, w, h) box containing all boxes."""
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def make_line(words: list[Word], *, vertical: bool = False) -> Line:
    """Build a Line from words in reading order (a column read top to bottom when ``vertical``).

    ``height`` is the type size: the median word height, or for a column the median word width.
    """
    along, size = (1, 2) if vertical else (0, 3)
    sizes = sorted(w.box[size] for w in words)
    height = float(sizes[len(sizes) // 2])
    parts: list[str] = []
    prev: Word | None = None
    for word in words:
        text = normalize(word.text)
        if not text:
            continue
        if prev is not None and parts:
            gap = word.box[along] - (prev.box[along] + prev.box[along + 2])
            touches_cjk = is_cjk(parts[-1][-1]) or is_cjk(text[0])
            # Tesseract splits Japanese into "words" at arbitrary points and its CJK word
            # boxes are loose; keep a space there only where the print has a wide gap.
            if not touches_cjk or gap > 0.6 * height:
                parts.append(" ")
        parts.append(text)
        prev = word
    text = fix_kana_kanji("".join(parts).strip())
    # In a column the long-vowel mark and the dash stand upright, so a flat stroke after a kanji is 一;
    # across, a hyphen ending a word after a kanji is 一 (健- -> 健一; a vertical card read turned gives it).
    text = (_FLAT_STROKE_AFTER_KANJI if vertical else _HYPHEN_ENDING_KANJI).sub("一", text)
    weights = [max(1, len(w.text)) for w in words]
    confidence = sum(w.confidence * n for w, n in zip(words, weights, strict=True)) / sum(weights)
    return Line(
        text=text,
        words=tuple(words),
        box=union_box([w.box for w in words]),
        height=height,
        confidence=confidence,
    )


def _runs(words: list[Word], *, vertical: bool) -> list[list[Word]]:
    """The engine's lines (columns when ``vertical``) in reading order, each split at a wide gap.

    A column is also split at a word that stands aside from its axis (a stray reading of the next
    column's ink).
    """
    along, size_of = (1, 2) if vertical else (0, 3)
    by_key: dict[tuple[int, int, int], list[Word]] = defaultdict(list)
    for word in words:
        by_key[word.line_key].append(word)
    runs: list[list[Word]] = []
    for group in by_key.values():
        group.sort(key=lambda w: w.box[along])
        sizes = sorted(w.box[size_of] for w in group)
        size = max(1, sizes[len(sizes) // 2])  # the type size; punctuation boxes are tiny
        run: list[Word] = [group[0]]
        for word in group[1:]:
            prev = run[-1]
            split = word.box[along] - (prev.box[along] + prev.box[along + 2]) > _GAP_SPLIT * size
            if vertical and not split:
                axis = sorted(w.box[0] + w.box[2] / 2 for w in run)[len(run) // 2]
                split = abs(word.box[0] + word.box[2] / 2 - axis) > 0.5 * size
            if split:
                runs.append(run)
                run = [word]
            else:
                run.append(word)
        runs.append(run)
    return runs


def group_lines(words: list[Word]) -> list[Line]:
    """Group words by the engine's line numbers, split at wide gaps, sort top to bottom."""
    lines = [make_line(run) for run in _runs(words, vertical=False)]
    return merge_row_fragments([line for line in lines if line.text])


def group_columns(words: list[Word]) -> list[Line]:
    """Group words read as vertical text (縦書き) into columns, each read top to bottom, ordered right to left."""
    columns = [make_line(run, vertical=True) for run in _runs(words, vertical=True)]
    return merge_column_fragments([column for column in columns if column.text])


def merge_column_fragments(columns: list[Line]) -> list[Line]:
    """Join pieces of one printed column that the engine split (a large kanji read as two); right to left."""
    merged: list[Line] = []
    for column in sorted(columns, key=lambda c: (c.box[1], -c.box[0])):
        x, y, w, _ = column.box
        center = x + w / 2
        partner = None
        for other in merged if column.confidence >= MIN_FRAGMENT_CONFIDENCE else []:
            ox, oy, ow, oh = other.box
            similar = 0.5 <= column.height / max(1.0, other.height) <= 2.0
            gap = y - (oy + oh)  # negative when the two overlap, which the sort allows
            if similar and ox <= center <= ox + ow and gap < 1.2 * other.height:
                partner = other
                break
        if partner is None:
            merged.append(column)
        else:
            words = sorted([*partner.words, *column.words], key=lambda wd: wd.box[1])
            merged[merged.index(partner)] = make_line(words, vertical=True)
    merged.sort(key=lambda c: (-(c.box[0] + c.box[2] / 2), c.box[1]))
    return merged


Box = tuple[int, int, int, int]
# Pieces of one printed line that the engine split overlap by at most the detector's margins (under a type size);
# boxes that overlap more across are lines printed one over the other.
_MAX_PIECE_OVERLAP = 1.0
# A piece this long is a printed line of its own, not a label (TEL, 携帯, E-mail) before its value.
_MIN_COLUMN_LINE = 8


def separate_in_row(left: Box, right: Box, left_text: str, boxes: list[Box]) -> bool:
    """Tell whether two boxes whose rows overlap are two printed lines, not pieces of one (``left`` starts first).

    Two lines printed one over the other, close enough for their boxes to share most of a row, overlap across by
    more than a type size. Two columns side by side (two offices) have a piece that is a line of its own on the
    left, and on the right a piece whose left edge another line near it also starts at: the right column's edge.
    """
    lx, _, lw, lh = left
    rx, ry, _, rh = right
    size = max(lh, rh)
    gap = rx - (lx + lw)
    if gap < -_MAX_PIECE_OVERLAP * size:
        return True
    if gap < 0 or len(re.sub(r"\s", "", left_text)) < _MIN_COLUMN_LINE:
        return False
    return any(
        other not in (left, right)
        and abs(other[0] - rx) <= 0.5 * size
        and 0.6 <= other[3] / max(1, rh) <= 1.6
        and abs((other[1] + other[3] / 2) - (ry + rh / 2)) <= 3 * size
        and min(other[1] + other[3], ry + rh) - max(other[1], ry) <= 0  # (not on this row)
        for other in boxes
    )


def merge_row_fragments(lines: list[Line]) -> list[Line]:
    """Join pieces of one printed line that the engine split (same row, small gap); sort top to bottom."""
    ordered = sorted(lines, key=lambda ln: (ln.box[0], ln.box[1]))
    boxes = [line.box for line in lines]
    merged: list[Line] = []
    for line in ordered:
        x, y, _, h = line.box
        partner = None
        for other in merged:
            ox, oy, ow, oh = other.box
            overlap = min(y + h, oy + oh) - max(y, oy)
            similar = 0.6 <= line.height / max(1.0, other.height) <= 1.6
            gap = x - (ox + ow)
            if (
                similar
                and overlap > 0.6 * min(h, oh)
                and -0.15 * min(h, oh) < gap < 1.2 * max(line.height, other.height)
                and not separate_in_row(other.box, line.box, other.text, boxes)
            ):
                partner = other
                break
        if partner is None:
            merged.append(line)
        else:
            merged[merged.index(partner)] = make_line([*partner.words, *line.words])
    merged.sort(key=lambda ln: (ln.box[1] + ln.box[3] / 2, ln.box[0]))
    return merged
