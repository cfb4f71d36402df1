"""The WSGI entry point for production servers: ``gunicorn contacts.wsgi:app``."""

from __future__ import annotations

from contacts.app import create_app, freeze_startup_heap

app = create_app()
freeze_startup_heap()
