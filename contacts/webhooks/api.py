"""Webhook endpoints: /api/v1/webhooks (admins and managers)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from sqlalchemy import select

from contacts.api.context import actor, org_id
from contacts.api.http import check_if_match, etag_for, json_response, no_content
from contacts.api.spec import operation
from contacts.config import settings_of
from contacts.db import get_session
from contacts.pagination import page_by_id
from contacts.webhooks import service
from contacts.webhooks.models import Webhook
from contacts.webhooks.schemas import (
    WebhookCreate,
    WebhookCreated,
    WebhookListQuery,
    WebhookOut,
    WebhookPage,
    WebhookUpdate,
)
from contacts.webhooks.transport import AddressPolicy

bp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks")


def _policy() -> AddressPolicy:
    return AddressPolicy.from_settings(settings_of(current_app))


def _one(webhook: Webhook, status: int = 200, *, with_secret: bool = False) -> Response:
    out = service.webhook_out(webhook)
    body = WebhookCreated(**out.model_dump(), secret=webhook.secret) if with_secret else out
    return json_response(
        body,
        status,
        etag=etag_for(webhook.id, webhook.version),
        location=f"/api/v1/webhooks/{webhook.id}" if status == 201 else None,
    )


@bp.post("")
@operation(
    summary="Subscribe a URL to the change feed (the secret is shown once)",
    permission="webhooks:admin",
    body=WebhookCreate,
    response=WebhookCreated,
    status=201,
    tag="webhooks",
    idempotent=True,
)
def create_webhook(body: WebhookCreate) -> Response:
    webhook = service.create_webhook(get_session(), actor(), body, _policy())
    return _one(webhook, 201, with_secret=True)


@bp.get("")
@operation(
    summary="List webhooks with their delivery state",
    permission="webhooks:admin",
    query=WebhookListQuery,
    response=WebhookPage,
    tag="webhooks",
)
def list_webhooks(query: WebhookListQuery) -> Response:
    session = get_session()
    rows, next_cursor = page_by_id(
        session,
        select(Webhook).where(Webhook.organization_id == org_id()),
        Webhook.id,
        limit=query.limit,
        cursor=query.cursor,
    )
    return json_response(WebhookPage(items=[service.webhook_out(w) for w in rows], next_cursor=next_cursor))


@bp.get("/<webhook_id>")
@operation(
    summary="Get a webhook", permission="webhooks:admin", response=WebhookOut, tag="webhooks", etag=True
)
def get_webhook(webhook_id: str) -> Response:
    return _one(service.get_webhook(get_session(), org_id(), webhook_id))


@bp.patch("/<webhook_id>")
@operation(
    summary="Change a webhook's URL, entities or description, or disable or re-enable it",
    permission="webhooks:admin",
    body=WebhookUpdate,
    response=WebhookOut,
    tag="webhooks",
    if_match=True,
)
def update_webhook(webhook_id: str, body: WebhookUpdate) -> Response:
    session = get_session()
    webhook = service.get_webhook(session, org_id(), webhook_id)
    check_if_match(webhook.id, webhook.version)
    service.update_webhook(session, actor(), webhook, body, _policy())
    return _one(webhook)


@bp.post("/<webhook_id>/rotate-secret")
@operation(
    summary="Replace a webhook's signing secret (the new one is shown once)",
    permission="webhooks:admin",
    response=WebhookCreated,
    tag="webhooks",
)
def rotate_secret(webhook_id: str) -> Response:
    session = get_session()
    webhook = service.rotate_secret(session, actor(), service.get_webhook(session, org_id(), webhook_id))
    return _one(webhook, with_secret=True)


@bp.delete("/<webhook_id>")
@operation(summary="Delete a webhook", permission="webhooks:admin", status=204, tag="webhooks", if_match=True)
def delete_webhook(webhook_id: str) -> Response:
    session = get_session()
    webhook = service.get_webhook(session, org_id(), webhook_id)
    check_if_match(webhook.id, webhook.version)
    service.delete_webhook(session, actor(), webhook)
    return no_content()
