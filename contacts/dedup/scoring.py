"""Pairwise scoring: named comparisons, one table of weights and thresholds, a person gate, reasons.

Each comparison returns a level; :data:`WEIGHTS` turns levels into evidence points (roughly log2 odds of
"same person"). The sum decides: ``merge`` needs the names to agree (the person gate: coworkers share
company, phone, address and domain), no conflicting hard identifier, and enough points; ``review`` is a
looser candidate for a person to decide. Common names earn fewer points (:class:`NameStats`).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.fuzz import ratio, token_set_ratio

from contacts.dedup.records import MatchKeys
from contacts.normalize import guess_romaji_key, has_kanji, is_free_mail_domain

__all__ = [
    "THRESHOLDS",
    "WEIGHTS",
    "NameStats",
    "PairScore",
    "name_key",
    "names_compatible",
    "score_if_decided",
    "score_pair",
]

#: Evidence points per comparison level. Positive: points towards "same person"; negative: against.
WEIGHTS: Final[Mapping[str, Mapping[str, float]]] = {
    # Whole-name comparison (kanji/kana names, or Latin names whose order is unknown).
    "name": {
        "exact": 9.0,
        "variant": 8.0,
        "reading": 7.5,
        "reading_guess": 5.0,  # kanji without printed reading, guessed with pykakasi
        "fuzzy": 3.0,
        "unknown": 0.0,
        "differ": -12.0,
    },
    # Latin names with known family and given parts (each part compared on its own).
    "family": {"exact": 4.5, "close": 3.0, "near": 1.0, "missing": 0.0, "differ": -5.0},
    "given": {"exact": 4.5, "close": 3.0, "near": 1.0, "missing": 0.0, "differ": -5.0},
    "swapped": {"penalty": -1.0},
    "email": {"same": 11.0, "similar": 3.0, "same_role": 0.5, "conflict": -5.0},
    "mobile": {"same": 10.0, "conflict": -6.0},
    "phone": {"same_direct": 5.0, "same_unknown": 2.5, "same_shared": 1.0},
    "company": {"same": 2.0, "similar": 1.0, "differ": -1.0},
    "domain": {"same": 1.5},
    "address": {"exact": 4.0, "close": 3.0, "near": 1.0, "partial": 0.0, "differ": -2.0},
    "postal": {"same": 1.5, "differ": -1.0},
    "department": {"same": 0.5},
    "title": {"same": 0.5},
}

#: Thresholds: similarity cut-offs (0..1), decision cut-offs (points) and the score curve.
THRESHOLDS: Final[Mapping[str, float]] = {
    "part_close": 0.94,  # Jaro-Winkler for a family or given name
    "part_near": 0.88,
    "name_fuzzy": 0.93,  # Jaro-Winkler for whole romaji names
    "address_close": 0.90,  # rapidfuzz ratio / token_set_ratio / 100
    "address_near": 0.75,
    "address_partial": 0.55,
    "company_similar": 0.90,
    "shared_phone_count": 3,  # a fixed number on this many contacts is a main number (代表番号)
    "name_frequency_cap": 6.0,  # most points a common name can lose
    "job_change_name": 7.0,  # name points (after the frequency penalty) for a job-change review
    "merge": 14.0,
    "review": 7.0,
    "score_midpoint": 8.0,
    "score_scale": 3.0,
}

MERGE: Final = "merge"
REVIEW: Final = "review"


@dataclass(frozen=True, slots=True)
class PairScore:
    """The score of one pair (0..1), its decision ("merge", "review" or None) and its reasons."""

    score: float
    decision: str | None
    reasons: list[str] = field(default_factory=list)
    points: float = 0.0


@dataclass(slots=True)
class NameStats:
    """How common names and phone numbers are in a base, so that common ones weigh less."""

    total: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    @classmethod
    def from_keys(cls, keys: Iterable[MatchKeys]) -> NameStats:
        """Count name parts, whole names and fixed phones over ``keys``."""
        stats = cls()
        for k in keys:
            stats.add(k)
        return stats

    def add(self, k: MatchKeys) -> None:
        """Count one contact."""
        self.total += 1
        c = self.counts
        if k.family:
            c["f:" + k.family] += 1
        if k.given:
            c["g:" + k.given] += 1
        nk = name_key(k)
        if nk:
            c["n:" + nk] += 1
        for p in k.phones:
            c["p:" + p] += 1

    def expected_namesakes(self, a: MatchKeys) -> float:
        """Estimate how many other people in the base share ``a``'s name."""
        if self.total <= 1:
            return 0.0
        if a.family and a.given:
            return self.counts["f:" + a.family] * self.counts["g:" + a.given] / self.total
        return max(0.0, self.counts["n:" + name_key(a)] - 1.0)

    def phone_count(self, phone: str) -> int:
        """Return how many contacts carry ``phone`` (0 when unknown)."""
        return self.counts["p:" + phone]


def name_key(k: MatchKeys) -> str:
    """Return an order-free key of the whole name (sorted parts for Latin names)."""
    if k.latin and k.family and k.given:
        return "".join(sorted((k.family.replace(" ", ""), k.given.replace(" ", ""))))
    if k.latin and k.readings:
        return "".join(k.readings)
    return k.name_loose


def _part_level(a: str, b: str) -> str:
    if not a or not b:
        return "missing"
    if a == b or a.replace(" ", "") == b.replace(" ", ""):
        return "exact"
    sim = JaroWinkler.similarity(a, b)
    if sim >= THRESHOLDS["part_close"]:
        return "close"
    if sim >= THRESHOLDS["part_near"]:
        return "near"
    return "differ"


_PART_RANK: Final[Mapping[str, int]] = {"exact": 4, "close": 3, "near": 2, "missing": 1, "differ": 0}
_STRONG_NAME_LEVELS = frozenset({"exact", "variant", "reading"})


def _compare_names(a: MatchKeys, b: MatchKeys, reasons: list[str]) -> tuple[float, str]:
    """Return (points, strength): "strong", "weak", "partial" (one part differs), "unknown" or "none"."""
    if not a.name or not b.name:
        reasons.append("name:missing")
        return 0.0, "unknown"
    if a.latin and b.latin and (a.family or a.given) and (b.family or b.given):
        fam, giv = _part_level(a.family, b.family), _part_level(a.given, b.given)
        swapped = False
        if "differ" in (fam, giv) or "missing" in (fam, giv):
            sfam, sgiv = _part_level(a.family, b.given), _part_level(a.given, b.family)
            if (
                "differ" not in (sfam, sgiv)
                and _PART_RANK[sfam] + _PART_RANK[sgiv] > _PART_RANK[fam] + _PART_RANK[giv]
            ):
                fam, giv, swapped = sfam, sgiv, True
        points = WEIGHTS["family"][fam] + WEIGHTS["given"][giv]
        reasons.append(f"family_name:{fam}")
        reasons.append(f"given_name:{giv}")
        if swapped:
            points += WEIGHTS["swapped"]["penalty"]
            reasons.append("name:swapped")
        if "differ" in (fam, giv):
            # One part agrees, the other differs: a relative or a namesake, or a re-keyed given name.
            return points, "partial" if {fam, giv} & {"exact", "close"} else "none"
        if fam in ("exact", "close") and giv in ("exact", "close"):
            return points, "strong"
        return points, "weak"
    level = _whole_name_level(a, b)
    reasons.append(f"name:{level}")
    if level in _STRONG_NAME_LEVELS:
        return WEIGHTS["name"][level], "strong"
    if level in ("fuzzy", "reading_guess"):
        return WEIGHTS["name"][level], "weak"
    if level == "unknown":
        return 0.0, "unknown"
    return WEIGHTS["name"]["differ"], "none"


_has_kanji = functools.lru_cache(maxsize=1 << 18)(has_kanji)


def _whole_name_level(a: MatchKeys, b: MatchKeys) -> str:
    a_kanji, b_kanji = _has_kanji(a.name), _has_kanji(b.name)
    if a_kanji and b_kanji:
        if a.name == b.name:
            return "exact"
        if a.name_loose == b.name_loose:
            return "variant"
        if a.readings and b.readings and a.readings != b.readings:
            return "differ"
        if (
            min(len(a.name_loose), len(b.name_loose)) >= 3
            and Levenshtein.distance(a.name_loose, b.name_loose) == 1
        ):
            # One character off (OCR): only as good as the printed readings allow.
            return "fuzzy"
        return "differ"
    if not a.readings or not b.readings:
        return _guessed_reading_level(a, b) if a.readings or b.readings else "unknown"
    if a.readings == b.readings:
        return "reading" if (a_kanji, a.latin) != (b_kanji, b.latin) else "exact"
    if JaroWinkler.similarity("".join(a.readings), "".join(b.readings)) >= THRESHOLDS["name_fuzzy"]:
        return "fuzzy"
    return "differ"


def _guessed_readings(k: MatchKeys) -> tuple[str, ...]:
    if k.family and k.given:
        parts = (guess_romaji_key(k.family), guess_romaji_key(k.given))
        return tuple(sorted(parts)) if all(parts) else ()
    whole = guess_romaji_key(k.name)
    return (whole,) if whole else ()


def _guessed_reading_level(a: MatchKeys, b: MatchKeys) -> str:
    """Compare a kanji name without printed reading to a reading, through a guessed reading."""
    kanji, other = (a, b) if not a.readings else (b, a)
    if not has_kanji(kanji.name):
        return "unknown"
    guess = _guessed_readings(kanji)
    if not guess:
        return "unknown"
    if guess == other.readings or (
        len(guess) == 1 and guess[0] in ("".join(other.readings), "".join(other.readings[::-1]))
    ):
        return "reading_guess"
    return "unknown"  # a wrong guess says nothing: readings of kanji names are ambiguous


def _compare_address(a: MatchKeys, b: MatchKeys) -> str:
    if a.address == b.address:
        return "exact"
    sim = ratio(a.address, b.address) / 100.0
    if a.address_words and b.address_words:
        sim = max(sim, token_set_ratio(a.address_words, b.address_words) / 100.0)
    if sim >= THRESHOLDS["address_close"]:
        return "close"
    if sim >= THRESHOLDS["address_near"]:
        return "near"
    if sim >= THRESHOLDS["address_partial"]:
        return "partial"
    return "differ"


def _intersects(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Tell whether two short tuples share a value (cheaper than building sets for 1-3 items)."""
    return any(x in b for x in a)


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1]


@functools.lru_cache(maxsize=4096)
def one_inbox_per_person(domain: str) -> bool:
    """Tell whether two inboxes at ``domain`` are two people's: a company's domain, not free or carrier mail
    (gmail.com, docomo.ne.jp...), where one person keeps several inboxes and everybody has one."""
    return not is_free_mail_domain(domain)


_OCR_FOLD = str.maketrans({"1": "l", "i": "l", "0": "o", "5": "s"})


def _ocr_shape(email: str) -> str:
    return email.replace("rn", "m").translate(_OCR_FOLD)


def _near_email(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Tell whether two addresses differ only by OCR look-alikes (l/1/i, o/0, s/5, rn/m).

    Anything else (taro.yamada vs taro.yamada2) is another inbox, often a namesake coworker's.
    """
    return bool({_ocr_shape(x) for x in a} & {_ocr_shape(y) for y in b})


def score_pair(a: MatchKeys, b: MatchKeys, *, stats: NameStats | None = None) -> PairScore:
    """Score two contacts' keys: a 0..1 score, a decision and the reasons behind it."""
    result = _score(a, b, stats, quick=False)
    assert result is not None
    return result


def _shares_identifier(a: MatchKeys, b: MatchKeys, stats: NameStats | None) -> bool:
    """Tell whether a pair shares a personal e-mail, a mobile or a direct line (not a main number)."""
    if _intersects(a.emails, b.emails) or _intersects(a.mobiles, b.mobiles):
        return True
    if stats is None or stats.total == 0 or not _intersects(a.phones, b.phones):
        return False
    shared = [p for p in a.phones if p in b.phones]
    return max(stats.phone_count(p) for p in shared) < THRESHOLDS["shared_phone_count"]


def score_if_decided(a: MatchKeys, b: MatchKeys, *, stats: NameStats | None = None) -> PairScore | None:
    """Score a pair like :func:`score_pair`, but return None early for pairs that cannot get a decision.

    Coworkers (different names, an office address, no shared identifier) are most of the candidates
    that shared blocks produce; this skips the rest of their comparisons.
    """
    result = _score(a, b, stats, quick=True)
    return result if result is not None and result.decision is not None else None


def _score(a: MatchKeys, b: MatchKeys, stats: NameStats | None, quick: bool) -> PairScore | None:
    reasons: list[str] = []
    name_points, strength = _compare_names(a, b, reasons)
    if quick and strength == "none" and (a.company or b.company) and not _shares_identifier(a, b, stats):
        return None
    if stats is not None and name_points > 0:
        namesakes = max(stats.expected_namesakes(a), stats.expected_namesakes(b))
        if namesakes > 1.0:
            penalty = min(math.log2(namesakes), THRESHOLDS["name_frequency_cap"])
            name_points = max(1.0, name_points - penalty)
            reasons.append(f"name:common({namesakes:.0f})")
    points = name_points
    hard = False
    conflict = False

    if a.emails and b.emails:
        if _intersects(a.emails, b.emails):
            points += WEIGHTS["email"]["same"]
            hard = True
            reasons.append("email:same")
        elif _near_email(a.emails, b.emails):
            points += WEIGHTS["email"]["similar"]
            reasons.append("email:similar")
        elif any(
            one_inbox_per_person(d) for d in {_domain(e) for e in a.emails} & {_domain(e) for e in b.emails}
        ):
            points += WEIGHTS["email"]["conflict"]
            conflict = True
            reasons.append("email:differ_same_domain")
        else:
            reasons.append("email:differ")
    if _intersects(a.role_emails, b.role_emails):
        points += WEIGHTS["email"]["same_role"]
        reasons.append("email:same_shared_inbox")

    if a.mobiles and b.mobiles:
        if _intersects(a.mobiles, b.mobiles):
            points += WEIGHTS["mobile"]["same"]
            hard = True
            reasons.append("mobile:same")
        else:
            points += WEIGHTS["mobile"]["conflict"]
            conflict = True
            reasons.append("mobile:differ")

    if _intersects(a.phones, b.phones):
        shared = [p for p in a.phones if p in b.phones]
        if shared:
            if stats is None or stats.total == 0:
                points += WEIGHTS["phone"]["same_unknown"]
                reasons.append("phone:same")
            elif max(stats.phone_count(p) for p in shared) < THRESHOLDS["shared_phone_count"]:
                points += WEIGHTS["phone"]["same_direct"]
                hard = True
                reasons.append("phone:same_direct_line")
            else:
                points += WEIGHTS["phone"]["same_shared"]
                reasons.append("phone:same_main_number")

    if a.company and b.company and a.company.isascii() == b.company.isascii():
        # An English-side card spells the company in Latin letters: compare within one script only.
        if a.company == b.company:
            points += WEIGHTS["company"]["same"]
            reasons.append("company:same")
        elif ratio(a.company, b.company) / 100.0 >= THRESHOLDS["company_similar"]:
            points += WEIGHTS["company"]["similar"]
            reasons.append("company:similar")
        else:
            points += WEIGHTS["company"]["differ"]
            reasons.append("company:differ")
    if _intersects(a.domains, b.domains):
        points += WEIGHTS["domain"]["same"]
        reasons.append("domain:same")

    if a.address and b.address and bool(a.address_words) == bool(b.address_words):
        level = _compare_address(a, b)
        points += WEIGHTS["address"][level]
        reasons.append(f"address:{level}")
    if a.postal and b.postal:
        same = a.postal == b.postal
        points += WEIGHTS["postal"]["same" if same else "differ"]
        reasons.append("postal_code:same" if same else "postal_code:differ")
    if a.department and a.department == b.department:
        points += WEIGHTS["department"]["same"]
        reasons.append("department:same")
    if a.title and a.title == b.title:
        points += WEIGHTS["title"]["same"]
        reasons.append("title:same")

    # Without a company on either side the address is a home address: a shared home is worth a look even
    # when a name was re-keyed or mistyped; office addresses are shared by coworkers, so they never are.
    household = (
        not a.company
        and not b.company
        and strength != "strong"  # strong names score their own way
        and (
            "address:exact" in reasons
            or "address:close" in reasons
            or ("address:near" in reasons and ("postal_code:same" in reasons or strength != "none"))
        )
    )
    # The same uncommon name at another company: a job change for a person to confirm.
    job_change = (
        strength == "strong"
        and not conflict
        and name_points >= THRESHOLDS["job_change_name"]
        and "company:differ" in reasons
    )
    decision: str | None = None
    if (
        not conflict
        and points >= THRESHOLDS["merge"]
        and (strength == "strong" or (hard and strength in ("weak", "unknown")))
    ):
        decision = MERGE
    elif (
        (strength not in ("none", "partial") and points >= THRESHOLDS["review"])
        or job_change
        or household
        or (strength in ("none", "partial") and hard)
    ):
        decision = REVIEW
    score = 1.0 / (1.0 + math.exp(-(points - THRESHOLDS["score_midpoint"]) / THRESHOLDS["score_scale"]))
    return PairScore(score=round(score, 4), decision=decision, reasons=reasons, points=round(points, 2))


def names_compatible(a: MatchKeys, b: MatchKeys) -> bool:
    """Tell whether two contacts' names could belong to one person (the gate used when clustering)."""
    _, strength = _compare_names(a, b, [])
    return strength != "none"
