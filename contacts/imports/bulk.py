"""A chunk's commit in bulk: the rows that create a new person are written together, the others one by one.

A row whose email no contact holds (nor an earlier row of the chunk) creates a contact, matched once like a
card. Its contact is built in memory and matched against the chunk's blocks, read in one go at the start and
kept current as the chunk is written (:class:`~contacts.dedup.stored.Blocks`): the contacts of the base,
the rows written before it. When the engine finds no sure twin, the row joins a run of new contacts written
with batched inserts, its change-log entries in one range and its keys and candidates stored at once. When
it finds one, the row waits with the other merging rows, whose contacts are written and merged into their
twins together (:func:`~contacts.dedup.merge_many.merge_groups`). A row that updates a contact goes through
the per-row path (``apply_row``). The run so far, and the merges waiting, are written first when a row could
see any of them (its contact, its twin, a block member, a pair partner), so each row sees the contact base
as the per-row commit would show it. An update row's snapshot reads the contact's pairs again only when the
chunk wrote a pair naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from contacts import ownership
from contacts.dedup import matching, stored
from contacts.dedup.engine import ScoredPair, match_one
from contacts.dedup.merge import contact_snapshot, contact_snapshots, lock_rows, note_created_candidates
from contacts.dedup.merge_many import merge_groups
from contacts.dedup.records import MatchKeys
from contacts.dedup.scoring import MERGE
from contacts.dedup.service import twin_choices
from contacts.imports.models import ContactImport, ImportRow
from contacts.imports.plan import CREATE, ERROR, MERGE_INTO, SKIP, UPDATE
from contacts.imports.rowvalues import RowPerson, row_person
from contacts.people import inputs as people_inputs
from contacts.people import service as people
from contacts.people.models import Contact, Employment
from contacts.provenance import Actor, Source
from contacts.tags import service as tags
from contacts.touchpoints import service as touchpoints

#: Apply one row the per-row way: (session, import, actor, row, contacts by email, snapshot of a contact,
#: the batch an update row's writes wait in, or None to write them now).
ApplyRow = Callable[
    [
        Session,
        ContactImport,
        Actor,
        ImportRow,
        dict[str, Contact],
        Callable[[str], dict[str, Any]],
        "UpdateBatch | None",
    ],
    None,
]
#: The rows of a contact's snapshot that the matching of other contacts writes (their pairs with it).
SHARED_ROWS = ("duplicate_candidate",)


@dataclass
class _New:
    """A row that creates a contact the engine merges into nobody, waiting to be written with its run."""

    db_row: ImportRow
    row: RowPerson
    contact: Contact
    keys: MatchKeys
    pairs: list[ScoredPair]
    touchpoint_id: str | None = None
    version_after: int | None = None


@dataclass
class _Merging:
    """A row that creates a contact the engine merges into its sure twin, waiting to be merged with others."""

    db_row: ImportRow
    row: RowPerson
    contact: Contact
    keys: MatchKeys
    pairs: list[ScoredPair]
    twin_id: str


@dataclass
class _Merges:
    """The merging rows waiting, and every contact their merges (and the matching after them) may touch."""

    rows: list[_Merging] = field(default_factory=list)
    touching: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)


@dataclass
class UpdateBatch:
    """Update rows applied one by one in memory, whose writes wait to be written together.

    An update row changes its contact's values in the session (flushed with the others': an executemany per
    table), logs its change as the per-row path does, and leaves the refresh of its contact's stored keys in
    ``contacts`` (one :func:`~contacts.dedup.matching.store_collected` for the batch). ``open_entries`` holds
    the open employment entries of the chunk's holders, read at once, each used by one update at most.
    :meth:`write` runs before anything could read what waits: a row through the per-row path (a merge reads
    the stored keys), an update of a contact already in the batch, the end of the chunk.
    """

    contacts: dict[str, Contact] = field(default_factory=dict)
    open_entries: dict[str, list[Employment]] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)

    def read_open_entries(self, session: Session, contact_ids: list[str]) -> None:
        """Read the open employment entries of the contacts the chunk may update, with one query."""
        found = people.open_employment(session, contact_ids)
        self.open_entries = {cid: found.get(cid, []) for cid in contact_ids}

    def forget(self, contact_ids: Iterable[str]) -> None:
        """Drop what was read of contacts written since by another path."""
        for contact_id in contact_ids:
            self.open_entries.pop(contact_id, None)

    def write(self, session: Session, org_id: str) -> None:
        """Write the waiting updates: flush the session, store the collected keys."""
        if not self.pending:
            return
        session.flush()
        matching.store_collected(session, org_id, list(self.contacts.values()))
        self.contacts.clear()
        self.pending.clear()


def _batchable(row: RowPerson) -> bool:
    """Tell whether an update row can wait in a batch: no tags, no meeting (those write through services
    that read the contact's rows)."""
    return not row.tags and not (row.met_at is not None and row.met_where)


def _email_keys(row: RowPerson) -> list[str]:
    return [k for k in (people_inputs.email_key(e) for e in row.emails) if k]


def apply_chunk_bulk(
    session: Session,
    imp: ContactImport,
    actor: Actor,
    rows: list[ImportRow],
    holders: dict[str, Contact],
    company_id_of: Callable[[str | None], str | None],
    apply_row: ApplyRow,
) -> None:
    """Apply a chunk of rows in the caller's transaction, new contacts in runs (see the module's docstring)."""
    source = actor.source("import", imp.id)
    parsed = [row_person(r.values) for r in rows]
    # The rows that create a contact: none of their emails is held, by the base or an earlier row.
    seen = set(holders)
    built: dict[int, tuple[Contact, MatchKeys]] = {}
    for index, (row, _errors) in enumerate(parsed):
        if row is None:
            continue
        emails = _email_keys(row)
        if not seen.intersection(emails):
            contact = people_inputs.build_person(
                session, actor, row.person, source, company_id=company_id_of(row.company)
            )
            built[index] = (contact, stored.keys_of(contact))
        seen.update(emails)
    blocks = stored.fetch_blocks(session, imp.organization_id, [keys for _, keys in built.values()])
    # The snapshots of the contacts the rows may update, dumped together; a contact the chunk wrote before
    # its row is dumped again then, and the pairs other contacts' matching wrote are read again.
    snapshots = contact_snapshots(
        session,
        [
            holders[key].id
            for index, (row, _) in enumerate(parsed)
            if row is not None and index not in built
            for key in _email_keys(row)[:1]
            if key in holders
        ],
    )
    wrote: set[str] = set()
    batch = UpdateBatch()
    batch.read_open_entries(session, sorted({c.id for c in holders.values()}))

    paired: set[str] = set()  # the contacts named by a pair the chunk wrote

    def snapshot_of(contact_id: str) -> dict[str, Any]:
        snap = snapshots.pop(contact_id, None)
        if snap is None or contact_id in wrote:
            return contact_snapshot(session, [contact_id])
        if contact_id in paired:
            for owned in ownership.installed():
                if owned.key in SHARED_ROWS and owned.dump is not None:
                    snap[owned.key] = owned.dump(session, [contact_id])
        return snap

    run: list[_New] = []
    waiting: set[str] = set()  # the run's contacts, and those they make pairs with
    written: list[_New] = []
    merges = _Merges()

    def write_merges() -> None:
        batch.write(session, imp.organization_id)
        touched = _write_merges(session, imp, actor, source, merges.rows, holders, paired)
        wrote.update(touched)
        batch.forget(touched)
        blocks.reread(session, touched)
        merges.rows, merges.touching, merges.emails = [], set(), set()

    for index, db_row in enumerate(rows):
        row, errors = parsed[index]
        if row is None:
            db_row.result, db_row.detail = ERROR, {**db_row.detail, "errors": errors}
            continue
        if index in built:
            contact, keys = built[index]
            seen_by = blocks.members_of(keys)
            if merges.touching & seen_by:  # the merges waiting change what the engine sees for this row
                write_merges()
                seen_by = blocks.members_of(keys)
            found = blocks.candidates(keys)
            pairs = match_one(keys, found.keys, stats=found.stats)
            best = next((p for p in pairs if p.decision == MERGE), None)
            if best is None:
                run.append(_New(db_row, row, contact, keys, pairs))
                waiting.add(contact.id)
                waiting.update(p.b for p in pairs)
                blocks.rekey(contact.id, keys, stored.storable_keys(keys))
                for key in _email_keys(row):
                    holders[key] = contact
                continue
            # Merged like a card, with the merging rows around it: the run is written first if the engine
            # would see any of it.
            if waiting & seen_by:
                _write_run(session, imp, actor, source, run, paired)
                written += run
                run, waiting = [], set()
            twin = blocks.profiles[best.b]
            merges.rows.append(_Merging(db_row, row, contact, keys, pairs, best.b))
            merges.touching.update(
                {contact.id, best.b, *(p.b for p in pairs), *seen_by, *blocks.members_of(twin)}
            )
            merges.emails.update(_email_keys(row))
            blocks.rekey(contact.id, keys, stored.storable_keys(keys))
            continue
        if merges.emails.intersection(_email_keys(row)):
            write_merges()
        holder = next(holders[k] for k in _email_keys(row) if k in holders)
        if holder.id in merges.touching:
            write_merges()
        if holder.id in waiting:
            _write_run(session, imp, actor, source, run, paired)
            written += run
            run, waiting = [], set()
        batched = _batchable(row)
        if not batched or holder.id in batch.pending:
            batch.write(session, imp.organization_id)
        apply_row(session, imp, actor, db_row, holders, snapshot_of, batch if batched else None)
        touched = [i for i in (db_row.created_contact_id, db_row.contact_id) if i]
        wrote.update(touched)
        if batched and db_row.result == UPDATE:
            batch.pending.update(touched)
        else:
            batch.forget(touched)
        if db_row.result == UPDATE:
            # An update stores the contact's keys last (the people service's write reaches dedup).
            updated = holders[_email_keys(row)[0]]
            keys = stored.keys_of(updated)
            blocks.rekey(updated.id, keys, stored.storable_keys(keys))
        elif db_row.result != SKIP:
            blocks.reread(session, touched)
    if merges.rows:
        write_merges()
    batch.write(session, imp.organization_id)
    _write_run(session, imp, actor, source, run, paired)
    # The rows' results last, so that they are written together (one executemany) when the chunk commits.
    for new in written + run:
        db_row = new.db_row
        db_row.result = CREATE
        db_row.created_contact_id = db_row.contact_id = new.contact.id
        db_row.touchpoint_id = new.touchpoint_id
        db_row.version_after = new.version_after


def _write_merges(
    session: Session,
    imp: ContactImport,
    actor: Actor,
    source: Source,
    merging: list[_Merging],
    holders: dict[str, Contact],
    paired: set[str],
) -> list[str]:
    """Write the merging rows' contacts, merge each into its twin (:func:`merge_groups`, all at once), match
    the survivors again and finish each row as the per-row path does; return the contacts written (and add
    to ``paired`` those the pairs written name)."""
    if not merging:
        return []
    org_id = imp.organization_id
    people.add_built(session, actor, [m.contact for m in merging], source)
    matching.store_matched(session, org_id, [(m.keys, m.pairs) for m in merging])
    # Held until the rows are done: the session keeps unchanged rows by weak reference only.
    twins = {c.id: c for c in lock_rows(session, Contact, [m.twin_id for m in merging])}
    ops = merge_groups(
        session,
        actor,
        [(m.twin_id, [m.contact.id], twin_choices(session, m.contact, twins[m.twin_id])) for m in merging],
        automatic=True,
    )
    # What resolve_new does after each merge: the survivor is matched again by its new keys.
    survivors = [twins[m.twin_id] for m in merging]
    rematched = matching.match_contacts(session, org_id, survivors)
    proposed = [p for pairs in rematched for p in pairs]
    written = matching.propose(session, org_id, proposed)
    paired.update(i for p in (*proposed, *(p for m in merging for p in m.pairs)) for i in (p.a, p.b))
    for m, op, survivor in zip(merging, ops, survivors, strict=True):
        # The survivor's new pairs are the merge's too: its undo deletes them.
        note_created_candidates(op, [r for r in written if survivor.id in (r.a_id, r.b_id)])
        for key in _email_keys(m.row):
            holders[key] = survivor
        if m.row.tags:
            for tag in tags.ensure_tags(session, org_id, list(m.row.tags), may_create=True):
                tags.attach(session, org_id, tag, [survivor.id], actor.user_id)
        touchpoint_id = record_meeting(session, actor, imp, survivor, m.row, m.db_row.row_number)
        db_row = m.db_row
        db_row.result, db_row.merge_id = MERGE_INTO, op.id
        db_row.created_contact_id, db_row.contact_id = m.contact.id, survivor.id
        if touchpoint_id is not None:
            db_row.touchpoint_id = touchpoint_id
        db_row.version_after = survivor.version
    session.flush()
    return [i for m in merging for i in (m.contact.id, m.twin_id)]


def _write_run(
    session: Session, imp: ContactImport, actor: Actor, source: Source, run: list[_New], paired: set[str]
) -> None:
    """Write a run of new contacts: batched inserts, one change-log range, keys and candidates at once (and
    add to ``paired`` the contacts their pairs name)."""
    if not run:
        return
    paired.update(i for new in run for p in new.pairs for i in (p.a, p.b))
    people.add_built(session, actor, [new.contact for new in run], source)
    matching.store_matched(session, imp.organization_id, [(new.keys, new.pairs) for new in run])
    tagged: dict[str, list[str]] = {}
    for new in run:
        for name in dict.fromkeys(n.strip() for n in new.row.tags):
            if name:
                tagged.setdefault(name, []).append(new.contact.id)
    if tagged:
        for tag in tags.ensure_tags(session, imp.organization_id, list(tagged), may_create=True):
            tags.attach(session, imp.organization_id, tag, tagged[tag.name], actor.user_id)
    for new in run:
        new.touchpoint_id = record_meeting(session, actor, imp, new.contact, new.row, new.db_row.row_number)
    session.flush()
    for new in run:  # what a later row of the chunk does to the contact is that row's
        new.version_after = new.contact.version


def record_meeting(
    session: Session, actor: Actor, imp: ContactImport, contact: Contact, row: RowPerson, row_number: int
) -> str | None:
    """Record the import touchpoint of a row that says when and where the person was met; its id, or None."""
    if row.met_at is None or not row.met_where:
        return None
    return touchpoints.record_touchpoint(
        session,
        actor,
        contact=contact,
        kind="import",
        occurred_at=row.met_at,
        source="import",
        location=row.met_where,
        company_name_at_time=row.company,
        title_at_time=row.person.title,
        external_id=f"import:{imp.id}:{row_number}",
    ).id
