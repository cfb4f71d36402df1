"""Rules for the postal code and the address: Japanese (〒 and prefecture) and the main foreign formats.

Japanese cards print 〒 and the code before the address, sometimes after an office name (本社 〒...), with the
building on the next line. English cards print the address over one to four lines with the postal code
inside it: the address is the block of neighbouring lines around a line with a postal code or a street
(joined with ", " as printed), and the postal code is also given on its own. On cards with several offices
the first one printed wins: the top one, or the left column where offices stand side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ocr.fields.contact import JP_POSTAL, Match
from ocr.fields.vocab import (
    COUNTRY_LINE,
    EN_STREET_WORDS,
    JP_ADDRESS_MARK,
    JP_BUILDING_WORDS,
    PREFECTURES,
    street_suffix_in,
)
from ocr.layout import KANJI_AS_KANA, Line, fix_kana_kanji, variant_to_japanese

# Postal codes in the main formats, each with the context that tells it from other numbers.
_EN_POSTAL = (
    re.compile(r"\b[A-Z]{2}\s+(\d{5}(?:-\d{4})?)\b"),  # US: state and ZIP (NV 57074, TX 30939-8385)
    re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})\b"),  # UK: W2 6BD, MK7 7HB, CB4 9US
    re.compile(r"\b([A-Z]\d[A-Z]\s?\d[A-Z]\d)\b"),  # Canada: K1A 0B1
    re.compile(r"\bSingapore\s+(\d{6})\b", re.IGNORECASE),  # Singapore 584866
    re.compile(
        r"(?:^|,\s?|\s)(\d{5})(?:\s+[A-Z][A-Za-zÀ-ÿ'\-]+|[A-Z][a-zà-ÿ]{2,})"
    ),  # 75011 Paris (40937Marrakech)
    re.compile(r"(?<![\d\-+])(\d{3}-\d{4})(?![\d\-])"),  # a Japanese code on an English card
    re.compile(r"(?:^|,\s?)(\d{4})\s+[A-Z][A-Za-zÀ-ÿ'\-]+"),  # Australia, Switzerland, ...: 8001 Zürich
)
# A phone number printed after the address on the same line, with or without its icon (日+212 (0) 6 62 ...).
_PHONE_AFTER = re.compile(
    r"\s(?:(?:Tel|Fax|Phone|Mobile|Mob|Cell|Office|[TFMP])\.?:?\s?|\S)?(?:\+|\(0)\(?\d[\d\s().\-]{7,}\d",
    re.IGNORECASE,
)
_GLUED_CITY = re.compile(r"(?<![\d\-])(\d{4,5})(?=[A-Z][a-zà-ÿ]{2,})")
_GLUED_ORDINAL = re.compile(r"\b(\d+(?:st|nd|rd|th))(?=[A-Z][a-z])")  # 1stAve
_UK_POSTCODE_GLUED = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})\b")
_HOUSE_NUMBER = re.compile(r"^\d{1,5}[A-Za-z]?,?\s+[A-Za-zÀ-ÿ]")
_PO_BOX = re.compile(r"\bP\.?\s?O\.?\s?Box\b|\bBP\s\d", re.IGNORECASE)
_PO_READ_AS_ZERO = re.compile(r"\b(P\.?\s?)0(?=\.?\s?Box\b)", re.IGNORECASE)  # P.0. Box: the O read as a zero
NUMBER_RUN = re.compile(r"\d[\d\s().\-]{8,}\d")  # the digits of a phone number, not of an address
_UNIT = re.compile(r"#\d{1,3}-\d{1,4}")  # Singapore unit numbers
_NOT_ADDRESS = re.compile(
    r"@|https?:|www\.|\b(?:Tel|Fax|Phone|Mobile|Mob|Cell|E-?mail)\b"
    # Japanese labels, and TEL or FAX glued to the number (TEL03-...)
    r"|電話|携帯|ファクス|ファックス|メール|\b(?:TEL|FAX)(?=[\s:：.]*[\d(+])",
    re.IGNORECASE,
)
_ICON = re.compile(
    r"^(?:[^\w\s]|[0-9@©®QO])\s+(?=\d|〒)"
)  # a location pin read as "9" or "@" before the text
_BUILDING = re.compile(
    r"(?:[0-9０-９〇一二三四五六七八九十]+|ビル|タワー|階|号室|ハイツ|マンション|レジデンス|[0-9〇一二三四五六七八九十]F)$"
)
_KANA_STROKE = re.compile(r"(?<=[ァ-ヶ])[1一\-−‐](?=[ァ-ヶ])")  # パ1ク: the long-vowel mark read as 1
_JP_BLOCK_NUMBER = re.compile(r"\d+丁目|[0-9一二三四五六七八九十]+番地?|\d+号|\d+-\d+(?:-\d+)?")
_JP_NUMERAL = "0-9〇一二三四五六七八九十百"
# An address whose block number is complete: it ends in 号 or 番地, or is written with hyphens (4丁目 or 7番 may go
# on in the next line).
_BLOCK_NUMBERED = re.compile(rf"[{_JP_NUMERAL}]+号|番地|\d+-\d+")
# 3,25,19 / 三十,二十二: a block number's hyphens read as commas or dots.
_JP_NUMBER_COMMA = re.compile(rf"(?<=[{_JP_NUMERAL}])[,，.．、](?=[{_JP_NUMERAL}])")
# 14丁22番: "丁" right before a block number is always 丁目 (its 目 was lost).
_JP_CHOME = re.compile(rf"(?<=[{_JP_NUMERAL}])丁(?=[{_JP_NUMERAL}]+番)")
_MUNICIPALITY = "市区町村郡"


@dataclass(frozen=True)
class Block:
    """Neighbouring lines that together print one address."""

    lines: list[Line]
    score: float

    @property
    def box(self) -> tuple[int, int, int, int]:
        """Return the union of the lines' boxes."""
        x0 = min(line.box[0] for line in self.lines)
        y0 = min(line.box[1] for line in self.lines)
        x1 = max(line.box[0] + line.box[2] for line in self.lines)
        y1 = max(line.box[1] + line.box[3] for line in self.lines)
        return x0, y0, x1 - x0, y1 - y0


def find_postal_and_address(
    lines: list[Line], *, lang: str, taken: set[int]
) -> tuple[Match | None, Match | None]:
    """Find the postal code and the address of the card's first office."""
    if lang == "ja":
        postal, address = _find_jp_address(lines, taken)
        if postal is not None or address is not None:
            return postal, address
    return find_en_address(lines, taken)


def strip_icon(text: str) -> str:
    """Drop a leading icon glyph read as one character ("9 275, rue ..." -> "275, rue ...")."""
    return _ICON.sub("", text, count=1)


def _below(upper: Line, lower: Line, *, gap: float = 1.0) -> bool:
    """Tell whether ``lower`` is the next printed line under ``upper`` (or, in vertical text, left of it)."""
    ux, uy, uw, uh = upper.box
    lx, ly, lw, lh = lower.box
    size = max(upper.height, 1.0)
    upper_column, lower_column = uh > 2.5 * uw, lh > 2.5 * lw
    if upper_column and lower_column:  # vertical columns: the next one stands to the left
        # (engines draw column boxes a little wide, so neighbouring columns may overlap slightly)
        return -0.3 * size <= ux - (lx + lw) <= gap * size and min(uy + uh, ly + lh) - max(uy, ly) > 0
    if upper_column and lw > 2.5 * lh:
        # A column goes on in the column left of it, not in a line printed across under its foot (the e-mail
        # and web line at the bottom of a vertical card, cards-hard 0067: its address's building was left out).
        return False
    overlap = min(ux + uw, lx + lw) - max(ux, lx) > 0
    # The detector's boxes of neighbouring lines may overlap by half a line; a line beside, not under, has
    # no horizontal overlap.
    return overlap and -0.55 * size <= ly - (uy + uh) <= gap * size


def _line_under(lines: list[Line], line: Line) -> Line | None:
    """Return the line printed right under ``line`` (in vertical text, the column left of it), if any."""
    under = [other for other in lines if other is not line and _below(line, other)]
    if not under:
        return None
    vertical = line.box[3] > 2.5 * line.box[2]
    return min(under, key=lambda o: -(o.box[0] + o.box[2]) if vertical else o.box[1])


def _next_address_line(
    lines: list[Line], line: Line, taken: set[int], *, numbered: bool = False
) -> tuple[Line, str] | None:
    """Return the line printed under an address line that continues it (the rest of it, or the building),
    with its text up to a label that starts something else on the same line (ハイツ明石町577 Tel ...). Once the
    address has its block number (``numbered``), only a building continues it, and a building has a name, not
    digits alone (65-7490, the end of a number the detector split, is no room)."""
    for other in lines:
        if other is line or not _below(line, other, gap=0.9):
            continue
        text = other.text.strip()
        label = _NOT_ADDRESS.search(text)
        if label is not None:
            text = text[: label.start()].strip(" ,/|")
        elif id(other) in taken:  # (a line shared with a phone is cut at its label instead)
            continue
        compact = re.sub(r"\s+", "", text)
        if not text or JP_POSTAL.search(text) or len(re.sub(r"\D", "", text)) >= 7:
            return None
        rest_of_address = not numbered and bool(_JP_BLOCK_NUMBER.search(compact))
        building = _BUILDING.search(compact) is not None and re.search(r"[^\W\d_]", compact) is not None
        if 2 <= len(compact) <= 30 and (rest_of_address or building):
            return other, text
        return None
    return None


def _with_continuation(lines: list[Line], line: Line, text: str, taken: set[int]) -> str:
    """Append the lines that continue a Japanese address (at most two: the rest, then the building)."""
    current = line
    for _ in range(2):
        found = _next_address_line(
            lines, current, taken, numbered=_BLOCK_NUMBERED.search(re.sub(r"\s+", "", text)) is not None
        )
        if found is None:
            break
        current, more = found
        text = f"{text} {more}"
    return text


def _is_kana(ch: str) -> bool:
    return "\u3040" <= ch <= "\u30ff"


def _repair_prefecture(text: str) -> str:
    """Mend a prefecture read with one character wrong or lost (岩県, 番川県, 和歌山鼎) at the address's start.

    Only when exactly one prefecture fits, and never where the text may be a city named like its prefecture
    (大阪市 stays: a last character read as 市, 区, 町, 村 or 郡 is taken as printed).
    """
    if text.startswith(PREFECTURES):
        return text
    for pref in PREFECTURES:
        # a character in its old or Chinese form (靜岡県, 廣島県): the same prefecture
        if "".join(variant_to_japanese(c) for c in text[: len(pref)]) == pref:
            return pref + text[len(pref) :]
    fits = set()
    for pref in PREFECTURES:
        n = len(pref)
        head = text[:n]
        if len(head) == n and head[-1] == pref[-1]:
            if sum(a != b for a, b in zip(head, pref, strict=True)) == 1:
                fits.add((pref, n))  # one character misread (番川県, 靜岡県)
        elif (
            len(head) == n
            and head[:-1] == pref[:-1]
            and head[-1] not in _MUNICIPALITY
            and not _is_kana(head[-1])
        ):
            fits.add((pref, n))  # the mark misread (和歌山鼎)
        if n >= 3 and any(text.startswith(pref[:i] + pref[i + 1 :]) for i in range(n - 1)):
            fits.add((pref, n - 1))  # one character lost inside (岩県, 栃県)
    if len(fits) != 1:
        return text
    pref, used = fits.pop()
    return pref + text[used:]


# What recognizers read for the katakana of building words: kanji of the same shape (layout's table), ル as ノレ,
# the long-vowel mark as a flat stroke.
_BUILDING_LOOKALIKES = {
    **{kana: f"[{kana}{kanji}]" for kanji, kana in KANJI_AS_KANA.items()},
    "ル": "(?:ル|ノレ)",
    "ー": "[ー一\\-−‐1]",
}


def _building_pattern(word: str) -> str:
    pattern = "".join(_BUILDING_LOOKALIKES.get(ch, ch) for ch in word[:-1])
    # a final long mark is not read as 1 (タワ10F is タワー and 10F, not タワー and 0F)
    return pattern + (_BUILDING_LOOKALIKES.get(word[-1], word[-1]).replace("1", ""))


_BUILDINGS_LONGEST = sorted(JP_BUILDING_WORDS, key=len, reverse=True)
_BUILDING_WORD = re.compile("|".join(f"({_building_pattern(w)})" for w in _BUILDINGS_LONGEST))
_KATAKANA_RUN = re.compile(r"[ァ-ヶー]{2,}")
_LONG_MARK_BEFORE_NUMERALS = re.compile("^ー(?=[〇一二三四五六七八九十]{2})")


def _one_short(run: str) -> str:
    """Return the one building word that ``run`` is with one character lost (アーバ -> アーバン), else ``run``."""
    if run in JP_BUILDING_WORDS:
        return run
    fits = {
        w
        for w in JP_BUILDING_WORDS
        if len(w) == len(run) + 1 and any(w[:i] + w[i + 1 :] == run for i in range(len(w)))
    }
    return fits.pop() if len(fits) == 1 else run


def mend_building(value: str) -> str:
    """Mend the building words of a Japanese address, after its block number.

    A building word read with look-alikes (戸島八イツ, 丸の内ビノレ, セン夕ー) is spelt right; a katakana run one
    character short of exactly one building word (池之端アーバ667, コト三ノ輪) gets it back; and right after a
    building word a long-vowel mark before kanji numerals is the numeral 一 (シティー三〇: room 一三〇 in a column).
    """
    blocks = list(_JP_BLOCK_NUMBER.finditer(value))
    if not blocks:
        return value
    tail = value[blocks[-1].end() :]
    out: list[str] = []
    last = 0
    for m in _BUILDING_WORD.finditer(tail):
        out.append(_KATAKANA_RUN.sub(lambda r: _one_short(r.group(0)), tail[last : m.start()]))
        out.append(_BUILDINGS_LONGEST[m.lastindex - 1] if m.lastindex else m.group(0))
        last = m.end()
        if _LONG_MARK_BEFORE_NUMERALS.match(tail[last:]):
            out.append("一")
            last += 1
    out.append(_KATAKANA_RUN.sub(lambda r: _one_short(r.group(0)), tail[last:]))
    return value[: blocks[-1].end()] + "".join(out)


def clean_jp_address(value: str) -> str:
    """Mend what reading loses in a Japanese address: the prefecture, 丁目, hyphens read as commas, a repeat."""
    value = _repair_prefecture(value.strip())
    value = _JP_CHOME.sub("丁目", _JP_NUMBER_COMMA.sub("-", value))
    value = fix_kana_kanji(_KANA_STROKE.sub("ー", value))
    parts = value.split(" ")
    if len(parts) > 1 and parts[0] == parts[1]:  # the same line read twice (and joined as its continuation)
        value = " ".join([parts[0], *parts[2:]])
    return mend_building(value)


# An e-mail or web address printed after the address on the same detected line (two columns read as one row).
_WEB_AFTER = re.compile(r"\s+\S*(?:@|https?:|www\.)")


def _find_jp_address(lines: list[Line], taken: set[int]) -> tuple[Match | None, Match | None]:
    for line in lines:
        text = line.text
        if id(line) in taken:
            # The e-mail's line may start with the address (〒... 福井県... n-tanaka@...): cut before it.
            web = _WEB_AFTER.search(text)
            if web is None:
                continue
            text = text[: web.start()]
        m = JP_POSTAL.search(text)
        if not m:
            continue
        mark, first, last = (
            (m.group(1), m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5), m.group(6))
        )
        # 〒 is often read as 亍; an office name may stand before it (東京本社 〒...).
        has_mark = mark in ("〒", "〶", "亍") or text[: m.start()].rstrip().endswith("亍")
        rest = strip_icon(text[m.end() :].strip())
        start = line
        if not rest:
            # The code alone on its line: the address is the line printed under it (in a vertical card, the
            # column left of it), not the next in reading order (an e-mail column beside them sorts between).
            under = _line_under(lines, line)
            if under is not None and id(under) not in taken:
                start, rest = under, under.text.strip()
        if _NOT_ADDRESS.search(rest):  # the next line is an e-mail or a phone, not the address
            rest = ""
        rest = _repair_prefecture(rest)
        starts_with_prefecture = rest.startswith(PREFECTURES)
        # A bare code only at the start of a line, or right before a prefecture (本社・〒 read as 本社・場).
        if m.start() > 3 and not has_mark and not starts_with_prefecture:
            continue
        looks_like_address = bool(rest) and (starts_with_prefecture or bool(JP_ADDRESS_MARK.search(rest)))
        if not (has_mark or looks_like_address):
            continue
        postal = Match(value=f"{first}-{last}", line=line, certainty=0.95 if has_mark else 0.8)
        if not rest:
            return postal, None
        value = _with_continuation(lines, start, rest, taken) if looks_like_address else rest
        return postal, Match(
            value=clean_jp_address(value), line=line, certainty=0.85 if looks_like_address else 0.5
        )
    for line in lines:
        if id(line) in taken:
            continue
        text = strip_icon(line.text)
        looks_like_address = text.startswith(PREFECTURES) or bool(
            JP_ADDRESS_MARK.search(text) and re.search(r"\d", text)
        )
        if looks_like_address and len(line.compact) >= 8 and "@" not in text:
            value = clean_jp_address(_with_continuation(lines, line, text, taken))
            return None, Match(value=value, line=line, certainty=0.7)
    return None, None


def en_postal_code(*texts: str) -> str | None:
    """Return the postal code printed in the address lines, in the first format that fits any of them."""
    for pattern in _EN_POSTAL:
        for text in texts:
            m = pattern.search(text)
            if m:
                return m.group(1)
    return None


def en_address_score(text: str) -> float:
    """Return how much one line looks like part of an English address (0: not at all)."""
    text = en_line_text(text)
    code = en_postal_code(text)
    if _NOT_ADDRESS.search(text) or NUMBER_RUN.search(text.replace(code or "\0", "")):
        return 0.0  # a phone number, not an address (a ZIP+4 code is not one)
    score = 0.0
    if code:
        score += 0.5
    if EN_STREET_WORDS.search(text) or _PO_BOX.search(text) or _UNIT.search(text):
        score += 0.4
    elif street_suffix_in(text):
        score += 0.2
    if _HOUSE_NUMBER.match(text):
        score += 0.2
    if re.search(r"(?:^|[,\s])" + COUNTRY_LINE.pattern + r"\.?$", text.strip(" ,"), re.IGNORECASE):
        score += 0.3
    return score


def _fits(block: list[Line], line: Line) -> bool:
    """Tell whether a line continues an address block (right under or over one of its lines, same size, same
    column). Any line of the block counts, not only its ends: a heading the block took from over a line's head
    (Singapore over 291 Tampines Central 1, a line apart) leaves that line between two of the block's."""
    # Engines size line boxes unevenly (a line of digits reads shorter): only a very different size parts.
    similar = 0.4 <= line.height / max(block[-1].height, 1.0) <= 2.5
    return similar and any(_below(member, line) or _below(line, member) for member in block)


def en_blocks(lines: list[Line], taken: set[int]) -> list[Block]:
    """Group the lines into address blocks around lines with address evidence."""
    # A line the phones took may begin with the address (113, Bd Abdelmoumen, 90345 Tanger +212 ...).
    free = [line for line in lines if id(line) not in taken or _address_before_phone(line.text)]
    scores = {id(line): en_address_score(line.text) for line in free}
    blocks: list[Block] = []
    used: set[int] = set()
    for seed in free:
        if id(seed) in used or scores[id(seed)] < 0.4:
            continue
        block = [seed]
        grew = True
        while grew:
            grew = False
            for line in free:
                if id(line) in used or line in block or not _fits(block, line):
                    continue
                if scores[id(line)] > 0 or _plain_place(line.text):
                    block.append(line)
                    block.sort(key=lambda b: (b.box[1], b.box[0]))
                    grew = True
        block = _trim_unsupported_ends(block, scores)
        used.update(id(line) for line in block)
        blocks.append(Block(lines=block, score=sum(scores[id(line)] for line in block)))
    return blocks


def _plain_place(text: str) -> bool:
    """A short line of capitalised words, which inside an address block is a district or city."""
    words = strip_icon(text).strip(" ,.").split()
    return (
        1 <= len(words) <= 4
        and all(w[:1].isupper() or w[:1].isdigit() for w in words)
        and not re.search(r"\d{5,}", text)
    )


def _trim_unsupported_ends(block: list[Line], scores: dict[int, float]) -> list[Line]:
    """Keep place lines only between or after evidence lines (a heading above the address is not part of it)."""
    while len(block) > 1 and scores[id(block[0])] == 0:
        block = block[1:]
    while len(block) > 1 and scores[id(block[-1])] == 0:
        block = block[:-1]
    return block


def _first_office(blocks: list[Block]) -> Block:
    """Pick the first office printed: the top block, or the left one of blocks side by side."""
    strong = [b for b in blocks if b.score >= 0.6] or blocks
    top = min(strong, key=lambda b: b.box[1])
    beside = [b for b in strong if b is not top and _rows_overlap(b.box, top.box)]
    return min([top, *beside], key=lambda b: b.box[0])


def _rows_overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]) > 0


def _credible(block: Block) -> bool:
    """An address has a postal code, a house number or P.O. Box, or two lines of evidence."""
    texts = [en_line_text(line.text) for line in block.lines]
    return (
        any(en_postal_code(t) or _HOUSE_NUMBER.match(t) or _PO_BOX.search(t) for t in texts)
        or block.score >= 0.8
    )


def en_line_text(text: str) -> str:
    """The address part of one printed line: without a leading icon, cut before a phone number printed after
    it on the same line, with the spaces OCR drops restored (40937Marrakech, L7D4PG) and P.0. Box read as P.O. Box."""
    text = strip_icon(text)
    phone = _PHONE_AFTER.search(text)
    if phone is not None and phone.start() > 0:
        text = text[: phone.start()]
    text = _GLUED_ORDINAL.sub(r"\1 ", _GLUED_CITY.sub(r"\1 ", _PO_READ_AS_ZERO.sub(r"\1O", text)))
    return _UK_POSTCODE_GLUED.sub(r"\1 \2", text).strip(" ,;")


def _address_before_phone(text: str) -> bool:
    phone = _PHONE_AFTER.search(text)
    return phone is not None and phone.start() >= 8 and en_address_score(text[: phone.start()]) >= 0.4


def _without_heading(parts: list[str]) -> list[str]:
    """Drop a first line that only names a place the address names again (an office heading: "Singapore")."""
    if len(parts) > 1 and len(parts[0].split()) <= 2 and any(parts[0] in p for p in parts[1:]):
        return parts[1:]
    return parts


def find_en_address(lines: list[Line], taken: set[int]) -> tuple[Match | None, Match | None]:
    """Find the first office's address block and the postal code inside it."""
    blocks = [b for b in en_blocks(lines, taken) if _credible(b)]
    if not blocks:
        return None, None
    block = _first_office(blocks)
    parts = _without_heading([en_line_text(line.text) for line in block.lines])
    value = ", ".join(p for p in parts if p)
    certainty = min(0.9, 0.45 + 0.3 * block.score)
    address = Match(value=value, line=block.lines[0], certainty=certainty)
    code = en_postal_code(*parts)
    postal = Match(value=code, line=block.lines[0], certainty=min(0.9, certainty + 0.05)) if code else None
    return postal, address
