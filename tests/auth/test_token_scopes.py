"""Derived tokens and roles never reach beyond the token that derives them (issue 15, item 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from contacts.permissions import ROLE_PERMISSIONS
from tests.conftest import OrgClient


def new_token(org: OrgClient, token: str | None = None, **body: Any) -> dict[str, Any]:
    resp = org.post("/api/v1/tokens", json={"name": "child", **body}, token=token)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()  # type: ignore[no-any-return]


def test_a_child_token_without_scopes_gets_its_parents_scopes(org: OrgClient) -> None:
    narrow = new_token(org, scopes=["contacts:read", "tokens:self"])
    child = new_token(org, narrow["token"])
    assert sorted(child["scopes"]) == ["contacts:read", "tokens:self"]


def test_a_child_token_without_scopes_cannot_create_users(org: OrgClient) -> None:
    narrow = new_token(org, scopes=["contacts:read", "tokens:self"])
    child = new_token(org, narrow["token"])
    resp = org.post("/api/v1/users", json={"email": "x@example.com", "role": "admin"}, token=child["token"])
    assert resp.status_code == 403


def test_a_child_token_cannot_ask_for_all_scopes(org: OrgClient) -> None:
    narrow = new_token(org, scopes=["contacts:read", "tokens:self"])
    resp = org.post("/api/v1/tokens", json={"scopes": ["*"]}, token=narrow["token"])
    assert resp.status_code == 403 and resp.mimetype == "application/problem+json"


def test_a_narrow_admin_token_cannot_widen_a_token_it_issues_for_another_user(org: OrgClient) -> None:
    manager = org.as_role("manager")
    narrow = new_token(org, scopes=["tokens:self", "tokens:admin"])
    resp = org.post(
        "/api/v1/tokens",
        json={"user_id": manager.user_id, "scopes": ["contacts:write"]},
        token=narrow["token"],
    )
    assert resp.status_code == 403


def test_a_child_token_may_narrow_its_parents_scopes(org: OrgClient) -> None:
    narrow = new_token(org, scopes=["contacts:read", "tokens:self"])
    assert new_token(org, narrow["token"], scopes=["contacts:read"])["scopes"] == ["contacts:read"]


def test_a_child_token_expires_with_its_parent_by_default(org: OrgClient) -> None:
    expiry = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    parent = new_token(org, expires_at=expiry.isoformat())
    child = new_token(org, parent["token"])
    assert child["expires_at"] is not None
    assert datetime.fromisoformat(child["expires_at"]) <= expiry


def test_a_child_token_cannot_outlive_its_parent(org: OrgClient) -> None:
    parent = new_token(org, expires_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat())
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    resp = org.post("/api/v1/tokens", json={"expires_at": later}, token=parent["token"])
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "expires_at"


def test_a_narrow_admin_token_cannot_create_an_admin_user(org: OrgClient) -> None:
    narrow = new_token(org, scopes=["users:admin", "users:read"])
    resp = org.post(
        "/api/v1/users", json={"email": "boss@example.com", "role": "admin"}, token=narrow["token"]
    )
    assert resp.status_code == 403


def test_a_narrow_admin_token_may_create_a_user_whose_role_it_covers(org: OrgClient) -> None:
    marketing = sorted(ROLE_PERMISSIONS["marketing"])
    narrow = new_token(org, scopes=["users:admin", *marketing])
    resp = org.post(
        "/api/v1/users", json={"email": "reader@example.com", "role": "marketing"}, token=narrow["token"]
    )
    assert resp.status_code == 201


def test_a_narrow_admin_token_cannot_promote_a_user_to_admin(org: OrgClient) -> None:
    sales = org.as_role("sales")
    narrow = new_token(org, scopes=["users:admin", "users:read"])
    etag = org.get(f"/api/v1/users/{sales.user_id}").headers["ETag"]
    resp = org.patch(
        f"/api/v1/users/{sales.user_id}",
        json={"role": "admin"},
        headers={"If-Match": etag},
        token=narrow["token"],
    )
    assert resp.status_code == 403


def test_an_empty_scope_list_is_refused_not_read_as_everything(org: OrgClient) -> None:
    narrow = new_token(org, scopes=["contacts:read", "tokens:self"])
    resp = org.post("/api/v1/tokens", json={"scopes": []}, token=narrow["token"])
    assert resp.status_code == 422
