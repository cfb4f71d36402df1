"""Card processing: claim a card with a lease, run OCR outside any transaction, store the result, confirm.

The card row is the truth. A worker claims a card with one conditional UPDATE (queued and due, or processing
with an expired lease) and checks the row count, which is atomic on SQLite and PostgreSQL; a heartbeat keeps
extending the lease while OCR runs, so a worker killed mid-card stops renewing and another worker reclaims the
card when the lease runs out. Results are written only by the worker that still holds the lease, under a row
lock, and confirmation is idempotent, so a card never yields two contacts.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from contacts.cards import service
from contacts.cards.confirm import confirm_card
from contacts.cards.models import Card
from contacts.cards.reading import CardReading
from contacts.changelog.vocabulary import Operation
from contacts.config import settings_of
from contacts.corrections import service as corrections
from contacts.db import session_factory, utcnow
from contacts.errors import MeishiError
from contacts.storage import storage_of

log = logging.getLogger(__name__)

LEASE_SECONDS = 30.0
MAX_ATTEMPTS = 3
BACKOFF_SECONDS = 5.0  # the n-th retry waits BACKOFF_SECONDS * 2**(n-1)

EngineFactory = Callable[[], Any]


def new_worker_id() -> str:
    """Return an id naming this process and thread's worker in card rows."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class WorkerConfig:
    """How one worker processes cards."""

    worker_id: str = field(default_factory=new_worker_id)
    lease_seconds: float = LEASE_SECONDS
    max_attempts: int = MAX_ATTEMPTS
    backoff_seconds: float = BACKOFF_SECONDS
    engine_factory: EngineFactory | None = None


def claimable(now: Any) -> Any:
    """SQL condition of a card a worker may take: queued and due, or processing with an expired lease."""
    return or_(
        and_(Card.status == "queued", or_(Card.next_attempt_at.is_(None), Card.next_attempt_at <= now)),
        and_(Card.status == "processing", Card.lease_expires_at < now),
    )


def claim(factory: sessionmaker[Session], config: WorkerConfig, card_id: str | None = None) -> str | None:
    """Take one card (``card_id``, or the oldest claimable one) for this worker; None when there is none."""
    with factory() as session:
        now = utcnow()
        if card_id is None:
            candidates = list(
                session.scalars(
                    select(Card.id).where(claimable(now)).order_by(Card.created_at, Card.id).limit(5)
                )
            )
        else:
            candidates = [card_id]
        for cid in candidates:
            result = session.execute(
                update(Card)
                .where(Card.id == cid, claimable(now))
                .values(
                    status="processing",
                    worker_id=config.worker_id,
                    attempts=Card.attempts + 1,
                    lease_expires_at=now + timedelta(seconds=config.lease_seconds),
                    started_at=now,
                    next_attempt_at=None,
                    updated_at=now,
                    version=Card.version + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                continue
            attempts = session.scalar(select(Card.attempts).where(Card.id == cid)) or 0
            if attempts > config.max_attempts:
                _fail(
                    session,
                    cid,
                    f"gave up after {config.max_attempts} attempts: the worker died or timed out",
                )
                session.commit()
                continue
            session.commit()
            return cid
        session.rollback()
    return None


def _fail(session: Session, card_id: str, reason: str) -> None:
    card = service.lock_card(session, card_id)
    card.status = "failed"
    card.error = reason[:2000]
    card.worker_id = None
    card.lease_expires_at = None
    service.card_changed(session, card, Operation.FAILED, actor_id=None, data={"error": card.error})


class Heartbeat:
    """Extend a claimed card's lease every third of its length until stopped."""

    def __init__(self, factory: sessionmaker[Session], card_id: str, config: WorkerConfig) -> None:
        self.factory, self.card_id, self.config = factory, card_id, config
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{card_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        interval = self.config.lease_seconds / 3
        while not self._stop.wait(interval):
            try:
                with self.factory() as session:
                    now = utcnow()
                    session.execute(
                        update(Card)
                        .where(
                            Card.id == self.card_id,
                            Card.status == "processing",
                            Card.worker_id == self.config.worker_id,
                        )
                        .values(lease_expires_at=now + timedelta(seconds=self.config.lease_seconds))
                        .execution_options(synchronize_session=False)
                    )
                    session.commit()
            except Exception:  # a missed beat only shortens the lease; the next one retries
                log.warning("could not extend the lease of card %s", self.card_id, exc_info=True)


def _holds_lease(card: Card, config: WorkerConfig) -> bool:
    return card.status == "processing" and card.worker_id == config.worker_id


def _retry_or_fail(
    factory: sessionmaker[Session], card_id: str, config: WorkerConfig, reason: str, *, permanent: bool
) -> None:
    with factory() as session:
        card = service.lock_card(session, card_id)
        if not _holds_lease(card, config):
            session.rollback()
            return
        if permanent or card.attempts >= config.max_attempts:
            _fail(session, card_id, reason if permanent else f"{reason} (after {card.attempts} attempts)")
        else:
            delay = config.backoff_seconds * 2 ** max(card.attempts - 1, 0)
            card.status = "queued"
            card.error = reason[:2000]
            card.next_attempt_at = utcnow() + timedelta(seconds=delay)
            card.worker_id = None
            card.lease_expires_at = None
            card.enqueued_at = None
            service.card_changed(
                session,
                card,
                Operation.RETRY_SCHEDULED,
                actor_id=None,
                data={
                    "error": card.error,
                    "attempts": card.attempts,
                    "next_attempt_at": card.next_attempt_at.isoformat(),
                },
            )
        session.commit()


def _scan(app: Flask, card: Card, config: WorkerConfig) -> CardReading:
    """Run OCR on a card's stored images (no database session is open here)."""
    from ocr import PIPELINE_VERSION
    from ocr.pipeline import ScanLimits, scan_card

    settings = settings_of(app)
    storage = storage_of(app)
    front = storage.get(card.front_image)
    back = storage.get(card.back_image) if card.back_image else None
    limits = ScanLimits(
        max_bytes=settings.max_upload_bytes,
        max_pixels=settings.max_image_pixels,
        engine_timeout=settings.ocr_timeout_seconds,
    )
    engine = config.engine_factory() if config.engine_factory else None
    result = scan_card(front, back, engine=engine, limits=limits)
    normalized = {side: storage.put(data, extension="jpg") for side, data in result.normalized_images.items()}
    return CardReading.from_result(
        result, normalized=normalized, pipeline_version=result.pipeline_version or PIPELINE_VERSION
    )


def _finish(
    app: Flask, factory: sessionmaker[Session], card_id: str, config: WorkerConfig, reading: CardReading
) -> str | None:
    """Store the result and confirm or hold for review, in one transaction, if the lease is still ours."""
    with factory() as session:
        card = service.lock_card(session, card_id)
        if not _holds_lease(card, config):
            log.info("card %s was taken over by %s; dropping this result", card_id, card.worker_id)
            session.rollback()
            return None
        service.record_result(card, reading)
        corrections.apply_to_card(session, card)
        card.worker_id = None
        card.lease_expires_at = None
        threshold = service.review_threshold(session, card.organization_id, settings_of(app))
        status = "needs_review"
        if card.contact_id is not None:  # reprocessed after confirmation: the contact stays as it is
            status = "completed"
        elif service.is_confident(card, threshold):
            try:
                with session.begin_nested():
                    confirm_card(session, card_id, confirmed_by=None)
                status = "completed"
            except MeishiError as e:
                card.warnings = [*card.warnings, f"not confirmed automatically: {e.detail}"]
        card.status = status
        service.card_changed(
            session,
            card,
            Operation.PROCESSED,
            actor_id=None,
            data={
                "status": status,
                "pipeline_version": reading.pipeline_version,
                "ocr_seconds": reading.seconds,
            },
        )
        session.commit()
        return status


def process_card(app: Flask, card_id: str, config: WorkerConfig) -> str | None:
    """Process a card this worker has claimed; return its new status (None if the lease was lost)."""
    from ocr.errors import IntakeError

    factory = session_factory(app)
    with factory() as session:
        card = session.get(Card, card_id)
        if card is None or not _holds_lease(card, config):
            return None
        session.expunge(card)
    try:
        with Heartbeat(factory, card_id, config):
            reading = _scan(app, card, config)
        return _finish(app, factory, card_id, config, reading)
    except IntakeError as e:
        _retry_or_fail(factory, card_id, config, f"{e.type}: {e.detail}", permanent=True)
    except Exception as e:  # anything else may be transient (engine timeout, database, storage): retry
        log.warning("card %s failed: %s", card_id, e, exc_info=True)
        _retry_or_fail(factory, card_id, config, f"{type(e).__name__}: {e}", permanent=False)
    return None


def process_one(app: Flask, config: WorkerConfig | None = None, card_id: str | None = None) -> str | None:
    """Claim and process one card (``card_id`` or the oldest due one); return its id, or None if none."""
    config = config or WorkerConfig()
    claimed = claim(session_factory(app), config, card_id)
    if claimed is None:
        return None
    with app.app_context():
        process_card(app, claimed, config)
    return claimed
