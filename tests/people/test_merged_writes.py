"""Writes to a merged contact answer 409 naming the surviving contact, whatever the body says (issue 15, 15)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import OrgClient


def _merged_pair(org: OrgClient) -> tuple[str, str, str]:
    """Create two contacts, merge the second into the first; return (winner, loser, merge operation) ids."""
    ids = []
    for email in ("a.sato@acme.co.jp", "sato@acme.co.jp"):
        resp = org.post(
            "/api/v1/contacts", json={"family_name": "佐藤", "given_name": "一", "emails": [{"value": email}]}
        )
        assert resp.status_code == 201, resp.get_data(as_text=True)
        ids.append(resp.get_json()["id"])
    merge = org.post("/api/v1/merges", json={"winner_id": ids[0], "loser_ids": [ids[1]]})
    assert merge.status_code in (200, 201), merge.get_data(as_text=True)
    return ids[0], ids[1], merge.get_json()["id"]


@pytest.mark.parametrize(
    "body", [{"status": "active"}, {"status": "active", "title": "部長"}, {"title": "部長"}]
)
def test_patch_of_a_merged_contact_is_409_naming_the_winner(org: OrgClient, body: dict[str, Any]) -> None:
    winner, loser, _ = _merged_pair(org)
    etag = org.get(f"/api/v1/contacts/{loser}").headers["ETag"]
    resp = org.patch(f"/api/v1/contacts/{loser}", json=body, headers={"If-Match": etag})
    assert resp.status_code == 409 and winner in resp.get_json()["detail"], resp.get_data(as_text=True)
    after = org.get(f"/api/v1/contacts/{loser}").get_json()
    assert after["status"] == "merged" and after["merged_into"] == winner and after["title"] is None


def test_the_merge_can_still_be_undone_after_a_refused_write(org: OrgClient) -> None:
    _, loser, merge_id = _merged_pair(org)
    etag = org.get(f"/api/v1/contacts/{loser}").headers["ETag"]
    org.patch(
        f"/api/v1/contacts/{loser}", json={"status": "active", "title": "部長"}, headers={"If-Match": etag}
    )
    assert org.post(f"/api/v1/merges/{merge_id}/undo").status_code == 200
    assert org.get(f"/api/v1/contacts/{loser}").get_json()["status"] == "active"


def test_a_write_to_a_twice_merged_contact_names_the_final_survivor(org: OrgClient) -> None:
    first, loser, _ = _merged_pair(org)
    resp = org.post(
        "/api/v1/contacts",
        json={"family_name": "佐藤", "given_name": "一", "emails": [{"value": "ichi.sato@acme.co.jp"}]},
    )
    survivor = resp.get_json()["id"]
    assert org.post("/api/v1/merges", json={"winner_id": survivor, "loser_ids": [first]}).status_code in (
        200,
        201,
    )
    etag = org.get(f"/api/v1/contacts/{loser}").headers["ETag"]
    resp = org.patch(f"/api/v1/contacts/{loser}", json={"title": "部長"}, headers={"If-Match": etag})
    assert resp.status_code == 409 and survivor in resp.get_json()["detail"]
