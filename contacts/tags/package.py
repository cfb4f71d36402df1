"""How the tags package (tags) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from contacts.registry import Registry
from contacts.tags.api import bp
from contacts.tags.models import Tag


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("tag_id", Tag)
