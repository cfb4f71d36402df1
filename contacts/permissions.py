"""The role and scope permission model, and the principal it judges (no HTTP here: services use it too)."""

from __future__ import annotations

from dataclasses import dataclass

from contacts.errors import Forbidden

PERMISSIONS = (
    "contacts:read",
    "contacts:write",
    "companies:read",
    "companies:write",
    "tags:read",
    "tags:write",
    "events:read",
    "events:write",
    "touchpoints:read",
    "touchpoints:write",
    "cards:read",
    "cards:write",
    "duplicates:read",
    "duplicates:write",
    "users:read",
    "users:admin",
    "tokens:self",
    "tokens:admin",
    "changes:read",
    "org:admin",
    "contacts:restore",
    "privacy:admin",
    "webhooks:admin",
    "analytics:read",
    "segments:write",
    "contacts:export",
    # Create events (not edit or delete them): sales reps set up the trade show they are at.
    "events:create",
    # Record a touchpoint; without touchpoints:write only of the online kinds (contacts.touchpoints.service).
    "touchpoints:record",
    "optouts:write",
    "contact_rules:write",
    "imports:write",
)

# A token scoped before a narrower permission existed keeps what its scope allowed: the narrower permission is
# granted by the broader scope too (the role still decides).
SCOPE_IMPLIED_BY = {"touchpoints:record": "touchpoints:write", "events:create": "events:write"}

_READ_ALL = {p for p in PERMISSIONS if p.endswith(":read")}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "manager": frozenset(
        set(PERMISSIONS) - {"users:admin", "tokens:admin", "org:admin", "contacts:restore", "privacy:admin"}
    ),
    "sales": frozenset(
        {
            "contacts:read",
            "contacts:write",
            "companies:read",
            "companies:write",
            "cards:read",
            "cards:write",
            "touchpoints:read",
            "touchpoints:write",
            "touchpoints:record",
            "tags:read",
            "events:read",
            "events:create",
            "optouts:write",
            "duplicates:read",
            "users:read",
            "tokens:self",
        }
    ),
    "marketing": frozenset(
        {
            "contacts:read",
            "companies:read",
            "tags:read",
            "tags:write",
            "events:read",
            "events:write",
            "events:create",
            "touchpoints:read",
            "touchpoints:record",
            "optouts:write",
            "cards:read",
            "users:read",
            "tokens:self",
            "changes:read",
            "analytics:read",
            "segments:write",
            "contacts:export",
        }
    ),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a user of one organisation acting through one token."""

    organization_id: str
    user_id: str
    role: str
    token_id: str
    scopes: frozenset[str]

    def can(self, permission: str) -> bool:
        """Tell whether both the role and the token's scopes grant ``permission``."""
        role_ok = permission in ROLE_PERMISSIONS.get(self.role, frozenset())
        broader = SCOPE_IMPLIED_BY.get(permission)
        scope_ok = "*" in self.scopes or permission in self.scopes or broader in self.scopes
        return role_ok and scope_ok

    def require(self, permission: str) -> None:
        """Raise Forbidden unless the caller holds ``permission``."""
        if not self.can(permission):
            raise Forbidden(f"this token or role lacks the permission {permission!r}")
