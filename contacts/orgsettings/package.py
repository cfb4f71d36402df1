"""How the organisation settings package plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from contacts.orgsettings.api import bp
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint."""
    registry.blueprint(bp)
