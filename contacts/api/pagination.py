"""Opaque cursors for keyset pagination."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from contacts.errors import ValidationFailed


def encode_cursor(values: list[Any]) -> str:
    """Encode the sort key of the last item of a page."""
    raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """Decode a cursor made by encode_cursor; anything else is a 422 on the cursor parameter."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as e:
        raise _bad_cursor() from e
    if not isinstance(values, list) or len(values) != arity or not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise _bad_cursor()
    return values


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed("invalid cursor", errors=[
        {"field": "cursor", "message": "not a cursor returned by this API", "code": "invalid_cursor"}])
