"""Personal-data endpoints: /api/v1/contacts/{id}/export and /api/v1/contacts/{id}/erase (admins)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app

from contacts.api.context import actor, org_id
from contacts.api.http import json_response
from contacts.api.spec import operation
from contacts.db import get_session
from contacts.people import service as people
from contacts.privacy import service
from contacts.privacy.schemas import EraseIn, EraseResult, PersonExport
from contacts.storage import storage_of

bp = Blueprint("privacy", __name__, url_prefix="/api/v1/contacts")
log = logging.getLogger(__name__)


@bp.get("/<contact_id>/export")
@operation(
    summary="Everything held about a person: the contact, records merged into it, touchpoints, cards "
    "with OCR text, campaigns, merges and the change log",
    permission="privacy:admin",
    response=PersonExport,
    tag="privacy",
)
def export_person(contact_id: str) -> Response:
    session = get_session()
    return json_response(service.export_person(session, people.get_contact(session, org_id(), contact_id)))


@bp.post("/<contact_id>/erase")
@operation(
    summary="Erase a person for good (cannot be undone): contacts, values, touchpoints, cards, images, "
    "memberships, candidates and merge snapshots",
    permission="privacy:admin",
    body=EraseIn,
    response=EraseResult,
    tag="privacy",
)
def erase_person(contact_id: str, body: EraseIn) -> Response:
    session = get_session()
    storage = storage_of(current_app)

    def delete_images(keys: list[str]) -> None:
        for key in keys:
            try:
                storage.delete(key)
            except OSError:  # the rows are gone; a file left behind is logged, not fatal
                log.exception("could not delete erased image %s", key)

    result = service.erase_person(
        session,
        actor(),
        people.get_contact(session, org_id(), contact_id),
        delete_images=delete_images,
        reason=body.reason,
    )
    return json_response(result)
