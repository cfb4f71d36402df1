"""Passwords and invitations for the web app's sign-in (the API keeps bearer tokens)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contacts.auth.models import Organization, User, UserInvitation
from contacts.db import utcnow
from contacts.errors import Gone, NotFound, ValidationFailed

INVITATION_LIFETIME = timedelta(hours=72)
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200

_hasher = PasswordHasher()
# Verified when no user matches, so an unknown e-mail costs as much time as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class IssuedInvitation:
    """A fresh invitation: the plain token is only available here, once."""

    invitation: UserInvitation
    token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_rules(password: str) -> str:
    """Return ``password`` if it is long enough (and not absurdly long), else raise ValidationFailed."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            "unusable password",
            errors=[
                {
                    "field": "password",
                    "code": "length",
                    "message": f"use {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
                }
            ],
        )
    return password


def set_password(user: User, password: str) -> None:
    """Store an argon2id hash of a new password for ``user``."""
    user.password_hash = _hasher.hash(check_password_rules(password))
    user.version += 1
    user.updated_at = utcnow()


def generate_password() -> str:
    """Return a random password that satisfies the rules (for the first admin)."""
    return secrets.token_urlsafe(15)


def verify_password(user: User | None, password: str) -> bool:
    """Tell whether ``password`` is the user's; rehash on the fly when the parameters changed."""
    stored = user.password_hash if user is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None or stored is None:
        return False
    if _hasher.check_needs_rehash(stored):
        user.password_hash = _hasher.hash(password)
    return True


def sign_in(session: Session, email: str, password: str) -> User | None:
    """Return the active user whose e-mail and password these are, or None (the same for every failure)."""
    email = email.strip().lower()
    users = list(
        session.scalars(
            select(User)
            .where(User.email == email, User.active.is_(True), User.password_hash.is_not(None))
            .order_by(User.id)
        )
    )
    if not users:
        verify_password(None, password)
        return None
    # An e-mail is unique within an organisation; where two organisations share it, the password decides.
    return next((u for u in users if verify_password(u, password)), None)


def invite(session: Session, user: User, *, invited_by: str | None) -> IssuedInvitation:
    """Create a one-time link for ``user`` to set a password; earlier unused links stop working."""
    now = utcnow()
    session.execute(
        update(UserInvitation)
        .where(UserInvitation.user_id == user.id, UserInvitation.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    invitation = UserInvitation(
        organization_id=user.organization_id,
        user_id=user.id,
        token_hash=_digest(token),
        created_by=invited_by,
        created_at=now,
        expires_at=now + INVITATION_LIFETIME,
    )
    session.add(invitation)
    session.flush()
    return IssuedInvitation(invitation=invitation, token=token)


def open_invitation(session: Session, token: str) -> tuple[UserInvitation, User, Organization]:
    """Return a usable invitation with its user and organisation; NotFound or Gone otherwise."""
    invitation = session.scalar(select(UserInvitation).where(UserInvitation.token_hash == _digest(token)))
    if invitation is None:
        raise NotFound("no such invitation")
    if invitation.used_at is not None or invitation.expires_at <= utcnow():
        raise Gone("this invitation has been used or has expired; ask an admin for a new one")
    user = session.get(User, invitation.user_id)
    org = session.get(Organization, invitation.organization_id)
    if user is None or org is None or not user.active:
        raise Gone("this invitation's user is deactivated")
    return invitation, user, org


def accept_invitation(session: Session, token: str, password: str) -> User:
    """Set the invited user's password and use the invitation up."""
    invitation, user, _ = open_invitation(session, token)
    set_password(user, password)
    invitation.used_at = utcnow()
    return user


def pending_invitations(session: Session, org_id: str) -> dict[str, UserInvitation]:
    """Return each user's newest unused, unexpired invitation in the organisation."""
    rows = session.scalars(
        select(UserInvitation)
        .where(
            UserInvitation.organization_id == org_id,
            UserInvitation.used_at.is_(None),
            UserInvitation.expires_at > utcnow(),
        )
        .order_by(UserInvitation.created_at)
    )
    return {row.user_id: row for row in rows}
