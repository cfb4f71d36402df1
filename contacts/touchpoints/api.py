"""Touchpoints endpoints: /api/v1/touchpoints and a contact's timeline."""

from __future__ import annotations

from flask import Blueprint, Response

from contacts.api.context import actor, org_id
from contacts.api.http import check_if_match, etag_for, json_response, no_content
from contacts.api.principal import current_principal
from contacts.api.spec import operation
from contacts.db import get_session
from contacts.errors import Forbidden
from contacts.people.models import Contact
from contacts.touchpoints import relationships, service
from contacts.touchpoints.schemas import (
    CompanyRelationship,
    ContactRelationship,
    RelationshipQuery,
    TimelineQuery,
    TouchpointBulkCreate,
    TouchpointBulkResult,
    TouchpointCreate,
    TouchpointCreated,
    TouchpointListQuery,
    TouchpointOut,
    TouchpointPage,
    TouchpointUpdate,
)

bp = Blueprint("touchpoints", __name__, url_prefix="/api/v1")

ROLES_ACTING_FOR_OTHERS = frozenset({"admin", "manager"})


def _check_on_behalf(user_id: str | None) -> None:
    """Refuse a touchpoint in another user's name unless the caller is a manager or an admin."""
    principal = current_principal()
    if user_id is not None and user_id != principal.user_id and principal.role not in ROLES_ACTING_FOR_OTHERS:
        raise Forbidden("only managers and admins may record a touchpoint in another user's name")


def _one(touchpoint_id: str, status: int = 200) -> Response:
    touchpoint = service.get_touchpoint(get_session(), org_id(), touchpoint_id)
    return json_response(
        service.touchpoint_out(touchpoint),
        status,
        etag=etag_for(touchpoint.id, touchpoint.version),
        location=f"/api/v1/touchpoints/{touchpoint.id}" if status == 201 else None,
    )


@bp.post("/touchpoints")
@operation(
    summary="Record a touchpoint (409 on a merged or deleted contact, or a reused external_id); one that "
    "breaks a contact-frequency rule is recorded with a warning. Marketing records the online kinds only",
    permission="touchpoints:record",
    body=TouchpointCreate,
    response=TouchpointCreated,
    status=201,
    tag="touchpoints",
    idempotent=True,
)
def create_touchpoint(body: TouchpointCreate) -> Response:
    _check_on_behalf(body.user_id)
    service.check_recordable(body.kind, may_write=current_principal().can("touchpoints:write"))
    session = get_session()
    touchpoint, contact = service.create_from(session, actor(), body)
    session.flush()
    # the frequency package's bulk update expired the contact's over-contacted mark if it may have changed it
    # (then warnings_for reads it afresh), and left it loaded where the row holds the loaded mark
    out = TouchpointCreated(
        **service.touchpoint_out(touchpoint).model_dump(),
        warnings=service.warnings_for(contact, touchpoint.kind),
    )
    return json_response(
        out,
        201,
        etag=etag_for(touchpoint.id, touchpoint.version),
        location=f"/api/v1/touchpoints/{touchpoint.id}",
    )


@bp.post("/touchpoints/bulk")
@operation(
    summary="Record one touchpoint per contact at once (a mass mailing): marked bulk, they do not make "
    "their user know the people",
    permission="touchpoints:record",
    body=TouchpointBulkCreate,
    response=TouchpointBulkResult,
    status=201,
    tag="touchpoints",
    idempotent=True,
)
def create_bulk(body: TouchpointBulkCreate) -> Response:
    _check_on_behalf(body.user_id)
    service.check_recordable(body.kind, may_write=current_principal().can("touchpoints:write"))
    session = get_session()
    points = service.create_bulk(session, actor(), body)
    session.flush()
    warnings = []
    for point in points:
        contact = session.get(Contact, point.contact_id)
        assert contact is not None
        session.refresh(contact)
        warnings += service.warnings_for(contact, point.kind)
    return json_response(
        TouchpointBulkResult(created=len(points), touchpoint_ids=[p.id for p in points], warnings=warnings),
        201,
    )


@bp.get("/touchpoints")
@operation(
    summary="List touchpoints, newest first",
    permission="touchpoints:read",
    query=TouchpointListQuery,
    response=TouchpointPage,
    tag="touchpoints",
)
def list_touchpoints(query: TouchpointListQuery) -> Response:
    items, next_cursor = service.list_touchpoints(get_session(), org_id(), query)
    return json_response(
        TouchpointPage(items=[service.touchpoint_out(t) for t in items], next_cursor=next_cursor)
    )


@bp.get("/touchpoints/<touchpoint_id>")
@operation(
    summary="Get a touchpoint",
    permission="touchpoints:read",
    response=TouchpointOut,
    tag="touchpoints",
    etag=True,
)
def get_touchpoint(touchpoint_id: str) -> Response:
    return _one(touchpoint_id)


@bp.patch("/touchpoints/<touchpoint_id>")
@operation(
    summary="Update a touchpoint",
    permission="touchpoints:write",
    body=TouchpointUpdate,
    response=TouchpointOut,
    tag="touchpoints",
    if_match=True,
)
def update_touchpoint(touchpoint_id: str, body: TouchpointUpdate) -> Response:
    session = get_session()
    touchpoint = service.get_touchpoint(session, org_id(), touchpoint_id)
    check_if_match(touchpoint.id, touchpoint.version)
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    if "user_id" in changes:
        _check_on_behalf(changes["user_id"])
    service.update_touchpoint(session, actor(), touchpoint, changes)
    return _one(touchpoint.id)


@bp.delete("/touchpoints/<touchpoint_id>")
@operation(
    summary="Delete a touchpoint",
    permission="touchpoints:write",
    status=204,
    tag="touchpoints",
    if_match=True,
)
def delete_touchpoint(touchpoint_id: str) -> Response:
    session = get_session()
    touchpoint = service.get_touchpoint(session, org_id(), touchpoint_id)
    check_if_match(touchpoint.id, touchpoint.version)
    service.delete_touchpoint(session, actor(), touchpoint)
    return no_content()


@bp.get("/contacts/<contact_id>/touchpoints")
@operation(
    summary="A contact's timeline of touchpoints, newest first",
    permission="touchpoints:read",
    query=TimelineQuery,
    response=TouchpointPage,
    tag="touchpoints",
)
def contact_timeline(contact_id: str, query: TimelineQuery) -> Response:
    items, next_cursor = service.list_touchpoints(get_session(), org_id(), query, contact_id=contact_id)
    return json_response(
        TouchpointPage(items=[service.touchpoint_out(t) for t in items], next_cursor=next_cursor)
    )


@bp.get("/contacts/<contact_id>/relationship")
@operation(
    summary="Who on our side knows the person (つながり) and how often and recently we reached them",
    permission="touchpoints:read",
    query=RelationshipQuery,
    response=ContactRelationship,
    tag="touchpoints",
)
def contact_relationship(contact_id: str, query: RelationshipQuery) -> Response:
    return json_response(relationships.contact_relationship(get_session(), org_id(), contact_id, query))


@bp.get("/companies/<company_id>/relationship")
@operation(
    summary="Who on our side knows the company, whom we met there, and how often we reached it",
    permission="touchpoints:read",
    query=RelationshipQuery,
    response=CompanyRelationship,
    tag="touchpoints",
)
def company_relationship(company_id: str, query: RelationshipQuery) -> Response:
    return json_response(relationships.company_relationship(get_session(), org_id(), company_id, query))
