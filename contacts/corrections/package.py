"""How the corrections package (fields reviewers corrected, learnt per organisation) plugs into the app.

Listed in ``contacts.packages`` before cards, so an erasure forgets the names learnt from a person's cards
before the cards themselves go.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contacts.cards.events import CardConfirmed
from contacts.cards.models import Card
from contacts.corrections import service
from contacts.corrections.api import bp
from contacts.corrections.models import FieldCorrection
from contacts.ownership import Erasure, OwnedRows
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint, the path ids, what a confirmation teaches and what an erasure forgets."""
    registry.blueprint(bp)
    registry.path_model("correction_id", FieldCorrection)
    registry.subscribe(CardConfirmed, learn_from_confirmation)
    registry.owns(OwnedRows(key="field_correction", erase=erase))


def learn_from_confirmation(session: Session, event: CardConfirmed) -> None:
    """Remember the fields the reviewer corrected on the confirmed card (none when the worker confirmed it)."""
    card = session.get(Card, event.card_id)
    if card is not None:
        service.record_from_card(session, card, event.actor_id)


def erase(session: Session, erasure: Erasure) -> dict[str, int]:
    """Forget the name corrections learnt from the person's cards: a corrected name is their data too."""
    card_ids = list(
        session.scalars(
            select(Card.id).where(
                Card.organization_id == erasure.org_id,
                or_(Card.contact_id.in_(erasure.contact_ids), Card.match_contact_id.in_(erasure.contact_ids)),
            )
        )
    )
    return {"corrections": service.forget_names_learnt_from(session, card_ids)}
