"""Contacts endpoints: /api/v1/contacts."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, request

from contacts.api.context import actor, api_source, org_id
from contacts.api.http import check_if_match, etag_for, json_response, no_content
from contacts.api.principal import current_principal
from contacts.api.spec import operation
from contacts.db import get_session
from contacts.people import service, vcard
from contacts.people.schemas import (
    ContactCreate,
    ContactListQuery,
    ContactOut,
    ContactPage,
    ContactUpdate,
    EmploymentPage,
)
from contacts.status import RecordStatus

bp = Blueprint("contacts", __name__, url_prefix="/api/v1/contacts")
VCARD_CONTENT = {"text/vcard": {"schema": {"type": "string"}}}


def _one(contact_id: str, status: int = 200) -> Response:
    session = get_session()
    contact = service.get_contact(session, org_id(), contact_id)
    return json_response(
        service.contact_out(session, contact),
        status,
        etag=etag_for(contact.id, contact.version),
        location=f"/api/v1/contacts/{contact.id}" if status == 201 else None,
    )


@bp.post("")
@operation(
    summary="Create a contact",
    permission="contacts:write",
    body=ContactCreate,
    response=ContactOut,
    status=201,
    tag="contacts",
    idempotent=True,
)
def create_contact(body: ContactCreate) -> Response:
    session = get_session()
    contact = service.create_contact(
        session, actor(), body, api_source(), may_create_tags=current_principal().can("tags:write")
    )
    session.flush()
    return _one(contact.id, 201)


@bp.get("")
@operation(
    summary="List contacts",
    permission="contacts:read",
    query=ContactListQuery,
    response=ContactPage,
    tag="contacts",
)
def list_contacts(query: ContactListQuery) -> Response:
    session = get_session()
    page = service.list_contacts(session, org_id(), query)
    return json_response(
        ContactPage(items=service.contacts_out(session, page.items), next_cursor=page.next_cursor)
    )


def _vcard_response(text: str, filename: str) -> Response:
    resp = Response(text, mimetype="text/vcard")
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.get("/vcard")
@operation(
    summary="A page of contacts as one vCard 3.0 file (the filters and paging of the contact list)",
    permission="contacts:read",
    query=ContactListQuery,
    tag="contacts",
    response_content=VCARD_CONTENT,
)
def list_vcards(query: ContactListQuery) -> Response:
    session = get_session()
    page = service.list_contacts(session, org_id(), query)
    resp = _vcard_response(vcard.to_vcards(service.contacts_out(session, page.items)), "contacts.vcf")
    if page.next_cursor:
        resp.headers["Meishi-Next-Cursor"] = page.next_cursor
        resp.headers["Link"] = f'<{_next_url(page.next_cursor)}>; rel="next"'
    return resp


def _next_url(cursor: str) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"] + [("cursor", cursor)]
    return f"{request.path}?{urlencode(args)}"


@bp.get("/<contact_id>/vcard")
@operation(
    summary="A contact as a vCard 3.0 file, with its reading for address-book sorting",
    permission="contacts:read",
    tag="contacts",
    response_content=VCARD_CONTENT,
)
def get_vcard(contact_id: str) -> Response:
    session = get_session()
    contact = service.get_contact(session, org_id(), contact_id)
    return _vcard_response(vcard.to_vcard(service.contact_out(session, contact)), f"{contact.id}.vcf")


@bp.get("/<contact_id>")
@operation(
    summary="Get a contact (merged ones name where they went)",
    permission="contacts:read",
    response=ContactOut,
    tag="contacts",
    etag=True,
)
def get_contact(contact_id: str) -> Response:
    return _one(contact_id)


@bp.patch("/<contact_id>")
@operation(
    summary="Update a contact",
    permission="contacts:write",
    body=ContactUpdate,
    response=ContactOut,
    tag="contacts",
    if_match=True,
)
def update_contact(contact_id: str, body: ContactUpdate) -> Response:
    session = get_session()
    contact = service.get_contact(session, org_id(), contact_id)
    service.refuse_merged(session, contact)
    check_if_match(contact.id, contact.version)
    if body.status == RecordStatus.ACTIVE:
        current_principal().require("contacts:restore")
    elif contact.status != RecordStatus.ACTIVE:
        service.get_active_contact(session, org_id(), contact_id)
    service.update_contact(session, actor(), contact, body, api_source())
    session.flush()
    return _one(contact.id)


@bp.delete("/<contact_id>")
@operation(
    summary="Delete a contact (soft; an admin can restore it)",
    permission="contacts:write",
    status=204,
    tag="contacts",
    if_match=True,
)
def delete_contact(contact_id: str) -> Response:
    session = get_session()
    contact = service.get_contact(session, org_id(), contact_id)
    check_if_match(contact.id, contact.version)
    service.delete_contact(session, actor(), contact)
    return no_content()


@bp.post("/<contact_id>/restore")
@operation(
    summary="Restore a deleted contact (admin)",
    permission="contacts:restore",
    response=ContactOut,
    tag="contacts",
)
def restore_contact(contact_id: str) -> Response:
    session = get_session()
    contact = service.get_contact(session, org_id(), contact_id)
    service.restore_contact(session, actor(), contact)
    session.flush()
    return _one(contact.id)


@bp.get("/<contact_id>/employment")
@operation(
    summary="A contact's employment history, newest first",
    permission="contacts:read",
    response=EmploymentPage,
    tag="contacts",
)
def list_employment(contact_id: str) -> Response:
    session = get_session()
    contact = service.get_contact(session, org_id(), contact_id)
    items = [service.employment_out(e) for e in service.list_employment(session, contact)]
    return json_response(EmploymentPage(items=items, next_cursor=None))
