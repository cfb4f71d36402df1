"""The `meishi` command line: a Flask CLI group with service, admin, OCR and matching commands."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup

from contacts import migrate
from contacts.app import create_app, freeze_startup_heap
from contacts.config import ConfigError, settings_of


def _create_app() -> object:
    try:
        app = create_app()
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    freeze_startup_heap()
    return app


@click.group(
    cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False, set_debug_flag=False
)
def cli() -> None:
    """Meishi: business cards in, clean contacts and touchpoints out."""


@cli.group("db")
def db_group() -> None:
    """Database migrations."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the configured database up to REVISION (default: head)."""
    migrate.upgrade(settings_of(current_app).database_url, revision)
    click.echo(f"database at {revision}")


@db_group.command("downgrade")
@click.argument("revision", default="base")
def db_downgrade(revision: str) -> None:
    """Migrate the configured database down to REVISION (default: base)."""
    migrate.downgrade(settings_of(current_app).database_url, revision)
    click.echo(f"database at {revision}")


@cli.command("bootstrap")
@click.option("--org", "org_name", required=True, help="Name of the new organisation.")
@click.option("--email", required=True, help="Email of its first admin.")
@click.option("--name", default="", help="Display name of the admin.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print {token, organization_id, user_id, password} as JSON."
)
@click.option(
    "--allow-duplicate-name", is_flag=True, help="Create it even if an organisation of that name exists."
)
def bootstrap_command(
    org_name: str, email: str, name: str, as_json: bool, allow_duplicate_name: bool
) -> None:
    """Create an organisation, its admin (with a web password) and one API token (printed only this once)."""
    from contacts.auth import passwords, service
    from contacts.bus import Recorded, publish
    from contacts.changelog.vocabulary import Entity, Operation
    from contacts.db import session_factory

    if "@" not in email or len(email) > 320:
        raise click.UsageError(f"not an email address: {email!r}")
    if not org_name.strip():
        raise click.UsageError("--org must not be empty")
    _migrate_if_needed()
    password = passwords.generate_password()
    with session_factory(current_app)() as session:
        if not allow_duplicate_name:
            from sqlalchemy import select

            from contacts.auth.models import Organization

            existing = session.scalar(select(Organization.id).where(Organization.name == org_name.strip()))
            if existing is not None:
                raise click.ClickException(
                    f"an organisation named {org_name.strip()!r} already exists ({existing}); issue a token "
                    "with `meishi tokens create`, or pass --allow-duplicate-name"
                )
        org, user, issued = service.bootstrap(session, org_name=org_name.strip(), email=email, name=name)
        passwords.set_password(user, password)
        publish(
            session,
            Recorded(
                org_id=org.id,
                actor_id=user.id,
                entity=Entity.ORGANIZATION,
                ids=(org.id,),
                operation=Operation.CREATED,
            ),
        )
        session.commit()
    if as_json:
        click.echo(
            json.dumps(
                {"token": issued.plain, "organization_id": org.id, "user_id": user.id, "password": password}
            )
        )
    else:
        click.echo(
            f"organization {org.id} ({org.name})\nadmin        {user.id} ({user.email})\n"
            f"password     {password}\ntoken        {issued.plain}\n"
            "Sign in to the web app with the admin's e-mail and this password (change it under Settings).\n"
            "Keep the token and the password: they are not shown again."
        )


@cli.group("users")
def users_group() -> None:
    """User administration."""


@users_group.command("set-password")
@click.argument("email")
@click.option(
    "--org", "org_ref", default=None, help="Organisation id or name (when the e-mail is in several)."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def set_password_command(email: str, org_ref: str | None, password_stdin: bool) -> None:
    """Set the web sign-in password of the user with EMAIL (prompts for it unless --password-stdin)."""
    from sqlalchemy import or_, select

    from contacts.auth import passwords
    from contacts.auth.models import Organization, User
    from contacts.db import session_factory
    from contacts.errors import ValidationFailed

    with session_factory(current_app)() as session:
        stmt = select(User).where(User.email == email.strip().lower())
        if org_ref:
            stmt = stmt.join(Organization, Organization.id == User.organization_id).where(
                or_(Organization.id == org_ref, Organization.name == org_ref)
            )
        users = list(session.scalars(stmt))
        if not users:
            raise click.ClickException(f"no user with e-mail {email!r}")
        if len(users) > 1:
            raise click.UsageError(f"{email!r} is a user in {len(users)} organisations; name one with --org")
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
        try:
            passwords.set_password(users[0], password)
        except ValidationFailed as e:
            raise click.ClickException(
                f"password: {e.errors[0]['message'] if e.errors else e.detail}"
            ) from None
        session.commit()
    click.echo(f"password set for {email}")


def _migrate_if_needed() -> None:
    """Bring an unmigrated (or older) database to head first, saying so on stderr; one line if that fails."""
    url = settings_of(current_app).database_url
    try:
        if migrate.is_current(current_app.extensions["meishi.engine"]):
            return
        migrate.upgrade(url)
    except Exception as e:  # an unreachable or unmigratable database: say what to run, no traceback
        raise click.ClickException(
            f"the database is not migrated and migrating it failed ({type(e).__name__}: "
            f"{str(e).splitlines()[0] if str(e) else ''}); run `meishi db upgrade`"
        ) from e
    click.echo("migrated the database to the latest schema", err=True)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=8, show_default=True, type=int, help="request threads per worker")
@click.option(
    "--card-worker/--no-card-worker",
    default=True,
    show_default=True,
    help="With MEISHI_QUEUE=embedded, run OCR in one `meishi worker` process beside the serving workers "
    "(not in threads of each worker).",
)
@click.option(
    "--dev",
    is_flag=True,
    envvar="MEISHI_DEV",
    help="A development run: allow the default MEISHI_SECRET_KEY (also MEISHI_DEV=true).",
)
def serve_command(host: str, port: int, workers: int, threads: int, card_worker: bool, dev: bool) -> None:
    """Serve the API with gunicorn (production): threaded workers, request limits, problem+json errors."""
    import os

    from contacts.config import DEFAULT_SECRET_KEY, Settings
    from contacts.serve import exec_gunicorn, gunicorn_argv

    try:
        settings = Settings.from_env()
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    if settings.secret_key == DEFAULT_SECRET_KEY and not dev:
        raise click.ClickException(
            "MEISHI_SECRET_KEY is the default development key; set a secret of your own "
            "(or pass --dev / MEISHI_DEV=true for a development run)"
        )
    if workers < 1 or threads < 1:
        raise click.UsageError("--workers and --threads must be at least 1")
    # gunicorn's arbiter and workers inherit it: the arbiter starts the card worker, the workers no pool
    os.environ["MEISHI_CARD_POOL"] = "process" if card_worker else "threads"
    exec_gunicorn(gunicorn_argv(host=host, port=port, workers=workers, threads=threads))


def _register_engine_commands(group: click.Group) -> None:
    """Add the commands that need no app or database: OCR and the matching engine."""
    from contacts.dedup.cli import dedupe_command
    from ocr.cli import eval_ocr_command, scan_command

    group.add_command(scan_command, "scan")
    group.add_command(eval_ocr_command, "eval-ocr")
    group.add_command(dedupe_command, "dedupe")


def _register_card_commands(group: click.Group) -> None:
    """Add the card commands: the worker and the folder import."""
    from contacts.cards.cli import import_cards_command, reprocess_cards_command, worker_command

    group.add_command(worker_command, "worker")
    group.add_command(import_cards_command, "import-cards")
    group.add_command(reprocess_cards_command, "reprocess-cards")


def _register_dedup_commands(group: click.Group) -> None:
    """Add the commands that rematch an organisation's contacts in the database."""
    from contacts.dedup.scan import dedupe_scan_command

    group.add_command(dedupe_scan_command, "dedupe-scan")


def _register_changelog_commands(group: click.Group) -> None:
    """Add the change feed's commands (pruning by retention)."""
    from contacts.changelog.cli import changes_group

    group.add_command(changes_group, "changes")


def _register_webhook_commands(group: click.Group) -> None:
    """Add the webhook delivery command."""
    from contacts.webhooks.runner import webhooks_command

    group.add_command(webhooks_command, "webhooks")


def _register_admin_commands(group: click.Group) -> None:
    """Add the token and analytics commands and the contacts-file import."""
    from contacts.analytics.cli import analytics_group
    from contacts.auth.cli import tokens_group
    from contacts.imports.cli import import_command, imports_group

    group.add_command(tokens_group, "tokens")
    group.add_command(analytics_group, "analytics")
    group.add_command(import_command, "import")
    group.add_command(imports_group, "imports")


def main() -> None:
    """Console-script entry point."""
    _register_engine_commands(cli)
    _register_card_commands(cli)
    _register_dedup_commands(cli)
    _register_webhook_commands(cli)
    _register_changelog_commands(cli)
    _register_admin_commands(cli)
    cli.main(prog_name="meishi")


if __name__ == "__main__":
    main()
