"""How the imports package plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from contacts.imports.api import bp
from contacts.imports.models import ContactImport
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("import_id", ContactImport)
