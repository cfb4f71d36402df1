"""Remembered corrections: /api/v1/corrections (admins list and delete them)."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import select

from contacts.api.context import actor, org_id
from contacts.api.http import check_if_match, etag_for, json_response, no_content
from contacts.api.spec import operation
from contacts.corrections import service
from contacts.corrections.models import FieldCorrection
from contacts.corrections.schemas import CorrectionListQuery, CorrectionOut, CorrectionPage
from contacts.db import get_session
from contacts.pagination import page_by_id

bp = Blueprint("corrections", __name__, url_prefix="/api/v1/corrections")


@bp.get("")
@operation(
    summary="List the corrections learnt from reviewers, oldest first",
    permission="org:admin",
    query=CorrectionListQuery,
    response=CorrectionPage,
    tag="corrections",
)
def list_corrections(query: CorrectionListQuery) -> Response:
    stmt = select(FieldCorrection).where(FieldCorrection.organization_id == org_id())
    if query.field:
        stmt = stmt.where(FieldCorrection.field == query.field)
    rows, next_cursor = page_by_id(
        get_session(), stmt, FieldCorrection.id, limit=query.limit, cursor=query.cursor
    )
    return json_response(
        CorrectionPage(items=[service.correction_out(r) for r in rows], next_cursor=next_cursor)
    )


@bp.get("/<correction_id>")
@operation(
    summary="Get a learnt correction",
    permission="org:admin",
    response=CorrectionOut,
    tag="corrections",
    etag=True,
)
def get_correction(correction_id: str) -> Response:
    row = service.get_correction(get_session(), org_id(), correction_id)
    return json_response(service.correction_out(row), etag=etag_for(row.id, row.version))


@bp.delete("/<correction_id>")
@operation(
    summary="Forget a learnt correction", permission="org:admin", status=204, tag="corrections", if_match=True
)
def delete_correction(correction_id: str) -> Response:
    session = get_session()
    row = service.get_correction(session, org_id(), correction_id)
    check_if_match(row.id, row.version)
    service.delete_correction(session, actor(), row)
    return no_content()
