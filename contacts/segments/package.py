"""How the segments package (saved segments, CSV export) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from contacts.registry import Registry
from contacts.segments.api import bp
from contacts.segments.models import Segment


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("segment_id", Segment)
