"""The web blueprint's plumbing: the signed-in user, the page decorator (permission, one commit), headers."""

from __future__ import annotations

import hashlib
import logging
import typing
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from contacts.auth.models import Organization, User
from contacts.db import get_session
from contacts.errors import MeishiError
from contacts.permissions import Principal
from contacts.provenance import Actor, Source
from contacts.web.extensions import csrf

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)

bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/static"
)

SESSION_USER = "uid"
SESSION_FINGERPRINT = "auth"
WEB_TOKEN_ID = "web"  # the principal of a session has no API token; its scopes are its role's
# No inline script or style: everything comes from this origin; images may also be the page's own blobs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def fingerprint(user: User) -> str:
    """Return a short digest of the user's password hash: a new password signs other sessions out."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def sign_in_session(user: User) -> None:
    """Start a fresh session for ``user``."""
    session.clear()
    session.permanent = True
    session[SESSION_USER] = user.id
    session[SESSION_FINGERPRINT] = fingerprint(user)


def current_user() -> User | None:
    """Return the signed-in user of this request, or None."""
    user: User | None = g.get("web_user")
    return user


def user() -> User:
    """Return the signed-in user (pages behind :func:`page` always have one)."""
    found = current_user()
    assert found is not None
    return found


def principal() -> Principal:
    """Return the signed-in user as the principal the services' permission model knows."""
    p: Principal = g.principal
    return p


def org_id() -> str:
    """Return the signed-in user's organisation id."""
    return principal().organization_id


def actor() -> Actor:
    """Return the signed-in user as an Actor."""
    return Actor(organization_id=org_id(), user_id=principal().user_id)


def manual_source() -> Source:
    """Return the Source of values a user types into the web app."""
    return actor().source("manual", None)


def can(permission: str) -> bool:
    """Tell whether the signed-in user's role grants ``permission`` (for templates too)."""
    p: Principal | None = g.get("principal")
    return p is not None and p.can(permission)


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` when it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


#: Endpoints that take larger bodies than MEISHI_MAX_BODY_BYTES, and how large (set before any form is read).
BODY_LIMITS: dict[str, Callable[[], int]] = {}


@bp.before_request
def _load_user() -> None:
    """Resolve the session cookie to an active user, and check CSRF on every unsafe request."""
    if request.endpoint == "web.static":
        return
    limit = BODY_LIMITS.get(request.endpoint or "")
    if limit is not None:
        request.max_content_length = limit()
    uid = session.get(SESSION_USER)
    if uid:
        db = get_session()
        found = db.get(User, uid)
        if found is None or not found.active or session.get(SESSION_FINGERPRINT) != fingerprint(found):
            session.clear()
        else:
            g.web_user = found
            g.principal = Principal(
                organization_id=found.organization_id,
                user_id=found.id,
                role=found.role,
                token_id=WEB_TOKEN_ID,
                scopes=frozenset({"*"}),
            )
            g.web_org = db.get(Organization, found.organization_id)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


@bp.after_request
def _headers(resp: Response) -> Response:
    """Set the content security policy (no inline script) and keep signed-in pages out of caches."""
    if resp.mimetype == "text/html":
        resp.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        if current_user() is not None:
            resp.headers.setdefault("Cache-Control", "no-store")
    return resp


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {
        "current_user": current_user(),
        "can": can,
        "current_org": g.get("web_org"),
        "get_locale": get_locale,
    }


def page(permission: str | None = None, *, json: bool = False) -> Callable[[F], F]:
    """Declare a page: sign-in required, ``permission`` checked, one commit for a successful write.

    ``json=True`` declares an endpoint the page's script calls: its errors answer ``{"error": message}``.
    """

    def fail(status: int, message: str) -> Any:
        return (jsonify({"error": message}), status) if json else render_error(status, message)

    def decorate(fn: F) -> F:
        @wraps(fn)
        def view(*args: Any, **kwargs: Any) -> Any:
            if current_user() is None:
                if request.method == "GET" and not json:
                    return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
                return fail(401, _("Please sign in again."))
            if permission is not None and not principal().can(permission):
                return fail(403, _("Your role does not allow this."))
            db = get_session()
            try:
                resp = fn(*args, **kwargs)
                if request.method != "GET":
                    db.commit()
            except IntegrityError:
                db.rollback()
                return fail(409, _("This conflicts with a change made at the same time. Please retry."))
            except MeishiError as e:
                db.rollback()
                if not json:
                    raise
                return fail(e.status, error_message(e))
            except BaseException:
                db.rollback()
                raise
            return resp

        return typing.cast(F, view)

    return decorate


def render_error(status: int, message: str) -> tuple[str, int]:
    """Render the one-line error page with ``status``."""
    return render_template("error.html", status=status, message=message), status


def error_message(exc: MeishiError) -> str:
    """Return the most helpful line of a service error (the first field error, else the detail)."""
    if exc.errors:
        first = exc.errors[0]
        return f"{first.get('field')}: {first.get('message')}"
    return exc.detail


@bp.errorhandler(MeishiError)
def _service_error(exc: MeishiError) -> tuple[str, int]:
    get_session().rollback()
    return render_error(exc.status, error_message(exc))


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError) -> tuple[str, int]:
    return render_error(
        400, _("The form expired or did not come from this site. Reload the page and try again.")
    )


@bp.errorhandler(429)
def _too_many(exc: HTTPException) -> tuple[str, int]:
    return render_error(429, _("Too many sign-in attempts. Wait a few minutes and try again."))


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> tuple[str, int]:
    log.exception("unhandled error in a web page")
    get_session().rollback()
    return render_error(500, _("Something went wrong on our side; it has been logged."))


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[str, int]:
    messages = {
        404: _("This page does not exist, or it belongs to another organisation."),
        405: _("This address does not take that kind of request."),
    }
    status = exc.code or 500
    return render_error(status, messages.get(status, exc.description or exc.name))
