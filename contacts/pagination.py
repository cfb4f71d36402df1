"""Opaque cursors for keyset pagination."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, TypeVar

from sqlalchemy import Row, Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from contacts.errors import ValidationFailed

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S", bound=Select[Any])

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def encode_cursor(values: list[Any]) -> str:
    """Encode the sort key of the last item of a page."""
    raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


INT64_MAX = 2**63 - 1


def _storable(value: Any) -> bool:
    """Tell whether a cursor value can be compared with a column: a 64-bit integer or text without NUL."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -INT64_MAX - 1 <= value <= INT64_MAX
    return isinstance(value, str) and not _UNSTORABLE.search(value)


def decode_cursor(cursor: str, arity: int, *, kinds: tuple[type, ...] | None = None) -> list[Any]:
    """Decode a cursor made by encode_cursor; anything else is a 422 on the cursor parameter.

    ``kinds`` names the type of each value (``(int,)`` for a sequence number) when the caller needs it.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as e:
        raise _bad_cursor() from e
    if not isinstance(values, list) or len(values) != arity or not all(_storable(v) for v in values):
        raise _bad_cursor()
    if kinds is not None and not all(isinstance(v, k) for v, k in zip(values, kinds, strict=True)):
        raise _bad_cursor()
    return values


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "invalid cursor",
        errors=[
            {"field": "cursor", "message": "not a cursor returned by this API", "code": "invalid_cursor"}
        ],
    )


def page_by_id(
    session: Session,
    stmt: Select[tuple[T]],
    id_column: InstrumentedAttribute[str],
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[T], str | None]:
    """Run ``stmt`` as one page in id order (ids are time-ordered) and return the rows and the next cursor."""
    rows = list(session.scalars(_one_page(stmt, id_column, limit, cursor)).unique())
    return _cut(rows, id_column, limit)


def page_rows_by_id(
    session: Session,
    stmt: Select[Any],
    id_column: InstrumentedAttribute[str],
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[Row[Any]], str | None]:
    """``page_by_id`` for a select of columns, not of an entity: the page's rows whole."""
    rows = list(session.execute(_one_page(stmt, id_column, limit, cursor)).all())
    return _cut(rows, id_column, limit)


def _one_page(stmt: S, id_column: InstrumentedAttribute[str], limit: int, cursor: str | None) -> S:
    if cursor:
        (after,) = decode_cursor(cursor, 1)
        stmt = stmt.where(id_column > str(after))
    return stmt.order_by(id_column).limit(limit + 1)


def _cut(rows: list[R], id_column: InstrumentedAttribute[str], limit: int) -> tuple[list[R], str | None]:
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor([getattr(rows[-1], id_column.key)]) if more and rows else None
