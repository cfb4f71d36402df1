"""`meishi changes prune`: delete change-feed entries older than the retention (run it daily from cron)."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from contacts.changelog import service
from contacts.config import settings_of
from contacts.db import session_factory


@click.group("changes")
def changes_group() -> None:
    """The change feed."""


@changes_group.command("prune")
@click.option("--json", "as_json", is_flag=True, help="Print the number of deleted entries as JSON.")
@with_appcontext
def prune_command(as_json: bool) -> None:
    """Delete entries older than MEISHI_CHANGES_RETENTION_DAYS (default 90, at least 30)."""
    days = settings_of(current_app).changes_retention_days
    with session_factory(current_app)() as session:
        deleted = service.prune_by_retention(session, days)
        session.commit()
    if as_json:
        click.echo(json.dumps({"deleted": deleted, "retention_days": days}))
    else:
        click.echo(f"deleted {deleted} change-feed entries older than {days} days")
