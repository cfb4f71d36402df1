"""Opt-out endpoints: /api/v1/contacts/{id}/opt-outs."""

from __future__ import annotations

from flask import Blueprint, Response

from contacts.api.context import actor, org_id
from contacts.api.http import json_response, no_content
from contacts.api.spec import operation
from contacts.db import get_session
from contacts.optouts import service
from contacts.optouts.schemas import OptOutChannelQuery, OptOutCreate, OptOutOut, OptOutPage
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
