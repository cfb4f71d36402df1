"""Rate limits on failed authentication (per token prefix and per client address) and on uploads (per user).

Counters live in Flask-Limiter's storage (``MEISHI_RATELIMIT_STORAGE_URI``: ``memory://`` per process by
default, ``redis://...`` to share them between gunicorn workers and machines). Only failures count against the
authentication limits, so a client with a good token is never slowed down by them; a client over a limit gets
a 429 problem with ``Retry-After``.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse

from contacts.config import ConfigError, Settings
from contacts.errors import MeishiError

UPLOAD_ENDPOINTS = frozenset({"cards.upload_cards"})


class TooManyRequests(MeishiError):
    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


def _limit(setting: str, value: str) -> RateLimitItem:
    try:
        return parse(value)
    except ValueError as e:
        raise ConfigError(f"{setting} must be a rate such as '20/minute', got {value!r}") from e


class RateLimits:
    """The app's limiter and the limits this module enforces with it."""

    def __init__(self, app: Flask, settings: Settings) -> None:
        self.auth_failures = _limit("MEISHI_RATELIMIT_AUTH_FAILURES", settings.ratelimit_auth_failures)
        self.uploads = _limit("MEISHI_RATELIMIT_UPLOADS", settings.ratelimit_uploads)
        self.limiter = Limiter(
            get_remote_address,
            app=app,
            storage_uri=settings.ratelimit_storage_uri,
            strategy="moving-window",
            key_prefix="meishi",
        )

    def _refuse_if_spent(self, limit: RateLimitItem, what: str, *identifiers: str) -> None:
        if not self.limiter.limiter.test(limit, *identifiers):
            reset, _ = self.limiter.limiter.get_window_stats(limit, *identifiers)
            retry_after = max(1, math.ceil(reset - time.time()))
            raise TooManyRequests(f"too many {what}; try again in {retry_after} s", retry_after)

    def check_auth(self, bearer: str) -> None:
        """Refuse before authenticating when this address or this token has failed too often."""
        self._refuse_if_spent(
            self.auth_failures, "failed authentications from this address", "auth-addr", _address()
        )
        self._refuse_if_spent(
            self.auth_failures, "failed authentications with this token", "auth-token", token_prefix(bearer)
        )

    def auth_failed(self, bearer: str) -> None:
        """Count a failed authentication against the address and the token prefix."""
        self.limiter.limiter.hit(self.auth_failures, "auth-addr", _address())
        self.limiter.limiter.hit(self.auth_failures, "auth-token", token_prefix(bearer))

    def check_upload(self) -> None:
        """Count an upload of the authenticated user, refusing it over the limit (runs after authentication)."""
        principal = g.get("principal")
        if request.endpoint not in UPLOAD_ENDPOINTS or principal is None:
            return
        self._refuse_if_spent(self.uploads, "uploads", "upload", principal.user_id)
        self.limiter.limiter.hit(self.uploads, "upload", principal.user_id)


def token_prefix(bearer: str) -> str:
    """Return the public part of a bearer token (``msk_<id>``), or a bounded prefix of anything else."""
    parts = bearer.split("_", 2)
    if len(parts) == 3:
        return f"{parts[0]}_{parts[1]}"[:64]
    return bearer[:32]


def _address() -> str:
    return request.remote_addr or "unknown"


def rate_limits() -> RateLimits | None:
    """Return the current app's rate limits, if it has them."""
    limits: RateLimits | None = current_app.extensions.get("meishi.ratelimits")
    return limits


def init_app(app: Flask, settings: Settings) -> None:
    """Create the limiter and count uploads; call after the authentication hook is registered."""
    limits = RateLimits(app, settings)
    app.extensions["meishi.ratelimits"] = limits
    app.before_request(limits.check_upload)
