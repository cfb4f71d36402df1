"""Users and API tokens: /api/v1/users, /api/v1/tokens, /api/v1/me."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import select

from contacts.api.context import org_id
from contacts.api.http import check_if_match, etag_for, json_response, no_content
from contacts.api.principal import current_principal
from contacts.api.schemas import ListQuery
from contacts.api.spec import operation
from contacts.auth import service
from contacts.auth.models import ApiToken, User
from contacts.auth.schemas import (
    TokenCreate,
    TokenCreated,
    TokenListQuery,
    TokenOut,
    TokenPage,
    UserCreate,
    UserOut,
    UserPage,
    UserUpdate,
)
from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import get_session, utcnow
from contacts.errors import Conflict, NotFound
from contacts.pagination import page_by_id

bp = Blueprint("auth", __name__, url_prefix="/api/v1")


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        active=user.active,
        permissions=service.role_permissions(user.role),
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


def _token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.id,
        user_id=token.user_id,
        name=token.name,
        scopes=list(token.scopes),
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
    )


@bp.get("/me")
@operation(summary="The calling user", permission=None, response=UserOut, tag="users")
def me() -> Response:
    user = service.get_user(get_session(), org_id(), current_principal().user_id)
    return json_response(_user_out(user))


@bp.post("/users")
@operation(
    summary="Add a user (admin)",
    permission="users:admin",
    body=UserCreate,
    response=UserOut,
    status=201,
    tag="users",
    idempotent=True,
)
def create_user(body: UserCreate) -> Response:
    session = get_session()
    role = service.check_grantable(current_principal(), body.role)
    user = service.create_user(session, org_id(), email=body.email, name=body.name, role=role)
    publish(
        session,
        Recorded(
            org_id=org_id(),
            actor_id=current_principal().user_id,
            entity=Entity.USER,
            ids=(user.id,),
            operation=Operation.CREATED,
        ),
    )
    return json_response(
        _user_out(user), 201, etag=etag_for(user.id, user.version), location=f"/api/v1/users/{user.id}"
    )


@bp.get("/users")
@operation(summary="List users", permission="users:read", query=ListQuery, response=UserPage, tag="users")
def list_users(query: ListQuery) -> Response:
    rows, next_cursor = page_by_id(
        get_session(),
        select(User).where(User.organization_id == org_id()),
        User.id,
        limit=query.limit,
        cursor=query.cursor,
    )
    return json_response(UserPage(items=[_user_out(u) for u in rows], next_cursor=next_cursor))


@bp.get("/users/<user_id>")
@operation(summary="Get a user", permission="users:read", response=UserOut, tag="users", etag=True)
def get_user(user_id: str) -> Response:
    user = service.get_user(get_session(), org_id(), user_id)
    return json_response(_user_out(user), etag=etag_for(user.id, user.version))


@bp.patch("/users/<user_id>")
@operation(
    summary="Change a user's name, role or active flag (admin); deactivating revokes its tokens",
    permission="users:admin",
    body=UserUpdate,
    response=UserOut,
    tag="users",
    if_match=True,
)
def update_user(user_id: str, body: UserUpdate) -> Response:
    session = get_session()
    user = service.get_user(session, org_id(), user_id)
    check_if_match(user.id, user.version)
    service.update_user(
        session, current_principal(), user, name=body.name, role=body.role, active=body.active
    )
    return json_response(_user_out(user), etag=etag_for(user.id, user.version))


@bp.post("/tokens")
@operation(
    summary="Create an API token (for yourself; admins for any user)",
    permission="tokens:self",
    body=TokenCreate,
    response=TokenCreated,
    status=201,
    tag="tokens",
)
def create_token(body: TokenCreate) -> Response:
    session = get_session()
    principal = current_principal()
    target_id = body.user_id or principal.user_id
    if target_id != principal.user_id:
        principal.require("tokens:admin")
    user = service.get_user(session, org_id(), target_id)
    if not user.active:
        raise Conflict("the user is deactivated")
    parent = service.get_token(session, org_id(), principal.token_id)
    scopes = service.derive_scopes(principal.scopes, body.scopes)
    expires_at = service.derive_expiry(parent.expires_at, body.expires_at)
    issued = service.issue_token(session, user, name=body.name, scopes=scopes, expires_at=expires_at)
    publish(
        session,
        Recorded(
            org_id=org_id(),
            actor_id=principal.user_id,
            entity=Entity.TOKEN,
            ids=(issued.token.id,),
            operation=Operation.CREATED,
        ),
    )
    out = TokenCreated(**_token_out(issued.token).model_dump(), token=issued.plain)
    return json_response(out, 201, location=f"/api/v1/tokens/{issued.token.id}")


@bp.get("/tokens")
@operation(
    summary="List tokens (yours; admins see everyone's)",
    permission="tokens:self",
    query=TokenListQuery,
    response=TokenPage,
    tag="tokens",
)
def list_tokens(query: TokenListQuery) -> Response:
    principal = current_principal()
    stmt = select(ApiToken).where(ApiToken.organization_id == org_id())
    if not principal.can("tokens:admin"):
        stmt = stmt.where(ApiToken.user_id == principal.user_id)
    elif query.user_id:
        stmt = stmt.where(ApiToken.user_id == query.user_id)
    if not query.include_revoked:
        stmt = stmt.where(ApiToken.revoked_at.is_(None))
    rows, next_cursor = page_by_id(get_session(), stmt, ApiToken.id, limit=query.limit, cursor=query.cursor)
    return json_response(TokenPage(items=[_token_out(t) for t in rows], next_cursor=next_cursor))


def _visible_token(token_id: str) -> ApiToken:
    principal = current_principal()
    token = service.get_token(get_session(), org_id(), token_id)
    if token.user_id != principal.user_id and not principal.can("tokens:admin"):
        raise NotFound("no such token")
    return token


@bp.get("/tokens/<token_id>")
@operation(summary="Get a token's metadata", permission="tokens:self", response=TokenOut, tag="tokens")
def get_token(token_id: str) -> Response:
    return json_response(_token_out(_visible_token(token_id)))


@bp.delete("/tokens/<token_id>")
@operation(summary="Revoke a token; it fails at once", permission="tokens:self", status=204, tag="tokens")
def revoke_token(token_id: str) -> Response:
    token = _visible_token(token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        publish(
            get_session(),
            Recorded(
                org_id=org_id(),
                actor_id=current_principal().user_id,
                entity=Entity.TOKEN,
                ids=(token.id,),
                operation=Operation.REVOKED,
            ),
        )
    return no_content()
