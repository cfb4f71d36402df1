"""The Flask application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Flask

from contacts.config import Settings


def create_app(
    test_config: Mapping[str, Any] | None = None, *, extra_packages: Sequence[Callable[[Any], None]] = ()
) -> Flask:
    """Create the app from MEISHI_* settings, with ``test_config`` overriding settings keys.

    ``extra_packages`` are ``register`` functions of packages not listed in ``contacts.packages`` (tests).
    """
    settings = Settings.from_env()
    if test_config:
        settings = settings.with_overrides(test_config)
    app = Flask(__name__, static_folder=None)
    app.config.update(
        SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_body_bytes, JSON_SORT_KEYS=False
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["meishi.settings"] = settings
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from contacts import db
    from contacts.api import core, problems

    db.init_app(app, db.make_engine(settings.database_url))
    from contacts.changelog import service as changelog

    changelog.init_app(app)
    problems.register(app)
    core.init_app(app)

    from contacts import http_security
    from contacts.auth import ratelimit

    http_security.init_app(app, settings)
    ratelimit.init_app(app, settings)

    from contacts.packages import register_packages

    register_packages(app, extra_packages)

    from contacts import web

    web.init_app(app, settings)

    from contacts.cards import queue

    queue.init_app(
        app,
        queue=settings.queue,
        redis_url=settings.redis_url,
        workers=settings.workers,
        namespace=settings.queue_namespace,
        card_pool=settings.card_pool,
    )

    from contacts.webhooks import runner

    mode = settings.webhooks
    if mode == "auto":
        mode = "embedded" if settings.queue == "embedded" else "off"
    runner.init_app(app, mode=mode)

    from contacts.imports import worker as import_worker

    import_worker.init_app(app, embedded=settings.queue != "none" and settings.imports == "embedded")
    return app


YOUNG_GC_THRESHOLD = 50_000


def freeze_startup_heap() -> None:
    """Take what the process allocated at start-up out of the cyclic garbage collector's reach, and collect
    the young generation less often.

    Modules, routes, ORM mappers and phone metadata are about 150,000 long-lived objects. Every full
    collection walked them all (about 90 ms here), once every 75 or so requests: a serving process calls this
    once it is ready, so a full collection walks only what requests allocated (about 2 ms). See gc.freeze.

    A page of 50 contacts allocates tens of thousands of objects (ORM rows and states, pydantic models), so
    the default young threshold of 700 ran about five young collections per list request (3 ms of it), each
    promoting live rows to older generations. At 50,000 a young collection runs every few requests and finds
    most of them already freed by reference counting.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GC_THRESHOLD, older, oldest)
