"""How the webhooks package (webhooks) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from contacts.registry import Registry
from contacts.webhooks.api import bp
from contacts.webhooks.models import Webhook


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("webhook_id", Webhook)
