"""Card commands: `meishi worker` (process cards) and `meishi import-cards` (upload a folder)."""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from contacts.background import lower_cpu_priority
from contacts.cards import intake, service
from contacts.cards.queue import EmbeddedPool, queue_of, run_redis_worker
from contacts.cards.schemas import CardUploadForm
from contacts.cards.worker import LEASE_SECONDS, EngineFactory, WorkerConfig, process_one
from contacts.config import settings_of
from contacts.db import new_id, session_factory
from contacts.errors import MeishiError
from contacts.provenance import Actor
from contacts.storage import storage_of

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif"}
WAIT_POLL_SECONDS = 0.5


def _engine_factory(spec: str | None) -> EngineFactory | None:
    if not spec:
        return None
    module, _, name = spec.partition(":")
    try:
        factory = getattr(importlib.import_module(module), name or "make_engine")
    except (ImportError, AttributeError) as e:
        raise click.BadParameter(f"cannot load {spec!r}: {e}", param_hint="--engine") from e
    return factory


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handle(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop


def _stop_with_parent(stop: threading.Event, parent_pid: int) -> None:
    """Set ``stop`` once ``parent_pid`` is no longer this process's parent (it died: we were re-parented)."""

    def watch() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent_pid:
                stop.set()

    threading.Thread(target=watch, name="parent-watcher", daemon=True).start()


@click.command("worker")
@click.option("--threads", type=int, default=None, help="Cards processed at once (default: MEISHI_WORKERS).")
@click.option(
    "--lease-seconds",
    type=float,
    default=LEASE_SECONDS,
    show_default=True,
    help="How long a claimed card stays this worker's without a heartbeat.",
)
@click.option(
    "--namespace", default=None, help="Redis key namespace (default: MEISHI_QUEUE_NAMESPACE, meishi)."
)
@click.option(
    "--engine",
    "engine_spec",
    default=None,
    help="module:callable returning an OCR engine (another binding, or a test engine).",
)
@click.option("--parent-pid", type=int, default=None, hidden=True, help="Exit when this process is gone.")
@with_appcontext
def worker_command(
    threads: int | None,
    lease_seconds: float,
    namespace: str | None,
    engine_spec: str | None,
    parent_pid: int | None,
) -> None:
    """Process cards: from Redis with MEISHI_QUEUE=redis, else by polling the database."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = settings_of(app)
    namespace = namespace or settings.queue_namespace
    config = WorkerConfig(lease_seconds=lease_seconds, engine_factory=_engine_factory(engine_spec))
    count = threads or settings.workers
    stop = _stop_on_signals()
    if parent_pid is not None:
        _stop_with_parent(stop, parent_pid)
    # The whole process, before it starts any thread: threads inherit the nice value of the thread that
    # starts them, so the recognizer's own thread pools run niced too.
    lower_cpu_priority(settings.worker_nice)
    click.echo(f"meishi worker {config.worker_id}: {count} threads, queue {settings.queue}", err=True)
    if settings.queue == "redis":
        run_redis_worker(
            app,
            threads=count,
            config=config,
            namespace=namespace,
            sweep_seconds=max(0.5, min(5.0, lease_seconds / 2)),
            stop=stop,
        )
        return
    pool = EmbeddedPool(app, threads=count, config=config)
    pool.ensure_started()
    stop.wait()
    pool.stop()


def _collect(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise click.UsageError(f"no such file or directory: {path}")
    return files


def _resolve(
    session: Any, org_ref: str, user_email: str, event_name: str | None, *, create_event: bool = False
) -> tuple[str, str, str | None]:
    from contacts.auth.models import Organization, User
    from contacts.events.models import Event
    from contacts.events.schemas import EventCreate
    from contacts.events.service import create_event as make_event

    orgs = list(
        session.scalars(
            select(Organization).where((Organization.id == org_ref) | (Organization.name == org_ref))
        )
    )
    if len(orgs) != 1:
        raise click.ClickException(
            f"--org {org_ref!r} names {'no' if not orgs else 'more than one'} organisation"
        )
    org = orgs[0]
    user = session.scalar(
        select(User).where(User.organization_id == org.id, User.email == user_email, User.active.is_(True))
    )
    if user is None:
        raise click.ClickException(f"--user {user_email!r} is not an active user of {org.name}")
    event_id = None
    if event_name:
        event = session.scalar(select(Event).where(Event.organization_id == org.id, Event.name == event_name))
        if event is None and create_event:
            try:
                data = EventCreate(name=event_name)
            except ValueError as e:
                raise click.UsageError(f"--event {event_name!r} cannot name an event") from e
            event = make_event(session, Actor(organization_id=org.id, user_id=user.id), data)
            session.commit()
        if event is None:
            raise click.ClickException(
                f"--event {event_name!r} is not an event of {org.name}; add --create-event to create it"
            )
        event_id = event.id
    return org.id, user.id, event_id


def _wait(app: Flask, org_id: str, batch_id: str, total: int, *, inline: bool) -> dict[str, int]:
    """Wait for the batch to be processed (inline or by workers), showing a progress bar on a terminal."""
    from tqdm import tqdm

    factory = session_factory(app)
    bar = tqdm(total=total, unit="card", disable=not sys.stderr.isatty(), file=sys.stderr)
    done = 0
    config = WorkerConfig()
    while True:
        with factory() as session:
            summary = service.batch_summary(session, org_id, batch_id)
        finished = summary.completed + summary.needs_review + summary.failed
        bar.update(finished - done)
        done = finished
        if finished >= summary.total:
            break
        if inline:
            process_one(app, config)
        else:
            time.sleep(WAIT_POLL_SECONDS)
    bar.close()
    return summary.model_dump()


@click.command("import-cards")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--org", "org_ref", required=True, help="Organisation id or name.")
@click.option("--user", "user_email", required=True, help="Email of the user who exchanged the cards.")
@click.option("--event", "event_name", default=None, help="Name of the event where the cards were exchanged.")
@click.option(
    "--create-event", is_flag=True, help="Create the --event when the organisation has none of that name."
)
@click.option("--tag", "tags", multiple=True, help="Tag for every contact (repeatable).")
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until the cards are processed.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
def import_cards_command(
    paths: tuple[Path, ...],
    org_ref: str,
    user_email: str,
    event_name: str | None,
    create_event: bool,
    tags: tuple[str, ...],
    wait: bool,
    as_json: bool,
) -> None:
    """Upload card images from folders or files through the same path as the API, then summarise."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    settings = settings_of(app)
    files = _collect(paths)
    if not files:
        raise click.UsageError("no card images found (jpg, jpeg, png, webp, heic)")
    factory = session_factory(app)
    with factory() as session:
        org_id, user_id, event_id = _resolve(
            session, org_ref, user_email, event_name, create_event=create_event
        )
    form = CardUploadForm(event_id=event_id, tags=list(tags))
    actor = Actor(organization_id=org_id, user_id=user_id)
    storage = storage_of(app)
    batch_id = new_id()
    bad = 0
    created = 0
    pending: list[str] = []
    for i, path in enumerate(files):
        upload = intake.Upload.of_bytes("front", i, path.name, path.read_bytes())
        try:
            pending.append(
                intake.store(
                    storage, upload, max_bytes=settings.max_upload_bytes, max_pixels=settings.max_image_pixels
                )
            )
        except MeishiError as e:
            bad += 1
            click.echo(f"error: {path}: {e.detail.split(': ', 1)[-1]}", err=True)
        if len(pending) >= settings.max_batch_files or (i == len(files) - 1 and pending):
            with factory() as session:
                service.create_cards(
                    session,
                    actor,
                    images=[(k, None) for k in pending],
                    form=form,
                    batch_id=batch_id,
                    may_create_tags=True,
                )
                session.commit()
            created += len(pending)
            pending = []
    summary: dict[str, Any] = {"batch_id": batch_id, "cards": created, "refused": bad}
    if created and wait:
        # Embedded: the app's pool started when the cards were committed; none: process right here.
        summary.update(_wait(app, org_id, batch_id, created, inline=settings.queue == "none"))
    pool = queue_of(app)
    if isinstance(pool, EmbeddedPool):
        pool.stop()
    if as_json:
        click.echo(json.dumps(summary))
    else:
        line = f"batch {batch_id}: {created} cards"
        if created and wait:
            line += (
                f": {summary['completed']} completed, {summary['needs_review']} need review, "
                f"{summary['failed']} failed"
            )
        click.echo(line + (f"; {bad} files refused" if bad else ""))
    if bad or not created:
        sys.exit(1)


@click.command("reprocess-cards")
@click.option("--org", "org_ref", default=None, help="Only this organisation (id or name).")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(service.REPROCESSABLE),
    help="Only cards in this state (repeatable; default: all processed cards).",
)
@click.option(
    "--outdated", is_flag=True, help="Only cards read by another OCR pipeline version than this one."
)
@with_appcontext
def reprocess_cards_command(org_ref: str | None, statuses: tuple[str, ...], outdated: bool) -> None:
    """Queue processed cards for OCR again, e.g. after a pipeline upgrade (their contacts stay linked)."""
    from contacts.auth.models import Organization
    from contacts.cards.models import Card
    from ocr import PIPELINE_VERSION

    with session_factory(current_app)() as session:
        stmt = select(Card).where(Card.status.in_(statuses or service.REPROCESSABLE))
        if org_ref:
            org = session.scalar(
                select(Organization).where((Organization.id == org_ref) | (Organization.name == org_ref))
            )
            if org is None:
                raise click.ClickException(f"--org {org_ref!r} names no organisation")
            stmt = stmt.where(Card.organization_id == org.id)
        if outdated:
            stmt = stmt.where((Card.pipeline_version.is_(None)) | (Card.pipeline_version != PIPELINE_VERSION))
        cards = list(session.scalars(stmt.order_by(Card.id)))
        for card in cards:
            service.request_reprocess(
                session, Actor(organization_id=card.organization_id, user_id=None), card
            )
        session.commit()
    click.echo(f"queued {len(cards)} cards for OCR again")
