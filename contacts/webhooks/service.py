"""Webhook subscriptions and delivery.

Each webhook keeps a cursor into its organisation's change log (``last_seq``). A dispatcher claims due
webhooks with a short lease, POSTs the next changes (up to ``BATCH``, filtered by entity) outside any
transaction, and moves the cursor only on a 2xx answer: delivery is at least once, in sequence order, and a
receiver that was down gets everything it missed. Failures back off exponentially (10 s doubling to an
hour); after ``MAX_FAILURES`` in a row the webhook is disabled until someone re-enables it.

Every delivery carries ``Meishi-Signature: t=<unix time>,v1=<hex>``, the HMAC-SHA256 of ``"<t>.<body>"``
with the webhook's secret, so a receiver checks both origin and freshness.

Deliveries run concurrently (see ``lanes``), each bounded by a timeout, with a fair share of the delivery
threads per organisation; whatever goes wrong in one delivery is that webhook's failure and no one else's.
Where a delivery may connect is decided by ``transport``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from contacts.auth.models import Organization
from contacts.bus import Recorded, publish
from contacts.changelog import service as changelog
from contacts.changelog.models import ChangeLogEntry
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import get_owned, utcnow
from contacts.errors import ValidationFailed
from contacts.provenance import Actor
from contacts.webhooks.lanes import Lanes
from contacts.webhooks.models import Webhook
from contacts.webhooks.schemas import WebhookCreate, WebhookOut, WebhookUpdate
from contacts.webhooks.transport import AddressPolicy, Answer, BlockedAddress, Post

log = logging.getLogger(__name__)

BATCH = 100
LEASE = timedelta(seconds=60)
MAX_FAILURES = 15
FIRST_BACKOFF_SECONDS = 10
MAX_BACKOFF_SECONDS = 3600
USER_AGENT = "Meishi-Webhooks/1"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Meishi-Signature`` header value of a delivery."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def get_webhook(session: Session, org_id: str, webhook_id: str) -> Webhook:
    return get_owned(session, Webhook, org_id, webhook_id)


def check_target(url: str, policy: AddressPolicy) -> None:
    """Refuse a URL whose host is an address the policy refuses (resolved names are checked at delivery)."""
    try:
        policy.check_host(urlsplit(url).hostname or "")
    except BlockedAddress as e:
        raise ValidationFailed(
            "the webhook URL points at an address deliveries may not reach",
            errors=[{"field": "url", "message": str(e), "code": "blocked_address"}],
        ) from e


def create_webhook(session: Session, actor: Actor, data: WebhookCreate, policy: AddressPolicy) -> Webhook:
    """Subscribe a URL; its deliveries start after the organisation's latest change."""
    check_target(data.url, policy)
    org = session.get(Organization, actor.organization_id)
    now = utcnow()
    webhook = Webhook(
        organization_id=actor.organization_id,
        url=data.url,
        secret=new_secret(),
        entities=[e.value for e in dict.fromkeys(data.entities)],
        description=data.description or None,
        active=True,
        last_seq=org.change_seq if org else 0,
        failures=0,
        created_by=actor.user_id,
        version=1,
        created_at=now,
        updated_at=now,
    )
    session.add(webhook)
    session.flush()
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.WEBHOOK,
            ids=(webhook.id,),
            operation=Operation.CREATED,
        ),
    )
    return webhook


def update_webhook(
    session: Session, actor: Actor, webhook: Webhook, data: WebhookUpdate, policy: AddressPolicy
) -> Webhook:
    """Apply a PATCH; re-enabling clears the failures and makes the webhook due at once."""
    sent = data.model_fields_set
    if data.url is not None:
        check_target(data.url, policy)
    changed: list[str] = []
    for name in ("url", "entities", "description"):
        value = getattr(data, name)
        if name in sent and value is not None and value != getattr(webhook, name):
            setattr(webhook, name, [e.value for e in dict.fromkeys(value)] if name == "entities" else value)
            changed.append(name)
    if "active" in sent and data.active is not None and data.active != webhook.active:
        webhook.active = data.active
        if data.active:
            webhook.failures, webhook.next_attempt_at, webhook.disabled_reason = 0, None, None
        changed.append("active")
    if changed:
        webhook.version += 1
        webhook.updated_at = utcnow()
        publish(
            session,
            Recorded(
                org_id=actor.organization_id,
                actor_id=actor.user_id,
                entity=Entity.WEBHOOK,
                ids=(webhook.id,),
                operation=Operation.UPDATED,
                data={"fields": changed},
            ),
        )
    return webhook


def rotate_secret(session: Session, actor: Actor, webhook: Webhook) -> Webhook:
    webhook.secret = new_secret()
    webhook.version += 1
    webhook.updated_at = utcnow()
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.WEBHOOK,
            ids=(webhook.id,),
            operation=Operation.UPDATED,
            data={"fields": ["secret"]},
        ),
    )
    return webhook


def delete_webhook(session: Session, actor: Actor, webhook: Webhook) -> None:
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.WEBHOOK,
            ids=(webhook.id,),
            operation=Operation.DELETED,
        ),
    )
    session.delete(webhook)


def webhook_out(webhook: Webhook) -> WebhookOut:
    return WebhookOut(
        id=webhook.id,
        url=webhook.url,
        entities=list(webhook.entities or []),
        description=webhook.description,
        active=webhook.active,
        disabled_reason=webhook.disabled_reason,
        delivered_seq=webhook.last_seq,
        failures=webhook.failures,
        next_attempt_at=webhook.next_attempt_at,
        last_attempt_at=webhook.last_attempt_at,
        last_success_at=webhook.last_success_at,
        last_status_code=webhook.last_status_code,
        last_error=webhook.last_error,
        version=webhook.version,
        created_at=webhook.created_at,
        updated_at=webhook.updated_at,
    )


def _claim(
    factory: sessionmaker[Session],
    now: datetime,
    *,
    free: int,
    busy: Counter[str],
    per_org: int,
    exclude: set[str],
    organization_id: str | None,
) -> list[tuple[str, str]]:
    """Lease due webhooks with changes to send, at most ``per_org`` in flight per organisation.

    Returns (webhook id, organisation id) pairs, oldest due first.
    """
    with factory() as session:
        stmt = (
            select(Webhook)
            .join(Organization, Organization.id == Webhook.organization_id)
            .where(
                Webhook.active.is_(True),
                Organization.change_seq > Webhook.last_seq,
                or_(Webhook.next_attempt_at.is_(None), Webhook.next_attempt_at <= now),
                or_(Webhook.lease_until.is_(None), Webhook.lease_until < now),
            )
            .order_by(Webhook.next_attempt_at.nulls_first(), Webhook.id)
            .limit(free * 4 + len(exclude))
        )
        if organization_id is not None:
            stmt = stmt.where(Webhook.organization_id == organization_id)
        if exclude:
            stmt = stmt.where(Webhook.id.not_in(exclude))
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=Webhook, skip_locked=True)
        taken: list[tuple[str, str]] = []
        share = Counter(busy)
        for webhook in session.scalars(stmt):
            if len(taken) >= free:
                break
            if share[webhook.organization_id] >= per_org:
                continue
            share[webhook.organization_id] += 1
            webhook.lease_until = now + LEASE
            taken.append((webhook.id, webhook.organization_id))
        session.commit()
        return taken


def _changes(session: Session, webhook: Webhook) -> tuple[list[ChangeLogEntry], int]:
    """The next changes for the webhook (filtered) and the last sequence number they cover."""
    rows = list(
        session.scalars(
            select(ChangeLogEntry)
            .where(
                ChangeLogEntry.organization_id == webhook.organization_id,
                ChangeLogEntry.seq > webhook.last_seq,
            )
            .order_by(ChangeLogEntry.seq)
            .limit(BATCH)
        )
    )
    covered = rows[-1].seq if rows else webhook.last_seq
    wanted = set(webhook.entities or [])
    return [r for r in rows if not wanted or r.entity in wanted], covered


def deliver_one(factory: sessionmaker[Session], webhook_id: str, *, post: Post) -> bool | None:
    """Send a leased webhook its next changes; True on success, False on failure, None when nothing was due."""
    with factory() as session:
        webhook = session.get(Webhook, webhook_id)
        if webhook is None or not webhook.active:
            return None
        rows, covered = _changes(session, webhook)
        changes = [changelog.change_out(c).model_dump(mode="json") for c in rows]
        url, secret = webhook.url, webhook.secret
        session.rollback()  # no transaction (and on SQLite no lock) while the receiver answers
    answer = Answer(status=200)
    if changes:
        body = json.dumps(
            {"webhook_id": webhook_id, "delivered_seq": covered, "changes": changes}, ensure_ascii=False
        ).encode()
        timestamp = int(time.time())
        answer = post(
            url,
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Meishi-Webhook-Id": webhook_id,
                "Meishi-Signature": sign(secret, timestamp, body),
            },
        )
    ok = answer.status is not None and 200 <= answer.status < 300
    with factory() as session:
        webhook = session.get(Webhook, webhook_id)
        if webhook is None:
            return None
        now = utcnow()
        webhook.lease_until = None
        if changes:
            webhook.last_attempt_at, webhook.last_status_code = now, answer.status
        if ok:
            webhook.last_seq = max(webhook.last_seq, covered)
            webhook.failures, webhook.next_attempt_at, webhook.last_error = 0, None, None
            if changes:
                webhook.last_success_at = now
        else:
            _count_failure(webhook, answer.error or "http_status", answer.status, now)
        session.commit()
    return ok


def _count_failure(webhook: Webhook, error: str, status: int | None, now: datetime) -> None:
    """Record a failed delivery: back off, and disable the webhook after MAX_FAILURES in a row."""
    webhook.lease_until = None
    webhook.failures += 1
    webhook.last_error = error
    backoff = min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** (webhook.failures - 1))
    webhook.next_attempt_at = now + timedelta(seconds=backoff)
    if webhook.failures >= MAX_FAILURES:
        webhook.active = False
        last = f"{error} (HTTP {status})" if status is not None else error
        webhook.disabled_reason = f"{webhook.failures} deliveries in a row failed; last: {last}"


def deliver_isolated(factory: sessionmaker[Session], webhook_id: str, *, post: Post) -> bool | None:
    """Deliver to one webhook; any exception is recorded as that webhook's failure, never raised."""
    try:
        return deliver_one(factory, webhook_id, post=post)
    except Exception:
        log.exception("webhook %s: delivery raised", webhook_id)
    try:
        with factory() as session:
            webhook = session.get(Webhook, webhook_id)
            if webhook is not None:
                _count_failure(webhook, "internal", None, utcnow())
                session.commit()
    except Exception:  # the lease runs out on its own if even this fails (database down)
        log.exception("webhook %s: could not record the failure", webhook_id)
    return False


def delivery_lanes(
    factory: sessionmaker[Session],
    *,
    post: Post,
    workers: int = 8,
    per_org: int = 2,
    organization_id: str | None = None,
) -> Lanes:
    """Return a delivery pool over the database of ``factory``, of one organisation or all."""

    def claim(busy: Counter[str], free: int, exclude: set[str]) -> list[tuple[str, str]]:
        return _claim(
            factory,
            utcnow(),
            free=free,
            busy=busy,
            per_org=per_org,
            exclude=exclude,
            organization_id=organization_id,
        )

    return Lanes(
        claim,
        lambda webhook_id: deliver_isolated(factory, webhook_id, post=post),
        workers=workers,
        per_org=per_org,
    )


def deliver_due(
    factory: sessionmaker[Session],
    *,
    post: Post,
    workers: int = 8,
    per_org: int = 2,
    organization_id: str | None = None,
) -> int:
    """One dispatcher pass: deliver once to every due webhook (of one organisation, or all), concurrently.

    Returns how many webhooks were tried.
    """
    lanes = delivery_lanes(
        factory, post=post, workers=workers, per_org=per_org, organization_id=organization_id
    )
    tried: set[str] = set()
    try:
        while True:
            tried.update(lanes.fill(exclude=tried))
            if not lanes.busy:
                return len(tried)
            lanes.wait(None)
    finally:
        lanes.shutdown()
