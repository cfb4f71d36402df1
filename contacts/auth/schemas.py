"""User and token schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from contacts.api.schemas import AwareDatetime, Id, ListQuery, Short, StrictModel

Role = Literal["admin", "manager", "sales", "marketing"]


class UserCreate(StrictModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    name: Short = ""
    role: Role


class UserUpdate(StrictModel):
    name: Short | None = None
    role: Role | None = None
    active: bool | None = None


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    active: bool
    permissions: list[str]
    created_at: datetime
    updated_at: datetime


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None


class TokenCreate(StrictModel):
    name: Short = ""
    user_id: Id | None = None
    scopes: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="A subset of the creating token's scopes; by default the same scopes.",
    )
    expires_at: AwareDatetime | None = None


class TokenOut(BaseModel):
    id: str
    user_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown only in this response.")


class TokenPage(BaseModel):
    items: list[TokenOut]
    next_cursor: str | None


class TokenListQuery(ListQuery):
    user_id: Id | None = None
    include_revoked: bool = False
