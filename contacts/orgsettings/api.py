"""Organisation settings endpoints: /api/v1/organization/settings (admins)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from contacts.api.context import actor, org_id
from contacts.api.http import check_if_match, etag_for, json_response
from contacts.api.spec import operation
from contacts.config import settings_of
from contacts.db import get_session
from contacts.orgsettings import service
from contacts.orgsettings.schemas import OrgSettingsOut, OrgSettingsUpdate

bp = Blueprint("orgsettings", __name__, url_prefix="/api/v1/organization")


def _one() -> Response:
    session = get_session()
    default = settings_of(current_app).review_threshold
    out = service.settings_out(session, org_id(), default)
    return json_response(out, etag=etag_for(org_id(), out.version))


@bp.get("/settings")
@operation(
    summary="Get the organisation's settings (review threshold, learning from corrections)",
    permission="org:admin",
    response=OrgSettingsOut,
    tag="organization",
    etag=True,
)
def get_settings() -> Response:
    return _one()


@bp.patch("/settings")
@operation(
    summary="Change the organisation's settings; a null review_threshold returns to the default",
    permission="org:admin",
    body=OrgSettingsUpdate,
    response=OrgSettingsOut,
    tag="organization",
    if_match=True,
)
def update_settings(body: OrgSettingsUpdate) -> Response:
    session = get_session()
    check_if_match(org_id(), service.version_of(service.get_settings(session, org_id())))
    service.update_settings(session, actor(), body)
    session.flush()
    return _one()
