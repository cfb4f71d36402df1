"""How the cards package (business cards) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from contacts import snapshot
from contacts.bus import Recorded, bump_and_record, publish
from contacts.cards.api import bp
from contacts.cards.models import Card
from contacts.cards.service import card_out
from contacts.changelog.render import as_json, by_ids
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import utcnow
from contacts.events.events import EventDeleted
from contacts.ownership import Erasure, Merge, OwnedRows, Rows, moved_ids
from contacts.registry import Registry

IMAGE_COLUMNS = ("front_image", "back_image", "front_normalized", "back_normalized")


def register(registry: Registry) -> None:
    """Declare the blueprint, the path ids and the cards kept per contact."""
    registry.blueprint(bp)
    registry.path_model("card_id", Card)
    registry.renders(Entity.CARD, render)
    registry.subscribe(EventDeleted, unlink_event)
    registry.owns(OwnedRows(key="card", dump=dump, restore=restore, move=move, erase=erase, undone=undone))


def render(session: Session, org_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The cards' JSON, as GET /cards/{id} shows it."""
    return as_json(card_out(c) for c in by_ids(session, Card, org_id, ids))


def unlink_event(session: Session, event: EventDeleted) -> None:
    """Cards of a deleted event lose the link: a new version each, logged as updated."""
    card_ids = list(
        session.scalars(
            select(Card.id).where(Card.organization_id == event.org_id, Card.event_id == event.event_id)
        )
    )
    if card_ids:
        session.execute(
            update(Card)
            .where(Card.id.in_(card_ids))
            .values(event_id=None, version=Card.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
    publish(
        session,
        Recorded(
            org_id=event.org_id,
            actor_id=event.actor_id,
            entity=Entity.CARD,
            ids=tuple(card_ids),
            operation=Operation.UPDATED,
            data={"fields": ["event_id"], "event_deleted": event.event_id},
        ),
    )


def dump(session: Session, ids: list[str]) -> Rows:
    """Which contact each card of ``ids`` made or was matched to."""
    return snapshot.dump(
        session,
        Card,
        or_(Card.contact_id.in_(ids), Card.match_contact_id.in_(ids)),
        ["id", "contact_id", "match_contact_id"],
    )


def restore(session: Session, rows: Rows, ids: list[str]) -> None:
    """Point the cards back at the contacts they named."""
    snapshot.put_back(session, Card, rows)


def move(session: Session, merge: Merge) -> None:
    """Cards of the losers (made or matched) name the winner, with a new version each, logged as updated."""
    shown = list(
        session.scalars(
            select(Card.id).where(
                or_(Card.contact_id.in_(merge.loser_ids), Card.match_contact_id.in_(merge.loser_ids))
            )
        )
    )
    session.execute(
        update(Card).where(Card.contact_id.in_(merge.loser_ids)).values(contact_id=merge.winner_id)
    )
    session.execute(
        update(Card)
        .where(Card.match_contact_id.in_(merge.loser_ids))
        .values(match_contact_id=merge.winner_id)
    )
    _bump_and_log(session, merge, shown)


def undone(session: Session, merge: Merge, before: Rows, after: Rows) -> None:
    """An undo pointed cards back at the losers: those showing another contact get a new version, logged."""
    _bump_and_log(session, merge, moved_ids(before, after, ("contact_id", "match_contact_id")), undone=True)


def _bump_and_log(session: Session, merge: Merge, card_ids: list[str], *, undone: bool = False) -> None:
    data = {"fields": ["contact_id", "match_contact_id"], "merge_id": merge.merge_id}
    bump_and_record(
        session,
        Card,
        card_ids,
        org_id=merge.org_id,
        actor_id=merge.actor_id,
        entity=Entity.CARD,
        data={**data, **({"undone": True} if undone else {})},
    )


def erase(session: Session, erasure: Erasure) -> dict[str, int]:
    """Delete the person's cards with their OCR text; image files no card uses go once the erasure commits."""
    cards = list(
        session.scalars(
            select(Card)
            .where(
                Card.organization_id == erasure.org_id,
                or_(Card.contact_id.in_(erasure.contact_ids), Card.match_contact_id.in_(erasure.contact_ids)),
            )
            .order_by(Card.id)
        )
    )
    card_ids = [c.id for c in cards]
    keys = {getattr(c, column) for c in cards for column in IMAGE_COLUMNS} - {None}
    if card_ids:
        session.execute(delete(Card).where(Card.id.in_(card_ids)))
    publish(
        session,
        Recorded(
            org_id=erasure.org_id,
            actor_id=erasure.actor_id,
            entity=Entity.CARD,
            ids=tuple(card_ids),
            operation=Operation.DELETED,
            data={"erased": True},
        ),
    )
    unused = sorted(k for k in keys if not _image_in_use(session, k))
    if unused:
        event.listen(session, "after_commit", lambda _s: erasure.delete_files(unused), once=True)
    return {"cards": len(card_ids), "images": len(unused)}


def _image_in_use(session: Session, key: str) -> bool:
    """Whether any card (of any organisation: files are stored by content) still names ``key``."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Card)
            .where(or_(*(getattr(Card, column) == key for column in IMAGE_COLUMNS)))
        )
    )
