"""Background threads that live in the serving process: the embedded card pool and webhook delivery."""

from __future__ import annotations

import os
import threading

from flask import Flask


def serving_from_cli() -> bool:
    """Tell whether the app is being created by `meishi run` in the process that will serve requests.

    Flask's reloader runs the command twice: the watcher (which never serves) and a child with
    WERKZEUG_RUN_MAIN set; only the child (or the single process without the reloader) counts.
    """
    import click
    from flask.helpers import get_debug_flag

    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run":
        return False
    reload = ctx.params.get("reload")
    if reload is None:
        reload = get_debug_flag()
    return not reload or os.environ.get("WERKZEUG_RUN_MAIN") == "true"


class ServingThreads:
    """Daemon threads started once in each process (threads do not survive a fork, so a forked server
    starts its own). Subclasses say which threads to start; ``_stop`` tells them to finish."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._threads: list[threading.Thread] = []

    def ensure_started(self) -> None:
        """Start the threads unless this process already runs them."""
        if self._pid == os.getpid():  # the common case, on every request: no lock
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._stop.clear()
            self._threads = self._start_threads()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the threads to finish their current work and exit; a later ``ensure_started`` starts anew."""
        self._stop.set()
        self._interrupt()
        for thread in self._threads:
            thread.join(timeout)
        self._pid = None

    def _start_threads(self) -> list[threading.Thread]:
        raise NotImplementedError

    def _interrupt(self) -> None:
        """Wake threads that sleep on something other than ``_stop``."""


def lower_cpu_priority(nice: int) -> None:
    """Run the calling thread (and the processes it starts) at ``nice``, so request handling comes first.

    On Linux the nice value belongs to each thread, so an OCR thread can yield to the request threads of
    the same process; Tesseract subprocesses inherit it. Only ever lowers the priority.
    """
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    tid = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
    except OSError:  # not permitted here (a sandbox); run at the normal priority
        pass


def start_with_the_server(app: Flask, threads: ServingThreads) -> None:
    """Start ``threads`` in the process that serves requests: at once under `meishi run`, and when the WSGI
    entry point loads the app (each gunicorn worker, see ``start_serving_threads``); a process that forks
    after that starts them on its first request. Never in the reloader's watcher, in other CLI commands or
    when the app is merely created."""
    app.extensions.setdefault("meishi.serving_threads", []).append(threads)
    app.before_request(threads.ensure_started)
    if serving_from_cli():
        threads.ensure_started()


def start_serving_threads(app: Flask) -> None:
    """Start the app's serving threads in this process now (queued cards are processed without a request)."""
    for threads in app.extensions.get("meishi.serving_threads", []):
        threads.ensure_started()


def stop_serving_threads(app: Flask, timeout: float | None = None) -> None:
    """Stop every serving thread of the app in this process (card pool, webhook and import runners)."""
    for threads in app.extensions.get("meishi.serving_threads", []):
        threads.stop(timeout)
