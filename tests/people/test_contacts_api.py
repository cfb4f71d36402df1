"""Contacts API: create, read, list filters, update with ETags, delete and restore, idempotency."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import OrgClient

TAKAHASHI: dict[str, Any] = {
    "family_name": "髙橋",
    "given_name": "一郎",
    "name_kana": "タカハシ イチロウ",
    "name_romaji": "Ichiro Takahashi",
    "company_name": "株式会社アクメ",
    "department": "営業部",
    "title": "部長",
    "emails": [{"value": "Ichiro.Takahashi@acme.co.jp"}],
    "phones": [{"value": "０３（１２３４）５６７８"}, {"value": "090-1234-5678"}],
    "addresses": [{"postal_code": "〒100-0001", "value": "東京都千代田区千代田1-1"}],
}


def create(org: OrgClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    return factories.contact(org, body or TAKAHASHI)


def test_create_returns_contract_shape(org: OrgClient) -> None:
    contact = create(org)
    assert contact["full_name"] == "髙橋 一郎"
    assert contact["uid"].startswith("urn:uuid:")
    assert contact["company"]["name"] == "株式会社アクメ"
    assert contact["status"] == "active" and contact["merged_into"] is None
    for key in (
        "id",
        "family_name",
        "given_name",
        "name_kana",
        "name_romaji",
        "department",
        "title",
        "emails",
        "phones",
        "addresses",
        "url",
        "notes",
        "tags",
        "owner_id",
        "version",
        "created_at",
        "updated_at",
    ):
        assert key in contact


def test_phones_are_stored_as_printed_and_e164(org: OrgClient) -> None:
    phones = create(org)["phones"]
    assert phones[0] == {
        "value": "０３（１２３４）５６７８",
        "e164": "+81312345678",
        "type": "work",
        "primary": True,
    }
    assert phones[1]["e164"] == "+819012345678" and phones[1]["type"] == "mobile"


def test_email_keeps_printed_form_and_matches_lowercase(org: OrgClient) -> None:
    create(org)
    items = org.get("/api/v1/contacts?q=ichiro.takahashi@ACME.co.jp").get_json()["items"]
    assert [c["emails"][0]["value"] for c in items] == ["Ichiro.Takahashi@acme.co.jp"]


def test_invalid_email_is_a_field_error(org: OrgClient) -> None:
    resp = org.post("/api/v1/contacts", json={"full_name": "X", "emails": [{"value": "not-an-email"}]})
    assert resp.status_code == 422
    assert resp.content_type == "application/problem+json"
    assert resp.get_json()["errors"][0]["field"] == "emails.0.value"


def test_get_sets_etag_and_location_on_create(org: OrgClient) -> None:
    resp = org.post("/api/v1/contacts", json=TAKAHASHI)
    contact_id = resp.get_json()["id"]
    assert resp.headers["Location"] == f"/api/v1/contacts/{contact_id}"
    got = org.get(f"/api/v1/contacts/{contact_id}")
    assert got.status_code == 200 and got.headers["ETag"]


def test_q_matches_regardless_of_width_case_and_spaces(org: OrgClient) -> None:
    create(org)
    for q in (
        "高橋一郎",
        "髙橋　一郎",
        "ﾀｶﾊｼ",
        "たかはし",
        "ICHIRO TAKAHASHI",
        "アクメ",
        "0312345678",
        "03-1234-5678",
        "+81 90 1234 5678",
    ):
        items = org.get("/api/v1/contacts", query_string={"q": q}).get_json()["items"]
        assert len(items) == 1, q


def test_q_does_not_match_other_people(org: OrgClient) -> None:
    create(org)
    assert org.get("/api/v1/contacts", query_string={"q": "鈴木"}).get_json()["items"] == []


def test_list_filters_by_tag_all_any_and_not(org: OrgClient) -> None:
    a = create(org, {"full_name": "A", "tags": ["expo", "vip"]})
    b = create(org, {"full_name": "B", "tags": ["expo"]})
    create(org, {"full_name": "C"})

    def names(**params: Any) -> set[str]:
        return {c["full_name"] for c in org.get("/api/v1/contacts", query_string=params).get_json()["items"]}

    assert names(tag=["expo", "vip"]) == {a["full_name"]}
    assert names(tag="expo") == {a["full_name"], b["full_name"]}
    assert names(any_tag=["vip", "nope"]) == {"A"}
    assert names(tag="expo", not_tag="vip") == {"B"}
    assert names(tag="unknown") == set()


def test_list_filters_by_company_owner_and_updated_since(org: OrgClient) -> None:
    a = create(org)
    create(org, {"full_name": "Other", "company_name": "Globex Inc."})
    by_company = org.get("/api/v1/contacts", query_string={"company_id": a["company"]["id"]}).get_json()
    assert [c["id"] for c in by_company["items"]] == [a["id"]]
    by_owner = org.get("/api/v1/contacts", query_string={"owner_id": org.user_id}).get_json()
    assert len(by_owner["items"]) == 2
    later = org.get(
        "/api/v1/contacts", query_string={"updated_since": "2999-01-01T00:00:00+00:00"}
    ).get_json()
    assert later["items"] == []


def test_cursor_pagination_visits_every_contact_once(org: OrgClient) -> None:
    ids = {create(org, {"full_name": f"P{i}"})["id"] for i in range(7)}
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = org.get("/api/v1/contacts", query_string=params).get_json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids)


def test_bad_cursor_is_422(org: OrgClient) -> None:
    resp = org.get("/api/v1/contacts", query_string={"cursor": "%%%garbage"})
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "cursor"


def test_limit_above_max_is_rejected(org: OrgClient) -> None:
    assert org.get("/api/v1/contacts", query_string={"limit": 501}).status_code == 422


def test_unknown_query_parameter_is_rejected(org: OrgClient) -> None:
    assert org.get("/api/v1/contacts", query_string={"tags": "x"}).status_code == 422


def test_patch_with_stale_if_match_is_412_and_changes_nothing(org: OrgClient) -> None:
    contact = create(org)
    url = f"/api/v1/contacts/{contact['id']}"
    etag = org.get(url).headers["ETag"]
    assert org.patch(url, json={"notes": "first"}, headers={"If-Match": etag}).status_code == 200
    stale = org.patch(url, json={"notes": "second"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert org.get(url).get_json()["notes"] == "first"


def test_patch_records_the_source_of_each_value(org: OrgClient) -> None:
    contact = create(org)
    updated = org.patch(f"/api/v1/contacts/{contact['id']}", json={"title": "本部長"}).get_json()
    assert updated["sources"]["title"]["type"] == "api"
    assert updated["version"] == contact["version"] + 1


def test_job_change_keeps_history(org: OrgClient) -> None:
    contact = create(org)
    org.patch(
        f"/api/v1/contacts/{contact['id']}", json={"company_name": "グローベックス合同会社", "title": "CTO"}
    )
    history = org.get(f"/api/v1/contacts/{contact['id']}/employment").get_json()["items"]
    assert [h["company"]["name"] for h in history] == ["グローベックス合同会社", "株式会社アクメ"]
    assert history[0]["ended_at"] is None and history[1]["ended_at"] is not None


def test_delete_is_soft_and_admin_restores(org: OrgClient) -> None:
    contact = create(org)
    url = f"/api/v1/contacts/{contact['id']}"
    assert org.delete(url).status_code == 204
    assert org.get(url).get_json()["status"] == "deleted"
    assert org.get("/api/v1/contacts").get_json()["items"] == []
    assert len(org.get("/api/v1/contacts?status=deleted").get_json()["items"]) == 1
    restored = org.post(f"{url}/restore")
    assert restored.status_code == 200 and restored.get_json()["status"] == "active"


def test_sales_cannot_restore(org: OrgClient) -> None:
    contact = create(org)
    org.delete(f"/api/v1/contacts/{contact['id']}")
    sales = org.as_role("sales")
    assert sales.post(f"/api/v1/contacts/{contact['id']}/restore").status_code == 403


def test_idempotency_key_replays_the_same_response(org: OrgClient) -> None:
    first = org.post("/api/v1/contacts", json={"full_name": "Once"}, headers={"Idempotency-Key": "k1"})
    again = org.post("/api/v1/contacts", json={"full_name": "Once"}, headers={"Idempotency-Key": "k1"})
    assert again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(org.get("/api/v1/contacts", query_string={"q": "Once"}).get_json()["items"]) == 1


def test_idempotency_key_with_other_body_is_422(org: OrgClient) -> None:
    org.post("/api/v1/contacts", json={"full_name": "Once"}, headers={"Idempotency-Key": "k2"})
    other = org.post("/api/v1/contacts", json={"full_name": "Twice"}, headers={"Idempotency-Key": "k2"})
    assert other.status_code == 422
    assert org.get("/api/v1/contacts", query_string={"q": "Twice"}).get_json()["items"] == []


def test_marketing_reads_but_cannot_write_contacts(org: OrgClient) -> None:
    create(org)
    marketing = org.as_role("marketing")
    assert marketing.get("/api/v1/contacts").status_code == 200
    assert marketing.post("/api/v1/contacts", json={"full_name": "X"}).status_code == 403


def test_contact_needs_a_name_or_email(org: OrgClient) -> None:
    resp = org.post("/api/v1/contacts", json={"title": "部長"})
    assert resp.status_code == 422


def test_company_id_of_another_org_is_a_field_error(org: OrgClient, other_org: OrgClient) -> None:
    theirs = create(other_org)["company"]["id"]
    resp = org.post("/api/v1/contacts", json={"full_name": "X", "company_id": theirs})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "company_id"


def test_same_company_found_by_normalised_name(org: OrgClient) -> None:
    a = create(org, {"full_name": "A", "company_name": "株式会社アクメ"})
    b = create(org, {"full_name": "B", "company_name": "(株)アクメ"})
    assert a["company"]["id"] == b["company"]["id"]


def test_nul_character_is_rejected_and_nothing_written(org: OrgClient) -> None:
    resp = org.post("/api/v1/contacts", json={"full_name": "Evil\u0000Name"})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "full_name"
    assert org.get("/api/v1/contacts").get_json()["items"] == []


def test_huge_name_is_rejected(org: OrgClient) -> None:
    resp = org.post("/api/v1/contacts", json={"full_name": "x" * 100_000})
    assert resp.status_code == 422


def test_wrong_types_are_field_errors(org: OrgClient) -> None:
    resp = org.post("/api/v1/contacts", json={"full_name": ["not", "a", "string"], "emails": "x"})
    fields = {e["field"] for e in resp.get_json()["errors"]}
    assert resp.status_code == 422 and {"full_name", "emails"} <= fields


def test_json_array_body_is_422(org: OrgClient) -> None:
    assert org.post("/api/v1/contacts", json=[{"full_name": "X"}]).status_code == 422


def test_two_character_family_name_query_matches(org: OrgClient) -> None:
    create(org)
    create(org, {"full_name": "高田 花子"})
    for q in ("高橋", "髙橋", "橋一"):
        items = org.get("/api/v1/contacts", query_string={"q": q}).get_json()["items"]
        assert [c["family_name"] for c in items] == ["髙橋"], q


def test_patch_source_is_stored_not_only_returned(org: OrgClient) -> None:
    contact = create(org)
    org.patch(f"/api/v1/contacts/{contact['id']}", json={"title": "本部長"})
    stored = org.get(f"/api/v1/contacts/{contact['id']}").get_json()
    assert stored["sources"]["title"]["at"] != contact["sources"]["title"]["at"]


def test_one_character_query_matches_a_single_kanji_family_name(org: OrgClient) -> None:
    create(org, {"family_name": "林", "given_name": "花子"})
    create(org, {"family_name": "森", "given_name": "一郎"})
    items = org.get("/api/v1/contacts", query_string={"q": "林"}).get_json()["items"]
    assert [c["family_name"] for c in items] == ["林"]


def test_two_character_latin_query_matches_regardless_of_width_and_case(org: OrgClient) -> None:
    create(org, {"family_name": "Wu", "given_name": "Fang"})
    create(org, {"family_name": "Smith", "given_name": "Jane"})
    items = org.get("/api/v1/contacts", query_string={"q": "ＷＵ"}).get_json()["items"]
    assert [c["family_name"] for c in items] == ["Wu"]


def test_two_digit_query_matches_inside_a_phone_number(org: OrgClient) -> None:
    create(org, {"full_name": "A", "phones": [{"value": "03-1234-5678"}]})
    create(org, {"full_name": "B", "phones": [{"value": "03-9999-0000"}]})
    items = org.get("/api/v1/contacts", query_string={"q": "56"}).get_json()["items"]
    assert [c["full_name"] for c in items] == ["A"]
