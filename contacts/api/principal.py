"""Who is calling: the principal the auth hook authenticated for this request."""

from __future__ import annotations

from flask import g

from contacts.errors import Unauthorized
from contacts.permissions import Principal


def current_principal() -> Principal:
    """Return the principal of the current request (set by the auth hook)."""
    principal: Principal | None = g.get("principal")
    if principal is None:
        raise Unauthorized("missing or invalid bearer token")
    return principal
