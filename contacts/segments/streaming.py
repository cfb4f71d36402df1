"""A CSV export as a streamed response, logged in the change log when the stream ends (whole or cut short).

Shared by the API (``/contacts/export.csv``, ``/segments/{id}/export.csv``) and the web app's export link.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy import Select
from sqlalchemy.orm import Session

from contacts.db import new_id, utcnow
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.segments import export, service
from contacts.segments.schemas import ExportOptions

log = logging.getLogger(__name__)

CHARSETS = {"utf-8": "utf-8", "cp932": "windows-31j"}


def _encode(text: str, encoding: str) -> bytes:
    return export.to_cp932(text) if encoding == "cp932" else text.encode("utf-8")


def _stream(
    session: Session,
    who: Actor,
    export_id: str,
    stmt: Select[tuple[Contact]] | None,
    options: ExportOptions,
    columns: list[str],
    what: dict[str, Any],
) -> Iterator[bytes]:
    """Yield the CSV in batches, then log the export; a stream cut short is logged with completed=false."""
    rows, completed = 0, False
    try:
        header = export.csv_text([columns])
        yield _encode(header if options.encoding == "cp932" else export.BOM + header, options.encoding)
        if stmt is not None:
            for batch in export.row_batches(session, stmt, columns):
                rows += len(batch)
                yield _encode(export.csv_text([cells for _, cells in batch]), options.encoding)
        completed = True
    finally:
        # Also on GeneratorExit (the client went away) and on errors: the rows handed out so far are logged.
        try:
            session.rollback()
            service.record_export(session, who, export_id, what=what, rows=rows, completed=completed)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("could not record export %s", export_id)


def csv_response(
    session: Session,
    who: Actor,
    stmt: Select[tuple[Contact]] | None,
    options: ExportOptions,
    what: dict[str, Any],
    name: str,
) -> Response:
    """Check the columns (and the cp932 forms), then answer the CSV streamed; the export is logged at its end."""
    columns = export.choose_columns(options.columns)
    if options.encoding == "cp932" and stmt is not None:
        export.check_cp932(session, stmt, columns)
    export_id = new_id()
    what = {**what, "columns": columns, "encoding": options.encoding}
    body = stream_with_context(_stream(session, who, export_id, stmt, options, columns, what))
    resp = Response(body, mimetype="text/csv")
    resp.headers["Content-Type"] = f"text/csv; charset={CHARSETS[options.encoding]}"
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}-{utcnow():%Y%m%d}.csv"'
    resp.headers["Meishi-Export-Id"] = export_id
    return resp
