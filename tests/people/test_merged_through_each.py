"""merged_through_each walks the merge chains of many groups at once and finds what merged_through finds."""

from __future__ import annotations

from contacts.db import session_factory
from contacts.people import service
from tests import factories
from tests.conftest import OrgClient


def _merge(org: OrgClient, winner: str, *losers: str) -> None:
    resp = org.post("/api/v1/merges", json={"winner_id": winner, "loser_ids": list(losers)})
    assert resp.status_code == 201, resp.get_data(as_text=True)


def test_each_group_finds_what_merged_through_finds(org: OrgClient) -> None:
    c = [factories.contact(org, full_name=f"連鎖 {i}")["id"] for i in range(7)]
    _merge(org, c[1], c[0])  # c0 -> c1
    _merge(org, c[2], c[1])  # c1 -> c2: c0 reaches c2 through c1
    _merge(org, c[4], c[3])  # c3 -> c4
    _merge(org, c[5], c[4])  # c4 -> c5
    groups = {"a": [c[2]], "b": [c[5], c[6]], "c": [c[4]], "d": [c[0]]}
    with org.app.app_context(), session_factory(org.app)() as session:
        each = service.merged_through_each(session, org.organization_id, groups)
        one_by_one = {
            key: service.merged_through(session, org.organization_id, ids) for key, ids in groups.items()
        }
    assert each == one_by_one
    assert each["a"] == [c[1], c[0]] and set(each["b"]) == {c[3], c[4]} and each["c"] == [c[3]]
    assert each["d"] == []
