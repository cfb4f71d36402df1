"""How the auth package (the organisation's users and API tokens) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from contacts.auth.api import bp
from contacts.auth.models import ApiToken, User
from contacts.registry import Registry


def register(registry: Registry) -> None:
    """Declare the blueprint and the path ids."""
    registry.blueprint(bp)
    registry.path_model("user_id", User)
    registry.path_model("token_id", ApiToken)
