"""Production serving with gunicorn: threaded workers, request limits, and problem+json for gunicorn's own errors.

Threaded workers (gthread) keep answering while some connections are slow: a connection occupies a thread only
once it has sent data, each worker has ``threads`` of them, and the workers' main loops stay free, so a slow
request never gets a worker killed by the arbiter's timeout. Gunicorn answers malformed requests itself (a
request line or header over the limits, a bad header) before the app sees them; the worker class below makes
those answers RFC 9457 problem+json like every other error, and drops a connection whose headers take longer
than ``MEISHI_HEADER_TIMEOUT``. A flood of slow connections (many more than ``workers * threads``) still
needs a reverse proxy in front; see the README.

With the embedded card queue, OCR runs in one `meishi worker` process beside the serving workers (started,
restarted and stopped by gunicorn's arbiter through ``contacts.serve_hooks``), not in threads of the workers:
a thread running OCR's Python holds its process's GIL, and every request thread of that process waits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from contacts.config import Settings
from contacts.errors import PROBLEM_BASE

DEFAULT_THREADS = 8
WORKER_TIMEOUT_SECONDS = 30
KEEPALIVE_SECONDS = 5
# A kept-alive connection stays with the worker that accepted it. Clients that connect at once and stay
# (a proxy's pool, a load test) split unevenly between the workers, and the requests of the busier one queue
# for its GIL while the other idles. Closing a connection after this many requests lets its client reconnect,
# and the worker whose main loop gets the GIL first (the less busy one) accepts it.
REQUESTS_PER_CONNECTION = 50
LIMIT_REQUEST_LINE = 4094  # bytes of "METHOD /path?query HTTP/1.1"; longer gets 414
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190

_SLUGS = {
    400: "bad-request",
    403: "forbidden",
    414: "uri-too-long",
    417: "expectation-failed",
    431: "request-header-fields-too-large",
    500: "internal",
    501: "not-implemented",
}


log = logging.getLogger(__name__)


def problem_bytes(status: int, reason: str, detail: str) -> bytes:
    """Return a complete HTTP/1.1 response carrying a problem+json body."""
    body = json.dumps(
        {
            "type": PROBLEM_BASE + _SLUGS.get(status, "http-error"),
            "title": reason,
            "status": status,
            "detail": detail or reason,
        },
        ensure_ascii=False,
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
        f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\n"
        "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Answer a request gunicorn refused by itself with problem+json (replaces gunicorn's HTML page)."""
    util.write_nonblock(sock, problem_bytes(status_int, reason, mesg[:500]))


def _drop(conn: Any) -> None:
    with contextlib.suppress(OSError):
        conn.sock.shutdown(socket.SHUT_RDWR)


class HeaderDeadlines:
    """Drop connections whose request line and headers have not all arrived in time.

    One watcher thread serves all of a worker's connections, waking a few times a second; a connection is
    watched from the moment a thread takes it until its headers are in. (A timer thread per request, as
    before, started and stopped an OS thread on every request.) A late connection is dropped within
    ``timeout + tick`` seconds.
    """

    def __init__(self, timeout: float, *, tick: float | None = None) -> None:
        self.timeout = timeout
        self.tick = tick if tick is not None else max(0.05, min(0.5, timeout / 4))
        self._lock = threading.Lock()
        self._due: dict[int, tuple[float, Any]] = {}
        self._watcher: threading.Thread | None = None

    def watch(self, conn: Any) -> None:
        """Start the clock of ``conn``: its headers are due within the timeout."""
        with self._lock:
            self._due[id(conn)] = (time.monotonic() + self.timeout, conn)
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._run, name="header-deadlines", daemon=True)
                self._watcher.start()

    def release(self, conn: Any) -> None:
        """Stop the clock of ``conn`` (its headers are in, or its thread is done with it)."""
        with self._lock:
            self._due.pop(id(conn), None)

    def watched(self) -> int:
        """Return how many connections are being watched."""
        with self._lock:
            return len(self._due)

    def drop_late(self, now: float | None = None) -> int:
        """Drop every connection past its deadline; return how many."""
        now = time.monotonic() if now is None else now
        with self._lock:
            late = [(key, conn) for key, (due, conn) in self._due.items() if due <= now]
            for key, _ in late:
                del self._due[key]
        for _, conn in late:
            _drop(conn)
        return len(late)

    def _run(self) -> None:
        while True:
            time.sleep(self.tick)
            try:
                self.drop_late()
            except Exception:  # the watcher must outlive any one connection it fails to drop
                log.exception("could not drop a connection whose headers were late")


class ProblemThreadWorker(ThreadWorker):
    """gunicorn's threaded worker, answering its own errors with problem+json and timing out slow headers.

    A request whose line and headers have not all arrived within ``MEISHI_HEADER_TIMEOUT`` seconds loses its
    connection, so a client trickling header bytes holds a thread for that long at most.
    """

    header_deadlines = HeaderDeadlines(10.0)

    def init_process(self) -> None:
        # gunicorn has no hook for the body of its error answers: its handle_error calls util.write_error,
        # so this worker process swaps that one function (the arbiter is untouched).
        util.write_error = write_problem
        self.header_deadlines = HeaderDeadlines(Settings.from_env().header_timeout_seconds)
        super().init_process()

    def handle(self, conn: Any) -> Any:
        self.header_deadlines.watch(conn)
        try:
            return super().handle(conn)
        finally:
            self.header_deadlines.release(conn)

    def handle_request(self, req: Any, conn: Any) -> Any:
        # the headers are in: the app reads the body under its own limits
        self.header_deadlines.release(conn)
        served = conn.meishi_served = getattr(conn, "meishi_served", 0) + 1
        if served >= REQUESTS_PER_CONNECTION:
            req.must_close = True  # answered with "Connection: close"; see REQUESTS_PER_CONNECTION
        return super().handle_request(req, conn)


class CardWorker:
    """The `meishi worker` process that runs OCR for the serving workers, restarted whenever it exits.

    Run from gunicorn's arbiter: the arbiter reaps every child it has, so a watcher thread polls the process
    (``poll()`` then reports it gone) and starts it again after a pause that doubles up to 30 s. The worker is
    told the arbiter's pid and exits by itself if the arbiter dies without stopping it.
    """

    def __init__(self, argv: list[str], *, first_delay: float = 1.0, max_delay: float = 30.0) -> None:
        self.argv = argv
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.process: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        """Start the process and its watcher."""
        self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="card-worker-watcher", daemon=True)
        self._watcher.start()

    def _spawn(self) -> None:
        self.process = subprocess.Popen(self.argv)
        log.info("card worker started (pid %d)", self.process.pid)

    def _watch(self) -> None:
        delay = self.first_delay
        while not self._stop.wait(1.0):
            if self.process is None or self.process.poll() is None:
                delay = self.first_delay
                continue
            log.warning("card worker (pid %d) exited; starting another in %.0f s", self.process.pid, delay)
            if self._stop.wait(delay):
                return
            try:
                self._spawn()
            except OSError:
                log.exception("could not start the card worker")
            delay = min(self.max_delay, delay * 2)

    def stop(self, timeout: float = 20.0) -> None:
        """Ask the process to finish its current cards and exit; kill it after ``timeout`` seconds."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(5)
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def card_worker_argv(parent_pid: int) -> list[str]:
    """Return the command line of the card worker of a `meishi serve` whose arbiter is ``parent_pid``."""
    return [sys.executable, "-m", "contacts.cli", "worker", "--parent-pid", str(parent_pid)]


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    """Return the command line that serves the app with the settings this module documents."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--config",
        "python:contacts.serve_hooks",
        "--worker-class",
        "contacts.serve.ProblemThreadWorker",
        "--threads",
        str(threads),
        "--timeout",
        str(WORKER_TIMEOUT_SECONDS),
        "--keep-alive",
        str(KEEPALIVE_SECONDS),
        "--limit-request-line",
        str(LIMIT_REQUEST_LINE),
        "--limit-request-fields",
        str(LIMIT_REQUEST_FIELDS),
        "--limit-request-field_size",
        str(LIMIT_REQUEST_FIELD_SIZE),
        "contacts.wsgi:app",
    ]


def exec_gunicorn(argv: list[str]) -> None:
    """Replace this process with gunicorn (through this interpreter, so a venv's gunicorn is found)."""
    os.execv(sys.executable, argv)
