"""gunicorn server hooks of `meishi serve`, loaded with ``--config python:contacts.serve_hooks``.

gunicorn reads every name of this module that is one of its settings, so the module holds the hooks and
nothing else: with ``MEISHI_CARD_POOL=process`` (which `meishi serve` sets for the embedded queue), the
arbiter starts the card worker process when it is ready and stops it when it shuts down.
"""

from __future__ import annotations

from typing import Any


def when_ready(server: Any) -> None:
    """Start the card worker beside the serving workers, if this server has one."""
    import os

    from contacts.config import Settings
    from contacts.serve import CardWorker, card_worker_argv

    settings = Settings.from_env()
    if settings.queue == "embedded" and settings.card_pool == "process":
        worker = CardWorker(card_worker_argv(os.getpid()))
        worker.start()
        server.meishi_card_worker = worker


def on_exit(server: Any) -> None:
    """Stop the card worker (it finishes the cards it is reading first, within the timeout)."""
    worker = getattr(server, "meishi_card_worker", None)
    if worker is not None:
        worker.stop()
