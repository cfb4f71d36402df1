"""The Flask extensions of the web app, created unbound and attached in :func:`contacts.web.init_app`."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


@limiter.request_filter
def _api_request() -> bool:
    """Leave API calls to contacts.auth.ratelimit: the web limits are on sign-in pages only, and resolving
    them for every API request cost it more than its security headers did."""
    return request.path.startswith("/api/")


def login_address() -> str:
    """Key sign-in attempts by the client's address."""
    return f"addr:{get_remote_address()}"


def login_account() -> str:
    """Key sign-in attempts by the e-mail they try (folded, so case does not open a second budget)."""
    return f"account:{request.form.get('email', '').strip().lower()[:320]}"
