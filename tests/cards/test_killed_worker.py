"""A `meishi worker` killed with SIGKILL mid-card loses nothing: another worker finishes it, one contact.

Runs real worker processes on PostgreSQL and Redis. Redis missing is a skip locally and a failure in CI.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from contacts import migrate
from contacts.app import create_app
from contacts.cards.models import Card
from contacts.cards.queue import RedisQueue
from contacts.config import settings_of
from contacts.db import session_factory
from contacts.people.models import Contact
from contacts.touchpoints.models import Touchpoint
from tests.cards.conftest import image, set_threshold, upload
from tests.conftest import REPO, make_org
from tests.dbs import backends, require_postgres, temporary_database

REDIS_URL = os.environ.get("MEISHI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MEISHI = Path(sys.executable).with_name("meishi")


def require_redis() -> None:
    """Skip when Redis is unreachable, except in CI, where that is a failure."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as e:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis is required in CI but unreachable at {REDIS_URL}: {e}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}")


def _wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def own_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a database of its own: workers sweep every claimable card, and other tests leave some."""
    if "postgresql" not in backends():
        pytest.skip("PostgreSQL not selected")
    require_postgres()
    require_redis()
    with temporary_database("postgresql", tmp_path) as url:
        migrate.upgrade(url)
        app = create_app({"database_url": url, "storage_dir": tmp_path / "images", "queue": "none"})
        yield app
        app.extensions["meishi.engine"].dispose()


@pytest.fixture
def workers(own_app: Flask, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start `meishi worker` processes on this test's Redis namespace; stop them all afterwards."""
    app = own_app
    database_url = settings_of(app).database_url
    namespace = f"meishi-test-{uuid.uuid4().hex[:8]}"
    started: list[subprocess.Popen[bytes]] = []

    def start(delay: float) -> subprocess.Popen[bytes]:
        env = dict(
            os.environ,
            MEISHI_DATABASE_URL=database_url,
            MEISHI_QUEUE="redis",
            MEISHI_REDIS_URL=REDIS_URL,
            MEISHI_STORAGE_DIR=str(settings_of(app).storage_dir),
            MEISHI_TEST_OCR_DELAY=str(delay),
            PYTHONPATH=str(REPO),
        )
        log = (tmp_path / f"worker-{len(started)}.log").open("wb")
        proc = subprocess.Popen(
            [
                str(MEISHI),
                "worker",
                "--threads",
                "1",
                "--lease-seconds",
                "2",
                "--namespace",
                namespace,
                "--engine",
                "tests.cards.engines:slow",
            ],
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(proc)
        return proc

    start.namespace = namespace  # type: ignore[attr-defined]
    yield start
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    for log in sorted(tmp_path.glob("worker-*.log")):
        sys.stderr.write(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}\n")


def test_card_survives_a_worker_killed_mid_card_and_yields_one_contact(
    own_app: Flask, workers: Callable[..., subprocess.Popen[bytes]]
) -> None:
    org = make_org(own_app)
    set_threshold(org.app, org.organization_id, 0.0)
    card_id = upload(org, [("front", "a.jpg", image("scans/0008.jpg"))]).get_json()["cards"][0]["id"]
    RedisQueue(REDIS_URL, namespace=workers.namespace).enqueue([card_id])  # type: ignore[attr-defined]
    factory = session_factory(org.app)

    def card() -> Card:
        with factory() as session:
            row = session.get(Card, card_id)
            assert row is not None
            return row

    first = workers(delay=60)
    _wait_for(lambda: card().status == "processing", 60, "the first worker to claim the card")
    assert card().worker_id is not None and str(first.pid) in (card().worker_id or "")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert card().status == "processing"  # left mid-card, with a lease nobody renews

    workers(delay=0)
    _wait_for(
        lambda: card().status in ("completed", "needs_review", "failed"), 90, "another worker to finish it"
    )
    done = card()
    assert done.status == "completed", done.error
    assert done.attempts == 2 and done.contact_id is not None

    # Another message for the same card (as a redelivery would be) changes nothing.
    RedisQueue(REDIS_URL, namespace=workers.namespace).enqueue([card_id])  # type: ignore[attr-defined]
    time.sleep(2)
    with factory() as session:
        contacts = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.organization_id == org.organization_id)
        )
        touches = session.scalar(
            select(func.count())
            .select_from(Touchpoint)
            .where(Touchpoint.organization_id == org.organization_id)
        )
    assert (contacts, touches) == (1, 1)
    assert card().attempts == 2 and card().contact_id == done.contact_id
