"""Where card ids go after upload: an in-process worker pool (embedded) or a Redis queue (Dramatiq).

The queue only carries card ids; the card row is the truth. Ids are sent after the transaction that made
the cards claimable commits. A lost message costs nothing but time: the embedded pool polls the database,
and the Redis worker's sweeper resends queued cards whose message was never taken and cards whose worker
died (lease expired).
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta
from typing import Any, Protocol

from flask import Flask
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session

from contacts.background import ServingThreads, lower_cpu_priority, start_with_the_server
from contacts.cards.models import Card
from contacts.cards.service import ENQUEUE_KEY
from contacts.cards.worker import WorkerConfig, process_one
from contacts.config import ConfigError, settings_of
from contacts.db import session_factory, utcnow

log = logging.getLogger(__name__)

QUEUE_NAME = "cards"
ACTOR_NAME = "process_card"
DEFAULT_NAMESPACE = "meishi"
POLL_SECONDS = 1.0
IDLE_POLL_MS = 200


class CardQueue(Protocol):
    """Something that gets committed card ids to a worker."""

    def enqueue(self, card_ids: list[str]) -> None:
        """Hand the ids to workers (never raises: the database keeps the truth)."""
        ...


class NullQueue:
    """No background processing (tests and scripts call the worker themselves)."""

    def enqueue(self, card_ids: list[str]) -> None:
        """Do nothing."""


class PolledByWorker:
    """The embedded queue's pool runs in a separate `meishi worker` process, which polls the database."""

    def enqueue(self, card_ids: list[str]) -> None:
        """Do nothing: the worker process finds committed cards on its next poll."""


class EmbeddedPool(ServingThreads):
    """Worker threads in this process that poll the database for claimable cards.

    OCR runs Tesseract as a subprocess and OpenCV releases the GIL, so threads use several cores. The pool
    starts once per process (a forked or reloaded server starts its own; the reloader's parent none).
    """

    def __init__(
        self,
        app: Flask,
        *,
        threads: int,
        config: WorkerConfig | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        super().__init__()
        self.app = app
        self.threads = max(1, threads)
        self.base_config = config or WorkerConfig()
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()

    def enqueue(self, card_ids: list[str]) -> None:
        """Wake the pool (starting it in this process if needed)."""
        self.ensure_started()
        self._wake.set()

    def _start_threads(self) -> list[threading.Thread]:
        workers = []
        for i in range(self.threads):
            config = WorkerConfig(
                worker_id=f"{self.base_config.worker_id}-{os.getpid()}-{i}",
                lease_seconds=self.base_config.lease_seconds,
                max_attempts=self.base_config.max_attempts,
                backoff_seconds=self.base_config.backoff_seconds,
                engine_factory=self.base_config.engine_factory,
            )
            thread = threading.Thread(target=self._run, args=(config,), name=f"card-worker-{i}", daemon=True)
            thread.start()
            workers.append(thread)
        log.info("embedded card pool: %d worker threads", self.threads)
        return workers

    def _interrupt(self) -> None:
        self._wake.set()

    def _run(self, config: WorkerConfig) -> None:
        lower_cpu_priority(settings_of(self.app).worker_nice)
        while not self._stop.is_set():
            try:
                done = process_one(self.app, config)
            except Exception:  # keep the pool alive; the card's lease brings it back
                log.exception("card worker error")
                done = None
            if done is None:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()


class RedisQueue:
    """Send card ids to the Dramatiq actor on Redis."""

    def __init__(self, url: str, *, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.url = url
        self.namespace = namespace
        self._broker: Any = None

    @property
    def broker(self) -> Any:
        """Return the Dramatiq Redis broker, created on first use."""
        if self._broker is None:
            self._broker = make_broker(self.url, self.namespace)
        return self._broker

    def enqueue(self, card_ids: list[str]) -> None:
        """Send one message per id; on failure the sweeper resends later."""
        from dramatiq import Message

        try:
            for card_id in card_ids:
                self.broker.enqueue(
                    Message(
                        queue_name=QUEUE_NAME, actor_name=ACTOR_NAME, args=(card_id,), kwargs={}, options={}
                    )
                )
        except Exception:
            log.warning("could not enqueue cards %s; the sweeper will resend them", card_ids, exc_info=True)


def make_broker(url: str, namespace: str = DEFAULT_NAMESPACE) -> Any:
    """Build a Dramatiq Redis broker whose messages are acknowledged only after the actor returns."""
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.middleware import ShutdownNotifications, TimeLimit

    # No Retries middleware: retries and backoff live in the card row, where they survive any worker.
    return RedisBroker(
        url=url, namespace=namespace, middleware=[TimeLimit(time_limit=3_600_000), ShutdownNotifications()]
    )


def queue_of(app: Flask) -> CardQueue:
    """Return the app's card queue."""
    queue: CardQueue = app.extensions["meishi.card_queue"]
    return queue


def init_app(
    app: Flask,
    *,
    queue: str,
    redis_url: str,
    workers: int,
    namespace: str = DEFAULT_NAMESPACE,
    card_pool: str = "threads",
) -> None:
    """Choose the card queue from settings and send ids after each commit that created or requeued cards."""
    if card_pool not in ("threads", "process"):
        raise ConfigError(f"MEISHI_CARD_POOL must be threads or process, not {card_pool!r}")
    chosen: CardQueue
    if queue == "embedded" and card_pool == "process":
        chosen = PolledByWorker()
    elif queue == "embedded":
        pool = EmbeddedPool(app, threads=workers)
        chosen = pool
        start_with_the_server(app, pool)
    elif queue == "redis":
        chosen = RedisQueue(redis_url, namespace=namespace)
    elif queue == "none":
        chosen = NullQueue()
    else:
        raise ConfigError(f"MEISHI_QUEUE must be embedded, redis or none, not {queue!r}")
    app.extensions["meishi.card_queue"] = chosen
    factory = session_factory(app)

    @event.listens_for(factory, "after_commit")
    def _send(session: Session) -> None:
        ids = session.info.pop(ENQUEUE_KEY, None)
        if ids:
            chosen.enqueue(list(ids))

    @event.listens_for(factory, "after_soft_rollback")
    def _forget(session: Session, _previous: Any) -> None:
        session.info.pop(ENQUEUE_KEY, None)


def sweep(app: Flask, queue: CardQueue, *, resend_after: float) -> list[str]:
    """Resend cards that are due but have no live message: lost sends, retries due, expired leases."""
    factory = session_factory(app)
    now = utcnow()
    stale = now - timedelta(seconds=resend_after)
    not_sent_since = or_(Card.enqueued_at.is_(None), Card.enqueued_at < stale)
    with factory() as session:
        ids = list(
            session.scalars(
                select(Card.id)
                .where(
                    or_(
                        and_(
                            Card.status == "queued",
                            or_(Card.next_attempt_at.is_(None), Card.next_attempt_at <= now),
                            not_sent_since,
                        ),
                        and_(
                            Card.status == "processing",
                            Card.lease_expires_at < now,
                            or_(Card.enqueued_at.is_(None), Card.enqueued_at < Card.lease_expires_at),
                        ),
                    )
                )
                .order_by(Card.created_at)
                .limit(500)
            )
        )
        if ids:
            session.execute(
                update(Card)
                .where(Card.id.in_(ids))
                .values(enqueued_at=now)
                .execution_options(synchronize_session=False)
            )
        session.commit()
    if ids:
        log.info("sweeper: resending %d cards", len(ids))
        queue.enqueue(ids)
    return ids


def run_redis_worker(
    app: Flask,
    *,
    threads: int,
    config: WorkerConfig,
    namespace: str = DEFAULT_NAMESPACE,
    sweep_seconds: float = 5.0,
    resend_after: float = 120.0,
    stop: threading.Event | None = None,
) -> None:
    """Consume card ids from Redis with Dramatiq threads and sweep the card table until ``stop`` is set."""
    import dramatiq

    stop = stop or threading.Event()
    queue = RedisQueue(settings_of(app).redis_url, namespace=namespace)
    broker = queue.broker

    def process(card_id: str) -> None:
        lower_cpu_priority(settings_of(app).worker_nice)
        thread_config = WorkerConfig(
            worker_id=f"{config.worker_id}-t{threading.get_ident()}",
            lease_seconds=config.lease_seconds,
            max_attempts=config.max_attempts,
            backoff_seconds=config.backoff_seconds,
            engine_factory=config.engine_factory,
        )
        process_one(app, thread_config, card_id)

    dramatiq.Actor(
        process, broker=broker, actor_name=ACTOR_NAME, queue_name=QUEUE_NAME, priority=0, options={}
    )
    # An idle consumer polls Redis with a growing pause capped by worker_timeout: keep it short so a single
    # card is picked up within a fraction of a second.
    worker = dramatiq.Worker(
        broker, queues={QUEUE_NAME}, worker_threads=max(1, threads), worker_timeout=IDLE_POLL_MS
    )
    worker.start()
    log.info(
        "card worker %s: %d threads on %s (namespace %s)",
        config.worker_id,
        threads,
        settings_of(app).redis_url,
        namespace,
    )
    try:
        while not stop.is_set():
            try:
                sweep(app, queue, resend_after=resend_after)
            except Exception:
                log.warning("sweep failed", exc_info=True)
            stop.wait(sweep_seconds)
    finally:
        worker.stop()
        broker.close()
