"""Personal-name lists from maintained packages, used as evidence that a line is a person's name.

Japanese surnames and given names (with readings and romaji) come from ``japanese-personal-name-dataset``;
Latin-script first and last names from the ``faker`` package's per-country person lists (census and
registry frequency lists of many countries). A name missing from the lists is still found by its place and
size on the card: the lists only add evidence, they never decide alone. Loaded once per process.
"""

from __future__ import annotations

import functools
import importlib
import re
import unicodedata

# Faker locales whose person lists are written in Latin script: the countries English cards come from.
_LATIN_LOCALES = (
    "en_US",
    "en_GB",
    "en_IE",
    "en_IN",
    "en_PK",
    "en_NG",
    "en_NZ",
    "fr_FR",
    "fr_CH",
    "de_DE",
    "es_ES",
    "es_MX",
    "it_IT",
    "pt_PT",
    "pt_BR",
    "nl_NL",
    "id_ID",
    "fil_PH",
    "tr_TR",
    "pl_PL",
    "sv_SE",
)


def fold_latin(word: str) -> str:
    """Lower-case a Latin word and drop its accents (Célina -> celina)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return re.sub(r"[^a-z]", "", "".join(c for c in decomposed if not unicodedata.combining(c)).lower())


def _names_of(locale: str, attribute: str) -> list[str]:
    try:
        module = importlib.import_module(f"faker.providers.person.{locale}")
    except ImportError:
        return []
    values = getattr(module.Provider, attribute, ())
    return [str(v) for v in values]


@functools.lru_cache(maxsize=1)
def latin_first_names() -> frozenset[str]:
    """Return folded first names of the Latin-script person lists."""
    return frozenset(
        fold_latin(part)
        for locale in _LATIN_LOCALES
        for name in _names_of(locale, "first_names")
        for part in name.split()
        if len(fold_latin(part)) >= 2
    )


@functools.lru_cache(maxsize=1)
def latin_last_names() -> frozenset[str]:
    """Return folded last names of the Latin-script person lists."""
    return frozenset(
        fold_latin(part)
        for locale in _LATIN_LOCALES
        for name in _names_of(locale, "last_names")
        for part in name.split()
        if len(fold_latin(part)) >= 2
    )


@functools.lru_cache(maxsize=1)
def _jp_dataset() -> tuple[dict[str, str], dict[str, frozenset[str]], frozenset[str]]:
    """Return (surname kanji -> romaji, given-name kanji -> its readings in folded romaji, given-name romaji)."""
    from japanese_personal_name_dataset import clear_cache, load_dataset

    men, women, last = load_dataset(include_last_names=True)
    clear_cache()  # the package keeps its own copy; the tables below are all this process needs
    surnames = {kanji: str(entry["en"]) for kanji, entry in last.items()}
    readings: dict[str, set[str]] = {}
    for table in (men, women):
        for entry in table.values():
            for kanji in entry["kanji"]:
                readings.setdefault(kanji, set()).add(collapse_romaji(str(entry["en"])))
    given = {kanji: frozenset(values) for kanji, values in readings.items()}
    return surnames, given, frozenset(r for values in given.values() for r in values)


def jp_surnames() -> frozenset[str]:
    """Return the Japanese surnames in kanji."""
    return frozenset(_jp_dataset()[0])


@functools.lru_cache(maxsize=1)
def jp_given_names() -> frozenset[str]:
    """Return the Japanese given names in kanji (every known spelling)."""
    return frozenset(_jp_dataset()[1])


def jp_given_readings(kanji: str) -> frozenset[str]:
    """Return the readings of a given name written in kanji, in folded romaji (幹: kan, miki, motoki, ...)."""
    return _jp_dataset()[1].get(kanji, frozenset())


def jp_surname_romaji(kanji: str) -> str | None:
    """Return a surname's romaji, folded (鈴木: suzuki), or None for a surname the lists lack."""
    romaji = _jp_dataset()[0].get(kanji)
    return collapse_romaji(romaji) if romaji is not None else None


# Kunrei and Nihon-shiki spellings (mituru, syouhei) and Hepburn (mitsuru, shohei) folded to one key.
_ROMANISATION = (
    ("sh", "sy"),
    ("ch", "ty"),
    ("tsu", "tu"),
    ("ts", "t"),
    ("fu", "hu"),
    ("j", "zy"),
    ("syi", "si"),
    ("tyi", "ti"),
    ("zyi", "zi"),
)


def romaji_key(text: str) -> str:
    """Fold a romaji word so that Hepburn and Kunrei spellings and long vowels compare equal."""
    out = collapse_romaji(text)
    for spelling, key in _ROMANISATION:
        out = out.replace(spelling, key)
    return out


def collapse_romaji(text: str) -> str:
    """Fold long-vowel spellings so that Satou, Sato and Satoh compare equal."""
    out = re.sub(r"[^a-z]", "", text.lower())
    out = re.sub(r"oh(?![aeiou])", "o", out)
    for long, short in (("ou", "o"), ("oo", "o"), ("uu", "u"), ("ii", "i"), ("aa", "a"), ("ee", "e")):
        out = out.replace(long, short)
    return out


def jp_romaji_surnames() -> frozenset[str]:
    """Return the Japanese surnames in folded romaji (sato, suzuki, ...)."""
    return frozenset(collapse_romaji(r) for r in _jp_dataset()[0].values())


def jp_romaji_given() -> frozenset[str]:
    """Return the Japanese given names in folded romaji."""
    return _jp_dataset()[2]


def split_jp_name(compact: str) -> tuple[str, str] | None:
    """Split a name written without a space at the longest known surname; None when no surname fits."""
    surnames = jp_surnames()
    for size in (4, 3, 2, 1):
        if len(compact) > size and compact[:size] in surnames:
            return compact[:size], compact[size:]
    return None


def latin_name_evidence(words: list[str]) -> float:
    """Return 0 to 1: how many of a line's words are known first or last names (or Japanese romaji)."""
    if not words:
        return 0.0
    first, last = latin_first_names(), latin_last_names()
    jp_family, jp_given = jp_romaji_surnames(), jp_romaji_given()
    hits = 0
    for word in words:
        folded = fold_latin(word)
        if (
            folded in first
            or folded in last
            or collapse_romaji(folded) in jp_family
            or collapse_romaji(folded) in jp_given
        ):
            hits += 1
    return hits / len(words)
