"""How the cards package (business cards) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from contacts import snapshot
from contacts.bus import Recorded, publish
from contacts.cards.api import bp
from contacts.cards.models import Card
from contacts.changelog.vocabulary import Entity, Operation
from contacts.ownership import Erasure, Merge, OwnedRows, Rows
from contacts.registry import Registry

IMAGE_COLUMNS = ("front_image", "back_image", "front_normalized", "back_normalized")


def register(registry: Registry) -> None:
    """Declare the blueprint, the path ids and the cards kept per contact."""
    registry.blueprint(bp)
    registry.path_model("card_id", Card)
    registry.owns(OwnedRows(key="card", dump=dump, restore=restore, move=move, erase=erase))


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
    """Cards of the losers (made or matched) name the winner."""
    session.execute(
        update(Card).where(Card.contact_id.in_(merge.loser_ids)).values(contact_id=merge.winner_id)
    )
    session.execute(
        update(Card)
        .where(Card.match_contact_id.in_(merge.loser_ids))
        .values(match_contact_id=merge.winner_id)
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
