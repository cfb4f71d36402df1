"""How the privacy package (personal-data export and erasure) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from contacts.privacy.api import bp
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
