"""How the segments package (saved segments, CSV export) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from contacts.changelog.render import as_json, by_ids
from contacts.changelog.vocabulary import Entity
from contacts.registry import Registry
from contacts.segments import service
from contacts.segments.api import bp
from contacts.segments.models import Segment


def register(registry: Registry) -> None:
    """Declare the blueprint, the path ids, the contact filter ``segment_id`` and how the feed shows a segment."""
    registry.blueprint(bp)
    registry.path_model("segment_id", Segment)
    registry.contact_filter(service.filter_clauses)
    registry.renders(Entity.SEGMENT, render)


def render(session: Session, org_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The segments' JSON as the list shows it (the count, which changes with the contacts, left out)."""
    segments = by_ids(session, Segment, org_id, ids)
    return as_json(service.segment_out(session, org_id, s, with_count=False) for s in segments)
