"""OCR threads run at a lower CPU priority than request handling (issue 15, item 11)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from contacts import migrate
from contacts.app import create_app
from contacts.cards.queue import EmbeddedPool, queue_of


def _nice_of(thread: threading.Thread) -> int:
    assert thread.native_id is not None
    return os.getpriority(os.PRIO_PROCESS, thread.native_id)


def test_the_embedded_pool_threads_run_niced_and_request_threads_do_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nice.db'}"
    migrate.upgrade(url)
    app = create_app(
        {
            "database_url": url,
            "storage_dir": tmp_path / "images",
            "queue": "embedded",
            "workers": 1,
            "webhooks": "off",
            "worker_nice": 7,
        }
    )
    pool = queue_of(app)
    assert isinstance(pool, EmbeddedPool)
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    pool.ensure_started()
    try:
        [worker] = [t for t in threading.enumerate() if t.name.startswith("card-worker-")]
        deadline = time.monotonic() + 10
        while _nice_of(worker) < 7 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _nice_of(worker) == 7
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before
    finally:
        pool.stop(timeout=10)
