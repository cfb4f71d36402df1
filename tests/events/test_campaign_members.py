"""Campaign members over HTTP: adding by ids and by filter, statuses, paging, ETags, roles, the report."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import OrgClient
from tests.factories import campaign


def contact(org: OrgClient, name: str, **extra: Any) -> str:
    return str(factories.contact(org, full_name=name, **extra)["id"])


def add(org: OrgClient, campaign_id: str, body: dict[str, Any]) -> dict[str, Any]:
    return factories.add_members(org, campaign_id, **body)


def members(org: OrgClient, campaign_id: str, **params: Any) -> list[dict[str, Any]]:
    resp = org.get(f"/api/v1/campaigns/{campaign_id}/members", query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["items"]  # type: ignore[no-any-return]


def test_added_members_are_planned_and_carry_name_and_company(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    who = contact(org, "山田 太郎", company_name="株式会社アクメ")
    assert add(org, cid, {"contact_ids": [who]})["added_ids"] == [who]
    [member] = members(org, cid)
    assert (member["full_name"], member["company"]["name"], member["status"]) == (
        "山田 太郎",
        "株式会社アクメ",
        "planned",
    )
    assert member["added_by"] == org.user_id and member["version"] == 1


def test_adding_again_with_a_status_moves_existing_members_only(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    a, b = contact(org, "A"), contact(org, "B")
    add(org, cid, {"contact_ids": [a]})
    result = add(org, cid, {"contact_ids": [a, b], "status": "sent"})
    assert (result["added_ids"], result["updated_ids"]) == ([b], [a])
    assert {m["contact_id"]: m["status"] for m in members(org, cid)} == {a: "sent", b: "sent"}


def test_adding_again_without_a_status_changes_nothing(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    a = contact(org, "A")
    add(org, cid, {"contact_ids": [a], "status": "responded"})
    result = add(org, cid, {"contact_ids": [a]})
    assert (result["added_ids"], result["updated_ids"]) == ([], [])
    assert members(org, cid)[0]["status"] == "responded"


def test_members_can_be_added_by_the_contact_list_filter(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    tagged = contact(org, "Tagged", tags=["VIP"])
    contact(org, "Other")
    assert add(org, cid, {"filter": {"tag": ["VIP"]}})["added_ids"] == [tagged]


def test_unknown_contact_is_a_field_error_and_adds_nobody(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    a = contact(org, "A")
    resp = org.post(f"/api/v1/campaigns/{cid}/members", json={"contact_ids": [a, "nope"]})
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "contact_ids"
    assert members(org, cid) == []


def test_unknown_status_is_a_field_error(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    resp = org.post(
        f"/api/v1/campaigns/{cid}/members", json={"contact_ids": [contact(org, "A")], "status": "won"}
    )
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "status"


def test_deleted_contact_cannot_be_added(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    a = contact(org, "A")
    org.delete(f"/api/v1/contacts/{a}")
    assert org.post(f"/api/v1/campaigns/{cid}/members", json={"contact_ids": [a]}).status_code == 409


def test_list_filters_by_status_and_pages(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    ids = [contact(org, f"P{i}") for i in range(5)]
    add(org, cid, {"contact_ids": ids[:3], "status": "sent"})
    add(org, cid, {"contact_ids": ids[3:], "status": "converted"})
    assert {m["contact_id"] for m in members(org, cid, status="converted")} == set(ids[3:])
    first = org.get(f"/api/v1/campaigns/{cid}/members", query_string={"limit": 2}).get_json()
    rest = org.get(
        f"/api/v1/campaigns/{cid}/members", query_string={"cursor": first["next_cursor"]}
    ).get_json()
    assert [m["contact_id"] for m in first["items"] + rest["items"]] == sorted(ids)


def test_patch_sets_status_and_its_time_with_if_match(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    a = contact(org, "A")
    add(org, cid, {"contact_ids": [a]})
    url = f"/api/v1/campaigns/{cid}/members/{a}"
    etag = org.get(url).headers["ETag"]
    resp = org.patch(url, json={"status": "attended"}, headers={"If-Match": etag})
    updated = resp.get_json()
    assert resp.status_code == 200 and (updated["status"], updated["version"]) == ("attended", 2)
    assert updated["status_at"] >= updated["added_at"]
    assert org.patch(url, json={"status": "converted"}, headers={"If-Match": etag}).status_code == 412


def test_delete_one_member_and_remove_many(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    a, b, c = contact(org, "A"), contact(org, "B"), contact(org, "C")
    add(org, cid, {"contact_ids": [a, b, c]})
    assert org.delete(f"/api/v1/campaigns/{cid}/members/{a}").status_code == 204
    resp = org.delete(f"/api/v1/campaigns/{cid}/members", json={"contact_ids": [a, b]})
    assert resp.get_json()["removed_ids"] == [b]
    assert [m["contact_id"] for m in members(org, cid)] == [c]


def test_a_non_member_answers_404(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    assert org.get(f"/api/v1/campaigns/{cid}/members/{contact(org, 'A')}").status_code == 404


def test_member_count_is_on_the_campaign(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    add(org, cid, {"contact_ids": [contact(org, "A"), contact(org, "B")]})
    assert org.get(f"/api/v1/campaigns/{cid}").get_json()["member_count"] == 2


def test_sales_reads_members_but_cannot_change_them(org: OrgClient) -> None:
    cid = campaign(org)["id"]
    sales = org.as_role("sales")
    assert sales.get(f"/api/v1/campaigns/{cid}/members").status_code == 200
    assert (
        sales.post(f"/api/v1/campaigns/{cid}/members", json={"contact_ids": [contact(org, "A")]}).status_code
        == 403
    )


def test_another_organisations_contact_is_not_found(org: OrgClient, other_org: OrgClient) -> None:
    cid = campaign(org)["id"]
    foreign = contact(other_org, "Foreign")
    resp = org.post(f"/api/v1/campaigns/{cid}/members", json={"contact_ids": [foreign]})
    assert resp.status_code == 422 and members(org, cid) == []


def test_report_counts_the_funnel_rates_and_cost(org: OrgClient) -> None:
    cid = campaign(org, cost=100_000, starts_at="2026-01-01T00:00:00Z")["id"]
    ids = [contact(org, f"P{i}") for i in range(6)]
    add(org, cid, {"contact_ids": ids[:1]})
    for contact_id, status in zip(
        ids[1:], ["sent", "opened", "responded", "converted", "unsubscribed"], strict=True
    ):
        add(org, cid, {"contact_ids": [contact_id], "status": status})
    org.post(
        "/api/v1/touchpoints",
        json={
            "contact_id": ids[3],
            "kind": "seminar",
            "campaign_id": cid,
            "occurred_at": "2026-11-20T10:00:00+09:00",
        },
    )
    report = org.get(f"/api/v1/campaigns/{cid}/report").get_json()
    assert (report["members"], report["reached"], report["responded"], report["converted"]) == (6, 5, 2, 1)
    assert report["by_status"]["planned"] == 1 and report["by_status"]["unsubscribed"] == 1
    assert (report["response_rate"], report["conversion_rate"]) == (0.4, 0.2)
    assert (report["cost_per_response"], report["cost_per_conversion"]) == (50_000, 100_000)
    assert (report["touchpoints"], report["touchpoint_contacts"], report["new_contacts"]) == (1, 1, 6)


def test_report_of_an_empty_campaign_has_no_rates(org: OrgClient) -> None:
    report = org.get(f"/api/v1/campaigns/{campaign(org)['id']}/report").get_json()
    assert (
        report["members"],
        report["response_rate"],
        report["cost_per_response"],
        report["new_contacts"],
    ) == (0, None, None, None)


def test_deleting_the_campaign_removes_its_members(org: OrgClient) -> None:
    created = campaign(org)
    add(org, created["id"], {"contact_ids": [contact(org, "A")]})
    etag = org.get(f"/api/v1/campaigns/{created['id']}").headers["ETag"]
    assert org.delete(f"/api/v1/campaigns/{created['id']}", headers={"If-Match": etag}).status_code == 204
    assert org.get(f"/api/v1/campaigns/{created['id']}/members").status_code == 404
