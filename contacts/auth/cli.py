"""`meishi tokens create|list|revoke`: API tokens from the command line, so an organisation is never locked out."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contacts.auth import service
from contacts.auth.models import ApiToken, Organization, User
from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import session_factory, utcnow
from contacts.errors import ValidationFailed


def find_organization(session: Session, ref: str) -> Organization:
    """Return the organisation with id or name ``ref``; a usage error when there is none or several."""
    orgs = list(
        session.scalars(select(Organization).where(or_(Organization.id == ref, Organization.name == ref)))
    )
    if not orgs:
        raise click.UsageError(f"no organisation with id or name {ref!r}")
    if len(orgs) > 1:
        ids = ", ".join(o.id for o in orgs)
        raise click.UsageError(f"{len(orgs)} organisations are named {ref!r} ({ids}); pass the id")
    return orgs[0]


def find_user(session: Session, org: Organization, email: str) -> User:
    """Return the organisation's active user with ``email``."""
    user = session.scalar(
        select(User).where(User.organization_id == org.id, User.email == email.strip().lower())
    )
    if user is None:
        raise click.UsageError(f"no user {email!r} in organisation {org.name!r}")
    if not user.active:
        raise click.UsageError(f"user {email!r} is deactivated; reactivate them first")
    return user


@click.group("tokens", cls=AppGroup)
def tokens_group() -> None:
    """API tokens: issue, list and revoke."""


@tokens_group.command("create")
@click.option("--org", "org_ref", required=True, help="Organisation id or name.")
@click.option("--user", "email", required=True, help="E-mail of the user the token acts as.")
@click.option(
    "--scopes", default=None, help="Comma-separated permissions (default: everything the role has)."
)
@click.option("--name", default="cli", show_default=True, help="A name to recognise the token by.")
@click.option("--json", "as_json", is_flag=True, help="Print {token, token_id, user_id, scopes} as JSON.")
def create_token_command(org_ref: str, email: str, scopes: str | None, name: str, as_json: bool) -> None:
    """Issue an API token for a user (printed only this once)."""
    wanted = [s.strip() for s in scopes.split(",") if s.strip()] if scopes is not None else None
    with session_factory(current_app)() as session:
        org = find_organization(session, org_ref)
        user = find_user(session, org, email)
        try:
            issued = service.issue_token(session, user, name=name[:200], scopes=wanted)
        except ValidationFailed as e:
            raise click.UsageError("; ".join(x["message"] for x in e.errors or []) or e.detail) from None
        publish(
            session,
            Recorded(
                org_id=org.id,
                actor_id=None,
                entity=Entity.TOKEN,
                ids=(issued.token.id,),
                operation=Operation.CREATED,
            ),
        )
        session.commit()
        out = {
            "token": issued.plain,
            "token_id": issued.token.id,
            "user_id": user.id,
            "scopes": issued.token.scopes,
        }
    if as_json:
        click.echo(json.dumps(out))
    else:
        click.echo(f"token {out['token_id']} for {email} ({', '.join(out['scopes'])})\n{out['token']}")
        click.echo("Keep the token: it is not shown again.", err=True)


@tokens_group.command("list")
@click.option("--org", "org_ref", required=True, help="Organisation id or name.")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def list_tokens_command(org_ref: str, include_revoked: bool, as_json: bool) -> None:
    """List an organisation's tokens (never their secrets)."""
    with session_factory(current_app)() as session:
        org = find_organization(session, org_ref)
        stmt = (
            select(ApiToken, User.email)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.organization_id == org.id)
            .order_by(ApiToken.id)
        )
        if not include_revoked:
            stmt = stmt.where(ApiToken.revoked_at.is_(None))
        items = [
            {
                "id": t.id,
                "user": user_email,
                "name": t.name,
                "scopes": t.scopes,
                "created_at": t.created_at.isoformat(),
                "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t, user_email in session.execute(stmt)
        ]
    if as_json:
        click.echo(json.dumps(items))
        return
    for item in items:
        revoked = f"  revoked {item['revoked_at']}" if item["revoked_at"] else ""
        click.echo(f"{item['id']}  {item['user']}  {item['name']}  {','.join(item['scopes'])}{revoked}")


@tokens_group.command("revoke")
@click.argument("token_id")
def revoke_token_command(token_id: str) -> None:
    """Revoke a token by id; it fails at once."""
    with session_factory(current_app)() as session:
        token = session.get(ApiToken, token_id.strip())
        if token is None:
            raise click.UsageError(f"no token {token_id!r}")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            publish(
                session,
                Recorded(
                    org_id=token.organization_id,
                    actor_id=None,
                    entity=Entity.TOKEN,
                    ids=(token.id,),
                    operation=Operation.REVOKED,
                ),
            )
            session.commit()
    click.echo(f"token {token_id} revoked")
