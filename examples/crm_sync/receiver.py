"""Webhooks as the wake-up signal: a tiny WSGI receiver that checks Meishi's signature, then wakes the client.

Meishi signs every delivery with ``Meishi-Signature: t=<unix time>,v1=<hex>``, the HMAC-SHA256 of
``"<t>.<body>"`` under the webhook's secret. The receiver refuses a bad or stale signature (401) and otherwise
only wakes the pull loop: the feed, not the delivery, is what the client applies, so a repeated or lost
delivery changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable
from typing import Any

TOLERANCE_SECONDS = 300


def verify(secret: str, header: str | None, body: bytes, *, now: float | None = None) -> bool:
    """Tell whether ``header`` is a fresh, valid signature of ``body`` under ``secret``."""
    if not header:
        return False
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def make_receiver(
    secret: str, wake: Callable[[], None]
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """Return a WSGI app answering 204 to signed POSTs (after waking the client) and 401 to anything else."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST")])
            return [b""]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(min(length, 10_000_000))
        if not verify(secret, environ.get("HTTP_MEISHI_SIGNATURE"), body):
            start_response("401 Unauthorized", [("Content-Type", "text/plain")])
            return [b"bad signature"]
        wake()
        start_response("204 No Content", [])
        return [b""]

    return app
