"""Card confidence: a calibrated estimate of the chance that every field read from a card is right.

A card may complete without review only when the whole of it is right, and per-field confidences do not say
that: a card can have every field likely right and still miss one, and the address's score cannot separate
right from wrong addresses well enough for any one field's gate to pass. So the card is judged as a whole, from
what the stored reading holds:

- validators first (``suspect_fields``): a field spelt as print would not spell it (a small kana katakana never
  writes there, 八イツ, ``wwww.``, an English company in lower case, an e-mail on an odd top-level domain) or a
  kana reading that falls short of the name holds the card for review (confidence 0);
- otherwise ``card_features``: the calibrated confidences of its fields (the weakest one and their joint log),
  which fields the card lacks that cards of its language print, numbers that are no valid number, an e-mail
  domain that disagrees with the web address, recognised lines no field took, and the reading's warnings
  (low recognition, vertical print, an inverted or whole-image reading);
- a logistic regression on these features (L2-regularised) gives a score, and the score is calibrated like the
  fields are (``calibration.fit_field``: pool-adjacent-violators steps at the lower bound of a Wilson interval,
  here the one-sided 97.5% one, ``CARD_Z``), so that a card confidence promises no more than the labelled cards showed.

The model is data shipped with the package (``confirm.json``), written by
``python -m tests.bench.bench_confirm --fit`` beside the field calibration; without it every card scores 0
(held for review).
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ocr.fields.address import NUMBER_RUN, en_line_text, en_postal_code
from ocr.fields.calibration import MIN_STEP, Z_975, calibrate_with, fit_field, wilson_lower
from ocr.fields.contact import KNOWN_TLDS, registered_name
from ocr.fields.katakana import I_ROW, SMALL_AFTER
from ocr.fields.vocab import PREFECTURES
from ocr.layout import is_cjk

MODEL_PATH = Path(__file__).with_name("confirm.json")
# Fields a card of each language usually prints: one the reading lacks is likelier missed than absent.
EXPECTED = {
    "ja": ("company", "phone", "email", "postal_code", "address"),
    "en": ("company", "phone", "email", "address"),
}
PHONES = ("phone", "mobile", "fax")
# Warning texts of the pipeline (ocr.pipeline) that describe how the side was read.
WARNINGS = {
    "low_recognition": "low recognition confidence",
    "vertical": "read as vertical text",
    "turned": "Japanese lines stand tall",
    "inverted": "read inverted",
    "whole_image": "read it whole",
    "no_edge": "no card edge found",
}
FEATURES = (
    "weakest",  # logit of the lowest calibrated field confidence
    "joint",  # sum of the fields' log confidences: the chance that all are right if they were independent
    "fields",  # how many fields were read
    "missing",  # expected fields the reading lacks
    "bad_number",  # phone, mobile or fax with no valid E.164 form
    "domain_disagrees",  # an e-mail domain and a web host that differ
    "unused",  # recognised lines no field took (``unused_lines``): a field may lack a part of itself
    "english",
    *WARNINGS,
)
# The card's steps are lower bounds of one-sided 97.5% Wilson intervals (z = 1.96), a stricter bound than the
# fields' (``calibration.Z_90``). Measured held out at pipeline 2.12.0 (bench_confirm: 20 deals of 5 folds, default
# threshold 0.8), cards-hard confirms 64% of its cards at a 99% bound (98.4% of them right), 67% at 97.5% (98.4%),
# 69% at 95% (98.4%) and 73% at 90% (97.9%); the photos 82%, 85%, 87% and 91%, all right. Photos and cards-hard
# together, 97.5% confirms 72% of the cards, 99.0% of them right. History: 99% at 2.4.0, before the cross-checks
# of 2.8.0 held misread cards; 95% at 2.9.0 and 2.10.0 (cards-hard 59% at 97.4%, then 67% at 98.8%); at 2.11.0,
# which read two more vertical cards right, the model trusted vertical cards more, two wrong ones passed more
# often and 95% left 98.0% right, no margin over the 98%, so 97.5% was chosen (67% at 98.2%). It is kept
# at 2.12.0, where 95% would give the same share right: the bound is not chosen again for each set of readings.
CARD_Z = Z_975
CROSS_FOLDS = 5  # folds of the cross-fitting that gives the calibration its out-of-fold scores
L2 = 1.0  # ridge penalty on the standardised coefficients (the intercept is not penalised)
_EPS = 0.01


# Kanji that look like katakana (八/ハ, 工/エ, 口/ロ, 力/カ, 卜/ト, 夕/タ): one before katakana is a misread katakana
# (八イツ, 工ンジニア); 卜 beside katakana on either side (コー卜).
_KANJI_LIKE_KANA = set("八工口力卜夕")
_KATAKANA = re.compile(r"[ァ-ヺー]")


def _is_katakana(ch: str) -> bool:
    return bool(_KATAKANA.fullmatch(ch)) and ch not in "ヵヶ"


def suspect_value(name: str, value: str, lang: str | None) -> bool:
    """Tell whether a field's text is spelt as print would not spell it: a likely misread the score may miss.

    Katakana with a small kana where katakana spelling has none (マーケィング, デザィン) or, in an address,
    department or title, a full-size ヤ/ユ/ヨ after an i-row kana (シヤルム); a kanji look-alike of a katakana
    before katakana (八イツ) or 卜 beside it; a Japanese address starting like a prefecture that is none of the 47;
    a kanji that Windows-31J lacks (a Chinese form, 荣 for 栄; a rare name kanji such as 𠮷 is held too, which
    review can afford); a web host starting with ``ww.`` or ``wwww``, or an e-mail or web address on an unusual top-level domain longer
    than two letters; and on English cards a name or company starting in lower case, or a name, company or
    address with a word between capitalised ones that starts with a small c, o, s, v, w, x or z (``_small_capital``).
    """
    for i, ch in enumerate(value):
        before = value[i - 1] if i else ""
        after = value[i + 1] if i + 1 < len(value) else ""
        if ch in SMALL_AFTER and before not in SMALL_AFTER[ch]:
            return True
        if ch in "ヤユヨ" and before in I_ROW and name in ("address", "department", "title"):
            return True  # (not in names, シ・ユイ, nor in company names spelt the old way, キヤノン)
        if ch in _KANJI_LIKE_KANA and (_is_katakana(after) or (ch == "卜" and _is_katakana(before))):
            return True
    if any(_outside_windows_31j(ch) for ch in value):
        return True  # a kanji no Japanese text encoding has: read in a Chinese form (横浜市荣区 for 栄区)
    if name == "address" and lang == "ja" and _odd_prefecture(value):
        return True
    if name in ("url", "email"):
        host = _host(value.split("@", 1)[-1]) if name == "email" else _host(value)
        tld = host.rsplit(".", 1)[-1]
        if re.match(r"(?:ww|wwww+)\.", host) or (len(tld) > 2 and tld not in KNOWN_TLDS):
            return True
    if lang == "en" and name in ("name", "company", "address") and _small_capital(value):
        return True
    return lang == "en" and name in ("name", "company") and value[:1].islower()


# Letters whose small form is their capital made smaller: a recogniser reads one for the other by size alone.
_SAME_SHAPE = "cosvwxz"
# Small words that stand between capitalised ones in names and addresses (Bank of England, Boulogne sur Mer,
# Jan van Goyenlaan, Schmidt GmbH vorm. Müller).
PARTICLES = frozenset({"sur", "sous", "van", "von", "vom", "vorm", "zum", "zur", "ver", "voor", "onder"})
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def _small_capital(value: str) -> bool:
    """Tell whether a word of three letters or more between two capitalised words starts with a small letter that
    looks like its capital (3, Bd sidi Mohammed for Sidi): the capital was read small."""
    words = _WORD.findall(value)
    return any(
        len(word) >= 3
        and word[0] in _SAME_SHAPE
        and word.lower() not in PARTICLES
        and before[:1].isupper()
        and after[:1].isupper()
        for before, word, after in zip(words, words[1:], words[2:], strict=False)
    )


def _outside_windows_31j(ch: str) -> bool:
    """Tell whether a kana or kanji is missing from Windows-31J (JIS X 0208 and its NEC/IBM extensions)."""
    if not is_cjk(ch):
        return False
    try:
        ch.encode("cp932")
    except UnicodeEncodeError:
        return True
    return False


_PREFECTURE_LIKE = re.compile(r"^(\S{1,3}?[都道府県])")


def _odd_prefecture(address: str) -> bool:
    """Tell whether a Japanese address starts like a prefecture (two or three characters and 都/道/府/県) that is
    none of the 47 (靜岡県 with its old-form 靜, a character lost or misread)."""
    if address.startswith(PREFECTURES):
        return False
    m = _PREFECTURE_LIKE.match(address)
    return m is not None and len(m.group(1)) in (3, 4)


def reading_falls_short(name: str, kana: str) -> bool:
    """Tell whether a printed kana reading does not start with the surname's reading or stops there.

    Given names have many readings, surnames few: a reading that lacks the surname's (のうえなおき for 井上 直樹) or
    is only the surname (さとう for 佐藤 裕太) lost a part to the recognizer. Needs the name's space between
    surname and given name; without it nothing is said.
    """
    from ocr.namecheck import _hiragana, _kakasi

    parts = name.split()
    if len(parts) != 2 or not kana:
        return False
    surname = "".join(p["hira"] for p in _kakasi().convert(parts[0]))
    printed = _hiragana(kana.replace(" ", ""))
    return not printed.startswith(surname) or len(printed) <= len(surname)


def compact(text: str) -> str:
    """NFKC, without whitespace: text as lines are compared whatever spaces a reading put in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def unused_lines(text: str, values: Sequence[str]) -> list[str]:
    """Return the recognised lines that hold no field's value and that no field's value holds.

    A title's second line, the rest of an address or a company printed over two lines that the fields left
    out show up here (and so do slogans and logos, which is why this is a feature and not a rule).
    """
    compacted = [c for v in values if (c := compact(v))]
    digits = [d for v in compacted if len(d := re.sub(r"\D", "", v)) >= 6]
    out = []
    for line in text.splitlines():
        t = compact(line)
        if len(t) < 2 or any(v in t or t in v for v in compacted):
            continue
        d = re.sub(r"\D", "", t)
        if d and any(x in d or (len(d) >= 6 and d in x) for x in digits):
            continue
        out.append(line)
    return out


def _logit(p: float) -> float:
    p = min(1 - _EPS, max(_EPS, p))
    return math.log(p / (1 - p))


def _host(value: str) -> str:
    host = value.lower().split("//")[-1].split("/")[0]
    return host[4:] if host.startswith("www.") else host


def card_features(
    fields: Mapping[str, Mapping[str, Any]], lang: str | None, warnings: Sequence[str] = (), text: str = ""
) -> dict[str, float]:
    """Describe a stored reading (``{name: {"value", "confidence"[, "e164"]}}``, its language, warnings and
    recognised text) by the model's features."""
    present = {
        name: f
        for name, f in fields.items()
        if name != "other_phones" and isinstance(f.get("value"), str) and f["value"].strip()
    }
    confidences = [min(1.0, max(0.0, float(f.get("confidence") or 0.0))) for f in present.values()]
    email = str(present["email"]["value"]) if "email" in present else ""
    url = str(present["url"]["value"]) if "url" in present else ""
    disagrees = bool(email and url and "@" in email and _host(email.split("@", 1)[1]) != _host(url))
    warned = " ".join(str(w) for w in warnings)
    out = {
        "weakest": _logit(min(confidences, default=0.0)),
        "joint": sum(math.log(max(_EPS, c)) for c in confidences),
        "fields": float(len(present)),
        "missing": float(sum(name not in present for name in EXPECTED.get(lang or "", EXPECTED["ja"]))),
        "bad_number": float(sum(name in present and not present[name].get("e164") for name in PHONES)),
        "domain_disagrees": float(disagrees),
        "unused": float(len(unused_lines(text, [str(f.get("value") or "") for f in fields.values()]))),
        "english": float(lang == "en"),
    }
    for name, marker in WARNINGS.items():
        out[name] = float(marker in warned)
    return out


def domains_one_misread(email: str, url: str) -> bool:
    """Tell whether an e-mail address and a web address are registered under names a character or two apart
    (fujii-bussan and fuji-bussan): a company's two names are one name, and one of them was misread. Names that
    differ more are two names (a group's mail domain), and names equal up to the suffix (``.co.jp`` and ``.jp``)
    agree."""
    from rapidfuzz.distance import Levenshtein

    if "@" not in email:
        return False
    mail, web = registered_name(_host(email.split("@", 1)[1])), registered_name(_host(url))
    return min(len(mail), len(web)) >= 4 and 0 < Levenshtein.distance(mail, web) <= 2


def email_spells_given_name(name: str, email: str) -> bool | None:
    """Tell whether an e-mail address built from a Japanese name starts its given name as the kanji read.

    Company addresses are made from the name (suzuki_m, miki.takahashi, t-yamada). When the local part holds the
    surname's romaji, its other part is the given name or its initial; one that starts like one of the readings
    the name lists know for the given name's kanji agrees (m or miki for 幹), one that starts like none of them
    says the kanji was misread (乾 for 幹: the lists give 乾 ken and tsuyoshi). Only the start is compared, the
    first letter of an initial and the first two of a word, because a name has more readings than any list holds
    (修平 is shuhei there, shohei on a card); Hepburn and Kunrei spellings are one (mituru). None (nothing to tell)
    without the surname's romaji in the local part, or for a given name the lists lack.
    """
    from ocr.fields.names import collapse_romaji, jp_given_readings, jp_surname_romaji, romaji_key

    parts = name.split()
    if len(parts) != 2 or "@" not in email:
        return None
    surname = jp_surname_romaji(parts[0])
    readings = jp_given_readings(parts[1])
    if surname is None or not readings:
        return None
    words = [w for w in re.split(r"[^a-z]+", email.split("@", 1)[0].lower()) if w]
    surname_key = romaji_key(surname)
    others = [w for w in words if romaji_key(w) != surname_key]
    if not others or len(others) == len(words):  # the local part does not hold the surname, or only it
        return None
    starts = {fold(r)[:2] for r in readings for fold in (collapse_romaji, romaji_key)}
    return any(
        any(start.startswith(fold(w)[:2]) for start in starts for fold in (collapse_romaji, romaji_key))
        for w in others
    )


def name_disagrees_with_email(name: str, email: str) -> bool:
    """Tell whether an e-mail address built from a Japanese name starts its given name otherwise than the kanji
    read (``email_spells_given_name`` is False)."""
    return email_spells_given_name(name, email) is False


def company_cut_short(company: str, values: Sequence[str], text: str) -> bool:
    """Tell whether a recognised line holds the company and more words no field took: the company was read from
    a logo or a line cut short (Williams, of "Williams, Campbell and Humphreys"; 井上電機, of 株式会社井上電機).
    Case is ignored (SONY, of Sony Group Corporation); digits and marks left over say nothing."""
    key = compact(company).casefold()
    others = sorted((c for v in values if (c := compact(v).casefold()) and c != key), key=len, reverse=True)
    for line in text.splitlines():
        rest = compact(line).casefold()
        for value in others:  # (an e-mail or web address holds the company's name too)
            rest = rest.replace(value, "")
        if key in rest and len(re.sub(r"[\W\d_]", "", rest.replace(key, "", 1))) >= 3:
            return True
    return False


# A Japanese postal code printed as such: three and four digits, not inside a longer run of digits and hyphens
# (the end of 092-573-7003 is no code).
_JP_CODE = re.compile(r"(?<![\d\-‐－ー])\d{3}[-‐－ー]\d{4}(?![\d\-‐－ー])")


def offices_printed(text: str, lang: str | None) -> int:
    """Count the postal codes of the recognised ``text`` (distinct ones, outside phone numbers): how many offices
    the card prints an address for, as far as codes tell (a P.O. Box address has none)."""
    if lang == "ja":
        return len(set(_JP_CODE.findall(text)))
    codes = set()
    for line in text.splitlines():
        part = en_line_text(line)
        code = None if NUMBER_RUN.search(part) else en_postal_code(part)
        if code:
            codes.add(code)
    return len(codes)


# Labels that say a card prints a field: a label read with no such field read lost its value (URL alone on a
# line, 携帯電話 with its number cut off).
_LABELS = {
    "email": re.compile(r"\b(?:e-?mail|mail)\b|メール", re.IGNORECASE),
    "url": re.compile(r"\bURL\b|ホームページ", re.IGNORECASE),
    "fax": re.compile(r"\bFAX\b|ファクス|ファックス|フアックス", re.IGNORECASE),
    "mobile": re.compile(r"携帯|携帶|\b(?:mobile|mob|cell)\b", re.IGNORECASE),
    "phone": re.compile(r"\bTEL\b|電話|\bphone\b", re.IGNORECASE),
}


def labelled_but_missing(values: Mapping[str, str], text: str) -> list[str]:
    """Return the fields whose label the recognised ``text`` prints but which the reading lacks."""
    return [name for name, label in _LABELS.items() if name not in values and label.search(text)]


# A line that prints a phone label (TEL, 電話 or its 話, Fax, 携帯, Office, ...) and the number beside it: seven
# digits or more (a number that lost some, 話-526a5510, still has them; P.O. boxes and most postal codes have fewer),
# grouped by marks, with a letter between two digits read for a digit. A Japanese postal code's shape (123-4567, or
# after 〒) on such a line is another office's address, not a number.
_PHONE_LABEL = re.compile(
    r"TEL|電話|話|phone|FAX|ファクス|ファックス|フアックス|携帯|携帶|直通|代表|\b(?:mobile|mob|cell|office)\b",
    re.IGNORECASE,
)
_LABELLED_NUMBER = re.compile(r"\d(?:[\d().\-‐－ー]|(?<=\d)[A-Za-z](?=\d))+\d")
NUMBER_DIGITS = 7
_POSTAL_MARKS = "〒亍テ"


def numbers_no_field_holds(fields: Mapping[str, Mapping[str, Any]], text: str) -> list[str]:
    """Return the numbers that lines of the recognised ``text`` print beside a phone label and whose digits no
    field holds: a number misread past parsing (``話-526a5510``, the first office's line of cards-hard 0016, whose
    phone was then taken from the third office) or left out by the rules."""
    held = [
        re.sub(r"\D", "", part)
        for f in fields.values()
        if isinstance(f.get("value"), str)
        for part in f["value"].split(";")
    ]
    out = []
    for line in text.splitlines():
        if not _PHONE_LABEL.search(line):
            continue
        compacted = re.sub(r"\s", "", line)
        for match in _LABELLED_NUMBER.finditer(compacted):
            before = compacted[match.start() - 1 : match.start()]
            if _JP_CODE.fullmatch(match.group()) or (before and before in _POSTAL_MARKS):
                continue
            # Numbers run together with a label between them (4182F092) are held each on its own.
            pieces = [re.sub(r"\D", "", p) for p in re.split("[A-Za-z]", match.group())]
            if all(len(p) >= NUMBER_DIGITS for p in pieces) and all(
                any(p in h for h in held) for p in pieces
            ):
                continue
            digits = "".join(pieces)
            if len(digits) >= NUMBER_DIGITS and not any(digits in h for h in held):
                out.append(match.group())
    return out


# What a pipeline warning says of a field whose line shows more than its reading holds (``ocr.ppread.
# doubt_lost_marks``: an accent printed over a capital and read without it); ``field: ...`` names the field.
LACKING = "that the reading lacks"


def suspect_fields(
    fields: Mapping[str, Mapping[str, Any]], lang: str | None, text: str = "", warnings: Sequence[str] = ()
) -> list[str]:
    """Return the fields of a stored reading that print would not spell so (``suspect_value``), the e-mail and web
    addresses when their names are one misread apart (``domains_one_misread``), the name when the e-mail address
    reads its given name otherwise (``name_disagrees_with_email``), the company when a line of the recognised
    ``text`` holds it and more (``company_cut_short``), the kana reading when it falls short of the name
    (``reading_falls_short``), and further numbers on a card that prints one office's address
    (``offices_printed``): a mobile or a direct line the rules could not type; a field whose label is printed
    but which was not read (``labelled_but_missing``); the phone when a number printed by a phone label is held
    by no field (``numbers_no_field_holds``); and a field the pipeline's ``warnings`` say lacks what its
    line shows (``LACKING``), unless a correction a reviewer made before has set it since."""
    values = {
        name: str(f["value"])
        for name, f in fields.items()
        if name != "other_phones" and isinstance(f.get("value"), str) and f["value"].strip()
    }
    out = [name for name, value in values.items() if suspect_value(name, value, lang)]
    if "email" in values and "url" in values and domains_one_misread(values["email"], values["url"]):
        out += ["email", "url"]
    if (
        lang == "ja"
        and "name" in values
        and "email" in values
        and name_disagrees_with_email(values["name"], values["email"])
    ):
        out.append("name")
    if "company" in values and company_cut_short(values["company"], list(values.values()), text):
        out.append("company")
    if (
        "name" in values
        and "name_kana" in values
        and reading_falls_short(values["name"], values["name_kana"])
    ):
        out.append("name_kana")
    if "other_phones" in fields and offices_printed(text, lang) == 1:
        # a number no field took, and no other office for it: untyped, not another's
        out.append("other_phones")
    out += labelled_but_missing(values, text)
    if numbers_no_field_holds(fields, text):
        # a number printed by a phone label went unread: the phone may be another office's
        out.append("phone")
    # a field whose line shows more than its reading holds, unless a reviewer's learnt correction has set it since
    # (contacts.corrections names the correction in the field)
    out += [
        name
        for w in warnings
        if LACKING in w and (name := w.split(":", 1)[0]) in values and not fields[name].get("correction_id")
    ]
    return list(dict.fromkeys(out))  # a field suspect twice is named once


@dataclass(frozen=True)
class CardModel:
    """Standardisation, logistic coefficients and the calibration steps of the score."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]  # one per feature
    intercept: float
    steps: tuple[tuple[float, float], ...]  # calibration of the logistic score (``calibrate_with``)

    def score(self, features: Mapping[str, float]) -> float:
        """Return the uncalibrated logistic score (0..1)."""
        z = self.intercept
        for name, m, s, c in zip(FEATURES, self.mean, self.scale, self.coef, strict=True):
            z += c * (features[name] - m) / s
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def confidence(self, features: Mapping[str, float]) -> float:
        """Return the calibrated chance that every field of the card is right."""
        return calibrate_with({"card": list(self.steps)}, "card", self.score(features))

    def to_json(self) -> dict[str, Any]:
        """Return the shape written to ``confirm.json``."""
        return {
            "features": list(FEATURES),
            "mean": [round(v, 6) for v in self.mean],
            "scale": [round(v, 6) for v in self.scale],
            "coef": [round(v, 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            "steps": [list(s) for s in self.steps],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CardModel:
        """Read the shape of ``to_json`` (features in another order or set are refused)."""
        if list(data["features"]) != list(FEATURES):
            raise ValueError("confirm.json was fitted on other features; refit it (bench_confirm --fit)")
        return cls(
            mean=tuple(float(v) for v in data["mean"]),
            scale=tuple(float(v) for v in data["scale"]),
            coef=tuple(float(v) for v in data["coef"]),
            intercept=float(data["intercept"]),
            steps=tuple((float(a), float(b)) for a, b in data["steps"]),
        )


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float) -> tuple[np.ndarray, float]:
    """Fit a ridge-penalised logistic regression by Newton's method; return (coefficients, intercept)."""
    n, k = x.shape
    design = np.hstack([np.ones((n, 1)), x])
    w = np.zeros(k + 1)
    penalty = np.eye(k + 1) * l2
    penalty[0, 0] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -30, 30)))
        grad = design.T @ (p - y) + penalty @ w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty + 1e-9 * np.eye(k + 1)
        step = np.linalg.solve(hessian, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return w[1:], float(w[0])


def _group_bound(
    value: float,
    low: float,
    high: float,
    scores: Sequence[float],
    right: Sequence[bool],
    groups: Sequence[str],
) -> float:
    """Lower a step's ``value`` to the bound of each group with at least ``MIN_STEP`` cards in [low, high) that does
    worse there than the pool."""
    pooled = [ok for score, ok in zip(scores, right, strict=True) if low <= score < high]
    for group in sorted(set(groups)):
        inside = [
            ok
            for score, ok, g in zip(scores, right, groups, strict=True)
            if g == group and low <= score < high
        ]
        if len(inside) >= MIN_STEP and sum(inside) * len(pooled) < sum(pooled) * len(inside):
            value = min(value, round(wilson_lower(sum(inside), len(inside), CARD_Z), 4))
    return value


def every_group(
    steps: Sequence[tuple[float, float]],
    scores: Sequence[float],
    right: Sequence[bool],
    groups: Sequence[str],
) -> list[tuple[float, float]]:
    """Lower each calibration step to what every group of cards shows within it.

    A step's value is the lower bound (one-sided Wilson, ``CARD_Z``) of the share of fully right cards among all cards in
    it; pooled, clean cards of one set lift a step above what the hard cards in it show. Here each group with at
    least ``MIN_STEP`` cards in the step that does worse in it than the pool bounds it too. A group that does as
    well as the pool is not lifted by the others: its own bound, from fewer cards, would only say that it has fewer
    (eight cards, all right, bound a step at 0.68 at 97.5%).

    A step bounded under the step below it is pooled with it, as the steps' blocks were pooled in the first place
    (pool-adjacent-violators), and the pooled step is bounded again: one wrong card among 19 of a group in the top
    step would otherwise lower every step under it to its bound, 90 right cards of the next step included.
    """
    lows = [low for low, _ in steps]
    values = [
        _group_bound(value, low, lows[i + 1] if i + 1 < len(lows) else math.inf, scores, right, groups)
        for i, (low, value) in enumerate(steps)
    ]
    i = 0
    while i + 1 < len(lows):
        if values[i] <= values[i + 1]:
            i += 1
            continue
        high = lows[i + 2] if i + 2 < len(lows) else math.inf
        pooled = [ok for score, ok in zip(scores, right, strict=True) if lows[i] <= score < high]
        value = round(wilson_lower(sum(pooled), len(pooled), CARD_Z), 4) if pooled else values[i + 1]
        del lows[i + 1], values[i + 1]
        values[i] = _group_bound(value, lows[i], high, scores, right, groups)
        i = max(0, i - 1)
    return list(zip(lows, values, strict=True))


def fit_model(
    samples: Sequence[tuple[Mapping[str, float], bool]],
    l2: float | None = None,
    groups: Sequence[str] | None = None,
) -> CardModel:
    """Fit the card model on (features, every field right) samples of labelled cards.

    The score's calibration steps are fitted on scores the cards got from models that did not see them
    (five-fold cross-fitting: each from a model fitted on four fifths, like the one fitted on all), so the steps
    promise what the model does on new cards, not on its own. With
    ``groups`` (which labelled set each sample comes from), each step promises what every set shows in it
    (``every_group``).
    """
    l2 = L2 if l2 is None else l2
    x = np.array([[f[name] for name in FEATURES] for f, _ in samples], dtype=float)
    y = np.array([1.0 if ok else 0.0 for _, ok in samples])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    coef, intercept = fit_logistic(z, y, l2)
    # Out-of-fold scores for the calibration steps.
    folds = np.arange(len(y)) % CROSS_FOLDS
    scores = np.zeros(len(y))
    for fold in range(CROSS_FOLDS):
        train, test = folds != fold, folds == fold
        if train.sum() == 0 or test.sum() == 0:
            scores[test] = 1.0 / (1.0 + np.exp(-(z[test] @ coef + intercept)))
            continue
        m, s = x[train].mean(axis=0), x[train].std(axis=0)
        s[s < 1e-9] = 1.0
        c, b = fit_logistic((x[train] - m) / s, y[train], l2)
        scores[test] = 1.0 / (1.0 + np.exp(-np.clip(((x[test] - m) / s) @ c + b, -30, 30)))
    steps = fit_field(zip(scores.tolist(), (bool(v) for v in y), strict=True), z=CARD_Z)
    if groups is not None:
        steps = every_group(steps, scores.tolist(), [bool(v) for v in y], groups)
    return CardModel(  # rounded as confirm.json stores them, so a fitted model is the one it ships
        mean=tuple(round(v, 6) for v in mean.tolist()),
        scale=tuple(round(v, 6) for v in scale.tolist()),
        coef=tuple(round(v, 6) for v in coef.tolist()),
        intercept=round(intercept, 6),
        steps=tuple(steps),
    )


@functools.lru_cache(maxsize=1)
def shipped_model() -> CardModel | None:
    """Load the model shipped with the package (None when there is none)."""
    if not MODEL_PATH.exists():
        return None
    return CardModel.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8"))["model"])


def card_confidence(
    fields: Mapping[str, Mapping[str, Any]],
    lang: str | None,
    warnings: Sequence[str] = (),
    text: str = "",
    model: CardModel | None = None,
) -> float:
    """Return the calibrated chance that every field of a stored reading is right (0 without a model)."""
    model = model or shipped_model()
    if model is None or suspect_fields(fields, lang, text, warnings):
        return 0.0
    return model.confidence(card_features(fields, lang, warnings, text))


def save(model: CardModel, *, source: str, path: Path = MODEL_PATH) -> None:
    """Write a fitted model as the shipped data."""
    path.write_text(
        json.dumps({"source": source, "model": model.to_json()}, indent=1) + "\n", encoding="utf-8"
    )
