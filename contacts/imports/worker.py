"""Running import commits: a thread in the serving process, or `meishi imports work` beside it.

Every runner claims an import with a lease (:func:`contacts.imports.commit.claim`), so an import is applied by
one runner at a time, and one whose runner died is resumed by the next once the lease runs out.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from contacts.background import ServingThreads, start_with_the_server
from contacts.db import session_factory
from contacts.imports.commit import new_worker_id, pending_imports, run_import

log = logging.getLogger(__name__)
IDLE_SECONDS = 2.0


def run_pending(app: Flask, *, worker: str | None = None) -> list[str]:
    """Apply every committing import no live runner holds; return their ids."""
    factory = session_factory(app)
    worker = worker or new_worker_id()
    with factory() as session:
        ids = pending_imports(session)
    for import_id in ids:
        run_import(factory, import_id, worker=worker)
    return ids


class ImportRunner(ServingThreads):
    """A daemon thread that commits pending imports, woken by a commit request or every few seconds."""

    def __init__(self, app: Flask, *, interval: float = IDLE_SECONDS) -> None:
        super().__init__()
        self.app = app
        self.interval = interval
        self._wake = threading.Event()

    def wake(self) -> None:
        """Look for pending imports now (called after a commit request)."""
        self._wake.set()

    def _start_threads(self) -> list[threading.Thread]:
        thread = threading.Thread(target=self._run, name="meishi-imports", daemon=True)
        thread.start()
        return [thread]

    def _interrupt(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        worker = new_worker_id()
        while not self._stop.is_set():
            try:
                run_pending(self.app, worker=worker)
            except Exception:  # a runner outlives a bad pass (database restart, ...); the lease makes it safe
                log.exception("committing imports failed")
            self._wake.wait(self.interval)
            self._wake.clear()


class NoRunner:
    """No thread: imports are committed by `meishi imports work` (or, in tests, by ``run_pending``)."""

    def wake(self) -> None:
        """Nothing to wake."""


def init_app(app: Flask, *, embedded: bool) -> None:
    """Run import commits in the serving process when ``embedded``."""
    if embedded:
        runner = ImportRunner(app)
        app.extensions["meishi.import_worker"] = runner
        start_with_the_server(app, runner)
    else:
        app.extensions["meishi.import_worker"] = NoRunner()
