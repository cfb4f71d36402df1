"""How the cards package (business cards) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from contacts.cards.api import bp
from contacts.cards.models import Card
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("card_id", Card)
