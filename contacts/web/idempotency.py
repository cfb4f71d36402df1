"""Idempotency-Key for the capture page's uploads: a retried file answers what its first upload answered.

The API hashes the raw body; a browser builds a new multipart boundary on every retry, so here the
request is identified by its form fields and the SHA-256 of each file instead.
"""

from __future__ import annotations

import hashlib
import json

from flask import Response, request
from sqlalchemy import select

from contacts.changelog.models import IdempotencyRecord
from contacts.db import get_session
from contacts.errors import IdempotencyMismatch, ValidationFailed
from contacts.web.pages import principal


def upload_key() -> str | None:
    """Return the request's Idempotency-Key (1 to 200 characters), or None."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 200:
        raise ValidationFailed(
            "invalid Idempotency-Key",
            errors=[{"field": "Idempotency-Key", "message": "1 to 200 characters", "code": "length"}],
        )
    return key


def upload_hash() -> str:
    """Hash the form fields and every file's bytes, independent of the multipart framing."""
    h = hashlib.sha256(request.path.encode() + b"\0")
    h.update(json.dumps(sorted((k, request.form.getlist(k)) for k in request.form)).encode())
    for name in sorted(request.files):
        for file in request.files.getlist(name):
            file.stream.seek(0)
            h.update(b"\0" + name.encode() + b"\0" + hashlib.sha256(file.stream.read()).digest())
            file.stream.seek(0)
    return h.hexdigest()


def replay(key: str, request_hash: str) -> Response | None:
    """Return the stored response of an earlier request with this key, or None."""
    p = principal()
    record = get_session().scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.organization_id == p.organization_id,
            IdempotencyRecord.user_id == p.user_id,
            IdempotencyRecord.key == key,
        )
    )
    if record is None:
        return None
    if record.request_hash != request_hash or record.path != request.path:
        raise IdempotencyMismatch(f"Idempotency-Key {key!r} was already used with a different upload")
    resp = Response(record.response_body, status=record.status_code, mimetype="application/json")
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def remember(key: str, request_hash: str, resp: Response) -> None:
    """Store the response to replay it for a retry with the same key."""
    p = principal()
    get_session().add(
        IdempotencyRecord(
            organization_id=p.organization_id,
            user_id=p.user_id,
            key=key,
            method=request.method,
            path=request.path,
            request_hash=request_hash,
            status_code=resp.status_code,
            response_body=resp.get_data(as_text=True),
            response_headers={"Content-Type": resp.content_type},
        )
    )
