"""How the companies package plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from contacts.companies.api import bp
from contacts.companies.models import Company
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("company_id", Company)
