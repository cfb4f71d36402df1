"""How the touchpoints package plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from contacts import snapshot
from contacts.bus import Recorded, bump_and_record, publish
from contacts.changelog.render import as_json, by_ids
from contacts.changelog.vocabulary import Entity, Operation
from contacts.ownership import Erasure, Merge, OwnedRows, Rows, moved_ids
from contacts.registry import Registry
from contacts.touchpoints import service
from contacts.touchpoints.api import bp
from contacts.touchpoints.events import TouchpointsChanged
from contacts.touchpoints.models import Touchpoint


def register(registry: Registry) -> None:
    """Declare the blueprint, the path ids and the touchpoints kept per contact."""
    registry.blueprint(bp)
    registry.path_model("touchpoint_id", Touchpoint)
    registry.renders(Entity.TOUCHPOINT, render)
    registry.owns(
        OwnedRows(key="touchpoint", dump=dump, restore=restore, move=move, erase=erase, undone=undone)
    )


def render(session: Session, org_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The touchpoints' JSON, as GET /touchpoints/{id} shows it."""
    return as_json(service.touchpoint_out(t) for t in by_ids(session, Touchpoint, org_id, ids))


def dump(session: Session, ids: list[str]) -> Rows:
    """Which contact each touchpoint of ``ids`` belongs to."""
    return snapshot.dump(session, Touchpoint, Touchpoint.contact_id.in_(ids), ["id", "contact_id"])


def restore(session: Session, rows: Rows, ids: list[str]) -> None:
    """Give the touchpoints back to the contacts they belonged to."""
    snapshot.put_back(session, Touchpoint, rows)


def move(session: Session, merge: Merge) -> None:
    """The losers' touchpoints become the winner's (a new version each, logged as updated)."""
    point_ids = list(session.scalars(select(Touchpoint.id).where(Touchpoint.contact_id.in_(merge.loser_ids))))
    if point_ids:
        session.execute(
            update(Touchpoint)
            .where(Touchpoint.id.in_(point_ids))
            .values(contact_id=merge.winner_id)
            .execution_options(synchronize_session=False)
        )
    _log_moved(session, merge, point_ids)


def undone(session: Session, merge: Merge, before: Rows, after: Rows) -> None:
    """An undo gave touchpoints back to the losers: a new version each, logged as updated."""
    _log_moved(session, merge, moved_ids(before, after), undone=True)


def _log_moved(session: Session, merge: Merge, point_ids: list[str], *, undone: bool = False) -> None:
    bump_and_record(
        session,
        Touchpoint,
        point_ids,
        org_id=merge.org_id,
        actor_id=merge.actor_id,
        entity=Entity.TOUCHPOINT,
        data={"fields": ["contact_id"], "merge_id": merge.merge_id, **({"undone": True} if undone else {})},
    )


def erase(session: Session, erasure: Erasure) -> dict[str, int]:
    """Delete the person's touchpoints; the change log records each as deleted by an erasure."""
    points = session.execute(
        select(Touchpoint.id, Touchpoint.occurred_at).where(
            Touchpoint.organization_id == erasure.org_id, Touchpoint.contact_id.in_(erasure.contact_ids)
        )
    ).all()
    point_ids = [point_id for point_id, _ in points]
    if point_ids:
        session.execute(delete(Touchpoint).where(Touchpoint.id.in_(point_ids)))
    publish(
        session,
        Recorded(
            org_id=erasure.org_id,
            actor_id=erasure.actor_id,
            entity=Entity.TOUCHPOINT,
            ids=tuple(point_ids),
            operation=Operation.DELETED,
            data={"erased": True},
        ),
    )
    if points:
        publish(
            session,
            TouchpointsChanged(
                org_id=erasure.org_id,
                actor_id=erasure.actor_id,
                contact_ids=tuple(erasure.contact_ids),
                occurred_at=tuple(sorted({at for _, at in points})),
            ),
        )
    return {"touchpoints": len(point_ids)}
