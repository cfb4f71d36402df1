"""Import use cases: plan a file (the dry-run), read imports and their rows, start the commit, roll back."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import get_owned, new_id, utcnow
from contacts.errors import Conflict, PayloadTooLarge, ValidationFailed
from contacts.imports.models import ContactImport, ImportRow, ImportStatus
from contacts.imports.parse import FileRejected, ParsedFile, parse_file
from contacts.imports.plan import ERROR, PlanState, plan_rows, totals
from contacts.imports.schemas import ImportOut, ImportRowOut, ImportTotals
from contacts.pagination import decode_cursor, encode_cursor
from contacts.provenance import Actor

PLAN_CHUNK = 500
_paused = 0
_paused_lock = threading.Lock()


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while the block runs (reference counting still frees what is
    dropped); it runs again when the last of the threads that paused it is done.

    A dry-run of 100,000 rows keeps the predicted keys of every contact its rows make; with the collector
    on, its full passes over that growing state took about 40 % of the plan's CPU at 40,000 rows.
    """
    global _paused
    with _paused_lock:
        ours = _paused > 0 or gc.isenabled()  # else paused by someone else (a test, the host): left so
        if ours:
            _paused += 1
            gc.disable()
    try:
        yield
    finally:
        if ours:
            with _paused_lock:
                _paused -= 1
                if _paused == 0:
                    gc.enable()


def read_file(
    data: bytes,
    *,
    filename: str | None,
    max_bytes: int,
    max_rows: int,
    encoding: str | None = None,
    profile: str | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ParsedFile:
    """Parse an upload, turning a refusal into the service's errors (413 for size, 422 otherwise)."""
    try:
        return parse_file(
            data,
            filename=filename,
            max_bytes=max_bytes,
            max_rows=max_rows,
            encoding=encoding,
            profile=profile,
            mapping=mapping,
        )
    except FileRejected as e:
        if e.too_large:
            raise PayloadTooLarge(str(e), errors=e.errors) from e
        raise ValidationFailed(str(e), errors=e.errors) from e


def plan_import(session: Session, actor: Actor, parsed: ParsedFile, *, filename: str | None) -> ContactImport:
    """Store the import in ``planned`` state with every row's plan; nothing is written to contacts."""
    imp = ContactImport(
        id=new_id(),
        organization_id=actor.organization_id,
        created_by=actor.user_id,
        filename=(filename or "")[:300] or None,
        format=parsed.format,
        profile=parsed.profile,
        encoding=parsed.encoding,
        mapping=parsed.mapping,
        status=ImportStatus.PLANNED,
        total_rows=len(parsed.rows),
        processed_rows=0,
        planned={},
        results={},
    )
    session.add(imp)
    session.flush()
    columns_of: dict[str, str] = {}
    for column, field in parsed.mapping.items():
        columns_of[field] = f"{columns_of[field]}, {column}" if field in columns_of else column
    # The plan keeps what the rows so far make of the base (PlanState) for the whole file: many long-lived
    # objects, which the cyclic collector would otherwise scan again and again as they grow.
    with cyclic_gc_paused():
        state = PlanState()
        actions: list[str] = []
        warnings = 0
        for start in range(0, len(parsed.rows), PLAN_CHUNK):
            chunk = parsed.rows[start : start + PLAN_CHUNK]
            # A row with a broken cell is an error as a whole: it is not planned (nor applied by the commit), so
            # the rows after it are planned without it.
            usable = [r for r in chunk if not r.errors]
            plans = iter(
                plan_rows(session, actor.organization_id, [(r.number, r.values) for r in usable], state)
            )
            records = []
            for row in chunk:
                if row.errors:
                    action, detail = ERROR, {"errors": list(row.errors)}
                else:
                    plan = next(plans)
                    action, detail = plan.action, dict(plan.detail)
                if "errors" in detail:  # name the file's columns, not the import fields
                    detail["errors"] = [
                        {**e, "column": columns_of.get(e["column"], e["column"])} for e in detail["errors"]
                    ]
                if row.warnings:
                    detail["warnings"] = row.warnings
                    warnings += 1
                actions.append(action)
                records.append(
                    {
                        "id": new_id(),
                        "import_id": imp.id,
                        "organization_id": imp.organization_id,
                        "row_number": row.number,
                        "values": row.values,
                        "action": action,
                        "detail": detail,
                    }
                )
            session.execute(insert(ImportRow), records)
    imp.planned = {**totals(actions), "warnings": warnings}
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.IMPORT,
            ids=(imp.id,),
            operation=Operation.CREATED,
            data={"status": imp.status, "planned": imp.planned},
        ),
    )
    return imp


def get_import(session: Session, org_id: str, import_id: str) -> ContactImport:
    """Return the organisation's import or raise NotFound."""
    return get_owned(session, ContactImport, org_id, import_id, what="import")


def start_commit(session: Session, actor: Actor, imp: ContactImport) -> ContactImport:
    """Hand a planned import to the commit job (a worker claims it); committing twice is refused."""
    if imp.status == ImportStatus.COMMITTING:
        return imp
    if imp.status != ImportStatus.PLANNED:
        raise Conflict(f"import {imp.id} is {imp.status}; only a planned import can be committed")
    imp.status = ImportStatus.COMMITTING
    imp.updated_at = utcnow()
    imp.version += 1
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.IMPORT,
            ids=(imp.id,),
            operation=Operation.UPDATED,
            data={"status": imp.status},
        ),
    )
    return imp


def import_out(session: Session, imp: ContactImport) -> ImportOut:
    """Serialise an import with its progress."""
    return ImportOut(
        id=imp.id,
        status=imp.status,
        filename=imp.filename,
        format=imp.format,
        profile=imp.profile,
        encoding=imp.encoding,
        mapping=imp.mapping or {},
        total_rows=imp.total_rows,
        processed_rows=imp.processed_rows,
        progress=round(imp.processed_rows / imp.total_rows, 4) if imp.total_rows else 1.0,
        planned=ImportTotals(**(imp.planned or {})),
        results=ImportTotals(**imp.results) if imp.results else None,
        warnings=int((imp.planned or {}).get("warnings", 0)),
        error=imp.error,
        created_by=imp.created_by,
        version=imp.version,
        created_at=imp.created_at,
        updated_at=imp.updated_at,
        committed_at=imp.committed_at,
        rolled_back_at=imp.rolled_back_at,
    )


def row_out(row: ImportRow) -> ImportRowOut:
    """Serialise one row's plan and result."""
    detail: dict[str, Any] = dict(row.detail or {})
    return ImportRowOut(
        row=row.row_number,
        action=row.action,
        result=row.result,
        contact_id=row.contact_id or detail.get("contact_id"),
        fields=detail.get("applied_fields") or detail.get("fields"),
        reasons=detail.get("reasons"),
        score=detail.get("score"),
        errors=detail.get("errors"),
        warnings=detail.get("warnings"),
        detail=detail,
        values=row.values or {},
    )


def rows_page(
    session: Session, imp: ContactImport, *, limit: int, cursor: str | None, action: str | None
) -> tuple[list[ImportRow], str | None]:
    """Return one page of an import's rows in file order."""
    stmt = select(ImportRow).where(ImportRow.import_id == imp.id)
    if action:
        stmt = stmt.where(ImportRow.action == action)
    if cursor:
        (after,) = decode_cursor(cursor, 1, kinds=(int,))
        stmt = stmt.where(ImportRow.row_number > after)
    rows = list(session.scalars(stmt.order_by(ImportRow.row_number).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([rows[-1].row_number]) if more and rows else None
