"""The core API blueprint: health, readiness, OpenAPI, and the bearer-token hook."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from sqlalchemy import text

from contacts import migrate
from contacts.auth.ratelimit import rate_limits
from contacts.auth.service import authenticate
from contacts.db import get_session
from contacts.errors import NotFound, Unauthorized

API_PREFIX = "/api/v1"
PUBLIC_ENDPOINTS = {"core.openapi"}

bp = Blueprint("core", __name__)


def _refuse_unstorable_path() -> None:
    """Answer 404 for a path holding NUL or a lone surrogate: no id can contain one, and no database takes it."""
    from contacts.api.spec import unstorable_strings

    if unstorable_strings(request.path):
        raise NotFound("no such resource")


def _authenticate_request() -> None:
    if not request.path.startswith(API_PREFIX + "/") or request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized("send 'Authorization: Bearer <token>'")
    limits, bearer = rate_limits(), credentials.strip()
    if limits is not None:
        limits.check_auth(bearer)
    session = get_session()
    try:
        g.principal = authenticate(session, bearer)
    except Unauthorized:
        if limits is not None:
            limits.auth_failed(bearer)
        raise
    if session.dirty:  # the token's last use: kept on its own, before the request's unit of work begins
        session.commit()


@bp.get("/healthz")
def healthz() -> Response:
    """Answer while the process is up."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    """Answer 200 when the database is reachable and migrated to head, 503 otherwise."""
    engine = current_app.extensions["meishi.engine"]
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = migrate.is_current(engine)
    except Exception as e:  # any failure to reach the database means not ready
        resp = jsonify({"status": "unavailable", "database": "unreachable", "detail": type(e).__name__})
        resp.status_code = 503
        return resp
    resp = jsonify(
        {
            "status": "ok" if current else "unavailable",
            "database": "ok",
            "migrations": "current" if current else "pending",
        }
    )
    resp.status_code = 200 if current else 503
    return resp


@bp.get(API_PREFIX + "/openapi.json")
def openapi() -> Response:
    """Serve the generated OpenAPI 3.1 document."""
    doc = current_app.extensions.get("meishi.openapi")
    if doc is None:
        from contacts.api.openapi import build_openapi

        doc = build_openapi(current_app, title="Meishi API", version="1")
        current_app.extensions["meishi.openapi"] = doc
    return jsonify(doc)


def init_app(app: Flask) -> None:
    """Register the blueprint and the authentication hook."""
    app.before_request(_refuse_unstorable_path)
    app.before_request(_authenticate_request)
    app.register_blueprint(bp)
