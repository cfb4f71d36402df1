"""The change feed: /api/v1/changes, every write of the organisation in sequence order."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import select

from contacts.api.context import org_id
from contacts.api.http import json_response
from contacts.api.spec import operation
from contacts.auth.models import Organization
from contacts.changelog import service as changelog
from contacts.changelog.models import ChangeLogEntry
from contacts.changelog.schemas import ChangeListQuery, ChangePage
from contacts.db import get_session
from contacts.pagination import decode_cursor, encode_cursor

bp = Blueprint("changes", __name__, url_prefix="/api/v1/changes")


@bp.get("")
@operation(
    summary="The change feed, oldest first: poll with after=<last seq seen> or follow next_cursor",
    permission="changes:read",
    query=ChangeListQuery,
    response=ChangePage,
    tag="changes",
)
def list_changes(query: ChangeListQuery) -> Response:
    session = get_session()
    after = query.after or 0
    if query.cursor:
        (after,) = decode_cursor(query.cursor, 1, kinds=(int,))
    stmt = select(ChangeLogEntry).where(
        ChangeLogEntry.organization_id == org_id(), ChangeLogEntry.seq > int(after)
    )
    if query.entity:
        stmt = stmt.where(ChangeLogEntry.entity == query.entity.value)
    rows = list(session.scalars(stmt.order_by(ChangeLogEntry.seq).limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    last_seq = session.scalar(select(Organization.change_seq).where(Organization.id == org_id())) or 0
    return json_response(
        ChangePage(
            items=[changelog.change_out(r) for r in rows],
            next_cursor=encode_cursor([rows[-1].seq]) if more else None,
            last_seq=last_seq,
        )
    )
