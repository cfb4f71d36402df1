"""The web app's pages, one module per area; importing this package registers their routes."""

from contacts.web.pages import bp
from contacts.web.views import account, admin, analytics, capture, lists, people, review, segments

__all__ = ["account", "admin", "analytics", "bp", "capture", "lists", "people", "review", "segments"]
