"""Companies API: shapes, 法人番号 check digit, domains, filters, paging, ETags, idempotency, delete rules."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.conftest import OrgClient

ACME: dict[str, Any] = {
    "name": "株式会社アクメ",
    "name_kana": "アクメ",
    "corporate_number": "7000012050002",
    "url": "https://www.acme.co.jp/about",
    "domains": ["acme-group.jp"],
    "phones": [{"value": "03-1234-5678"}],
    "addresses": [{"postal_code": "〒100-0001", "value": "東京都千代田区千代田1-1"}],
}


def create(org: OrgClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return factories.company(org, body if body is not None else ACME)


def test_create_returns_contract_shape(org: OrgClient) -> None:
    company = create(org)
    assert set(company) >= {
        "id",
        "name",
        "name_normalized",
        "name_kana",
        "domains",
        "corporate_number",
        "url",
        "addresses",
        "phones",
        "created_at",
        "updated_at",
        "status",
        "version",
    }
    assert company["name_normalized"] == "アクメ"
    assert company["domains"] == ["acme-group.jp", "acme.co.jp"]
    assert company["phones"][0]["e164"] == "+81312345678"
    assert company["addresses"][0]["postal_code"] == "1000001"


def test_create_sets_location_and_etag(org: OrgClient) -> None:
    resp = org.post("/api/v1/companies", json={"name": "Example Ltd."})
    cid = resp.get_json()["id"]
    assert resp.headers["Location"] == f"/api/v1/companies/{cid}"
    assert org.get(f"/api/v1/companies/{cid}").headers["ETag"] == resp.headers["ETag"]


@pytest.mark.parametrize("number", ["7000012050003", "700001205000", "70000120500021", "abcdefghijklm"])
def test_corporate_number_with_bad_check_digit_or_length_is_422(org: OrgClient, number: str) -> None:
    resp = org.post("/api/v1/companies", json={"name": "X", "corporate_number": number})
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "corporate_number"


def test_corporate_number_accepts_full_width_and_hyphens(org: OrgClient) -> None:
    company = create(
        org, {"name": "トヨタ自動車株式会社", "corporate_number": "１１８０−３０１０−１８７７１"}
    )
    assert company["corporate_number"] == "1180301018771"


def test_duplicate_corporate_number_is_409(org: OrgClient) -> None:
    create(org)
    resp = org.post("/api/v1/companies", json={"name": "Other", "corporate_number": "7000012050002"})
    assert resp.status_code == 409


def test_invalid_domain_is_422(org: OrgClient) -> None:
    resp = org.post("/api/v1/companies", json={"name": "X", "domains": ["not a domain"]})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "domains.0"


def test_list_filters_by_q_on_name_kana_and_domain(org: OrgClient) -> None:
    acme = create(org)
    create(org, {"name": "Globex Corporation", "url": "globex.com"})
    for q in ("アクメ", "あくめ", "ｱｸﾒ", "acme.co", "(株)アクメ"):
        items = org.get("/api/v1/companies", query_string={"q": q}).get_json()["items"]
        assert [c["id"] for c in items] == [acme["id"]], q
    assert org.get("/api/v1/companies", query_string={"q": "initech"}).get_json()["items"] == []


def test_list_filters_by_domain_and_updated_since(org: OrgClient) -> None:
    acme = create(org)
    globex = create(org, {"name": "Globex", "url": "https://globex.com"})
    by_domain = org.get("/api/v1/companies", query_string={"domain": "https://www.acme.co.jp/"}).get_json()
    assert [c["id"] for c in by_domain["items"]] == [acme["id"]]
    since = globex["updated_at"]
    recent = org.get("/api/v1/companies", query_string={"updated_since": since}).get_json()["items"]
    assert globex["id"] in [c["id"] for c in recent]
    assert acme["id"] not in [c["id"] for c in recent]


def test_list_paginates_with_cursor(org: OrgClient) -> None:
    ids = [create(org, {"name": f"Company {i}"})["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = org.get("/api/v1/companies", query_string=params).get_json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids


def test_bad_cursor_is_422(org: OrgClient) -> None:
    resp = org.get("/api/v1/companies?cursor=%%%garbage")
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "cursor"


def test_patch_with_stale_if_match_is_412(org: OrgClient) -> None:
    company = create(org)
    etag = org.get(f"/api/v1/companies/{company['id']}").headers["ETag"]
    assert (
        org.patch(
            f"/api/v1/companies/{company['id']}", json={"name_kana": "アクメ"}, headers={"If-Match": etag}
        ).status_code
        == 200
    )
    changed = org.patch(
        f"/api/v1/companies/{company['id']}", json={"url": "https://acme.example"}, headers={"If-Match": etag}
    )
    # The first PATCH changed nothing visible, so its ETag is still current; the second one changes the url.
    assert changed.status_code == 200
    stale = org.patch(f"/api/v1/companies/{company['id']}", json={"name": "New"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert org.get(f"/api/v1/companies/{company['id']}").get_json()["name"] == "株式会社アクメ"


def test_patch_url_adds_its_domain_and_domains_replace(org: OrgClient) -> None:
    company = create(org, {"name": "Initech"})
    out = org.patch(
        f"/api/v1/companies/{company['id']}", json={"url": "https://initech.example.com"}
    ).get_json()
    assert out["domains"] == ["example.com"] and out["version"] == company["version"] + 1
    out = org.patch(f"/api/v1/companies/{company['id']}", json={"domains": ["initech.co.jp"]}).get_json()
    assert out["domains"] == ["initech.co.jp"]


def test_rename_reaches_contacts_json_and_search(org: OrgClient) -> None:
    company = create(org)
    contact = factories.contact(org, full_name="山田 太郎", company_id=company["id"])
    org.patch(f"/api/v1/companies/{company['id']}", json={"name": "株式会社ニューアクメ"})
    after = org.get(f"/api/v1/contacts/{contact['id']}").get_json()
    assert after["company"]["name"] == "株式会社ニューアクメ"
    assert after["version"] == contact["version"] + 1
    hits = org.get("/api/v1/contacts", query_string={"q": "ニューアクメ"}).get_json()["items"]
    assert [c["id"] for c in hits] == [contact["id"]]


def test_idempotency_key_replays_create(org: OrgClient) -> None:
    headers = {"Idempotency-Key": "company-1"}
    first = org.post("/api/v1/companies", json={"name": "Once"}, headers=headers)
    again = org.post("/api/v1/companies", json={"name": "Once"}, headers=headers)
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    other = org.post("/api/v1/companies", json={"name": "Twice"}, headers=headers)
    assert other.status_code == 422
    assert len(org.get("/api/v1/companies", query_string={"q": "once"}).get_json()["items"]) == 1


def test_unknown_fields_are_422(org: OrgClient) -> None:
    resp = org.post("/api/v1/companies", json={"name": "X", "ceo": "Y"})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "ceo"
    assert org.get("/api/v1/companies?colour=red").status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x" * 301},
        {"name": ""},
        {"name": "bad\x07name"},
        {"name": 12},
        {"name": ["a"]},
        {"name": "X", "domains": "acme.co.jp"},
        {"name": "X", "domains": ["a.co.jp"] * 21},
        {"name": "X", "phones": [{"value": "1" * 101}]},
        {"name": "X", "corporate_number": 7000012050002},
    ],
)
def test_hostile_bodies_are_422_and_write_nothing(org: OrgClient, body: dict[str, Any]) -> None:
    assert org.post("/api/v1/companies", json=body).status_code == 422
    assert org.get("/api/v1/companies").get_json()["items"] == []


def test_nul_character_is_refused(org: OrgClient) -> None:
    assert org.post("/api/v1/companies", json={"name": "a\x00b"}).status_code == 422


def test_delete_refuses_while_active_contacts_work_there(org: OrgClient) -> None:
    company = create(org)
    factories.contact(org, full_name="Person", company_id=company["id"])
    resp = org.delete(f"/api/v1/companies/{company['id']}")
    assert resp.status_code == 409
    assert org.get(f"/api/v1/companies/{company['id']}").get_json()["status"] == "active"


def test_delete_with_force_unlinks_contacts_and_soft_deletes(org: OrgClient) -> None:
    company = create(org)
    contact = factories.contact(org, full_name="Person", company_id=company["id"])
    assert org.delete(f"/api/v1/companies/{company['id']}?force=true").status_code == 204
    gone = org.get(f"/api/v1/companies/{company['id']}").get_json()
    assert gone["status"] == "deleted"
    assert org.get(f"/api/v1/contacts/{contact['id']}").get_json()["company"] is None
    assert org.get("/api/v1/companies").get_json()["items"] == []
    deleted = org.get("/api/v1/companies?status=deleted").get_json()["items"]
    assert [c["id"] for c in deleted] == [company["id"]]
    assert org.patch(f"/api/v1/companies/{company['id']}", json={"name": "Back"}).status_code == 409


def test_delete_with_stale_if_match_is_412(org: OrgClient) -> None:
    company = create(org)
    resp = org.delete(f"/api/v1/companies/{company['id']}", headers={"If-Match": '"stale.1"'})
    assert resp.status_code == 412


def test_company_contacts_lists_only_its_active_contacts(org: OrgClient) -> None:
    company = create(org)
    ids = [factories.contact(org, full_name=f"P{i}", company_id=company["id"])["id"] for i in range(3)]
    factories.contact(org, full_name="Elsewhere", company_name="Globex")
    first = org.get(f"/api/v1/companies/{company['id']}/contacts?limit=2").get_json()
    second = org.get(
        f"/api/v1/companies/{company['id']}/contacts", query_string={"cursor": first["next_cursor"]}
    ).get_json()
    assert [c["id"] for c in first["items"] + second["items"]] == ids
    assert first["items"][0]["company"]["id"] == company["id"] and second["next_cursor"] is None


def test_other_organisations_company_is_404(org: OrgClient, other_org: OrgClient) -> None:
    company = create(org)
    for method in ("get", "patch", "delete"):
        resp = getattr(other_org, method)(f"/api/v1/companies/{company['id']}", json={"name": "Mine"})
        assert resp.status_code == 404, method
    assert other_org.get(f"/api/v1/companies/{company['id']}/contacts").status_code == 404
    assert other_org.get("/api/v1/companies").get_json()["items"] == []


def test_contact_cannot_reference_another_organisations_company(org: OrgClient, other_org: OrgClient) -> None:
    company = create(org)
    resp = other_org.post("/api/v1/contacts", json={"full_name": "X", "company_id": company["id"]})
    assert resp.status_code == 422


@pytest.mark.parametrize(("role", "can_write"), [("sales", True), ("marketing", False), ("manager", True)])
def test_roles_read_and_write_companies(org: OrgClient, role: str, can_write: bool) -> None:
    company = create(org)
    client = org.as_role(role)
    assert client.get(f"/api/v1/companies/{company['id']}").status_code == 200
    assert client.get("/api/v1/companies").status_code == 200
    created = client.post("/api/v1/companies", json={"name": "By role"})
    patched = client.patch(f"/api/v1/companies/{company['id']}", json={"name_kana": "アクメー"})
    deleted = client.delete(f"/api/v1/companies/{company['id']}")
    expected = (201, 200, 204) if can_write else (403, 403, 403)
    assert (created.status_code, patched.status_code, deleted.status_code) == expected


def test_oversized_body_is_413_problem(org: OrgClient) -> None:
    resp = org.post("/api/v1/companies", json={"name": "X", "url": "u" * 2_000_000})
    assert resp.status_code == 413 and resp.content_type == "application/problem+json"
    assert org.get("/api/v1/companies").get_json()["items"] == []
