"""`meishi serve` under attack: slow connections, oversized and malformed requests (issue 15, items 5, 8, 14)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from contacts import migrate

MEISHI = str(Path(sys.executable).with_name("meishi"))
SECRET = "a-test-secret-that-is-not-the-default"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw_request(port: int, data: bytes, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes and read the answer until the server closes (after an error, or ``Connection: close``)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {
        k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
    }
    return int(lines[0].split()[1]), headers, body


def healthz(port: int, timeout: float) -> float:
    """GET /healthz on a fresh connection; return how long the answer took."""
    started = time.monotonic()
    status, _, body = raw_request(
        port, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", timeout
    )
    assert status == 200 and json.loads(body) == {"status": "ok"}
    return time.monotonic() - started


def serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEISHI_")}
    env.update(
        {
            "MEISHI_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
            "MEISHI_STORAGE_DIR": str(tmp_path),
            "MEISHI_QUEUE": "none",
            "MEISHI_WEBHOOKS": "off",
            **extra,
        }
    )
    return env


@contextmanager
def running_server(tmp_path: Path, *args: str, **env: str) -> Iterator[int]:
    """Run `meishi serve` on a free loopback port (with a fresh migrated database) and yield the port."""
    migrate.upgrade(f"sqlite:///{tmp_path / 'serve.db'}")
    port = free_port()
    proc = subprocess.Popen(
        [MEISHI, "serve", "--port", str(port), *args],
        env=serve_env(tmp_path, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                healthz(port, 2)
                break
            except (OSError, AssertionError, ValueError, IndexError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("meishi serve did not come up")
                time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def trickling(port: int, count: int) -> Iterator[None]:
    """Hold ``count`` connections that send header bytes one at a time and never finish (bounded by the block)."""
    stop = threading.Event()
    slow = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]

    def trickle(sock: socket.socket) -> None:
        try:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")
            while not stop.wait(0.3):
                sock.sendall(b"X")
        except OSError:
            pass

    threads = [threading.Thread(target=trickle, args=(s,), daemon=True) for s in slow]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)  # the slow connections are being read by now
        yield
    finally:
        stop.set()
        for t in threads:
            t.join(5)
        for s in slow:
            s.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real `meishi serve` with the default two workers."""
    with running_server(tmp_path_factory.mktemp("serve"), MEISHI_SECRET_KEY=SECRET) as port:
        yield port


def test_serve_refuses_the_default_secret_key(tmp_path: Path) -> None:
    result = subprocess.run(
        [MEISHI, "serve", "--port", str(free_port())],
        env=serve_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1 and "MEISHI_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_healthz_answers_while_two_connections_trickle_headers(server: int) -> None:
    with trickling(server, 2):
        timings = [healthz(server, 10) for _ in range(5)]
    assert max(timings) < 3.0, timings


def test_connections_trickling_headers_past_the_timeout_are_dropped(tmp_path: Path) -> None:
    with (
        running_server(
            tmp_path, "--workers", "1", "--threads", "2", MEISHI_SECRET_KEY=SECRET, MEISHI_HEADER_TIMEOUT="2"
        ) as port,
        trickling(port, 4),
    ):
        took = healthz(port, 15)  # more slow connections than threads: it waits for a dropped one at most
    assert took < 6.0, took


def test_a_10_kb_path_is_a_414_problem(server: int) -> None:
    status, headers, body = raw_request(server, b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    assert status == 414 and headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 414


def test_a_malformed_header_is_a_400_problem(server: int) -> None:
    status, headers, body = raw_request(server, b"GET /healthz HTTP/1.1\r\nHost: t\r\nNo colon here\r\n\r\n")
    assert status == 400 and headers["content-type"] == "application/problem+json"
    assert json.loads(body)["type"].endswith("/bad-request")


def test_too_many_header_fields_is_a_431_problem(server: int) -> None:
    fields = b"".join(b"X-F%d: v\r\n" % i for i in range(150))
    status, headers, _ = raw_request(server, b"GET /healthz HTTP/1.1\r\nHost: t\r\n" + fields + b"\r\n")
    assert status == 431 and headers["content-type"] == "application/problem+json"


def test_served_responses_carry_the_security_headers(server: int) -> None:
    _, headers, _ = raw_request(server, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert (
        headers["x-content-type-options"] == "nosniff"
        and "default-src 'none'" in headers["content-security-policy"]
    )


def test_serve_accepts_the_default_secret_key_in_a_development_run(tmp_path: Path) -> None:
    with running_server(tmp_path, "--workers", "1", MEISHI_DEV="true") as port:
        assert healthz(port, 5) < 5


def test_header_deadlines_drop_late_connections_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from contacts import serve

    dropped: list[object] = []
    monkeypatch.setattr(serve, "_drop", dropped.append)
    deadlines = serve.HeaderDeadlines(2.0)
    late, released, early = object(), object(), object()
    now = time.monotonic()
    deadlines.watch(late)
    deadlines.watch(released)
    deadlines.release(released)  # its headers came in
    assert deadlines.drop_late(now + 1) == 0
    deadlines.watch(early)
    deadlines._due[id(early)] = (now + 60, early)
    assert deadlines.drop_late(now + 3) == 1
    assert dropped == [late] and deadlines.watched() == 1
    deadlines.release(early)  # (its watcher thread lives on after the test)


def test_the_header_watcher_outlives_a_connection_it_cannot_drop() -> None:
    from contacts import serve

    deadlines = serve.HeaderDeadlines(0.01, tick=0.01)
    deadlines.watch(object())  # no socket: dropping it fails
    time.sleep(0.1)
    assert deadlines._watcher is not None and deadlines._watcher.is_alive()
    assert deadlines.watched() == 0


def _children(pid: int) -> dict[int, str]:
    """Return the live child processes of ``pid`` and their command lines."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                ppid = int(f.read().rpartition(")")[2].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            continue
        if ppid == pid and cmdline:
            out[int(entry)] = cmdline
    return out


def _nice(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return int(f.read().rpartition(")")[2].split()[16])


def _card_workers(pid: int) -> list[int]:
    return [child for child, cmdline in _children(pid).items() if "contacts.cli worker" in cmdline]


def _wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the process tree from /proc")
def test_serve_runs_ocr_in_one_card_worker_process_that_it_restarts_and_stops(tmp_path: Path) -> None:
    migrate.upgrade(f"sqlite:///{tmp_path / 'serve.db'}")
    port = free_port()
    proc = subprocess.Popen(
        [MEISHI, "serve", "--port", str(port), "--workers", "2"],
        env=serve_env(tmp_path, MEISHI_SECRET_KEY=SECRET, MEISHI_QUEUE="embedded"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for(lambda: len(_card_workers(proc.pid)) == 1, 60), _children(proc.pid)
        [first] = _card_workers(proc.pid)
        healthz(port, 10)
        assert len(_children(proc.pid)) == 3  # two serving workers and the card worker
        assert _wait_for(lambda: _nice(first) >= 10, 30), "the card worker does not run niced"
        serving = [child for child in _children(proc.pid) if child != first]
        assert [_nice(child) for child in serving] == [_nice(proc.pid)] * 2
        os.kill(first, signal.SIGKILL)
        assert _wait_for(lambda: _card_workers(proc.pid) not in ([], [first]), 30), "not restarted"
        [second] = _card_workers(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    assert _wait_for(lambda: not os.path.exists(f"/proc/{second}"), 10), "the card worker outlived serve"


def test_the_card_worker_exits_when_its_parent_is_gone(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    migrate.upgrade(url)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "contacts.cli", "worker", "--parent-pid", "1"],  # 1 is not its parent
        env=serve_env(tmp_path, MEISHI_QUEUE="embedded"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 30


def test_a_kept_alive_connection_is_closed_after_its_share_of_requests(server: int) -> None:
    from contacts.serve import REQUESTS_PER_CONNECTION

    closes = []
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        buffer = b""
        for _ in range(REQUESTS_PER_CONNECTION):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            while b"\r\n\r\n" not in buffer:
                buffer += sock.recv(65536)
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(buffer) < length:
                buffer += sock.recv(65536)
            buffer = buffer[length:]
            closes.append(b"connection: close" in head.lower())
        assert sock.recv(1) == b""  # the server closed it
    assert closes == [False] * (REQUESTS_PER_CONNECTION - 1) + [True]
