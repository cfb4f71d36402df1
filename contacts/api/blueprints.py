"""Every domain blueprint, registered in one place."""

from __future__ import annotations

from flask import Flask


def register_all(app: Flask) -> None:
    """Import and register the API blueprints (imports happen here, not at module import)."""
    from contacts.auth.api import bp as auth_bp
    from contacts.people.api import bp as contacts_bp

    for bp in (auth_bp, contacts_bp):
        app.register_blueprint(bp)
