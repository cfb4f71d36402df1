"""Benchmark: 20 concurrent clients through `meishi serve` on PostgreSQL, idle and during a 100-card upload.

Each client keeps one HTTP/1.1 connection and loops over a mix of reads (contact lists, searches, single
contacts, touchpoint lists) and writes (new contacts, new touchpoints) for the given seconds. The first phase
runs on an idle server; the second from the start of one request uploading 100 card photos (from the shared
cards-dev set) until the embedded pool has run OCR on all of them (at least as long as the first). Prints
requests/s, p50, p95 and errors per phase, with the CPU each request cost the clients, the server (its
processes and their children, Tesseract included) and PostgreSQL (the bench database's backends), and the
load average at the end of each phase; exits non-zero when a target of issue 15 is missed (idle >= 150 req/s
with p95 <= 150 ms; during the upload p95 <= 500 ms; no errors):
    python -m tests.bench.bench_load [--clients 20] [--seconds 60] [--contacts 2000] [--cards 100]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.bench.bench_api import bench_org, seed
from tests.shared_data import shared_data_dir

MEISHI = str(Path(sys.executable).with_name("meishi"))
IDLE_RPS, IDLE_P95, UPLOAD_P95 = 150.0, 0.150, 0.500


@dataclass
class Phase:
    """What the clients saw in one phase."""

    name: str
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    processes: list[float] = field(default_factory=list)  # CPU seconds of each server process

    def percentile(self, q: float, kind: str | None = None) -> float:
        ordered = sorted(self.latencies if kind is None else self.by_kind[kind])
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")

    def report(self) -> str:
        rps = len(self.latencies) / self.seconds if self.seconds else 0.0
        per_request = ", ".join(
            f"{who} {seconds / max(1, len(self.latencies)) * 1000:.1f} ms"
            for who, seconds in self.cpu.items()
        )
        return (
            f"{self.name}: {len(self.latencies)} requests in {self.seconds:.0f} s = {rps:.0f} req/s, "
            f"p50 {self.percentile(0.5) * 1000:.0f} ms, p95 {self.percentile(0.95) * 1000:.0f} ms, "
            f"errors {len(self.errors)}; CPU per request: {per_request}; "
            f"load average {os.getloadavg()[0]:.1f}\n  server processes, % of a core: "
            + ", ".join(f"{seconds / self.seconds * 100:.0f}" for seconds in self.processes if seconds > 0)
            + "\n  p50/p95 by request: "
            + ", ".join(
                f"{kind} {self.percentile(0.5, kind) * 1000:.0f}/{self.percentile(0.95, kind) * 1000:.0f} ms"
                for kind in sorted(self.by_kind)
            )
        )


def _ticks(pid: int) -> int:
    """Return the CPU clock ticks of a process and of its children it has waited for (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return 0
    return sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime


def _tree(root: int) -> list[int]:
    """Return ``root`` and every live process below it."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                    ppid = int(f.read().rpartition(")")[2].split()[1])
            except (OSError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += parents.get(pid, [])
    return out


class CpuMeter:
    """CPU seconds of the clients (this process), the server's process tree and the database's backends.

    A child that exits between two readings moves its time into its parent's waited-for ticks, so the tree's
    sum carries on; PostgreSQL backends are found by database name and live as long as the pool's connections.
    """

    def __init__(self, server_pid: int, database_url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.server_pid = server_pid
        self.database = database_url.rsplit("/", 1)[1].split("?")[0]
        self.engine = create_engine(database_url, poolclass=NullPool)
        self.hz = os.sysconf("SC_CLK_TCK")

    def _backends(self) -> dict[int, int]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            pids = conn.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
                {"d": self.database},
            ).all()
        return {pid: _ticks(pid) for pid in pids}

    def sample(self) -> tuple[float, dict[int, int], dict[int, int]]:
        return time.process_time(), {p: _ticks(p) for p in _tree(self.server_pid)}, self._backends()

    def since(
        self, start: tuple[float, dict[int, int], dict[int, int]]
    ) -> tuple[dict[str, float], list[float]]:
        """Return the CPU seconds of clients, server and database since ``start``, and each server process's."""
        end = self.sample()
        database = sum(ticks - start[2].get(pid, 0) for pid, ticks in end[2].items())
        processes = sorted(
            ((ticks - start[1].get(pid, 0)) / self.hz for pid, ticks in end[1].items()), reverse=True
        )
        return {
            "clients": end[0] - start[0],
            "server": (sum(end[1].values()) - sum(start[1].values())) / self.hz,
            "PostgreSQL": database / self.hz,
        }, processes


class Client:
    """One API client on a kept-alive HTTP/1.1 connection, made to cost the shared CPU as little as it can.

    The clients run on the same cores as the server, so each request is bytes built once per client (the
    head) plus its path and body, and each answer is read in full but parsed only for its status and
    ``Content-Length``; a body is decoded as JSON only when the caller asks for it.
    """

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = (
            f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n"
        ).encode()
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        return sock

    def send(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Send one request and return the answer's status and body (reconnecting after a failure)."""
        request = f"{method} {path} HTTP/1.1\r\n".encode() + self.head
        if body is not None:
            request += b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%b" % (len(body), body)
        else:
            request += b"\r\n"
        try:
            if self.sock is None:
                self.sock = self._connect()
            self.sock.sendall(request)
            return self._answer(self.sock)
        except (OSError, ValueError):
            if self.sock is not None:
                self.sock.close()
            self.sock = None
            raise

    def _answer(self, sock: socket.socket) -> tuple[int, bytes]:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._fill(sock)
        head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4 :]
        status, length, close = int(head[9:12]), None, False
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        if length is None:
            raise ValueError(f"an answer without Content-Length (HTTP {status})")
        while len(self.buffer) < length:
            self._fill(sock)
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        if close:
            sock.close()
            self.sock = None
        return status, body

    def _fill(self, sock: socket.socket) -> None:
        chunk = sock.recv(262144)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        self.buffer += chunk

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Send one request with a JSON body (or none) and return its status and decoded JSON answer."""
        status, raw = self.send(method, path, json.dumps(body).encode() if body is not None else None)
        return status, json.loads(raw) if raw else None


# The request mix: each kind and its share of the requests.
MIX: tuple[tuple[str, float], ...] = (
    ("list", 0.30),
    ("q", 0.20),
    ("contact", 0.20),
    ("touchpoints", 0.10),
    ("new contact", 0.12),
    ("new touchpoint", 0.08),
)


def pick_kind(rng: random.Random) -> str:
    """Draw a kind of request with the shares of MIX."""
    roll = rng.random()
    for kind, share in MIX:
        if roll < share:
            return kind
        roll -= share
    return MIX[-1][0]


def next_request(
    kind: str, rng: random.Random, queries: list[str], contact_ids: list[str]
) -> tuple[str, str, bytes | None]:
    """Return the method, path and JSON body of one request of ``kind``."""
    if kind == "list":
        return "GET", "/api/v1/contacts?limit=50", None
    if kind == "q":
        return "GET", f"/api/v1/contacts?limit=50&q={quote(rng.choice(queries))}", None
    if kind == "contact":
        return "GET", f"/api/v1/contacts/{rng.choice(contact_ids)}", None
    if kind == "touchpoints":
        return "GET", "/api/v1/touchpoints?limit=50", None
    if kind == "new contact":
        body: dict[str, Any] = {
            "full_name": f"Load {uuid.uuid4().hex[:10]}",
            "company_name": rng.choice(["Acme", "Globex", "Initech"]),
        }
        return "POST", "/api/v1/contacts", json.dumps(body).encode()
    body = {"contact_id": rng.choice(contact_ids), "kind": "call", "occurred_at": "2026-11-25T10:00:00+09:00"}
    return "POST", "/api/v1/touchpoints", json.dumps(body).encode()


def _work(
    client: Client,
    rng: random.Random,
    queries: list[str],
    contact_ids: list[str],
    phase: Phase,
    stop: threading.Event,
) -> None:
    """Loop over the request mix until ``stop`` is set."""
    while not stop.is_set():
        kind = pick_kind(rng)
        method, path, body = next_request(kind, rng, queries, contact_ids)
        started = time.monotonic()
        try:
            status, _ = client.send(method, path, body)
        except (OSError, ValueError) as e:
            phase.errors.append(f"{method} {path}: {type(e).__name__}")
            continue
        took = time.monotonic() - started
        phase.latencies.append(took)
        phase.by_kind.setdefault(kind, []).append(took)
        if status >= 400:
            phase.errors.append(f"{method} {path}: HTTP {status}")


def run_phase(
    name: str,
    port: int,
    token: str,
    queries: list[str],
    contact_ids: list[str],
    *,
    clients: int,
    seconds: float,
    until: Callable[[], bool] | None = None,
    cap: float = 600.0,
    meter: CpuMeter | None = None,
) -> Phase:
    """Run ``clients`` clients for ``seconds``, and on until ``until()`` holds (at most ``cap`` seconds)."""
    phase, stop = Phase(name), threading.Event()
    cpu_start = meter.sample() if meter is not None else None
    workers = [
        threading.Thread(
            target=_work, args=(Client(port, token), random.Random(i), queries, contact_ids, phase, stop)
        )
        for i in range(clients)
    ]
    started = time.monotonic()
    for w in workers:
        w.start()
    time.sleep(seconds)
    while until is not None and not until() and time.monotonic() - started < cap:
        time.sleep(1.0)
    stop.set()
    for w in workers:
        w.join()
    phase.seconds = time.monotonic() - started
    if meter is not None and cpu_start is not None:
        phase.cpu, phase.processes = meter.since(cpu_start)
    return phase


def _card_photos(n: int) -> list[tuple[str, bytes]]:
    root = shared_data_dir("cards-dev")
    files = sorted(p for sub in ("photos", "scans", "real-en") for p in (root / sub).glob("*.jpg"))
    return [
        (f"card-{i:03d}.jpg", path.read_bytes())
        for i, path in zip(range(n), itertools.cycle(files), strict=False)
    ]


def upload(port: int, token: str, photos: list[tuple[str, bytes]], result: dict[str, Any]) -> None:
    """POST the photos as one multipart request and note its status and duration."""
    boundary = uuid.uuid4().hex
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="front"; filename="{name}"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n"
        for name, data in photos
    )
    body += f"--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.monotonic()
    conn.request(
        "POST",
        "/api/v1/cards",
        body=body,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    resp = conn.getresponse()
    result["status"], result["body"] = resp.status, json.loads(resp.read() or b"null")
    result["seconds"] = time.monotonic() - started


def cards_done(port: int, token: str, card_ids: list[str]) -> int:
    """Count the uploaded cards whose OCR has finished (whatever its outcome)."""
    client = Client(port, token)
    return sum(
        1
        for card_id in card_ids
        if client.call("GET", f"/api/v1/cards/{card_id}")[1]["status"] not in ("queued", "processing")
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--cards", type=int, default=100)
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn worker processes (serve's default)"
    )
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (serve's default)")
    parser.add_argument("--idle-only", action="store_true", help="skip the phase during the upload")
    args = parser.parse_args()
    # stopped with SIGTERM, still stop the server and drop the database (the finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    serve_args = [f"--{k}={v}" for k in ("workers", "threads") if (v := getattr(args, k)) is not None]
    with bench_org("postgresql") as (app, org), tempfile.TemporaryDirectory() as tmp:
        _, queries, _ = seed(app, org.organization_id, args.contacts)
        contact_ids = [c["id"] for c in org.get("/api/v1/contacts?limit=500").get_json()["items"]]
        url = app.extensions["meishi.settings"].database_url
        app.extensions["meishi.engine"].dispose()
        port = _free_port()
        env = {
            **os.environ,
            "MEISHI_DATABASE_URL": url,
            "MEISHI_STORAGE_DIR": str(Path(tmp) / "images"),
            "MEISHI_QUEUE": "embedded",
            "MEISHI_WEBHOOKS": "off",
            "MEISHI_SECRET_KEY": uuid.uuid4().hex,
            "MEISHI_RATELIMIT_UPLOADS": "1000/minute",
        }
        server = subprocess.Popen(
            [MEISHI, "serve", "--port", str(port), *serve_args],
            env=env,
            stderr=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit("meishi serve did not start") from None
                    time.sleep(0.2)
            print(
                f"load average {os.getloadavg()[0]:.1f} before; "
                f"meishi serve on :{port} {' '.join(serve_args)}; {args.contacts} contacts; "
                f"{args.clients} clients, {args.seconds:.0f} s per phase; {os.cpu_count()} CPUs",
                flush=True,
            )
            run_phase("warm-up", port, org.token, queries, contact_ids, clients=args.clients, seconds=3)
            meter = CpuMeter(server.pid, url)
            idle = run_phase(
                "idle",
                port,
                org.token,
                queries,
                contact_ids,
                clients=args.clients,
                seconds=args.seconds,
                meter=meter,
            )
            print(idle.report(), flush=True)
            result: dict[str, Any] = {}
            if args.idle_only:
                return _verdict(idle, None, result)
            uploader = threading.Thread(
                target=upload, args=(port, org.token, _card_photos(args.cards), result)
            )
            uploader.start()

            def ocr_finished() -> bool:
                if uploader.is_alive():
                    return False
                card_ids = [c["id"] for c in (result.get("body") or {}).get("cards", [])]
                return cards_done(port, org.token, card_ids) == len(card_ids)

            # from the start of the upload until its last card is through OCR, and at least --seconds
            busy = run_phase(
                "during upload",
                port,
                org.token,
                queries,
                contact_ids,
                clients=args.clients,
                seconds=args.seconds,
                until=ocr_finished,
                cap=args.seconds * 5,
                meter=meter,
            )
            uploader.join()
            print(busy.report(), flush=True)
            card_ids = [c["id"] for c in (result.get("body") or {}).get("cards", [])]
            print(
                f"upload: HTTP {result.get('status')} in {result.get('seconds', 0):.1f} s; "
                f"{cards_done(port, org.token, card_ids)} of {len(card_ids)} cards through OCR by the end",
                flush=True,
            )
        finally:
            server.terminate()
            server.wait(30)
    return _verdict(idle, busy, result)


def _verdict(idle: Phase, busy: Phase | None, result: dict[str, Any]) -> int:
    """Print the errors and the targets missed; return the exit status."""
    phases = [idle] if busy is None else [idle, busy]
    for phase in phases:
        for error in sorted(set(phase.errors))[:10]:
            print(f"  {phase.name} error: {error}")
    missed = []
    if len(idle.latencies) / idle.seconds < IDLE_RPS or idle.percentile(0.95) > IDLE_P95:
        missed.append(f"idle >= {IDLE_RPS:.0f} req/s with p95 <= {IDLE_P95 * 1000:.0f} ms")
    if busy is not None and busy.percentile(0.95) > UPLOAD_P95:
        missed.append(f"p95 during the upload <= {UPLOAD_P95 * 1000:.0f} ms")
    if any(phase.errors for phase in phases) or (busy is not None and result.get("status") != 202):
        missed.append("no errors")
    print("targets met" if not missed else f"targets missed: {'; '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
