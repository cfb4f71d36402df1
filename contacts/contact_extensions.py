"""What other packages add to contacts without ``people`` importing them: filter clauses and JSON fields.

A package registers ``registry.contact_filter(fn)``: ``fn(session, query, org_id)`` returns SQL conditions on
``contact.id`` for the filter fields it implements (the fields are declared on the one filter object,
``people.schemas.MarketingFilter``), and ``registry.contact_field(fn)``: ``fn(session, contact_ids)`` returns
``{contact_id: {field: value}}`` merged into the contact JSON (fields declared on ``ContactOut``). A field
that is a :class:`SqlContactField` can also be read as a column of the statement that reads the contacts'
values on PostgreSQL, so that a contact read makes one round trip for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

FilterClauses = Callable[[Session, Any, str], list[ColumnElement[bool]]]
ContactFields = Callable[[Session, list[str]], dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class SqlContactField:
    """Contact fields read by ``read`` (``ContactFields``), or in SQL: ``column(contact_id)`` is a scalar
    subquery correlated to the contact id column, and ``fields(value)`` the contact's fields from its value
    (None for none)."""

    read: ContactFields
    column: Callable[[Any], ColumnElement[Any]]
    fields: Callable[[Any], dict[str, Any] | None]

    def __call__(self, session: Session, contact_ids: list[str]) -> dict[str, dict[str, Any]]:
        return self.read(session, contact_ids)


@dataclass
class ContactExtensions:
    """The registered filter clauses and contact fields, in registration order."""

    filters: list[FilterClauses] = field(default_factory=list)
    fields: list[ContactFields] = field(default_factory=list)


_installed = ContactExtensions()


def install(extensions: ContactExtensions) -> None:
    """Make ``extensions`` the ones contact lists and contact JSON use (``create_app`` does this)."""
    global _installed
    _installed = extensions


def filter_clauses(session: Session, query: Any, org_id: str) -> list[ColumnElement[bool]]:
    """Return every registered package's conditions for ``query``."""
    return [clause for contribute in _installed.filters for clause in contribute(session, query, org_id)]


def sql_fields() -> tuple[SqlContactField, ...]:
    """Return the registered fields that can be read in SQL, in registration order."""
    return tuple(f for f in _installed.fields if isinstance(f, SqlContactField))


def extra_fields(
    session: Session, contact_ids: list[str], *, but_sql: bool = False
) -> dict[str, dict[str, Any]]:
    """Return the registered packages' fields of ``contact_ids``, merged per contact (``but_sql``: only the
    fields :func:`sql_fields` leaves out, the caller having read those)."""
    merged: dict[str, dict[str, Any]] = {}
    if not contact_ids:
        return merged
    for contribute in _installed.fields:
        if but_sql and isinstance(contribute, SqlContactField):
            continue
        for contact_id, values in contribute(session, contact_ids).items():
            merged.setdefault(contact_id, {}).update(values)
    return merged
