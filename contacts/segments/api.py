"""Segment endpoints (/api/v1/segments) and CSV export (/api/v1/contacts/export.csv, /segments/{id}/export.csv)."""

from __future__ import annotations

from flask import Blueprint, Response

from contacts.api.context import actor, org_id
from contacts.api.http import check_if_match, etag_for, json_response, no_content
from contacts.api.spec import operation
from contacts.db import get_session
from contacts.people.schemas import ContactListQuery
from contacts.people.service import contacts_query
from contacts.segments import service, streaming
from contacts.segments.models import Segment
from contacts.segments.schemas import (
    ContactExportQuery,
    SegmentCreate,
    SegmentExportQuery,
    SegmentListQuery,
    SegmentOut,
    SegmentPage,
    SegmentUpdate,
)
from contacts.tags.schemas import ContactFilter

bp = Blueprint("segments", __name__, url_prefix="/api/v1")

CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}


def _one(segment: Segment, status: int = 200) -> Response:
    return json_response(
        service.segment_out(get_session(), org_id(), segment),
        status,
        etag=etag_for(segment.id, segment.version),
        location=f"/api/v1/segments/{segment.id}" if status == 201 else None,
    )


@bp.post("/segments")
@operation(
    summary="Save a contact filter as a named segment",
    permission="segments:write",
    body=SegmentCreate,
    response=SegmentOut,
    status=201,
    tag="segments",
    idempotent=True,
)
def create_segment(body: SegmentCreate) -> Response:
    return _one(service.create_segment(get_session(), actor(), body), 201)


@bp.get("/segments")
@operation(
    summary="List segments (with_count=true counts each one now)",
    permission="contacts:read",
    query=SegmentListQuery,
    response=SegmentPage,
    tag="segments",
)
def list_segments(query: SegmentListQuery) -> Response:
    session = get_session()
    rows, next_cursor = service.list_segments(session, org_id(), query)
    items = [service.segment_out(session, org_id(), s, with_count=query.with_count) for s in rows]
    return json_response(SegmentPage(items=items, next_cursor=next_cursor))


@bp.get("/segments/<segment_id>")
@operation(
    summary="Get a segment with its current count and stale references",
    permission="contacts:read",
    response=SegmentOut,
    tag="segments",
    etag=True,
)
def get_segment(segment_id: str) -> Response:
    return _one(service.get_segment(get_session(), org_id(), segment_id))


@bp.patch("/segments/<segment_id>")
@operation(
    summary="Rename a segment or replace its filter",
    permission="segments:write",
    body=SegmentUpdate,
    response=SegmentOut,
    tag="segments",
    if_match=True,
)
def update_segment(segment_id: str, body: SegmentUpdate) -> Response:
    session = get_session()
    segment = service.get_segment(session, org_id(), segment_id)
    check_if_match(segment.id, segment.version)
    return _one(service.update_segment(session, actor(), segment, body))


@bp.delete("/segments/<segment_id>")
@operation(summary="Delete a segment", permission="segments:write", status=204, tag="segments", if_match=True)
def delete_segment(segment_id: str) -> Response:
    session = get_session()
    segment = service.get_segment(session, org_id(), segment_id)
    check_if_match(segment.id, segment.version)
    service.delete_segment(session, actor(), segment)
    return no_content()


@bp.get("/contacts/export.csv")
@operation(
    summary="Export the contacts the filters of GET /contacts select as CSV (streamed, logged)",
    permission="contacts:export",
    query=ContactExportQuery,
    tag="contacts",
    response_content=CSV_CONTENT,
)
def export_contacts(query: ContactExportQuery) -> Response:
    contact_filter = ContactFilter(**query.model_dump(include=set(ContactFilter.model_fields)))
    stmt = contacts_query(get_session(), org_id(), ContactListQuery(**contact_filter.model_dump()))
    return streaming.csv_response(
        get_session(), actor(), stmt, query, {"filter": service.stored(contact_filter)}, "contacts"
    )


@bp.get("/segments/<segment_id>/export.csv")
@operation(
    summary="Export the contacts a segment selects now as CSV (streamed, logged)",
    permission="contacts:export",
    query=SegmentExportQuery,
    tag="segments",
    response_content=CSV_CONTENT,
)
def export_segment(segment_id: str, query: SegmentExportQuery) -> Response:
    session = get_session()
    segment = service.get_segment(session, org_id(), segment_id)
    stmt = service.segment_contacts(session, org_id(), segment)
    what = {"segment_id": segment.id, "filter": segment.filter}
    return streaming.csv_response(session, actor(), stmt, query, what, "segment")
