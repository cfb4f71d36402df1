"""What other packages add to contacts without ``people`` importing them: filter clauses and JSON fields.

A package registers ``registry.contact_filter(fn)``: ``fn(session, query, org_id)`` returns SQL conditions on
``contact.id`` for the filter fields it implements (the fields are declared on the one filter object,
``people.schemas.MarketingFilter``), and ``registry.contact_field(fn)``: ``fn(session, contact_ids)`` returns
``{contact_id: {field: value}}`` merged into the contact JSON (fields declared on ``ContactOut``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

FilterClauses = Callable[[Session, Any, str], list[ColumnElement[bool]]]
ContactFields = Callable[[Session, list[str]], dict[str, dict[str, Any]]]


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


def extra_fields(session: Session, contact_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Return the registered packages' fields of ``contact_ids``, merged per contact."""
    merged: dict[str, dict[str, Any]] = {}
    if not contact_ids:
        return merged
    for contribute in _installed.fields:
        for contact_id, values in contribute(session, contact_ids).items():
            merged.setdefault(contact_id, {}).update(values)
    return merged
