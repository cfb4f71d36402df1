"""Opt-out endpoints: /api/v1/contacts/{id}/opt-outs, and the suppression list /api/v1/suppressions."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import select

from contacts.api.context import actor, org_id
from contacts.api.http import check_if_match, etag_for, json_response, no_content
from contacts.api.spec import operation
from contacts.db import get_session
from contacts.optouts import service, suppression
from contacts.optouts.models import Suppression
from contacts.optouts.schemas import (
    OptOutChannelQuery,
    OptOutCreate,
    OptOutOut,
    OptOutPage,
    SuppressionCreate,
    SuppressionListQuery,
    SuppressionOut,
    SuppressionPage,
)
from contacts.pagination import page_by_id
from contacts.people import service as people

bp = Blueprint("optouts", __name__, url_prefix="/api/v1")


@bp.get("/contacts/<contact_id>/opt-outs")
@operation(
    summary="List a contact's opt-outs (配信停止) with when, how and who",
    permission="contacts:read",
    response=OptOutPage,
    tag="opt-outs",
)
def list_opt_outs(contact_id: str) -> Response:
    session = get_session()
    contact = people.get_contact(session, org_id(), contact_id)
    return json_response(OptOutPage(items=[service.out(r) for r in service.opt_outs_of(session, contact.id)]))


@bp.post("/contacts/<contact_id>/opt-outs")
@operation(
    summary="Opt a contact out of a channel (201; 200 with the existing opt-out when already opted out)",
    permission="optouts:write",
    body=OptOutCreate,
    response=OptOutOut,
    status=201,
    tag="opt-outs",
    idempotent=True,
)
def create_opt_out(contact_id: str, body: OptOutCreate) -> Response:
    session = get_session()
    contact = people.get_active_contact(session, org_id(), contact_id)
    row, new = service.opt_out(session, actor(), contact, body.channel, source=body.source, note=body.note)
    return json_response(service.out(row), 201 if new else 200)


@bp.delete("/contacts/<contact_id>/opt-outs")
@operation(
    summary="Withdraw a contact's opt-out of ?channel= (the only way an opt-out ends; 404 when there is none)",
    permission="optouts:write",
    query=OptOutChannelQuery,
    status=204,
    tag="opt-outs",
)
def delete_opt_out(contact_id: str, query: OptOutChannelQuery) -> Response:
    session = get_session()
    service.undo(session, actor(), people.get_active_contact(session, org_id(), contact_id), query.channel)
    return no_content()


@bp.get("/suppressions")
@operation(
    summary="List the suppression list: identifiers that may not be contacted, kept as digests "
    "(?email= or ?phone= finds one identifier's)",
    permission="privacy:admin",
    query=SuppressionListQuery,
    response=SuppressionPage,
    tag="opt-outs",
)
def list_suppressions(query: SuppressionListQuery) -> Response:
    stmt = select(Suppression).where(Suppression.organization_id == org_id())
    if query.kind:
        stmt = stmt.where(Suppression.kind == query.kind)
    lookup = query.lookup()
    if lookup is not None:
        stmt = stmt.where(suppression.of_identifier(org_id(), *lookup))
    rows, next_cursor = page_by_id(
        get_session(), stmt, Suppression.id, limit=query.limit, cursor=query.cursor
    )
    return json_response(SuppressionPage(items=[suppression_out(r) for r in rows], next_cursor=next_cursor))


@bp.post("/suppressions")
@operation(
    summary="Put an e-mail address or phone number on the suppression list (201; 200 when it was on it, "
    "with the channels added); contacts holding it are opted out",
    permission="privacy:admin",
    body=SuppressionCreate,
    response=SuppressionOut,
    status=201,
    tag="opt-outs",
    idempotent=True,
)
def create_suppression(body: SuppressionCreate) -> Response:
    session = get_session()
    kind, value = body.identifier()
    row, new = service.suppress_identifier(session, actor(), kind, value, list(body.channels), note=body.note)
    return json_response(suppression_out(row), 201 if new else 200, etag=etag_for(row.id, row.version))


@bp.get("/suppressions/<suppression_id>")
@operation(
    summary="Get a suppression",
    permission="privacy:admin",
    response=SuppressionOut,
    tag="opt-outs",
    etag=True,
)
def get_suppression(suppression_id: str) -> Response:
    row = suppression.get(get_session(), org_id(), suppression_id)
    return json_response(suppression_out(row), etag=etag_for(row.id, row.version))


@bp.delete("/suppressions/<suppression_id>")
@operation(
    summary="Take an identifier off the suppression list (contacts' opt-outs stay until withdrawn)",
    permission="privacy:admin",
    status=204,
    tag="opt-outs",
    if_match=True,
)
def delete_suppression(suppression_id: str) -> Response:
    session = get_session()
    row = suppression.get(session, org_id(), suppression_id)
    check_if_match(row.id, row.version)
    suppression.delete(session, actor(), row)
    return no_content()


def suppression_out(row: Suppression) -> SuppressionOut:
    """Serialise a suppression (its digest stays inside)."""
    return SuppressionOut.model_validate(row, from_attributes=True)
