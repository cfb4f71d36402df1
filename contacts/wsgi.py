"""The WSGI entry point for production servers: ``gunicorn contacts.wsgi:app``.

Each gunicorn worker imports this module after the fork, so the embedded card pool and the webhook thread
start here, with the worker, and queued cards are processed without waiting for a first request.
"""

from __future__ import annotations

from contacts.app import create_app, freeze_startup_heap
from contacts.background import start_serving_threads

app = create_app()
freeze_startup_heap()
start_serving_threads(app)
