"""Merges in the feed: an entry names the winner and every loser; merged_into resolves chains of merges."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import OrgClient


def _contact(org: OrgClient, contact_id: str) -> dict[str, Any]:
    body: dict[str, Any] = org.get(f"/api/v1/contacts/{contact_id}").get_json()
    return body


def _chain(org: OrgClient) -> tuple[str, str, str]:
    a, b, c = (factories.contact(org, full_name=f"P{i}")["id"] for i in range(3))
    factories.merge(org, b, [a])
    factories.merge(org, c, [b])
    return a, b, c


def test_merged_into_names_the_final_survivor(org: OrgClient) -> None:
    a, _, c = _chain(org)
    assert _contact(org, a)["merged_into"] == c


def test_merge_path_keeps_every_hop(org: OrgClient) -> None:
    a, b, c = _chain(org)
    assert _contact(org, a)["merge_path"] == [b, c]


def test_a_contact_never_merged_has_an_empty_path(org: OrgClient) -> None:
    contact = factories.contact(org)
    assert (contact["merged_into"], contact["merge_path"]) == (None, [])


def test_undoing_the_second_merge_points_back_one_hop(org: OrgClient) -> None:
    a, b, c = (factories.contact(org, full_name=f"P{i}")["id"] for i in range(3))
    factories.merge(org, b, [a])
    second = factories.merge(org, c, [b])
    assert org.post(f"/api/v1/merges/{second['id']}/undo").status_code == 200
    assert (_contact(org, a)["merged_into"], _contact(org, a)["merge_path"]) == (b, [b])


def test_the_merge_entry_names_the_winner_and_every_loser(org: OrgClient) -> None:
    winner, *losers = (factories.contact(org, full_name=f"P{i}")["id"] for i in range(3))
    factories.merge(org, winner, losers)
    items = org.get("/api/v1/changes", query_string={"entity": "contact"}).get_json()["items"]
    merged = [i for i in items if i["operation"] == "contact.merged"]
    assert {i["entity_id"] for i in merged} == {winner, *losers}
    assert all((i["data"]["winner_id"], i["data"]["loser_ids"]) == (winner, losers) for i in merged)


def test_a_later_merge_logs_the_earlier_losers_as_updated(org: OrgClient) -> None:
    a, b, c = (factories.contact(org, full_name=f"P{i}")["id"] for i in range(3))
    factories.merge(org, b, [a])
    seq = org.get("/api/v1/changes").get_json()["last_seq"]
    factories.merge(org, c, [b])
    items = org.get("/api/v1/changes", query_string={"after": seq}).get_json()["items"]
    assert [(i["operation"], i["data"]["fields"]) for i in items if i["entity_id"] == a] == [
        ("updated", ["merged_into", "merge_path"])
    ]
