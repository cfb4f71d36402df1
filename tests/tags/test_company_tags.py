"""Tags on companies: attach and detach, the company's tags and version, lists by tag, renames and deletes."""

from __future__ import annotations

from typing import Any

from tests.conftest import OrgClient
from tests.factories import company, tag


def attach(org: OrgClient, tag_id: str, *company_ids: str) -> Any:
    return org.post(f"/api/v1/tags/{tag_id}/companies", json={"company_ids": list(company_ids)})


def test_a_tagged_company_shows_the_tag_and_a_new_version(org: OrgClient) -> None:
    acme, target = company(org, name="株式会社アクメ"), tag(org, "Target account")
    resp = attach(org, target["id"], acme["id"])
    assert resp.get_json()["changed_ids"] == [acme["id"]] and resp.get_json()["tag"]["company_count"] == 1
    after = org.get(f"/api/v1/companies/{acme['id']}").get_json()
    assert after["tags"] == ["Target account"] and after["version"] == acme["version"] + 1


def test_tagging_twice_changes_nothing_the_second_time(org: OrgClient) -> None:
    acme, target = company(org, name="株式会社アクメ"), tag(org, "Target account")
    attach(org, target["id"], acme["id"])
    assert attach(org, target["id"], acme["id"]).get_json()["changed_count"] == 0


def test_untagging_removes_the_tag(org: OrgClient) -> None:
    acme, target = company(org, name="株式会社アクメ"), tag(org, "Target account")
    attach(org, target["id"], acme["id"])
    resp = org.delete(f"/api/v1/tags/{target['id']}/companies", json={"company_ids": [acme["id"]]})
    assert resp.get_json()["changed_ids"] == [acme["id"]]
    assert org.get(f"/api/v1/companies/{acme['id']}").get_json()["tags"] == []


def test_companies_list_by_all_of_the_tags(org: OrgClient) -> None:
    acme, beta = company(org, name="株式会社アクメ"), company(org, name="ベータ株式会社")
    target, partner = tag(org, "Target"), tag(org, "Partner")
    attach(org, target["id"], acme["id"], beta["id"])
    attach(org, partner["id"], beta["id"])
    listed = org.get("/api/v1/companies", query_string=[("tag", "Target"), ("tag", "Partner")]).get_json()
    assert [c["id"] for c in listed["items"]] == [beta["id"]]


def test_a_renamed_tag_is_renamed_on_its_companies(org: OrgClient) -> None:
    acme, target = company(org, name="株式会社アクメ"), tag(org, "Target")
    attach(org, target["id"], acme["id"])
    etag = org.get(f"/api/v1/tags/{target['id']}").headers["ETag"]
    org.patch(f"/api/v1/tags/{target['id']}", json={"name": "Key account"}, headers={"If-Match": etag})
    assert org.get(f"/api/v1/companies/{acme['id']}").get_json()["tags"] == ["Key account"]


def test_a_deleted_tag_leaves_its_companies(org: OrgClient) -> None:
    acme, target = company(org, name="株式会社アクメ"), tag(org, "Target")
    attach(org, target["id"], acme["id"])
    etag = org.get(f"/api/v1/tags/{target['id']}").headers["ETag"]
    assert org.delete(f"/api/v1/tags/{target['id']}", headers={"If-Match": etag}).status_code == 204
    assert org.get(f"/api/v1/companies/{acme['id']}").get_json()["tags"] == []


def test_tagging_is_in_the_change_feed(org: OrgClient) -> None:
    acme, target = company(org, name="株式会社アクメ"), tag(org, "Target")
    attach(org, target["id"], acme["id"])
    last = org.get("/api/v1/changes").get_json()["items"][-1]
    assert (last["entity"], last["entity_id"], last["operation"]) == ("company", acme["id"], "updated")


def test_another_organisations_company_is_a_field_error_and_nothing_is_tagged(
    org: OrgClient, other_org: OrgClient
) -> None:
    mine, theirs, target = (
        company(org, name="株式会社アクメ"),
        company(other_org, name="他社株式会社"),
        tag(org, "Target"),
    )
    resp = attach(org, target["id"], mine["id"], theirs["id"])
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "company_ids"
    assert org.get(f"/api/v1/companies/{mine['id']}").get_json()["tags"] == []


def test_sales_cannot_tag_companies(org: OrgClient) -> None:
    acme, target = company(org, name="株式会社アクメ"), tag(org, "Target")
    assert attach(org.as_role("sales"), target["id"], acme["id"]).status_code == 403
