"""Running webhook deliveries: a thread in the serving process, or the `meishi webhooks` command.

Several dispatchers (gunicorn workers, a separate command) may run at once: each claims webhooks with a
lease (``SKIP LOCKED`` on PostgreSQL), so a webhook is delivered by one of them at a time. Each delivers
concurrently on a small thread pool, with a fair share per organisation (``MEISHI_WEBHOOK_CONCURRENCY``
threads, at most ``MEISHI_WEBHOOK_PER_ORG`` of them for one organisation).
"""

from __future__ import annotations

import logging
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from contacts.background import ServingThreads, start_with_the_server
from contacts.config import ConfigError, settings_of
from contacts.db import session_factory
from contacts.webhooks.service import deliver_due, delivery_lanes
from contacts.webhooks.transport import sender_for

log = logging.getLogger(__name__)
IDLE_SECONDS = 2.0


class Dispatcher(ServingThreads):
    """A daemon thread that delivers due webhooks, resting ``interval`` seconds when nothing was due."""

    def __init__(self, app: Flask, *, interval: float = IDLE_SECONDS) -> None:
        super().__init__()
        self.app = app
        self.interval = interval

    def _start_threads(self) -> list[threading.Thread]:
        thread = threading.Thread(target=self._run, name="meishi-webhooks", daemon=True)
        thread.start()
        return [thread]

    def run_forever(self) -> None:
        """Deliver in the calling thread until stopped."""
        self._run()

    def _run(self) -> None:
        settings = settings_of(self.app)
        lanes = delivery_lanes(
            session_factory(self.app),
            post=sender_for(settings),
            workers=settings.webhook_concurrency,
            per_org=settings.webhook_per_org,
        )
        try:
            while not self._stop.is_set():
                try:
                    started = lanes.fill()
                except Exception:  # a dispatcher outlives a bad pass (database restart, ...)
                    log.exception("claiming webhook deliveries failed")
                    started = []
                if lanes.busy:
                    # a finished delivery frees a slot at once; new work is looked for at least every interval
                    lanes.wait(self.interval if not started else 0.05)
                else:
                    self._stop.wait(self.interval)
        finally:
            lanes.shutdown()


def init_app(app: Flask, *, mode: str) -> None:
    """Start a dispatcher with the serving process when MEISHI_WEBHOOKS is embedded."""
    if mode == "off":
        return
    if mode != "embedded":
        raise ConfigError(f"MEISHI_WEBHOOKS must be auto, embedded or off, not {mode!r}")
    dispatcher = Dispatcher(app)
    app.extensions["meishi.webhooks"] = dispatcher
    start_with_the_server(app, dispatcher)


@click.command("webhooks")
@click.option("--once", is_flag=True, help="Make one delivery pass and exit (for cron).")
@click.option(
    "--interval",
    default=IDLE_SECONDS,
    show_default=True,
    type=float,
    help="Seconds to rest when nothing was due.",
)
@with_appcontext
def webhooks_command(once: bool, interval: float) -> None:
    """Deliver the change feed to webhooks (run with MEISHI_WEBHOOKS=off on the serving processes)."""
    factory = session_factory(current_app)
    if once:
        settings = settings_of(current_app)
        tried = deliver_due(
            factory,
            post=sender_for(settings),
            workers=settings.webhook_concurrency,
            per_org=settings.webhook_per_org,
        )
        click.echo(f"{tried} webhooks tried")
        return
    Dispatcher(current_app, interval=interval).run_forever()
