"""Request-scoped helpers for views: the acting principal as an Actor and as a Source."""

from __future__ import annotations

from contacts.api.principal import current_principal
from contacts.provenance import Actor, Source


def actor() -> Actor:
    """Return the caller as an Actor."""
    p = current_principal()
    return Actor(organization_id=p.organization_id, user_id=p.user_id)


def api_source() -> Source:
    """Return the Source of values written by an API call."""
    return actor().source("api", current_principal().token_id)


def org_id() -> str:
    """Return the caller's organisation id."""
    return current_principal().organization_id
