"""The commit job: apply a planned import in chunks, each chunk one transaction, under a renewable lease.

A worker claims the import (``lease_owner``/``lease_until``), applies the next chunk of rows that have no
result yet, records each row's result and the state needed to roll it back, extends the lease and commits.
A crashed worker's lease runs out and the next worker resumes with the first row without a result, so no
row is applied twice. Every row goes through the people service and the matching engine like a card: the
new people of a chunk in bulk (:mod:`contacts.imports.bulk`), the others one by one.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from contacts import normalize
from contacts.auth.models import Organization
from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.companies import service as companies
from contacts.companies.models import Company
from contacts.db import analyze, planned_rows, utcnow
from contacts.dedup import matching
from contacts.dedup.merge import contact_snapshot, merge_made
from contacts.errors import MeishiError
from contacts.imports.bulk import UpdateBatch, apply_chunk_bulk, record_meeting
from contacts.imports.models import ContactImport, ImportRow, ImportStatus
from contacts.imports.plan import CREATE, ERROR, MERGE_INTO, SKIP, UPDATE, changed_fields, contacts_by_email
from contacts.imports.rowvalues import RowPerson, row_person
from contacts.people import inputs as people_inputs
from contacts.people import service as people
from contacts.people.models import Contact, Employment
from contacts.provenance import Actor, Source
from contacts.tags import service as tags

CHUNK_ROWS = 500
LEASE = timedelta(seconds=120)
#: The tables a commit grows and looks rows up in by key or by contact, chunk after chunk: their statistics
#: are refreshed as the commit grows them (see :func:`run_import`).
GROWN_TABLES = (
    "contact",
    "contact_email",
    "contact_phone",
    "contact_address",
    "employment",
    "match_key",
    "match_profile",
    "duplicate_candidate",
    "merge_operation",
    "import_row",
)


def new_worker_id() -> str:
    """Name this worker for the lease (host, process, random)."""
    return f"{socket.gethostname()[:30]}-{uuid.uuid4().hex[:12]}"


def claim(session: Session, import_id: str, worker: str) -> bool:
    """Take or renew the lease on a committing import; False when another worker holds it."""
    now = utcnow()
    result = session.execute(
        update(ContactImport)
        .where(
            ContactImport.id == import_id,
            ContactImport.status == ImportStatus.COMMITTING,
            or_(
                ContactImport.lease_until.is_(None),
                ContactImport.lease_until < now,
                ContactImport.lease_owner == worker,
            ),
        )
        .values(lease_owner=worker, lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


class _Companies:
    """The chunk's companies by normalised name: each name is looked up (or created) once per chunk."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session, self.actor = session, actor
        self.found: dict[str, Company | None] = {}
        self.absent: set[str] = set()

    def prefetch(self, names: Iterable[str | None]) -> None:
        """Look the names up with one query; those not found are created when first asked for."""
        wanted = {normalize.normalize_company_name(n) or n: n for n in names if n}
        wanted = {k: n for k, n in wanted.items() if k not in self.found}
        if not wanted:
            return
        held = companies.companies_by_name(self.session, self.actor.organization_id, wanted.values())
        for key in wanted:
            if key in held:
                self.found[key] = held[key]
            else:
                self.absent.add(key)

    def of(self, name: str | None) -> Company | None:
        if not name:
            return None
        key = normalize.normalize_company_name(name) or name
        if key not in self.found:
            if key in self.absent:  # looked up in this transaction, under the organisation's lock
                self.found[key] = companies.create_company(self.session, self.actor, name=name)
            else:
                self.found[key] = companies.find_or_create_company(self.session, self.actor, name=name)
        return self.found[key]

    def id_of(self, name: str | None) -> str | None:
        company = self.of(name)
        return company.id if company else None


def _update_contact(
    session: Session,
    actor: Actor,
    contact: Contact,
    row: RowPerson,
    fields: list[str],
    source: Source,
    known: _Companies,
    open_entries: list[Employment] | None = None,
) -> None:
    """Bring an existing contact up to date with the row: missing values added, a new job as history
    (``open_entries``: the contact's open employment entries, when the caller read them already)."""
    company_changed = "company" in fields
    added = people_inputs.add_missing_values(session, contact, row.person, source, primary=company_changed)
    changes: dict[str, Any] = {}
    if company_changed:
        company = known.of(row.company)
        changes.update(company_id=company.id if company else None)
    for name in ("title", "department", "name_kana", "name_romaji", "url"):
        if name in fields:
            changes[name] = getattr(row.person, name)
    version = contact.version
    if changes:
        people_inputs.update_person(session, actor, contact, changes, source, open_entries=open_entries)
    if added and contact.version == version:
        people.values_added(session, actor, contact, sorted(set(added)), source)


def _create_contact(
    session: Session, actor: Actor, row: RowPerson, source: Source, known: _Companies
) -> tuple[Contact, Contact]:
    """Create the row's contact with every email of the row, matched once as it is written like a confirmed
    card (a sure twin absorbs it); return (the created contact, the one that remains)."""
    company = known.of(row.company)
    return people_inputs.create_person_pair(
        session, actor, row.person, source, company_id=company.id if company else None, auto_merge=True
    )


def _apply_row(
    session: Session,
    imp: ContactImport,
    actor: Actor,
    db_row: ImportRow,
    holders: dict[str, Contact],
    known: _Companies,
    snapshot_of: Callable[[str], dict[str, Any]] | None = None,
    batch: UpdateBatch | None = None,
) -> None:
    """Apply one row and record its result (``holders``: contacts by email, kept current across the chunk;
    ``snapshot_of``: the snapshot of a contact before the row updates it, by default dumped now).

    With ``batch`` (an update of a contact: see :class:`~contacts.imports.bulk.UpdateBatch`) the row's writes
    wait in the session and its contact's keys in the batch, for the batch to write them with others'.
    """
    source = actor.source("import", imp.id)
    row, errors = row_person(db_row.values)
    if row is None:
        db_row.result, db_row.detail = ERROR, {**db_row.detail, "errors": errors}
        return
    # The row's result is set at the end, so that it is written with one statement.
    result: dict[str, Any] = {}
    keys = [k for k in (people_inputs.email_key(e) for e in row.emails) if k]
    holder = next((holders[k] for k in keys if k in holders), None)
    if holder is not None:
        holder = people.survivor_of(session, holder)
        fields = changed_fields(holder, row)
        if not fields:
            result.update(result=SKIP, contact_id=holder.id)
        else:
            before = (snapshot_of or (lambda c: contact_snapshot(session, [c])))(holder.id)
            if batch is None:
                _update_contact(session, actor, holder, row, fields, source, known)
            else:
                with matching.keys_collected(session, batch.contacts):
                    _update_contact(
                        session,
                        actor,
                        holder,
                        row,
                        fields,
                        source,
                        known,
                        batch.open_entries.pop(holder.id, None),
                    )
            result.update(
                before=before,
                result=UPDATE,
                contact_id=holder.id,
                detail={**db_row.detail, "applied_fields": fields},
            )
        contact = holder
    else:
        created, contact = _create_contact(session, actor, row, source, known)
        result.update(created_contact_id=created.id, contact_id=contact.id, result=CREATE)
        if contact.id != created.id:
            result["result"] = MERGE_INTO
            result["merge_id"] = merge_made(session, created.id)
    for key in keys:
        holders[key] = contact
    if row.tags:
        for tag in tags.ensure_tags(session, imp.organization_id, list(row.tags), may_create=True):
            tags.attach(session, imp.organization_id, tag, [contact.id], actor.user_id)
    touchpoint_id = record_meeting(session, actor, imp, contact, row, db_row.row_number)
    if touchpoint_id is not None:
        result["touchpoint_id"] = touchpoint_id
    result["version_after"] = contact.version
    for name, value in result.items():
        setattr(db_row, name, value)
    if batch is None:
        session.flush()


def apply_chunk(
    session: Session, imp: ContactImport, rows: list[ImportRow], *, isolate_rows: bool = True
) -> None:
    """Apply a chunk of rows in the caller's transaction; a row the services refuse becomes an error row.

    Without ``isolate_rows`` the rows that create new people are written in runs with batched inserts
    (:mod:`contacts.imports.bulk`) and a refusal propagates: the caller rolls the chunk back and applies it
    again with ``isolate_rows``, each row in a savepoint of its own through the per-row path.
    """
    # A row the dry-run called an error (a broken cell) is not applied, though its other cells may be usable:
    # it stays an error with the dry-run's reasons, as the plan said.
    for db_row in rows:
        if db_row.action == ERROR:
            db_row.result = ERROR
    rows = [r for r in rows if r.action != ERROR]
    if not rows:
        return
    # Card confirmations take the same lock: two writers never make two contacts of one new person.
    session.execute(select(Organization.id).where(Organization.id == imp.organization_id).with_for_update())
    actor = Actor(organization_id=imp.organization_id, user_id=imp.created_by)
    keys = {
        k
        for r in rows
        for e in (r.values.get("emails") or [])
        if (k := people_inputs.email_key(e)) is not None
    }
    holders = contacts_by_email(session, imp.organization_id, keys)
    known = _Companies(session, actor)
    if not isolate_rows:
        known.prefetch(r.values.get("company") for r in rows)

        def apply_row(
            session: Session,
            imp: ContactImport,
            actor: Actor,
            db_row: ImportRow,
            holders: dict[str, Contact],
            snapshot_of: Callable[[str], dict[str, Any]],
            batch: UpdateBatch | None,
        ) -> None:
            _apply_row(session, imp, actor, db_row, holders, known, snapshot_of, batch)

        apply_chunk_bulk(session, imp, actor, rows, holders, known.id_of, apply_row)
        return
    for db_row in rows:
        savepoint = session.begin_nested()
        try:
            _apply_row(session, imp, actor, db_row, holders, known)
            savepoint.commit()
        except MeishiError as e:
            savepoint.rollback()
            db_row.result = ERROR
            db_row.detail = {
                **db_row.detail,
                "errors": [
                    {
                        "column": (x.get("field") or "row"),
                        "message": x.get("message", e.detail),
                        "code": x.get("code", "invalid"),
                    }
                    for x in (e.errors or [{}])
                ],
            }


def run_import(
    factory: Callable[[], Session],
    import_id: str,
    *,
    worker: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    on_progress: Callable[[int, int], None] | None = None,
) -> str:
    """Commit an import chunk by chunk while this worker holds its lease; return the import's status.

    The planner's statistics of the tables the commit grows are refreshed (PostgreSQL) before the first
    chunk and whenever the rows applied since reach the contacts the statistics counted (at least a chunk):
    without them, a table that grew from a few thousand rows to a hundred thousand during the import kept
    plans made for a small one (a hash join over every contact, a sequential scan of the match keys, for each
    chunk and each merge), which made the commit grow with the square of its rows wherever autovacuum does
    not analyze in time (or is off). So the statistics never describe tables less than about half their size,
    and an import into a large base refreshes them a few times, not once per doubling of its own rows.

    Each chunk is read after the last row of the one before (the rows without a result, by row number): the
    index entries of the rows applied before, whose old versions had no result either, are not walked again.
    """
    worker = worker or new_worker_id()
    isolate_rows = False
    applied, analyzed = 0, -1  # rows applied by this run, and when the statistics were last refreshed
    counted = 0  # the contacts the statistics counted then
    after = -1  # the row number of the last row of the chunk committed last
    while True:
        if analyzed < 0 or applied - analyzed >= max(counted, chunk_rows):
            with factory() as session:
                analyze(session, GROWN_TABLES)
                counted = planned_rows(session, "contact")
                session.commit()
            analyzed = applied
        with factory() as session:
            if not claim(session, import_id, worker):
                session.rollback()
                imp = session.get(ContactImport, import_id)
                return imp.status if imp is not None else "missing"
            imp = session.get(ContactImport, import_id)
            assert imp is not None
            rows = list(
                session.scalars(
                    select(ImportRow)
                    .where(
                        ImportRow.import_id == import_id,
                        ImportRow.result.is_(None),
                        ImportRow.row_number > after,
                    )
                    .order_by(ImportRow.row_number)
                    .limit(chunk_rows)
                )
            )
            if not rows:
                _finish(session, imp)
                session.commit()
                return imp.status
            last = rows[-1].row_number
            try:
                apply_chunk(session, imp, rows, isolate_rows=isolate_rows)
            except MeishiError:
                # A row the services refuse: apply this chunk again, each row in a savepoint of its own.
                session.rollback()
                isolate_rows = True
                continue
            except Exception as e:  # a bug or a broken database: the chunk is undone, the import stops
                session.rollback()
                _fail(factory, import_id, e)
                raise
            imp.processed_rows += len(rows)
            imp.updated_at = utcnow()
            session.commit()
            applied += len(rows)
            after = last
            isolate_rows = False
            if on_progress is not None:
                on_progress(imp.processed_rows, imp.total_rows)


def _fail(factory: Callable[[], Session], import_id: str, error: Exception) -> None:
    """Mark the import failed (its committed chunks stay, and can be rolled back); the chunk was undone."""
    with factory() as session:
        imp = session.get(ContactImport, import_id)
        if imp is None:
            return
        imp.status = ImportStatus.FAILED
        imp.error = (
            f"{type(error).__name__} after {imp.processed_rows} rows; roll back or import the rest again"
        )
        imp.lease_owner = imp.lease_until = None
        imp.updated_at = utcnow()
        imp.version += 1
        session.commit()


def _finish(session: Session, imp: ContactImport) -> None:
    counts: dict[str | None, int] = {
        result: int(n)
        for result, n in session.execute(
            select(ImportRow.result, func.count())
            .where(ImportRow.import_id == imp.id)
            .group_by(ImportRow.result)
        ).all()
    }
    imp.results = {a: int(counts.get(a, 0)) for a in (CREATE, UPDATE, MERGE_INTO, SKIP, ERROR)}
    imp.status = ImportStatus.COMMITTED
    imp.committed_at = imp.updated_at = utcnow()
    imp.lease_owner = imp.lease_until = None
    imp.version += 1
    publish(
        session,
        Recorded(
            org_id=imp.organization_id,
            actor_id=imp.created_by,
            entity=Entity.IMPORT,
            ids=(imp.id,),
            operation=Operation.UPDATED,
            data={"status": imp.status, "results": imp.results},
        ),
    )


def pending_imports(session: Session) -> list[str]:
    """Return the ids of committing imports no live worker holds (new ones, and crashed workers' ones)."""
    now = utcnow()
    return list(
        session.scalars(
            select(ContactImport.id)
            .where(
                ContactImport.status == ImportStatus.COMMITTING,
                or_(ContactImport.lease_until.is_(None), ContactImport.lease_until < now),
            )
            .order_by(ContactImport.created_at)
        )
    )
