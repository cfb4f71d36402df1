"""Security headers on every response, and which proxy headers to believe.

One app-level ``after_request`` adds the headers, so JSON, problem+json and images all carry them. A page
that sets its own ``Content-Security-Policy`` first (the web app's HTML) keeps it; everything else gets a
policy that loads nothing and may not be framed. HSTS is sent only on HTTPS requests; behind a reverse proxy,
``MEISHI_TRUSTED_PROXIES`` says how many proxies' ``X-Forwarded-*`` headers to believe (none by default, so a
client cannot claim HTTPS or another address).
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from contacts.config import Settings

RESTRICTIVE_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    """Add the security headers a response lacks."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = RESTRICTIVE_CSP
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Trust the configured proxies and add the headers to every response."""
    if settings.trusted_proxies > 0:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]
    app.after_request(add_security_headers)
