"""A real HTTP receiver for webhook deliveries, and an app that may deliver to it on loopback.

Deliveries to loopback are refused by default (SSRF); these tests' receivers listen on 127.0.0.1, so their
app allows that range explicitly, as an operator would with MEISHI_WEBHOOK_ALLOW_CIDRS.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from contacts import migrate
from contacts.app import create_app
from tests.conftest import UNLIMITED

LOOPBACK_ALLOWED = {"webhook_allow_cidrs": ("127.0.0.0/8",), "webhook_timeout_seconds": 3.0}


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The shared test database's app, allowed to deliver to receivers on loopback."""
    app = create_app(
        {
            "database_url": database_url,
            "storage_dir": tmp_path_factory.mktemp("images"),
            "queue": "none",
            **UNLIMITED,
            **LOOPBACK_ALLOWED,
        }
    )
    app.config["TESTING"] = True
    yield app
    app.extensions["meishi.engine"].dispose()


class Receiver:
    """A local HTTP server that records deliveries and answers with the next queued status (default 200)."""

    def __init__(self) -> None:
        self.deliveries: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if status in (301, 302, 307, 308):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def changes(self, i: int = -1) -> list[dict[str, Any]]:
        return json.loads(self.deliveries[i]["body"])["changes"]  # type: ignore[no-any-return]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


class SlowReceiver(Receiver):
    """A receiver that answers only when released (or after ``hold`` seconds)."""

    def __init__(self, hold: float = 30.0) -> None:
        self.release = threading.Event()
        self.hold = hold
        super().__init__()
        inner = self.server.RequestHandlerClass
        receiver = self

        class Slow(inner):  # type: ignore[valid-type,misc]
            def do_POST(self) -> None:
                receiver.release.wait(receiver.hold)
                super().do_POST()

        self.server.RequestHandlerClass = Slow


class GarbageReceiver:
    """A TCP server on loopback that answers every connection with a line that is not HTTP."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(65536)
                    conn.sendall(b"SSH-2.0-OpenSSH_9.6 not http at all\r\n")
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def garbage_receiver() -> Iterator[GarbageReceiver]:
    r = GarbageReceiver()
    yield r
    r.close()


def fresh_app(tmp_path: Path, **config: object) -> Flask:
    """An app on a database of its own, so that a delivery pass over every organisation sees only this test's."""
    url = f"sqlite:///{tmp_path / 'hooks.db'}"
    migrate.upgrade(url)
    return create_app(
        {
            "database_url": url,
            "storage_dir": tmp_path / "images",
            "queue": "none",
            **LOOPBACK_ALLOWED,
            **config,
        }
    )
