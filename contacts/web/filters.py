"""The people list's filters, read from a query string or a posted form, as the services' query models."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pydantic import ValidationError
from werkzeug.datastructures import MultiDict

from contacts.api.problems import validation_errors
from contacts.errors import ValidationFailed
from contacts.people.schemas import ContactListQuery
from contacts.tags.schemas import ContactFilter
from contacts.web import locale

FILTER_KEYS = (
    "q",
    "tag",
    "not_tag",
    "company_id",
    "owner_id",
    "touched_since",
    "not_touched_since",
    "segment_id",
    "title",
    "seniority",
    "prefecture",
    "region",
    "company_tag",
    "not_campaign_id",
    "opted_out",
    "not_opted_out",
    "over_contacted",
)
# Marketing filters read from the query string (comma lists for the repeatable ones), as GET /contacts has them.
_LISTS = ("seniority", "prefecture", "region", "company_tag")
# (Not campaign_id: the people page's form names the campaign to add the list to so.)
_SINGLE = ("title", "not_campaign_id", "opted_out", "not_opted_out", "over_contacted")


def _names(raw: str) -> list[str]:
    return [n.strip() for n in raw.split(",") if n.strip()]


def _day(raw: str, field: str) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), time(0), tzinfo=locale.user_zone())
    except ValueError as e:
        raise ValidationFailed(
            "invalid date", errors=[{"field": field, "message": "expected YYYY-MM-DD", "code": "date"}]
        ) from e


def filter_data(args: MultiDict[str, str]) -> dict[str, Any]:
    """Turn the form's text fields (comma lists, dates in the user's zone) into the filters' JSON shape."""
    data: dict[str, Any] = {}
    if args.get("q", "").strip():
        data["q"] = args["q"].strip()
    for key in ("tag", "not_tag"):
        names = [n for raw in args.getlist(key) for n in _names(raw)]
        if names:
            data[key] = names
    for key in ("company_id", "owner_id", "segment_id"):
        if args.get(key):
            data[key] = args[key]
    for key in ("touched_since", "not_touched_since"):
        value = _day(args.get(key, ""), key)
        if value is not None:
            data[key] = value
    for key in _LISTS:
        values = [n for raw in args.getlist(key) for n in _names(raw)]
        if values:
            data[key] = values
    for key in _SINGLE:
        if args.get(key, "").strip():
            data[key] = args[key].strip()
    return data


def filter_args(args: MultiDict[str, str]) -> dict[str, Any]:
    """Return the filter fields as they were typed, to carry them into links and hidden inputs."""
    return {k: args[k] for k in FILTER_KEYS if args.get(k)}


def list_query(args: MultiDict[str, str], *, limit: int = 50) -> ContactListQuery:
    """Build the contact list query of the people page."""
    data = filter_data(args) | {"limit": limit}
    if args.get("cursor"):
        data["cursor"] = args["cursor"]
    try:
        return ContactListQuery.model_validate(data)
    except ValidationError as e:
        raise ValidationFailed("invalid filters", errors=validation_errors(e)) from e


def contact_filter(args: MultiDict[str, str]) -> ContactFilter:
    """Build the filter a bulk action (tag, add to a campaign) applies to."""
    try:
        return ContactFilter.model_validate(filter_data(args))
    except ValidationError as e:
        raise ValidationFailed("invalid filters", errors=validation_errors(e)) from e
