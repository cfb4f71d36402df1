"""Small response helpers: JSON bodies, ETags and If-Match."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from pydantic import BaseModel

from contacts.errors import PreconditionFailed


def etag_for(entity_id: str, version: int) -> str:
    """Return the strong ETag of one version of one resource."""
    return f'"{entity_id}.{version}"'


def check_if_match(entity_id: str, version: int) -> None:
    """Raise 412 when the request's If-Match names another version."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = [t.strip() for t in header.split(",")]
    if "*" in tags:
        return
    current = etag_for(entity_id, version)
    if current not in tags and f"W/{current}" not in tags:
        raise PreconditionFailed(
            "the resource changed since you read it; fetch it again", headers={"ETag": current}
        )


def json_response(
    payload: BaseModel | dict[str, Any],
    status: int = 200,
    *,
    etag: str | None = None,
    location: str | None = None,
) -> Response:
    """Serialise ``payload`` as JSON with optional ETag and Location headers."""
    body = payload.model_dump_json() if isinstance(payload, BaseModel) else current_app.json.dumps(payload)
    resp = Response(body, status=status, mimetype="application/json")
    if etag is not None:
        resp.headers["ETag"] = etag
    if location is not None:
        resp.headers["Location"] = location
    return resp


def no_content() -> Response:
    """Return an empty 204 response."""
    return Response(status=204)
