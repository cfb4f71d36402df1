"""The matching engine: match one contact against candidates, or deduplicate a whole base.

Pure functions over :class:`~contacts.dedup.records.MatchKeys`; no database. Big bases are keyed and
scored in worker processes (fork), blocks are bounded, and clusters are built from ``merge`` links only,
refusing unions that would give one person two different mobiles, two different addresses at one
company domain, or two names that disagree (no chaining of weak links).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from typing import TypeVar

from contacts.dedup.blocking import candidate_pairs_hashed, hashed_blocking_keys
from contacts.dedup.records import ContactRecord, MatchKeys, record_keys
from contacts.dedup.scoring import (
    MERGE,
    NameStats,
    name_key,
    names_compatible,
    one_inbox_per_person,
    score_if_decided,
    score_pair,
)

__all__ = ["DedupeResult", "ProgressFn", "ScoredPair", "find_duplicates", "match_one"]

#: ``progress(stage, done, total)``; stages are "keys", "blocking", "scoring" and "clustering".
ProgressFn = Callable[[str, int, int], None]

_T = TypeVar("_T")
_PARALLEL_FROM = 20_000
_CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """A scored pair of contacts (``a`` < ``b`` in input order for :func:`find_duplicates`)."""

    a: str
    b: str
    score: float
    decision: str
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """Return the JSON shape used by ``meishi dedupe --json``."""
        return {
            "a": self.a,
            "b": self.b,
            "score": self.score,
            "decision": self.decision,
            "reasons": self.reasons,
        }


@dataclass(slots=True)
class DedupeResult:
    """Duplicate candidates (merge and review) and the clusters built from merge links."""

    pairs: list[ScoredPair]
    clusters: list[list[str]]
    contacts: int = 0


def match_one(
    new_keys: MatchKeys, candidate_keys: Iterable[MatchKeys], *, stats: NameStats | None = None
) -> list[ScoredPair]:
    """Score a new contact against candidates (fetched by blocking key); best first, decisions only."""
    out: list[ScoredPair] = []
    for cand in candidate_keys:
        if cand.id == new_keys.id:
            continue
        ps = score_pair(new_keys, cand, stats=stats)
        if ps.decision is not None:
            out.append(ScoredPair(new_keys.id, cand.id, ps.score, ps.decision, ps.reasons))
    out.sort(key=lambda p: -p.score)
    return out


# Worker state, inherited through fork (never pickled per task).
_W_KEYS: Sequence[MatchKeys] = ()
_W_STATS: NameStats | None = None


_W_RECORDS: Sequence[ContactRecord | MatchKeys] = ()


_KEY_FIELDS = tuple(f.name for f in fields(MatchKeys))


def _keys_range(bounds: tuple[int, int]) -> list[tuple[tuple[object, ...], list[int]]]:
    # Plain tuples pickle about three times faster than slotted dataclasses on the way back, and the
    # blocking keys travel as ints (forked workers share the parent's string hash seed).
    out: list[tuple[tuple[object, ...], list[int]]] = []
    for r in _W_RECORDS[bounds[0] : bounds[1]]:
        k = r if isinstance(r, MatchKeys) else record_keys(r)
        out.append((tuple(getattr(k, name) for name in _KEY_FIELDS), hashed_blocking_keys(k)))
    return out


_Scored = tuple[int, int, float, str | None, list[str], float]


def _score_chunk(pairs: list[int]) -> list[_Scored]:
    keys, stats = _W_KEYS, _W_STATS
    n = len(keys)
    out: list[_Scored] = []
    for p in pairs:
        i, j = divmod(p, n)
        ps = score_if_decided(keys[i], keys[j], stats=stats)
        if ps is not None:
            out.append((i, j, ps.score, ps.decision, ps.reasons, ps.points))
    return out


def _chunks(items: Sequence[_T], size: int) -> list[list[_T]]:
    return [list(items[x : x + size]) for x in range(0, len(items), size)]


def _workers(requested: int | None, size: int) -> int:
    if requested is not None:
        return max(1, requested)
    if size < _PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def _compute_keys(
    records: Sequence[ContactRecord | MatchKeys], workers: int, progress: ProgressFn | None
) -> tuple[list[MatchKeys], list[list[int]]]:
    """Return every contact's keys and hashed blocking keys, in input order."""
    global _W_RECORDS
    total = len(records)
    ranges = [(start, min(total, start + _CHUNK)) for start in range(0, total, _CHUNK)]
    keys: list[MatchKeys] = []
    blocks: list[list[int]] = []
    if workers > 1:
        _W_RECORDS = records  # inherited by the forked workers: only index ranges cross the pipe
        gc.freeze()  # keep the collector from touching (and so copying) inherited pages
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for chunk in pool.imap(_keys_range, ranges):
                    for values, hashed in chunk:
                        keys.append(MatchKeys(*values))  # type: ignore[arg-type]
                        blocks.append(hashed)
                    if progress:
                        progress("keys", len(keys), total)
        finally:
            _W_RECORDS = ()
        return keys, blocks
    for bounds in ranges:
        for r in records[bounds[0] : bounds[1]]:
            k = r if isinstance(r, MatchKeys) else record_keys(r)
            keys.append(k)
            blocks.append(hashed_blocking_keys(k))
        if progress:
            progress("keys", len(keys), total)
    return keys, blocks


def _score_all(
    keys: list[MatchKeys], pairs: list[int], stats: NameStats, workers: int, progress: ProgressFn | None
) -> list[_Scored]:
    global _W_KEYS, _W_STATS
    _W_KEYS, _W_STATS = keys, stats
    total = len(pairs)
    results: list[_Scored] = []
    try:
        if workers > 1 and total >= _PARALLEL_FROM:
            gc.freeze()
            ctx = multiprocessing.get_context("fork")
            done = 0
            with ctx.Pool(workers) as pool:
                for chunk_result in pool.imap_unordered(_score_chunk, _chunks(pairs, 20_000)):
                    results.extend(chunk_result)
                    done = min(total, done + 20_000)
                    if progress:
                        progress("scoring", done, total)
        else:
            for start in range(0, total, 20_000):
                results.extend(_score_chunk(pairs[start : start + 20_000]))
                if progress:
                    progress("scoring", min(total, start + 20_000), total)
    finally:
        _W_KEYS, _W_STATS = (), None
    return results


class _Clusters:
    """Union-find over merge links that refuses unions joining two different people."""

    def __init__(self, keys: Sequence[MatchKeys]) -> None:
        self.keys = keys
        self.parent: dict[int, int] = {}
        self.members: dict[int, list[int]] = {}

    def find(self, i: int) -> int:
        root = self.parent.setdefault(i, i)
        if root != i:
            root = self.find(root)
            self.parent[i] = root
        else:
            self.members.setdefault(i, [i])
        return root

    def _compatible(self, ra: int, rb: int) -> bool:
        ma, mb = self.members[ra], self.members[rb]
        mobiles_a = {m for i in ma for m in self.keys[i].mobiles}
        mobiles_b = {m for i in mb for m in self.keys[i].mobiles}
        if mobiles_a and mobiles_b and not mobiles_a & mobiles_b:
            return False
        emails_a, emails_b = self._emails_by_domain(ma), self._emails_by_domain(mb)
        if any(not emails_a[d] & emails_b[d] for d in emails_a.keys() & emails_b.keys()):
            return False
        return all(names_compatible(self.keys[x], self.keys[y]) for x in ma for y in mb)

    def _emails_by_domain(self, members: list[int]) -> dict[str, set[str]]:
        """The members' inboxes by domain, at domains that give one inbox per person (not free mail)."""
        out: dict[str, set[str]] = {}
        for i in members:
            for e in self.keys[i].emails:
                domain = e.rsplit("@", 1)[1]
                if one_inbox_per_person(domain):
                    out.setdefault(domain, set()).add(e)
        return out

    def union(self, i: int, j: int) -> bool:
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return True
        if not self._compatible(ri, rj):
            return False
        if len(self.members[ri]) < len(self.members[rj]):
            ri, rj = rj, ri
        self.parent[rj] = ri
        self.members[ri].extend(self.members.pop(rj))
        return True

    def groups(self) -> list[list[int]]:
        return [m for m in self.members.values() if len(m) > 1]


def find_duplicates(
    records: Iterable[ContactRecord | MatchKeys],
    progress: ProgressFn | None = None,
    *,
    workers: int | None = None,
) -> DedupeResult:
    """Find duplicate pairs (merge and review) and merge clusters in a whole base.

    Pass a generator to let the raw records be freed once their keys are computed.
    """
    # Millions of small objects and no reference cycles: the cyclic GC would only rescan them over and
    # over (and dirty copy-on-write pages in forked workers), so it is paused for the run.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _find_duplicates(records, progress, workers)
    finally:
        gc.unfreeze()
        if gc_was_enabled:
            gc.enable()


def _find_duplicates(
    records: Iterable[ContactRecord | MatchKeys], progress: ProgressFn | None, workers: int | None
) -> DedupeResult:
    items = records if isinstance(records, Sequence) else list(records)
    nworkers = _workers(workers, len(items))
    keys, hashed_blocks = _compute_keys(items, nworkers, progress)
    del items  # a generator's records are freed here; only their keys are needed from now on
    stats = NameStats.from_keys(keys)
    sort_keys = [name_key(k) + "|" + k.address for k in keys]
    pair_set = candidate_pairs_hashed(hashed_blocks, sort_keys)
    del sort_keys, hashed_blocks
    pairs = list(pair_set)  # set order is deterministic for ints; results are sorted by score below
    del pair_set
    if progress:
        progress("blocking", len(pairs), len(pairs))
    scored = _score_all(keys, pairs, stats, nworkers, progress)
    del pairs
    scored.sort(key=lambda t: (-t[2], t[0], t[1]))

    clusters = _Clusters(keys)
    for i, j, _score, decision, _reasons, _points in scored:
        if decision == MERGE:
            clusters.union(i, j)
    if progress:
        progress("clustering", 1, 1)
    out_pairs = [
        ScoredPair(keys[i].id, keys[j].id, score, decision or "", reasons)
        for i, j, score, decision, reasons, _points in scored
    ]
    groups = [sorted((keys[i].id for i in g), key=_id_order) for g in clusters.groups()]
    groups.sort(key=lambda g: _id_order(g[0]))
    return DedupeResult(pairs=out_pairs, clusters=groups, contacts=len(keys))


def _id_order(identifier: str) -> tuple[int, int | str]:
    return (0, int(identifier)) if identifier.isdigit() else (1, identifier)
