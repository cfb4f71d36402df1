"""The change feed: every write in sequence order, scoped to the organisation."""

from __future__ import annotations

from tests import factories
from tests.conftest import OrgClient


def test_feed_lists_writes_in_sequence_order(org: OrgClient) -> None:
    contact = factories.contact(org, full_name="A")
    org.patch(f"/api/v1/contacts/{contact['id']}", json={"title": "部長"})
    org.delete(f"/api/v1/contacts/{contact['id']}")
    items = org.get("/api/v1/changes", query_string={"entity": "contact"}).get_json()["items"]
    assert [(i["entity_id"], i["operation"]) for i in items] == [
        (contact["id"], "created"),
        (contact["id"], "updated"),
        (contact["id"], "deleted"),
    ]
    seqs = [i["seq"] for i in items]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_after_returns_only_newer_changes(org: OrgClient) -> None:
    factories.contact(org, full_name="A")
    last = org.get("/api/v1/changes").get_json()["last_seq"]
    factories.contact(org, full_name="B")
    newer = org.get("/api/v1/changes", query_string={"after": last}).get_json()["items"]
    assert [i["operation"] for i in newer] == ["created"] and newer[0]["seq"] == last + 1


def test_cursor_walks_the_whole_feed(org: OrgClient) -> None:
    for i in range(5):
        factories.contact(org, full_name=f"P{i}")
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = org.get("/api/v1/changes", query_string=params).get_json()
        seen += [i["seq"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(range(1, len(seen) + 1))


def test_feed_is_scoped_to_the_organisation(org: OrgClient, other_org: OrgClient) -> None:
    factories.contact(org, full_name="Secret")
    assert other_org.get("/api/v1/changes", query_string={"entity": "contact"}).get_json()["items"] == []


def test_sales_cannot_read_the_feed(org: OrgClient) -> None:
    assert org.as_role("sales").get("/api/v1/changes").status_code == 403


def test_entity_filter_selects_duplicate_candidates(org: OrgClient) -> None:
    body = {"full_name": "山田 太郎", "emails": [{"value": "taro@example.co.jp"}]}
    factories.contact(org, body)
    factories.contact(org, body)
    candidate = org.get("/api/v1/duplicates").get_json()["items"][0]
    org.post(f"/api/v1/duplicates/{candidate['id']}/dismiss")
    items = org.get("/api/v1/changes", query_string={"entity": "duplicate_candidate"}).get_json()["items"]
    assert [(i["entity_id"], i["operation"]) for i in items] == [(candidate["id"], "dismissed")]


def test_entity_filter_refuses_an_entity_nothing_writes(org: OrgClient) -> None:
    response = org.get("/api/v1/changes", query_string={"entity": "merge"})
    assert response.status_code == 422 and response.content_type.startswith("application/problem+json")
