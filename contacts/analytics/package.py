"""How the analytics package (read-only reports over touchpoints and campaigns) plugs into the app; listed in
``contacts.packages``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from contacts.analytics import rollup
from contacts.analytics.api import bp
from contacts.analytics.models import AnalyticsDirty  # noqa: F401  (its tables, for Base.metadata)
from contacts.dedup.events import ContactMergesMade, ContactMergesUndone
from contacts.registry import Registry
from contacts.touchpoints.events import TouchpointsChanged


def register(registry: Registry) -> None:
    """Declare the blueprint and mark the rollup stale wherever touchpoints change, move or go (an erasure
    announces the person's touchpoints as changed)."""
    registry.blueprint(bp)
    registry.subscribe(TouchpointsChanged, touchpoints_changed)
    registry.subscribe(ContactMergesMade, merges_made)
    registry.subscribe(ContactMergesUndone, merges_undone)


def touchpoints_changed(session: Session, event: TouchpointsChanged) -> None:
    """These contacts' touchpoints were recorded, changed or deleted (at these instants, when known)."""
    if event.occurred_at:
        rollup.mark_instants(session, event.org_id, event.occurred_at)
    else:
        rollup.mark(session, event.org_id, event.contact_ids)


def merges_made(session: Session, event: ContactMergesMade) -> None:
    """The losers' touchpoints are the winners' now: one mark for all the merges."""
    rollup.mark(session, event.org_id, [c.id for each in event.merges for c in (each.winner, *each.losers)])


def merges_undone(session: Session, event: ContactMergesUndone) -> None:
    """Each contact of the merges undone together has its own touchpoints back: one mark for all."""
    rollup.mark(
        session, event.org_id, [i for each in event.undone for i in (*each.record_ids, *each.contact_ids)]
    )
