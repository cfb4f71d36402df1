"""Organisations, users and tokens: bootstrap, token issue/verify/revoke, user administration."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from contacts.auth.models import ROLES, ApiToken, Organization, User
from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import get_owned, utcnow
from contacts.errors import Conflict, Forbidden, Unauthorized, ValidationFailed
from contacts.normalize import normalize_email
from contacts.permissions import PERMISSIONS, ROLE_PERMISSIONS, Principal

TOKEN_PREFIX = "msk"
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A freshly created token: the plain secret is only available here, once."""

    token: ApiToken
    plain: str


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def validate_scopes(scopes: list[str] | None, role: str) -> list[str]:
    """Check requested scopes against the known permissions; None means everything the role has."""
    if scopes is None:
        return ["*"]
    unknown = [s for s in scopes if s != "*" and s not in PERMISSIONS]
    if unknown:
        raise ValidationFailed(
            "unknown scopes",
            errors=[
                {"field": "scopes", "message": f"unknown scope {s!r}", "code": "unknown_scope"}
                for s in unknown
            ],
        )
    return sorted(set(scopes))


def issue_token(
    session: Session,
    user: User,
    *,
    name: str = "",
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """Create a token for ``user`` and return it with its plain secret."""
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        organization_id=user.organization_id,
        user_id=user.id,
        name=name,
        secret_hash=_hash_secret(secret),
        scopes=validate_scopes(scopes, user.role),
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return IssuedToken(token=token, plain=f"{TOKEN_PREFIX}_{token.id}_{secret}")


@functools.cache
def _token_and_user() -> Select[tuple[Any, ...]]:
    """Return the select of what authentication reads of a token (bound as ``token_id``) and its user, built
    once: every API request runs it, and a built statement keeps its cache key (SQLAlchemy does not traverse it
    again). Plain columns, not mapped rows: two objects in the identity map cost more than the check."""
    return (
        select(
            ApiToken.secret_hash,
            ApiToken.organization_id,
            ApiToken.scopes,
            ApiToken.last_used_at,
            ApiToken.expires_at,
            ApiToken.revoked_at,
            User.id,
            User.role,
            User.active,
        )
        .outerjoin(User, User.id == ApiToken.user_id)
        .where(ApiToken.id == bindparam("token_id"))
    )


def authenticate(session: Session, bearer: str) -> Principal:
    """Resolve a bearer token to its principal, or raise Unauthorized; notes the token's use, never commits."""
    parts = bearer.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        raise Unauthorized("malformed bearer token")
    token_id = parts[1]
    # The token and its user in one round trip.
    found = session.execute(_token_and_user(), {"token_id": token_id}).first()
    if found is None or not hmac.compare_digest(found[0], _hash_secret(parts[2])):
        raise Unauthorized("invalid bearer token")
    _, org_id, scopes, last_used_at, expires_at, revoked_at, user_id, role, active = found
    now = utcnow()
    if revoked_at is not None:
        raise Unauthorized("this token has been revoked")
    if expires_at is not None and expires_at <= now:
        raise Unauthorized("this token has expired")
    if user_id is None or not active:
        raise Unauthorized("the token's user is deactivated")
    if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
        token = session.get_one(ApiToken, token_id)  # once a minute: the row, to change it
        token.last_used_at = now  # the caller decides when it is committed
    return Principal(
        organization_id=org_id,
        user_id=user_id,
        role=role,
        token_id=token_id,
        scopes=frozenset(["*"] if scopes is None else scopes),
    )


def derive_scopes(parent: frozenset[str], requested: list[str] | None) -> list[str]:
    """Return the scopes of a token derived from a token with ``parent`` scopes: the parent's, or a subset."""
    if requested is None:
        return sorted(parent)
    if "*" in parent:
        return requested
    wider = sorted({s for s in requested if s not in parent and (s == "*" or s in PERMISSIONS)})
    if wider:
        raise Forbidden(f"a token cannot carry scopes the token creating it lacks: {', '.join(wider)}")
    return requested


def derive_expiry(parent: datetime | None, requested: datetime | None) -> datetime | None:
    """Return the expiry of a derived token: the requested one, never later than the parent's."""
    if parent is None:
        return requested
    if requested is None:
        return parent
    if requested > parent:
        raise ValidationFailed(
            "a token cannot outlive the token creating it",
            errors=[
                {
                    "field": "expires_at",
                    "message": f"must not be later than {parent.isoformat()}",
                    "code": "after_parent_expiry",
                }
            ],
        )
    return requested


def check_grantable(principal: Principal, role: str) -> str:
    """Return ``role`` if the caller holds every permission it grants (no escalation through a narrow token)."""
    check_role(role)
    missing = sorted(p for p in ROLE_PERMISSIONS[role] if not principal.can(p))
    if missing:
        raise Forbidden(f"this token cannot grant the role {role!r}: it lacks {', '.join(missing)}")
    return role


def check_role(role: str) -> str:
    """Return ``role`` if it is one of the known roles."""
    if role not in ROLES:
        raise ValidationFailed(
            "unknown role",
            errors=[{"field": "role", "message": f"role must be one of {', '.join(ROLES)}", "code": "enum"}],
        )
    return role


def bootstrap(
    session: Session, *, org_name: str, email: str, name: str = ""
) -> tuple[Organization, User, IssuedToken]:
    """Create an organisation, its first admin and that admin's first token."""
    org = Organization(name=org_name)
    session.add(org)
    session.flush()
    user = User(organization_id=org.id, email=email.strip().lower(), name=name, role="admin")
    session.add(user)
    session.flush()
    return org, user, issue_token(session, user, name="bootstrap")


def create_user(session: Session, org_id: str, *, email: str, name: str, role: str) -> User:
    """Add a user to the organisation; emails are unique within it."""
    try:
        email = normalize_email(email)
    except ValueError as e:
        raise ValidationFailed(
            "invalid email", errors=[{"field": "email", "message": str(e), "code": "invalid_email"}]
        ) from e
    existing = session.scalar(select(User).where(User.organization_id == org_id, User.email == email))
    if existing is not None:
        raise Conflict(f"a user with email {email} already exists")
    user = User(organization_id=org_id, email=email, name=name, role=check_role(role))
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, org_id: str, user_id: str) -> User:
    """Return the organisation's user or raise NotFound."""
    return get_owned(session, User, org_id, user_id)


def get_token(session: Session, org_id: str, token_id: str) -> ApiToken:
    """Return the organisation's token or raise NotFound."""
    return get_owned(session, ApiToken, org_id, token_id, what="token")


def update_user(
    session: Session,
    principal: Principal,
    user: User,
    *,
    name: str | None = None,
    role: str | None = None,
    active: bool | None = None,
) -> User:
    """Change a user's name, role or active flag (None: keep); deactivating revokes its tokens."""
    if user.id == principal.user_id and (active is False or role not in (None, "admin")):
        raise Conflict("an admin cannot demote or deactivate themselves")
    if name is not None:
        user.name = name
    if role is not None and role != user.role:
        user.role = check_grantable(principal, role)
    if active is not None:
        user.active = active
        if not active:
            revoke_tokens_of(session, user)
    user.version += 1
    user.updated_at = utcnow()
    publish(
        session,
        Recorded(
            org_id=user.organization_id,
            actor_id=principal.user_id,
            entity=Entity.USER,
            ids=(user.id,),
            operation=Operation.UPDATED,
        ),
    )
    return user


def revoke_tokens_of(session: Session, user: User) -> None:
    """Revoke every live token of a user (used when a user is deactivated)."""
    now = utcnow()
    for token in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = now


def role_permissions(role: str) -> list[str]:
    """List what a role may do, for the users API."""
    return sorted(ROLE_PERMISSIONS.get(role, frozenset()))
