"""Deduplication endpoints: /api/v1/duplicates and /api/v1/merges."""

from __future__ import annotations

from flask import Blueprint, Response

from contacts.api.context import actor, org_id
from contacts.api.http import json_response
from contacts.api.spec import operation
from contacts.db import get_session
from contacts.dedup import service
from contacts.dedup.schemas import (
    CandidateOut,
    CandidatePage,
    DuplicateListQuery,
    MergeIn,
    MergeOut,
    candidates_out,
    merge_out,
)

bp = Blueprint("dedup", __name__, url_prefix="/api/v1")


@bp.get("/duplicates")
@operation(
    summary="List duplicate candidates, highest score first",
    permission="duplicates:read",
    query=DuplicateListQuery,
    response=CandidatePage,
    tag="duplicates",
)
def list_duplicates(query: DuplicateListQuery) -> Response:
    session = get_session()
    record = query.contact_id if query.entity == "contact" else query.company_id
    f = service.CandidateFilter(
        entity=query.entity,
        decision=query.decision,
        record_id=record,
        min_score=query.min_score,
        status=query.status,
    )
    rows, nxt = service.list_candidates(session, org_id(), f, limit=query.limit, cursor=query.cursor)
    return json_response(CandidatePage(items=candidates_out(session, rows), next_cursor=nxt))


@bp.post("/duplicates/<candidate_id>/dismiss")
@operation(
    summary="Dismiss a candidate: not the same; the pair is never proposed again",
    permission="duplicates:write",
    response=CandidateOut,
    tag="duplicates",
)
def dismiss_duplicate(candidate_id: str) -> Response:
    session = get_session()
    row = service.dismiss(session, actor(), service.get_candidate(session, org_id(), candidate_id))
    session.flush()
    return json_response(candidates_out(session, [row])[0])


@bp.post("/merges")
@operation(
    summary="Merge contacts (or companies) into a winner, in one undoable transaction",
    permission="duplicates:write",
    body=MergeIn,
    response=MergeOut,
    status=201,
    tag="duplicates",
    idempotent=True,
)
def create_merge(body: MergeIn) -> Response:
    session = get_session()
    op = service.merge_records(
        session,
        actor(),
        entity=body.entity,
        winner_id=body.winner_id,
        loser_ids=body.loser_ids,
        field_choices=body.field_choices,
    )
    return json_response(merge_out(op), 201, location=f"/api/v1/merges/{op.id}")


@bp.get("/merges/<merge_id>")
@operation(summary="Get a merge operation", permission="duplicates:read", response=MergeOut, tag="duplicates")
def get_merge(merge_id: str) -> Response:
    return json_response(merge_out(service.get_merge(get_session(), org_id(), merge_id)))


@bp.post("/merges/<merge_id>/undo")
@operation(
    summary="Undo a merge exactly (409 when a later change makes that impossible)",
    permission="duplicates:write",
    response=MergeOut,
    tag="duplicates",
)
def undo_merge(merge_id: str) -> Response:
    session = get_session()
    op = service.undo(session, actor(), service.get_merge(session, org_id(), merge_id))
    return json_response(merge_out(op))
