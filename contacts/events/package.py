"""How the events package (trade-show events and campaigns) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from contacts.events.api import bp
from contacts.events.models import Campaign, Event
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("event_id", Event)
    registry.path_model("campaign_id", Campaign)
