"""`meishi analytics refresh`: bring the touchpoint rollup up to date ahead of the reports (after an upgrade, a
large import, or from cron), so that no report pays for a first build or a long backlog of marked days."""

from __future__ import annotations

import json
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from contacts.analytics import rollup
from contacts.auth.cli import find_organization
from contacts.auth.models import Organization
from contacts.db import session_factory


@click.group("analytics", cls=AppGroup)
def analytics_group() -> None:
    """Touchpoint analytics."""


@analytics_group.command("refresh")
@click.option(
    "--org", "org_ref", default=None, help="Organisation id or name (every organisation when left out)."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per organisation.")
def refresh_command(org_ref: str | None, as_json: bool) -> None:
    """Refresh the per-day rollup of each organisation, one transaction per organisation."""
    make_session = session_factory(current_app)
    with make_session() as session:
        if org_ref is None:
            org_ids = list(session.scalars(select(Organization.id).order_by(Organization.created_at)))
        else:
            org_ids = [find_organization(session, org_ref).id]
    for org_id in org_ids:
        started = time.perf_counter()
        with make_session() as session:
            rollup.refresh(session, org_id)
            session.commit()
        seconds = round(time.perf_counter() - started, 3)
        if as_json:
            click.echo(json.dumps({"organization_id": org_id, "seconds": seconds}))
        else:
            click.echo(f"refreshed the analytics rollup of {org_id} in {seconds} s")
