"""The change feed: /api/v1/changes, every write of the organisation in sequence order."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, Response, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from contacts.api.context import org_id
from contacts.api.http import json_response
from contacts.api.spec import operation
from contacts.changelog import service as changelog
from contacts.changelog.models import ChangeLogEntry
from contacts.changelog.schemas import (
    ChangeCursor,
    ChangeListQuery,
    ChangeOut,
    ChangePage,
    ChangeWithResource,
)
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import get_session
from contacts.errors import ValidationFailed
from contacts.pagination import decode_cursor, encode_cursor

bp = Blueprint("changes", __name__, url_prefix="/api/v1/changes")


@bp.get("")
@operation(
    summary="The change feed, oldest first: poll with after=<last seq seen> or follow next_cursor",
    permission="changes:read",
    query=ChangeListQuery,
    response=ChangePage,
    tag="changes",
    extra_responses={"410": "The position is older than the feed keeps: resync (see the README)."},
)
def list_changes(query: ChangeListQuery) -> Response:
    session = get_session()
    after = query.after or 0
    if query.cursor:
        (after,) = decode_cursor(query.cursor, 1, kinds=(int,))
    if int(after) < 0:
        raise ValidationFailed(
            "invalid cursor",
            errors=[
                {"field": "cursor", "message": "not a cursor returned by this API", "code": "invalid_cursor"}
            ],
        )
    last_seq = changelog.head(session, org_id())
    changelog.check_position(session, org_id(), int(after), last_seq)
    stmt = select(ChangeLogEntry).where(
        ChangeLogEntry.organization_id == org_id(), ChangeLogEntry.seq > int(after)
    )
    if query.entity:
        stmt = stmt.where(ChangeLogEntry.entity == query.entity.value)
    rows = list(session.scalars(stmt.order_by(ChangeLogEntry.seq).limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    items: list[ChangeWithResource | ChangeOut] = (
        list(_with_resources(session, rows))
        if query.include == "data"
        else [changelog.change_out(r) for r in rows]
    )
    return json_response(
        ChangePage(
            items=items,
            next_cursor=encode_cursor([rows[-1].seq]) if more else None,
            cursor=encode_cursor([rows[-1].seq if rows else int(after)]),
            last_seq=last_seq,
        )
    )


@bp.get("/cursor")
@operation(
    summary="The feed's head: snapshot through the list endpoints, then follow the feed from this cursor",
    permission="changes:read",
    response=ChangeCursor,
    tag="changes",
)
def head_cursor() -> Response:
    last_seq = changelog.head(get_session(), org_id())
    return json_response(ChangeCursor(cursor=encode_cursor([last_seq]), last_seq=last_seq))


def _with_resources(session: Session, rows: list[ChangeLogEntry]) -> list[ChangeWithResource]:
    """Attach each entry's record JSON: one batch per entity through the renderers packages registered."""
    renderers = current_app.extensions["meishi.registry"].renderers
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        wanted[row.entity].add(row.entity_id)
    rendered: dict[tuple[str, str], dict[str, object]] = {}
    for entity, ids in wanted.items():
        renderer = renderers.get(Entity(entity))
        if renderer is not None:
            for key, value in renderer(session, org_id(), sorted(ids)).items():
                rendered[(entity, key)] = value
    erased = _erased(session, {(r.entity, r.entity_id) for r in rows} - rendered.keys())
    erased |= {(r.entity, r.entity_id) for r in rows if (r.data or {}).get("erased")}
    out: list[ChangeWithResource] = []
    for row in rows:
        key = (row.entity, row.entity_id)
        resource = rendered.get(key)
        missing = None
        if resource is None:
            missing = (
                "not_rendered"
                if Entity(row.entity) not in renderers
                else "erased"
                if key in erased
                else "deleted"
            )
        out.append(
            ChangeWithResource(
                **changelog.change_out(row).model_dump(), resource=resource, resource_missing=missing
            )
        )
    return out


def _erased(session: Session, gone: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Return which gone records went with a person's erasure (their contact's erasure is logged)."""
    contact_ids = [i for e, i in gone if e == Entity.CONTACT.value]
    if not contact_ids:
        return set()
    erased = set(
        session.scalars(
            select(ChangeLogEntry.entity_id).where(
                ChangeLogEntry.organization_id == org_id(),
                ChangeLogEntry.entity == Entity.CONTACT.value,
                ChangeLogEntry.operation == Operation.ERASED.value,
                ChangeLogEntry.entity_id.in_(contact_ids),
            )
        )
    )
    return {(Entity.CONTACT.value, i) for i in erased}
