"""Idempotency-Key: a repeated POST with the same key and the same request replays the stored response.

Stored responses live ``idempotency_ttl_hours`` (MEISHI_IDEMPOTENCY_TTL_HOURS, default 24): an older record no
longer replays, and storing a response sweeps the caller's expired ones.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from flask import Response, current_app, request
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from contacts.api.principal import current_principal
from contacts.changelog.models import IdempotencyRecord
from contacts.config import settings_of
from contacts.db import get_session, utcnow
from contacts.errors import IdempotencyMismatch


def _ttl() -> timedelta:
    return timedelta(hours=settings_of(current_app).idempotency_ttl_hours)


def request_hash() -> str:
    """Fingerprint the request: method, path, query and body (a form by its fields and files' digests)."""
    h = hashlib.sha256()
    h.update(request.method.encode())
    h.update(b"\0" + request.path.encode() + b"\0")
    h.update(request.query_string + b"\0")
    if request.mimetype == "multipart/form-data":
        h.update(_multipart_fingerprint().encode())
    else:
        h.update(request.get_data(cache=True))
    return h.hexdigest()


def _multipart_fingerprint() -> str:
    """Fingerprint a form by its fields and the SHA-256 of each file, in order, not by its raw bytes.

    A client that retries builds a new multipart boundary each time; the same fields and files are the same
    request.
    """
    fields = [[name or "", value] for name, value in request.form.items(multi=True)]
    files = []
    for name, file in request.files.items(multi=True):
        file.stream.seek(0)
        digest = hashlib.sha256()
        while block := file.stream.read(1 << 16):
            digest.update(block)
        file.stream.seek(0)
        files.append([name or "", digest.hexdigest()])
    return json.dumps({"fields": fields, "files": files}, ensure_ascii=False)


def replay_or_none(key: str, request_hash: str) -> Response | None:
    """Return the stored response of ``key`` (unexpired), None if there is none; another request is a 422."""
    principal = current_principal()
    record = get_session().scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.organization_id == principal.organization_id,
            IdempotencyRecord.user_id == principal.user_id,
            IdempotencyRecord.key == key,
        )
    )
    if record is None or record.created_at < utcnow() - _ttl():
        return None
    if record.request_hash != request_hash or record.method != request.method or record.path != request.path:
        raise IdempotencyMismatch(f"Idempotency-Key {key!r} was already used with a different request")
    resp = Response(record.response_body, status=record.status_code)
    for name, value in record.response_headers.items():
        resp.headers[name] = value
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def remember(key: str, request_hash: str, resp: Response) -> None:
    """Store the response of ``key`` in the request's transaction, sweeping the caller's expired ones."""
    principal = current_principal()
    headers = {k: v for k, v in resp.headers.items() if k in ("Content-Type", "Location", "ETag")}
    session = get_session()
    sweep(session, principal.organization_id, principal.user_id, older_than=utcnow() - _ttl())
    session.add(
        IdempotencyRecord(
            organization_id=principal.organization_id,
            user_id=principal.user_id,
            key=key,
            method=request.method,
            path=request.path,
            request_hash=request_hash,
            status_code=resp.status_code,
            response_body=resp.get_data(as_text=True),
            response_headers=headers,
        )
    )


def sweep(session: Session, org_id: str, user_id: str, *, older_than: datetime) -> int:
    """Delete a user's stored responses created before ``older_than`` (an expired key may then be reused)."""
    result = session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.organization_id == org_id,
            IdempotencyRecord.user_id == user_id,
            IdempotencyRecord.created_at < older_than,
        )
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
