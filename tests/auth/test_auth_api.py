"""Bearer tokens, users and roles through the API."""

from __future__ import annotations

from tests.conftest import OrgClient


def test_missing_token_is_401_problem(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/contacts")
    assert resp.status_code == 401
    assert resp.content_type == "application/problem+json"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_garbage_token_is_401(org: OrgClient) -> None:
    assert org.get("/api/v1/contacts", token="msk_nope_nope").status_code == 401
    assert org.get("/api/v1/contacts", token="not-a-token").status_code == 401


def test_token_with_wrong_secret_is_401(org: OrgClient) -> None:
    prefix, token_id, _secret = org.token.split("_", 2)
    assert org.get("/api/v1/contacts", token=f"{prefix}_{token_id}_wrongsecret").status_code == 401


def test_revoked_token_fails_at_once(org: OrgClient) -> None:
    created = org.post("/api/v1/tokens", json={"name": "ci"}).get_json()
    assert org.get("/api/v1/contacts", token=created["token"]).status_code == 200
    assert org.delete(f"/api/v1/tokens/{created['id']}").status_code == 204
    assert org.get("/api/v1/contacts", token=created["token"]).status_code == 401


def test_token_secret_is_shown_only_on_create(org: OrgClient) -> None:
    created = org.post("/api/v1/tokens", json={"name": "ci"}).get_json()
    listed = org.get("/api/v1/tokens").get_json()["items"]
    assert created["token"].startswith("msk_")
    assert all("token" not in t for t in listed)


def test_scoped_token_cannot_exceed_its_scopes(org: OrgClient) -> None:
    created = org.post("/api/v1/tokens", json={"name": "ro", "scopes": ["contacts:read"]}).get_json()
    assert org.get("/api/v1/contacts", token=created["token"]).status_code == 200
    assert org.post("/api/v1/contacts", json={"full_name": "X"}, token=created["token"]).status_code == 403


def test_unknown_scope_is_422(org: OrgClient) -> None:
    assert org.post("/api/v1/tokens", json={"scopes": ["root"]}).status_code == 422


def test_admin_creates_user_with_role(org: OrgClient) -> None:
    resp = org.post("/api/v1/users", json={"email": "Sales@Example.com", "name": "S", "role": "sales"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["email"] == "sales@example.com" and body["role"] == "sales"
    assert "contacts:write" in body["permissions"] and "users:admin" not in body["permissions"]


def test_duplicate_user_email_is_409(org: OrgClient) -> None:
    org.post("/api/v1/users", json={"email": "a@example.com", "role": "sales"})
    assert org.post("/api/v1/users", json={"email": "A@example.com", "role": "sales"}).status_code == 409


def test_manager_cannot_administer_users(org: OrgClient) -> None:
    manager = org.as_role("manager")
    assert manager.post("/api/v1/users", json={"email": "x@example.com", "role": "sales"}).status_code == 403
    assert manager.get("/api/v1/users").status_code == 200


def test_deactivating_a_user_revokes_their_tokens(org: OrgClient) -> None:
    sales = org.as_role("sales")
    assert sales.get("/api/v1/contacts").status_code == 200
    assert org.patch(f"/api/v1/users/{sales.user_id}", json={"active": False}).status_code == 200
    assert sales.get("/api/v1/contacts").status_code == 401


def test_admin_cannot_deactivate_themselves(org: OrgClient) -> None:
    assert org.patch(f"/api/v1/users/{org.user_id}", json={"active": False}).status_code == 409


def test_sales_sees_only_own_tokens(org: OrgClient) -> None:
    sales = org.as_role("sales")
    listed = sales.get("/api/v1/tokens").get_json()["items"]
    assert {t["user_id"] for t in listed} == {sales.user_id}


def test_sales_cannot_create_token_for_someone_else(org: OrgClient) -> None:
    sales = org.as_role("sales")
    assert sales.post("/api/v1/tokens", json={"user_id": org.user_id}).status_code == 403


def test_me_names_the_caller(org: OrgClient) -> None:
    assert org.get("/api/v1/me").get_json()["id"] == org.user_id


def test_oversized_body_is_413_problem(org: OrgClient) -> None:
    resp = org.post("/api/v1/contacts", data="x" * 2_000_000, headers={"Content-Type": "application/json"})
    assert resp.status_code == 413
    assert resp.content_type == "application/problem+json"


def test_non_json_body_is_415(org: OrgClient) -> None:
    resp = org.post("/api/v1/contacts", data="full_name=X", headers={"Content-Type": "text/plain"})
    assert resp.status_code == 415


def test_unknown_route_is_problem_json(org: OrgClient) -> None:
    resp = org.get("/api/v1/nope")
    assert resp.status_code == 404 and resp.content_type == "application/problem+json"


def test_wrong_method_is_405_problem(org: OrgClient) -> None:
    resp = org.put("/api/v1/contacts")
    assert resp.status_code == 405 and resp.content_type == "application/problem+json"


def test_a_failing_request_still_records_the_tokens_use(org: OrgClient) -> None:
    created = org.post("/api/v1/tokens", json={"name": "ci"}).get_json()
    assert org.get("/api/v1/contacts/00000000000000000000000000", token=created["token"]).status_code == 404
    listed = {t["id"]: t for t in org.get("/api/v1/tokens").get_json()["items"]}
    assert listed[created["id"]]["last_used_at"] is not None
