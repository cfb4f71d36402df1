"""How the analytics package (read-only reports over touchpoints and campaigns) plugs into the app; listed in
``contacts.packages``."""

from __future__ import annotations

from contacts.analytics.api import bp
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint."""
    registry.blueprint(bp)
