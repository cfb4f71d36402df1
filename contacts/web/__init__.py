"""The web app: server-rendered pages for capture, review, people, lists and admin.

It is another client of the services the JSON API uses: views parse a form, call a service and render a
template. A signed session cookie authenticates it (CSRF on every form); ``/api/v1`` keeps bearer tokens.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Request, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.exceptions import NotFound

from contacts.config import Settings


class _SessionInterface(SecureCookieSessionInterface):
    """The signed cookie session, marked Secure whenever the request came over HTTPS; none for the API.

    ``/api/`` authenticates by bearer token only, so its requests neither read a session cookie (verifying
    its signature on every call) nor set one.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Open the cookie session of a web request; an API request gets the null session."""
        if request.path.startswith("/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        """Mark the cookie Secure behind HTTPS (a trusted proxy's X-Forwarded-Proto counts)."""
        return bool(super().get_cookie_secure(app) or request.is_secure)


def init_app(app: Flask, settings: Settings) -> None:
    """Attach CSRF, translations, rate limits and the web blueprint to ``app``."""
    from contacts.web import locale
    from contacts.web.extensions import babel, csrf, limiter, scope_limiter_to
    from contacts.web.views import bp

    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="meishi_session",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        # CSRF is checked by the web blueprint only: the API authenticates by bearer token, never by cookie.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_HEADERS_ENABLED=False,
    )
    app.session_interface = _SessionInterface()
    # Behind MEISHI_TRUSTED_PROXIES reverse proxies, contacts.http_security already believes X-Forwarded-*.
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        default_locale="en",
        default_timezone=locale.DEFAULT_TIME_ZONE,
        default_translation_directories=str(Path(__file__).parent / "translations"),
        locale_selector=locale.select_locale,
        timezone_selector=locale.select_time_zone,
    )
    app.register_blueprint(bp)
    scope_limiter_to(app, bp.name)
    app.register_error_handler(404, _not_found)


def _not_found(exc: NotFound) -> ResponseReturnValue:
    """Answer an unknown address with an HTML page, except under /api/, which keeps problem+json."""
    from contacts.api.problems import problem_response
    from contacts.web.pages import render_error

    if (
        request.path.startswith("/api/")
        or request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    ):
        return problem_response(404, "Not Found", exc.description or "Not Found", slug="not-found")
    return render_error(404, gettext("This page does not exist, or it belongs to another organisation."))
