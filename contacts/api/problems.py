"""RFC 9457 problem+json responses for every error the API can answer with."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from contacts.errors import PROBLEM_BASE, MeishiError

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build one problem+json response."""
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def validation_errors(exc: ValidationError, *, prefix: str = "") -> list[dict[str, Any]]:
    """Turn pydantic errors into field-level entries: field path, message and code."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        path = ".".join(str(p) for p in err["loc"])
        out.append(
            {
                "field": f"{prefix}{path}" if path else prefix.rstrip(".") or "body",
                "message": err["msg"],
                "code": err["type"],
            }
        )
    return out


def register(app: Flask) -> None:
    """Install handlers so that no error leaves the API as HTML or a stack trace."""

    @app.errorhandler(MeishiError)
    def _meishi_error(exc: MeishiError) -> Response:
        return problem_response(
            exc.status, exc.title, exc.detail, slug=exc.slug, errors=exc.errors, headers=exc.headers
        )

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        slug = {
            404: "not-found",
            405: "method-not-allowed",
            413: "payload-too-large",
            400: "bad-request",
            415: "unsupported-media-type",
        }.get(status, "http-error")
        detail = exc.description or exc.name
        if status == 413:
            detail = "the request body is larger than this endpoint accepts"
        headers = {}
        valid_methods = getattr(exc, "valid_methods", None)
        if status == 405 and valid_methods:
            headers["Allow"] = ", ".join(valid_methods)
        return problem_response(status, exc.name, detail, slug=slug, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return problem_response(
            500, "Internal error", "an unexpected error occurred; it has been logged", slug="internal"
        )
