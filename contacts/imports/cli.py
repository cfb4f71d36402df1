"""`meishi import FILE`: plan a contacts file and, with --commit, apply it, printing the totals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from contacts.auth.cli import find_organization, find_user
from contacts.auth.models import Organization, User
from contacts.config import settings_of
from contacts.db import session_factory
from contacts.errors import MeishiError
from contacts.imports import service
from contacts.imports.commit import new_worker_id, run_import
from contacts.imports.models import ContactImport
from contacts.imports.profiles import PROFILE_NAMES
from contacts.provenance import Actor


def _mapping(raw: str | None) -> dict[str, str] | None:
    if not raw:
        return None
    text = Path(raw[1:]).read_text(encoding="utf-8") if raw.startswith("@") else raw
    try:
        data = json.loads(text)
    except ValueError as e:
        raise click.UsageError(f"--mapping is not JSON: {e}") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise click.UsageError("--mapping must be a JSON object of column name to field name")
    return {str(k): v for k, v in data.items()}


def _totals(label: str, totals: dict[str, int]) -> str:
    return f"{label}: " + ", ".join(
        f"{k} {totals.get(k, 0)}" for k in ("create", "update", "merge", "skip", "error")
    )


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--org", "org_ref", default=None, help="Organisation id or name (needed when there are several)."
)
@click.option("--user", "email", default=None, help="The user the import acts as (default: the first admin).")
@click.option(
    "--profile", type=click.Choice(PROFILE_NAMES), default=None, help="Force a known export's columns."
)
@click.option("--mapping", default=None, help="JSON {column: field}, or @FILE holding it.")
@click.option("--encoding", default=None, help="utf-8, utf-8-sig or cp932 (default: detected).")
@click.option("--dry-run/--commit", "dry_run", default=True, help="Only plan (default), or plan and commit.")
@click.option("--json", "as_json", is_flag=True, help="Print the import as JSON.")
@with_appcontext
def import_command(
    file: Path,
    org_ref: str | None,
    email: str | None,
    profile: str | None,
    mapping: str | None,
    encoding: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Import contacts from a CSV (Salesforce, HubSpot, Sansan, Meishi or --mapping) or vCard FILE."""
    settings = settings_of(current_app)
    factory = session_factory(current_app)
    if file.stat().st_size > settings.import_max_bytes:
        raise click.ClickException(
            f"{file} is larger than {settings.import_max_bytes} bytes (MEISHI_IMPORT_MAX_BYTES); split it"
        )
    with factory() as session:
        org = _organization(session, org_ref)
        user = find_user(session, org, email) if email else _first_admin(session, org.id)
        try:
            parsed = service.read_file(
                file.read_bytes(),
                filename=file.name,
                max_bytes=settings.import_max_bytes,
                max_rows=settings.import_max_rows,
                encoding=encoding,
                profile=profile,
                mapping=_mapping(mapping),
            )
            imp = service.plan_import(session, Actor(org.id, user.id), parsed, filename=file.name)
            if not dry_run:
                service.start_commit(session, Actor(org.id, user.id), imp)
        except MeishiError as e:
            detail = "; ".join(f"{x.get('field')}: {x.get('message')}" for x in (e.errors or [])[:3])
            raise click.ClickException(f"{e.detail}" + (f" ({detail})" if detail else "")) from None
        session.commit()
        import_id = imp.id
        if not as_json:
            click.echo(
                f"import {import_id}: {imp.total_rows} rows, profile {imp.profile}, encoding {imp.encoding}"
            )
            click.echo(_totals("planned", imp.planned))
    if not dry_run:
        progress = _progress if sys.stderr.isatty() and not as_json else None
        run_import(factory, import_id, worker=new_worker_id(), on_progress=progress)
        if progress is not None:
            click.echo("", err=True)
    with factory() as session:
        final = session.get(ContactImport, import_id)
        assert final is not None
        if as_json:
            click.echo(service.import_out(session, final).model_dump_json())
        elif not dry_run:
            click.echo(_totals("committed", final.results))


def _progress(done: int, total: int) -> None:
    click.echo(f"\rcommitted {done}/{total} rows", nl=False, err=True)


def _organization(session: Session, org_ref: str | None) -> Organization:
    if org_ref:
        return find_organization(session, org_ref)
    orgs = list(session.scalars(select(Organization).limit(2)))
    if len(orgs) != 1:
        raise click.UsageError("name the organisation with --org")
    return orgs[0]


def _first_admin(session: Session, org_id: str) -> User:
    user = session.scalar(
        select(User)
        .where(User.organization_id == org_id, User.role == "admin", User.active.is_(True))
        .order_by(User.id)
    )
    if user is None:
        raise click.UsageError("the organisation has no active admin; pass --user")
    return user


@click.group("imports", cls=AppGroup)
def imports_group() -> None:
    """Import commits outside the serving process."""


@imports_group.command("work")
@click.option("--once", is_flag=True, help="Commit what is pending now, then exit.")
def work_command(once: bool) -> None:
    """Commit pending imports (with MEISHI_IMPORTS=off, or to resume a crashed worker's import)."""
    import time

    from contacts.imports.worker import IDLE_SECONDS, run_pending

    while True:
        for import_id in run_pending(current_app):
            click.echo(f"import {import_id} done")
        if once:
            return
        time.sleep(IDLE_SECONDS)
