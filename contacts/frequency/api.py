"""Contact-frequency rule endpoints: /api/v1/organization/contact-rules (admins and managers change them)."""

from __future__ import annotations

from flask import Blueprint, Response

from contacts.api.context import actor, org_id
from contacts.api.http import check_if_match, etag_for, json_response
from contacts.api.spec import operation
from contacts.db import get_session
from contacts.frequency import service
from contacts.frequency.schemas import ContactRules, ContactRulesOut

bp = Blueprint("frequency", __name__, url_prefix="/api/v1/organization")


def _one() -> Response:
    out = service.rules_out(get_session(), org_id())
    return json_response(out, etag=etag_for(org_id(), out.version))


@bp.get("/contact-rules")
@operation(
    summary="Get the contact-frequency rules (at most max touchpoints of kinds per contact in days)",
    permission="contacts:read",
    response=ContactRulesOut,
    tag="organization",
    etag=True,
)
def get_rules() -> Response:
    return _one()


@bp.put("/contact-rules")
@operation(
    summary="Replace the contact-frequency rules; every contact's over_contacted mark is recomputed",
    permission="contact_rules:write",
    body=ContactRules,
    response=ContactRulesOut,
    tag="organization",
    if_match=True,
)
def put_rules(body: ContactRules) -> Response:
    session = get_session()
    check_if_match(org_id(), service.rules_out(session, org_id()).version)
    service.set_rules(session, actor(), body)
    session.flush()
    return _one()
