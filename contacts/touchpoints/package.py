"""How the touchpoints package (touchpoints) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from contacts.registry import Registry
from contacts.touchpoints.api import bp
from contacts.touchpoints.models import Touchpoint


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("touchpoint_id", Touchpoint)
