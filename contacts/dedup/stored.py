"""Stored match keys: compute a contact's engine keys once when it is written, fetch candidates by them.

Every write of a contact (create, update, merge, undo, card confirmation) calls :func:`refresh_keys`, which
stores the engine's :class:`~contacts.dedup.records.MatchKeys` as a :class:`MatchProfile` and its blocking
keys as :class:`MatchKey` rows. Matching a new contact then costs a few indexed look-ups, never a scan.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, Final

from sqlalchemy import delete, func, insert, select, text, union_all
from sqlalchemy.orm import Session

from contacts import bulkinsert
from contacts.db import batches
from contacts.dedup.blocking import blocking_keys
from contacts.dedup.models import MatchKey, MatchProfile
from contacts.dedup.records import ContactRecord, MatchKeys, record_keys
from contacts.dedup.scoring import NameStats, name_key
from contacts.normalize import phone_type_of
from contacts.people.models import Contact
from contacts.status import RecordStatus

#: Most members fetched per blocking key; keys that coworkers share (phone, address, domain) get fewer.
BLOCK_LIMIT: Final = 40
SHARED_BLOCK_LIMIT: Final = 24
_SHARED_KINDS: Final = frozenset({"ph", "ad", "dm"})
_MAX_KEY: Final = 200


def storable_key(key: str) -> str:
    """Return the key as stored: long keys keep a readable prefix and a hash (the column holds 300)."""
    if len(key) <= _MAX_KEY:
        return key
    return key[:150] + "#" + hashlib.sha1(key.encode()).hexdigest()[:24]


def storable_keys(keys: MatchKeys) -> list[str]:
    """Return the blocking keys of a record as they are stored, each once, in order."""
    return list(dict.fromkeys(storable_key(k) for k in blocking_keys(keys)))


def record_of(contact: Contact) -> ContactRecord:
    """Describe a contact as the engine's record (primary address; phones are added by :func:`keys_of`)."""
    address = next(
        (a for a in contact.addresses if a.primary), contact.addresses[0] if contact.addresses else None
    )
    return ContactRecord(
        id=contact.id,
        name=contact.full_name or "",
        family_name=contact.family_name or "",
        given_name=contact.given_name or "",
        name_kana=contact.name_kana or "",
        name_romaji=contact.name_romaji or "",
        company=contact.company.name if contact.company else "",
        department=contact.department or "",
        title=contact.title or "",
        emails=tuple(e.value_normalized for e in contact.emails),
        postal_code=(address.postal_code or "") if address else "",
        address=address.value if address else "",
        url=contact.url or "",
    )


def keys_of(contact: Contact) -> MatchKeys:
    """Compute a contact's match keys, with every stored phone (the record holds one of each kind)."""
    keys = record_keys(record_of(contact))
    mobiles: list[str] = []
    phones: list[str] = []
    for phone in contact.phones:
        if not phone.e164:
            continue
        kind = phone_type_of(phone.e164)
        is_mobile = kind == "mobile" or (phone.type == "mobile" and kind == "other")
        target = mobiles if is_mobile else phones
        if phone.e164 not in target:
            target.append(phone.e164)
    return dataclasses.replace(keys, mobiles=tuple(mobiles), phones=tuple(phones))


#: A new contact's blocking keys and profile in one statement (PostgreSQL); the profile travels as JSON text.
_NEW_KEYS_SQL: Final = text(
    "WITH k AS (INSERT INTO match_key (contact_id, key, organization_id) "
    "SELECT :contact_id, unnest(CAST(:keys AS text[])), :org) "
    "INSERT INTO match_profile (contact_id, organization_id, keys) "
    "VALUES (:contact_id, :org, CAST(:profile AS jsonb))"
)


def store_keys(session: Session, contact_id: str, org_id: str, keys: MatchKeys, *, new: bool = False) -> None:
    """Replace a contact's stored profile and blocking keys (``new``: it has none yet, skip the look-ups)."""
    if new and session.get_bind().dialect.name == "postgresql":
        params = {"contact_id": contact_id, "org": org_id, "keys": storable_keys(keys)}
        session.execute(_NEW_KEYS_SQL, {**params, "profile": json.dumps(keys.to_dict())})
        return
    if not new:
        session.execute(delete(MatchKey).where(MatchKey.contact_id == contact_id))
    rows = [{"contact_id": contact_id, "key": k, "organization_id": org_id} for k in storable_keys(keys)]
    if rows:
        session.execute(insert(MatchKey), rows)
    profile = None if new else session.get(MatchProfile, contact_id)
    if profile is None:
        session.add(MatchProfile(contact_id=contact_id, organization_id=org_id, keys=keys.to_dict()))
    else:
        profile.keys = keys.to_dict()


def store_keys_many(session: Session, org_id: str, many: Sequence[MatchKeys], *, new: bool = False) -> None:
    """Replace the stored keys of many contacts (``keys.id`` each) with a few batched statements."""
    if not many:
        return
    ids = [k.id for k in many]
    if not new:
        for obj_id in ids:  # profiles loaded in this session would go stale under the set-based statements
            loaded = session.identity_map.get(Session.identity_key(MatchProfile, obj_id))
            if loaded is not None:
                session.expunge(loaded)
        for batch in batches(ids):
            session.execute(delete(MatchKey).where(MatchKey.contact_id.in_(batch)))
            session.execute(delete(MatchProfile).where(MatchProfile.contact_id.in_(batch)))
    rows = [
        {"contact_id": k.id, "key": key, "organization_id": org_id} for k in many for key in storable_keys(k)
    ]
    # one COPY (PostgreSQL) or executemany per table (see contacts.bulkinsert)
    bulkinsert.insert_rows(session, MatchKey, rows)
    bulkinsert.insert_rows(
        session,
        MatchProfile,
        [{"contact_id": k.id, "organization_id": org_id, "keys": k.to_dict()} for k in many],
    )


def drop_keys(session: Session, contact_ids: Sequence[str]) -> None:
    """Forget the keys of contacts that can no longer be matched (merged away)."""
    if not contact_ids:
        return
    session.execute(delete(MatchKey).where(MatchKey.contact_id.in_(contact_ids)))
    session.execute(delete(MatchProfile).where(MatchProfile.contact_id.in_(contact_ids)))


def refresh_keys(session: Session, contact: Contact, *, new: bool = False) -> MatchKeys:
    """Recompute and store a contact's keys after it was written; an inactive contact keeps none."""
    session.flush()
    if contact.status != RecordStatus.ACTIVE:
        drop_keys(session, [contact.id])
        return keys_of(contact)
    keys = keys_of(contact)
    store_keys(session, contact.id, contact.organization_id, keys, new=new)
    return keys


def stored_keys(session: Session, contact: Contact) -> MatchKeys:
    """Return the contact's stored keys, computing and storing them if they are missing."""
    profile = session.get(MatchProfile, contact.id)
    if profile is not None:
        return MatchKeys.from_dict(profile.keys)
    return refresh_keys(session, contact)


class StoredStats(NameStats):
    """Name and phone frequencies read from the stored block sizes (capped) instead of a whole-base count."""

    def expected_namesakes(self, a: MatchKeys) -> float:
        """Estimate others sharing ``a``'s name from the size of its stored name block."""
        return max(0.0, self.counts["n:" + name_key(a)] - 1.0)


@dataclasses.dataclass(frozen=True)
class Candidates:
    """Stored keys of the contacts sharing a blocking key with one contact, and the block statistics."""

    keys: list[MatchKeys]
    stats: StoredStats


_LATERAL_SQL = text(
    "SELECT k.key, m.contact_id FROM unnest(CAST(:keys AS text[]), CAST(:limits AS int[])) AS k(key, lim) "
    "CROSS JOIN LATERAL (SELECT contact_id FROM match_key "
    "WHERE organization_id = :org AND key = k.key LIMIT k.lim) AS m"
)


def _block_limit(stored_key: str) -> int:
    return SHARED_BLOCK_LIMIT if stored_key[:2] in _SHARED_KINDS else BLOCK_LIMIT


def _block_rows(session: Session, org_id: str, wanted: list[str]) -> list[tuple[str, str]]:
    """Return (key, contact_id) for each wanted key, at most its limit + 1 members (to see saturation)."""
    limits = [_block_limit(k) + 1 for k in wanted]
    if session.get_bind().dialect.name == "postgresql":
        # One statement with a fixed text, whatever the number of keys: planned fast, cached by the driver.
        result = session.execute(_LATERAL_SQL, {"keys": wanted, "limits": limits, "org": org_id})
        return [(r[0], r[1]) for r in result]
    selects = []
    for stored, limit in zip(wanted, limits, strict=True):
        sub = (
            select(MatchKey.key, MatchKey.contact_id)
            .where(MatchKey.organization_id == org_id, MatchKey.key == stored)
            .limit(limit)
            .subquery()
        )
        selects.append(select(sub.c.key, sub.c.contact_id))
    return [(r[0], r[1]) for r in session.execute(union_all(*selects))]


def _candidates_from_rows(
    rows: list[tuple[str, str]], wanted: dict[str, str], skip: set[str]
) -> tuple[dict[str, None], StoredStats]:
    """Pick the candidate ids out of one record's block rows, counting its name and phone blocks."""
    stats = StoredStats(total=1)
    sizes: dict[str, int] = {}
    for stored_key, _ in rows:
        sizes[stored_key] = sizes.get(stored_key, 0) + 1
    ids: dict[str, None] = {}
    for stored_key, contact_id in rows:
        original = wanted.get(stored_key, stored_key)
        if original.startswith("nm:"):
            stats.counts["n:" + original[3:]] += 1
        elif original.startswith("ph:"):
            stats.counts["p:" + original[3:]] += 1
        saturated = sizes[stored_key] > _block_limit(stored_key)
        if contact_id not in skip and not (saturated and stored_key[:2] in _SHARED_KINDS):
            ids[contact_id] = None
    stats.total = max(1, len(rows))
    return ids, stats


MANY_KEYS_PER_QUERY = 400


def _block_rows_many(session: Session, org_id: str, wanted: list[str]) -> list[tuple[str, str]]:
    """Like :func:`_block_rows` for many keys: on SQLite one windowed query instead of a UNION per key."""
    if session.get_bind().dialect.name == "postgresql":
        return _block_rows(session, org_id, wanted)
    numbered = (
        select(
            MatchKey.key,
            MatchKey.contact_id,
            func.row_number().over(partition_by=MatchKey.key).label("n"),
        )
        .where(MatchKey.organization_id == org_id, MatchKey.key.in_(wanted))
        .subquery()
    )
    most = max(BLOCK_LIMIT, SHARED_BLOCK_LIMIT) + 1
    rows = session.execute(
        select(numbered.c.key, numbered.c.contact_id, numbered.c.n).where(numbered.c.n <= most)
    )
    return [(key, cid) for key, cid, n in rows if n <= _block_limit(key) + 1]


def fetch_candidates_many(session: Session, org_id: str, many: list[MatchKeys]) -> list[Candidates]:
    """Fetch the candidates of several records with two queries in all (a chunk of an import's rows)."""
    wanted_of = [{storable_key(k): k for k in blocking_keys(keys)} for keys in many]
    all_keys = sorted({k for wanted in wanted_of for k in wanted})
    by_key: dict[str, list[tuple[str, str]]] = {}
    # In slices: SQLite allows 500 terms in a compound SELECT (one per key there).
    for start in range(0, len(all_keys), MANY_KEYS_PER_QUERY):
        for stored_key, contact_id in _block_rows_many(
            session, org_id, all_keys[start : start + MANY_KEYS_PER_QUERY]
        ):
            by_key.setdefault(stored_key, []).append((stored_key, contact_id))
    picked = [
        _candidates_from_rows([r for k in wanted for r in by_key.get(k, [])], wanted, {keys.id})
        for keys, wanted in zip(many, wanted_of, strict=True)
    ]
    profiles = active_profiles(session, sorted({i for ids, _ in picked for i in ids}))
    return [
        Candidates(keys=[profiles[i] for i in ids if i in profiles], stats=stats) for ids, stats in picked
    ]


@dataclasses.dataclass
class Blocks:
    """The stored blocks of many records' keys, read once, that a writer of many contacts keeps current.

    ``members`` maps a stored key to the contacts holding it (at most its limit + 1, as the per-record
    look-up reads), ``profiles`` the active members' keys. A contact written since (:meth:`rekey`) counts
    by its new keys only; a contact gone (merged away) by none.
    """

    members: dict[str, list[str]]
    profiles: dict[str, MatchKeys]
    _added: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    _rekeyed: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def rekey(self, contact_id: str, keys: MatchKeys | None, stored: Iterable[str] = ()) -> None:
        """Count ``contact_id`` by ``stored`` (its stored keys) and ``keys`` from now on; None: it is gone."""
        for old in self._rekeyed.get(contact_id, []):
            self._added[old].remove(contact_id)
        wanted = list(dict.fromkeys(stored))
        self._rekeyed[contact_id] = wanted if keys is not None else []
        if keys is None:
            self.profiles.pop(contact_id, None)
            return
        self.profiles[contact_id] = keys
        for key in wanted:
            self._added.setdefault(key, []).append(contact_id)

    def reread(self, session: Session, contact_ids: Sequence[str]) -> None:
        """Count contacts just written (one by one, elsewhere) by the keys now stored for them."""
        ids = sorted(set(contact_ids))
        if not ids:
            return
        session.flush()
        profiles = active_profiles(session, ids)
        held: dict[str, list[str]] = {}
        for contact_id, key in session.execute(
            select(MatchKey.contact_id, MatchKey.key).where(MatchKey.contact_id.in_(ids))
        ):
            held.setdefault(contact_id, []).append(key)
        for contact_id in ids:
            self.rekey(contact_id, profiles.get(contact_id), held.get(contact_id, []))

    def _rows(self, wanted: Iterable[str]) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        for stored_key in wanted:
            limit = _block_limit(stored_key) + 1
            old = [i for i in self.members.get(stored_key, []) if i not in self._rekeyed]
            rows += [(stored_key, i) for i in (old + self._added.get(stored_key, []))[:limit]]
        return rows

    def members_of(self, keys: MatchKeys) -> set[str]:
        """Return every contact counted in the blocks of ``keys`` (candidates or not)."""
        return {i for _, i in self._rows(storable_keys(keys))}

    def candidates(self, keys: MatchKeys) -> Candidates:
        """Return what :func:`fetch_candidates` would read for ``keys`` now."""
        wanted = {storable_key(k): k for k in blocking_keys(keys)}
        rows = self._rows(wanted)
        if not wanted:
            return Candidates(keys=[], stats=StoredStats(total=1))
        ids, stats = _candidates_from_rows(rows, wanted, {keys.id})
        return Candidates(keys=[self.profiles[i] for i in ids if i in self.profiles], stats=stats)


def fetch_blocks(session: Session, org_id: str, many: list[MatchKeys]) -> Blocks:
    """Read the blocks of several records' keys and their members' stored keys (a few queries in all)."""
    all_keys = sorted({storable_key(k) for keys in many for k in blocking_keys(keys)})
    members: dict[str, list[str]] = {}
    for start in range(0, len(all_keys), MANY_KEYS_PER_QUERY):
        for stored_key, contact_id in _block_rows_many(
            session, org_id, all_keys[start : start + MANY_KEYS_PER_QUERY]
        ):
            members.setdefault(stored_key, []).append(contact_id)
    profiles = active_profiles(session, sorted({i for ids in members.values() for i in ids}))
    return Blocks(members=members, profiles=profiles)


#: The block rows of one record's keys and the stored keys of its candidates, in one statement (PostgreSQL):
#: rows (key, contact_id, NULL) are block members as :data:`_LATERAL_SQL` reads them, rows (NULL, contact_id,
#: keys) the profiles of the active members that :func:`fetch_candidates` would then read (not the record
#: itself nor ``exclude``, not the members of a full block of a key that coworkers share).
_CANDIDATES_SQL = text(
    "WITH b AS (SELECT k.key, k.lim, k.shared, m.contact_id, count(*) OVER (PARTITION BY k.key) AS n "
    "FROM unnest(CAST(:keys AS text[]), CAST(:limits AS int[]), CAST(:shared AS boolean[])) "
    "AS k(key, lim, shared) "
    "CROSS JOIN LATERAL (SELECT contact_id FROM match_key "
    "WHERE organization_id = :org AND key = k.key LIMIT k.lim) AS m) "
    "SELECT b.key, b.contact_id, NULL::jsonb FROM b "
    "UNION ALL "
    "SELECT NULL, p.contact_id, p.keys FROM match_profile p JOIN contact c ON c.id = p.contact_id "
    "WHERE p.contact_id IN (SELECT contact_id FROM b WHERE NOT (b.shared AND b.n >= b.lim)) "
    "AND p.contact_id <> ALL (CAST(:skip AS text[])) AND c.status = :active"
)


def fetch_candidates(
    session: Session, org_id: str, keys: MatchKeys, *, exclude: Iterable[str] = ()
) -> Candidates:
    """Fetch the active contacts that share a blocking key with ``keys``, each block bounded.

    A block of a key that coworkers share (phone, address, domain) that is full is a main number, an office
    or a big company: it says little about the person, so its members are not fetched (its size still
    counts, so that a shared main number weighs little); the name-bearing keys find the person there. On
    PostgreSQL the blocks and the candidates' stored keys come in one statement, elsewhere in two.
    """
    wanted = {storable_key(k): k for k in blocking_keys(keys)}
    if not wanted:
        return Candidates(keys=[], stats=StoredStats(total=1))
    skip = set(exclude) | {keys.id}
    stored_keys = list(wanted)
    fetched: dict[str, dict[str, Any]] | None = None
    if session.get_bind().dialect.name == "postgresql":
        rows: list[tuple[str, str]] = []
        fetched = {}
        session.flush()  # the statements it replaces read the profiles after an autoflush
        for stored_key, contact_id, data in session.execute(
            _CANDIDATES_SQL,
            {
                "keys": stored_keys,
                "limits": [_block_limit(k) + 1 for k in stored_keys],
                "shared": [k[:2] in _SHARED_KINDS for k in stored_keys],
                "org": org_id,
                "skip": sorted(skip),
                "active": RecordStatus.ACTIVE.value,
            },
        ):
            if stored_key is None:
                fetched[contact_id] = data
            else:
                rows.append((stored_key, contact_id))
    else:
        rows = _block_rows(session, org_id, stored_keys)
    ids, stats = _candidates_from_rows(rows, wanted, skip)
    if not ids:
        return Candidates(keys=[], stats=stats)
    if fetched is not None:
        return Candidates(keys=[MatchKeys.from_dict(fetched[i]) for i in ids if i in fetched], stats=stats)
    profiles = session.execute(
        select(MatchProfile.keys)
        .join(Contact, Contact.id == MatchProfile.contact_id)
        .where(MatchProfile.contact_id.in_(list(ids)), Contact.status == RecordStatus.ACTIVE)
    ).scalars()
    return Candidates(keys=[MatchKeys.from_dict(p) for p in profiles], stats=stats)


def active_profiles(session: Session, contact_ids: Sequence[str]) -> dict[str, MatchKeys]:
    """The stored match keys of those of ``contact_ids`` that are active contacts, by contact id."""
    profiles: dict[str, MatchKeys] = {}
    for batch in batches(contact_ids, 1000):
        for contact_id, data in session.execute(
            select(MatchProfile.contact_id, MatchProfile.keys)
            .join(Contact, Contact.id == MatchProfile.contact_id)
            .where(MatchProfile.contact_id.in_(batch), Contact.status == RecordStatus.ACTIVE)
        ):
            profiles[contact_id] = MatchKeys.from_dict(data)
    return profiles
