"""GET /changes?include=data, GET /changes/cursor and hostile feed positions, through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from contacts.pagination import encode_cursor
from tests import factories
from tests.conftest import OrgClient


def _feed(org: OrgClient, **params: Any) -> Any:
    response = org.get("/api/v1/changes", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _problem(org: OrgClient, status: int, **params: Any) -> dict[str, Any]:
    response = org.get("/api/v1/changes", query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type.startswith("application/problem+json")
    body: dict[str, Any] = response.get_json()
    return body


def test_include_data_carries_the_contact_as_its_endpoint_shows_it(org: OrgClient) -> None:
    contact = factories.contact(org, full_name="山田 太郎")
    (entry,) = _feed(org, include="data", entity="contact")["items"]
    assert entry["resource"] == org.get(f"/api/v1/contacts/{contact['id']}").get_json()
    assert entry["resource_missing"] is None


def test_include_data_renders_every_followed_entity(org: OrgClient) -> None:
    contact = factories.contact(org)
    factories.company(org)
    factories.tag(org, "VIP")
    factories.event(org)
    campaign = factories.campaign(org)
    factories.add_members(org, campaign["id"], contact_ids=[contact["id"]])
    factories.touchpoint(org, contact["id"])
    items = _feed(org, include="data")["items"]
    assert {i["entity"] for i in items if i["resource"] is not None} >= {
        "contact",
        "company",
        "tag",
        "event",
        "campaign",
        "campaign_member",
        "touchpoint",
    }


def test_a_deleted_touchpoint_renders_null_with_the_reason(org: OrgClient) -> None:
    point = factories.touchpoint(org, factories.contact(org)["id"])
    assert org.delete(f"/api/v1/touchpoints/{point['id']}").status_code == 204
    entries = [i for i in _feed(org, include="data")["items"] if i["entity"] == "touchpoint"]
    assert [(i["resource"], i["resource_missing"]) for i in entries] == [(None, "deleted")] * 2


def test_an_erased_contact_renders_null_as_erased(org: OrgClient) -> None:
    contact = factories.contact(org)
    assert org.post(f"/api/v1/contacts/{contact['id']}/erase", json={"confirm": True}).status_code == 200
    entries = [i for i in _feed(org, include="data", entity="contact")["items"]]
    assert {(i["resource"] is None, i["resource_missing"]) for i in entries} == {(True, "erased")}


def test_without_include_entries_carry_no_resource(org: OrgClient) -> None:
    factories.contact(org)
    assert "resource" not in _feed(org)["items"][0]


def test_the_head_cursor_returns_only_later_changes(org: OrgClient) -> None:
    factories.contact(org, full_name="Before")
    head = org.get("/api/v1/changes/cursor").get_json()
    later = factories.contact(org, full_name="After")
    items = _feed(org, cursor=head["cursor"])["items"]
    assert [(i["entity_id"], i["operation"]) for i in items] == [(later["id"], "created")]


def test_the_page_cursor_resumes_after_an_empty_page(org: OrgClient) -> None:
    factories.contact(org)
    page = _feed(org)
    assert _feed(org, cursor=page["cursor"])["items"] == []
    factories.contact(org, full_name="Later")
    assert len(_feed(org, cursor=page["cursor"])["items"]) == 1


def test_include_junk_is_a_validation_problem(org: OrgClient) -> None:
    assert _problem(org, 422, include="everything")["status"] == 422


def test_a_garbage_cursor_is_a_validation_problem(org: OrgClient) -> None:
    assert _problem(org, 422, cursor="not-a-cursor!")["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("value", [[-5], ["7"], [1, 2]])
def test_a_forged_cursor_is_a_validation_problem(org: OrgClient, value: list[Any]) -> None:
    assert _problem(org, 422, cursor=encode_cursor(value))["errors"][0]["code"] == "invalid_cursor"


def test_a_cursor_from_the_future_is_a_validation_problem(org: OrgClient) -> None:
    factories.contact(org)
    body = _problem(org, 422, cursor=encode_cursor([10**12]))
    assert body["errors"][0]["code"] == "cursor_ahead"


def test_a_huge_limit_is_a_validation_problem(org: OrgClient) -> None:
    assert _problem(org, 422, limit=10**9)["errors"][0]["field"] == "limit"


def test_another_organisations_cursor_from_ahead_is_refused(org: OrgClient, other_org: OrgClient) -> None:
    for i in range(3):
        factories.contact(org, full_name=f"P{i}")
    cursor = org.get("/api/v1/changes/cursor").get_json()["cursor"]
    assert other_org.get("/api/v1/changes", query_string={"cursor": cursor}).status_code == 422


def _statements(org: OrgClient, **params: Any) -> int:
    engine = org.app.extensions["meishi.engine"]
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        _feed(org, **params)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_page_with_data_costs_the_same_queries_for_few_or_many_entries(org: OrgClient) -> None:
    def write(n: int) -> None:
        for i in range(n):
            contact = factories.contact(org, full_name=f"P{i}", emails=[{"value": f"p{i}@example.com"}])
            factories.touchpoint(org, contact["id"])

    write(2)
    few = _statements(org, include="data")
    write(20)
    assert _statements(org, include="data") == few
