"""Blocking: short keys per contact, so that only contacts sharing a key are ever compared.

Key formats (all strings, safe to store in a ``(organization_id, key, contact_id)`` table):

- ``em:<email>``           a personal (non-role) e-mail address
- ``mb:<e164>``            a mobile number
- ``ph:<e164>``            a fixed number (big blocks of main numbers are bounded, see below)
- ``nm:<name>``            the whole folded name (loose kanji variants, order-free for Latin names)
- ``rd:<reading>``         romaji reading tokens, sorted (meets kanji+furigana cards with English-side cards)
- ``nc:<family>|<company>`` family name (or the first two characters of an unsplit name) and company
- ``dm:<domain>|<initial>`` company domain and the initial of a reading token
- ``pc:<name part>|<postal>`` a name part and the postal code
- ``ad:<address>``          the folded address (Latin addresses: house number and first street word)
- ``nw:<name part>|<street word>`` a name part and the first street word (Latin addresses)
- ``ap:<word>|<word or postal>`` two distinctive words of a home address (contacts without a company)

A block larger than :data:`MAX_BLOCK` (:data:`MAX_SHARED_BLOCK` for keys that coworkers share: phone,
address, domain) is not compared all-pairs: its members are sorted by name and only neighbours within
:data:`WINDOW` are compared, which bounds the work on main numbers, office addresses and common names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Final

from contacts.dedup.records import MatchKeys
from contacts.dedup.scoring import name_key

__all__ = [
    "MAX_BLOCK",
    "MAX_SHARED_BLOCK",
    "SHARED_WINDOW",
    "WINDOW",
    "blocking_keys",
    "candidate_pairs",
    "candidate_pairs_hashed",
    "hashed_blocking_keys",
]

_ADDRESS_STOPWORDS: Final = frozenset(
    [
        "street",
        "st",
        "road",
        "rd",
        "place",
        "pl",
        "crescent",
        "cres",
        "avenue",
        "ave",
        "drive",
        "dr",
        "court",
        "ct",
        "circuit",
        "cct",
        "close",
        "lane",
        "ln",
        "way",
        "parade",
        "pde",
        "terrace",
        "tce",
        "highway",
        "hwy",
        "grove",
        "boulevard",
        "square",
        "north",
        "south",
        "east",
        "west",
        "upper",
        "lower",
        "the",
        "nsw",
        "vic",
        "qld",
        "act",
        "tas",
        "unit",
        "flat",
        "level",
        "floor",
        "villa",
        "apartment",
    ]
)
MAX_BLOCK: Final = 24
#: Keys that coworkers share (main number, office address, company domain): windowed from this size on.
MAX_SHARED_BLOCK: Final = 8
WINDOW: Final = 8
#: Window in shared blocks: same-name coworkers already meet through nm:/nc:, so neighbours suffice.
SHARED_WINDOW: Final = 3
_SHARED_KINDS: Final = frozenset({"ph", "ad", "dm"})


def blocking_keys(k: MatchKeys) -> list[str]:
    """Return the blocking keys of one contact (deduplicated, order stable)."""
    keys: list[str] = [f"em:{e}" for e in k.emails]
    keys += [f"mb:{m}" for m in k.mobiles]
    keys += [f"ph:{p}" for p in k.phones]
    nk = name_key(k)
    if nk:
        keys.append(f"nm:{nk}")
    if k.readings:
        keys.append("rd:" + "".join(k.readings))
    family = k.family.replace(" ", "") if k.family else (k.name_loose[:2] if not k.latin else "")
    if k.company:
        if family:
            keys.append(f"nc:{family}|{k.company}")
        for token in k.readings:
            keys.append(f"nc:{token}|{k.company}")
    initials = {t[0] for t in k.readings if t}
    for domain in k.domains:
        keys += [f"dm:{domain}|{i}" for i in sorted(initials)]
    if k.postal:
        parts = {p.replace(" ", "") for p in (k.family, k.given) if p} or ({family} if family else set())
        keys += [f"pc:{p}|{k.postal}" for p in sorted(parts)]
    if k.address_words:
        words = k.address_words.split()
        number = next((w for w in words if w.isdigit()), "")
        street = next((w for w in words if not w.isdigit() and len(w) > 2), "")
        if number and street:
            keys.append(f"ad:{number}|{street}")
        if street:
            keys += [f"nw:{part.replace(' ', '')}|{street}" for part in (k.family, k.given) if part]
        if not k.company:
            # A home address identifies a household: pairs of its distinctive words survive typos elsewhere.
            distinct = sorted(
                {w for w in words if w.isalpha() and len(w) > 2 and w not in _ADDRESS_STOPWORDS}
            )[:6]
            keys += [f"ap:{x}|{y}" for n, x in enumerate(distinct) for y in distinct[n + 1 :]]
            if k.postal:
                keys += [f"ap:{w}|{k.postal}" for w in distinct]
    elif k.address:
        keys.append(f"ad:{k.address}")
    return list(dict.fromkeys(keys))


def _block_pairs(
    members: Sequence[int], sort_keys: Sequence[str], limit: int, window: int
) -> Iterator[tuple[int, int]]:
    if len(members) <= limit:
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                yield members[x], members[y]
        return
    ordered = sorted(members, key=lambda i: sort_keys[i])
    for x in range(len(ordered)):
        for y in range(x + 1, min(x + 1 + window, len(ordered))):
            yield ordered[x], ordered[y]


def hashed_blocking_keys(k: MatchKeys) -> list[int]:
    """Return the blocking keys as ints: ``hash(key) * 2 + 1`` for keys coworkers share, else ``* 2``.

    Hashes of strings are only comparable within one process tree (forked workers share the seed).
    """
    return [hash(key) * 2 + (key[:2] in _SHARED_KINDS) for key in blocking_keys(k)]


def candidate_pairs(all_keys: Iterable[list[str]], sort_keys: Sequence[str]) -> set[int]:
    """Return candidate pairs as ``i * n + j`` (i < j, n = ``len(sort_keys)``) from per-contact keys."""
    hashed = ([hash(key) * 2 + (key[:2] in _SHARED_KINDS) for key in keys] for keys in all_keys)
    return candidate_pairs_hashed(hashed, sort_keys)


def candidate_pairs_hashed(all_keys: Iterable[list[int]], sort_keys: Sequence[str]) -> set[int]:
    """Like :func:`candidate_pairs`, from :func:`hashed_blocking_keys`.

    Blocks are indexed by the hash of their key, which keeps a million contacts' blocks small in memory;
    a rare hash collision only adds candidates.
    """
    shared: dict[int, list[int]] = {}
    other: dict[int, list[int]] = {}
    for i, keys in enumerate(all_keys):
        for h in keys:
            blocks = shared if h & 1 else other
            members = blocks.get(h)
            if members is None:
                blocks[h] = [i]
            else:
                members.append(i)
    n = len(sort_keys)
    pairs: set[int] = set()
    for blocks, limit, window in ((shared, MAX_SHARED_BLOCK, SHARED_WINDOW), (other, MAX_BLOCK, WINDOW)):
        for members in blocks.values():
            if len(members) < 2:
                continue
            for i, j in _block_pairs(members, sort_keys, limit, window):
                pairs.add(i * n + j if i < j else j * n + i)
        blocks.clear()
    return pairs
