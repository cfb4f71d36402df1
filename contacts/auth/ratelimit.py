"""Rate limits on failed authentication (per token prefix and per client address) and on uploads (per user).

Counters live in a ``limits`` storage (``MEISHI_RATELIMIT_STORAGE_URI``: ``memory://`` per process by default,
``redis://...`` to share them between gunicorn workers and machines). Only failures count against the
authentication limits, so a client with a good token is never slowed down by them; a client over a limit gets
a 429 problem with ``Retry-After``.

The limits are checked by this module alone, not through a Flask-Limiter extension, whose hook would resolve
the (absent) limits of every request. Each check is one storage read (a refusal reads its reset time from the
same window), an upload one storage write; requests other than API calls and uploads touch no counter.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, g, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

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

    def __init__(self, settings: Settings) -> None:
        self.auth_failures = _limit("MEISHI_RATELIMIT_AUTH_FAILURES", settings.ratelimit_auth_failures)
        self.uploads = _limit("MEISHI_RATELIMIT_UPLOADS", settings.ratelimit_uploads)
        self.limiter = MovingWindowRateLimiter(storage_from_string(settings.ratelimit_storage_uri))

    def _refuse_if_spent(self, limit: RateLimitItem, what: str, *identifiers: str) -> None:
        reset, remaining = self.limiter.get_window_stats(limit, *identifiers)
        if remaining < 1:
            _refuse(what, reset)

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
        self.limiter.hit(self.auth_failures, "auth-addr", _address())
        self.limiter.hit(self.auth_failures, "auth-token", token_prefix(bearer))

    def check_upload(self) -> None:
        """Count an upload of the authenticated user, refusing it over the limit (runs after authentication)."""
        if request.endpoint not in UPLOAD_ENDPOINTS:
            return
        principal = g.get("principal")
        if principal is None:
            return
        identifiers = ("upload", principal.user_id)
        if not self.limiter.hit(self.uploads, *identifiers):  # a full window takes no entry
            reset, _ = self.limiter.get_window_stats(self.uploads, *identifiers)
            _refuse("uploads", reset)


def _refuse(what: str, reset: float) -> None:
    retry_after = max(1, math.ceil(reset - time.time()))
    raise TooManyRequests(f"too many {what}; try again in {retry_after} s", retry_after)


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
    limits = RateLimits(settings)
    app.extensions["meishi.ratelimits"] = limits
    app.before_request(limits.check_upload)
