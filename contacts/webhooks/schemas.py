"""Webhook request and response shapes."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from contacts.api.schemas import ListQuery, StrictModel
from contacts.changelog.vocabulary import Entity


def _http_url(value: str) -> str:
    """Accept only a plain http(s) URL: a host, a numeric port if any, no credentials, no blanks or controls."""
    import unicodedata
    from urllib.parse import urlsplit

    if any(c.isspace() or unicodedata.category(c).startswith("C") for c in value):
        raise ValueError("must not contain spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http or https URL with a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry credentials; the signature authenticates deliveries")
    try:
        port = parts.port
    except ValueError as e:
        raise ValueError("the port must be a number from 1 to 65535") from e
    if port == 0:
        raise ValueError("the port must be a number from 1 to 65535")
    if not _valid_host(parts.hostname):
        raise ValueError("the host must be a domain name or an IP address")
    return value


def _valid_host(host: str) -> bool:
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?", ascii_host) is not None


HookUrl = Annotated[str, Field(min_length=8, max_length=2000), AfterValidator(_http_url)]


class WebhookCreate(StrictModel):
    """Body of POST /webhooks. Deliveries start with the changes made after the subscription."""

    url: HookUrl
    entities: list[Entity] = Field(
        default_factory=list,
        max_length=30,
        description="Entities to deliver (contact, card, ...); empty for all.",
    )
    description: Annotated[str, Field(max_length=300)] | None = None


class WebhookUpdate(StrictModel):
    """Body of PATCH /webhooks/{id}; ``active: true`` re-enables a disabled webhook and clears its failures."""

    url: HookUrl | None = None
    entities: list[Entity] | None = Field(default=None, max_length=30)
    description: Annotated[str, Field(max_length=300)] | None = None
    active: bool | None = None


class WebhookOut(BaseModel):
    id: str
    url: str
    entities: list[str]
    description: str | None
    active: bool
    disabled_reason: str | None
    delivered_seq: int = Field(description="Changes up to this sequence number were delivered.")
    failures: int = Field(description="Consecutive failed deliveries.")
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Signs every delivery; shown only now (and when rotated).")


class WebhookPage(BaseModel):
    items: list[WebhookOut]
    next_cursor: str | None


class WebhookListQuery(ListQuery):
    """GET /webhooks takes only the paging parameters."""
