"""How the frequency package (contact-frequency rules) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from contacts.dedup.events import ContactMergesMade, ContactMergesUndone
from contacts.frequency import service
from contacts.frequency.api import bp
from contacts.registry import Registry
from contacts.touchpoints.events import TouchpointsChanged


def register(registry: Registry) -> None:
    """Declare the blueprint and keep the over-contacted marks current as touchpoints change and move."""
    registry.blueprint(bp)
    registry.subscribe(TouchpointsChanged, touchpoints_changed)
    registry.subscribe(ContactMergesMade, merges_made)
    registry.subscribe(ContactMergesUndone, merges_undone)


def touchpoints_changed(session: Session, event: TouchpointsChanged) -> None:
    """Recompute the contacts whose touchpoints changed."""
    service.recompute(session, event.org_id, event.contact_ids)


def merges_made(session: Session, event: ContactMergesMade) -> None:
    """The winners have the losers' touchpoints now: one recompute for all the merges."""
    service.recompute(
        session, event.org_id, [c.id for each in event.merges for c in (each.winner, *each.losers)]
    )


def merges_undone(session: Session, event: ContactMergesUndone) -> None:
    """Each contact of the merges undone together has its own touchpoints back: one recompute for all."""
    service.recompute(session, event.org_id, [i for each in event.undone for i in each.record_ids])
