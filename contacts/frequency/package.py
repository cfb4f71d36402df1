"""How the frequency package (contact-frequency rules) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from contacts.dedup.events import ContactMergesUndone, ContactsMerged
from contacts.frequency import service
from contacts.frequency.api import bp
from contacts.registry import Registry
from contacts.touchpoints.events import TouchpointsChanged


def register(registry: Registry) -> None:
    """Declare the blueprint and keep the over-contacted marks current as touchpoints change and move."""
    registry.blueprint(bp)
    registry.subscribe(TouchpointsChanged, touchpoints_changed)
    registry.subscribe(ContactsMerged, contacts_merged)
    registry.subscribe(ContactMergesUndone, merges_undone)


def touchpoints_changed(session: Session, event: TouchpointsChanged) -> None:
    """Recompute the contacts whose touchpoints changed."""
    service.recompute(session, event.org_id, event.contact_ids)


def contacts_merged(session: Session, event: ContactsMerged) -> None:
    """The winner has the losers' touchpoints now."""
    service.recompute(session, event.org_id, [event.winner.id, *(c.id for c in event.losers)])


def merges_undone(session: Session, event: ContactMergesUndone) -> None:
    """Each contact of the merges undone together has its own touchpoints back: one recompute for all."""
    service.recompute(session, event.org_id, [i for each in event.undone for i in each.record_ids])
