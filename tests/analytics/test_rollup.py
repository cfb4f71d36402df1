"""The touchpoint rollup gives exactly the scan's figures after any sequence of writes: touchpoints recorded,
edited, deleted and recorded in bulk, contacts merged, merges undone, contacts deleted, restored and erased,
and the organisation's time zone changed; refreshed at random moments in between."""

from __future__ import annotations

import random
from typing import Any

import pytest
from flask import Flask

from contacts.analytics import rollup, service
from contacts.analytics.schemas import TouchpointSeriesQuery
from contacts.db import session_factory
from tests import factories
from tests.conftest import OrgClient

URL = "/api/v1/analytics/touchpoints"
KINDS = ["meeting", "email", "call", "webinar", "direct_mail"]
CHANNELS = ["offline", "online", "o2o", "omo"]
ZONES = ["Asia/Tokyo", "America/New_York", "Europe/London", "Pacific/Chatham"]
QUERIES = [
    {"interval": "week", "split_by": "channel", "from": "2026-02-20", "to": "2026-04-10"},
    {"interval": "day", "from": "2026-03-05", "to": "2026-04-02"},
    {"interval": "month", "split_by": "kind", "from": "2026-01-01", "to": "2026-06-30"},
]


def _instant(rng: random.Random) -> str:
    # Around the spring DST changes of New York (8 March) and London (29 March), and Chatham (5 April).
    day = rng.randrange(1, 61)
    return f"2026-{3 + (day - 1) // 31:02d}-{(day - 1) % 31 % 30 + 1:02d}T{rng.randrange(24):02d}:{rng.choice(['00', '59'])}:00Z"


def _check(app: Flask, org: OrgClient) -> None:
    """The rollup (refreshed and committed) and the scan give the same report, for every query."""
    with app.app_context(), session_factory(app)() as session:
        for params in QUERIES:
            query = TouchpointSeriesQuery.model_validate(params)
            assert service.uses_rollup(query)
            fast = service.touchpoint_series(session, org.organization_id, query)
            slow = service.touchpoint_series(session, org.organization_id, query, use_rollup=False)
            assert fast == slow, params
        session.commit()


class World:
    """The organisation's contacts and touchpoints as the test wrote them, and the writes it can make."""

    def __init__(self, org: OrgClient, rng: random.Random) -> None:
        self.org, self.rng = org, rng
        self.contacts = [factories.contact(org, full_name=f"顧客 {i}")["id"] for i in range(6)]
        self.points: list[str] = []
        self.merges: list[str] = []
        self.deleted: list[str] = []

    def _ok(self, resp: Any, *codes: int) -> Any:
        assert resp.status_code in (codes or (200, 201, 204)), resp.get_data(as_text=True)
        return resp.get_json(silent=True)

    def record(self) -> None:
        body = {
            "kind": self.rng.choice(KINDS),
            "channel": self.rng.choice(CHANNELS),
            "occurred_at": _instant(self.rng),
        }
        point = factories.touchpoint(self.org, self.rng.choice(self.live()), **body)
        self.points.append(point["id"])

    def bulk(self) -> None:
        chosen = self.rng.sample(self.live(), k=min(3, len(self.live())))
        body = {"contact_ids": chosen, "kind": "email", "occurred_at": _instant(self.rng)}
        out = self._ok(self.org.post("/api/v1/touchpoints/bulk", json=body), 201)
        self.points += [p["id"] for p in out["items"]] if "items" in out else []

    def edit(self) -> None:
        if not self.points:
            return
        point_id = self.rng.choice(self.points)
        etag = self.org.get(f"/api/v1/touchpoints/{point_id}").headers["ETag"]
        change = self.rng.choice(
            [
                {"occurred_at": _instant(self.rng)},
                {"kind": self.rng.choice(KINDS)},
                {"channel": self.rng.choice(CHANNELS)},
            ]
        )
        self._ok(self.org.patch(f"/api/v1/touchpoints/{point_id}", json=change, headers={"If-Match": etag}))

    def delete(self) -> None:
        if not self.points:
            return
        point_id = self.points.pop(self.rng.randrange(len(self.points)))
        etag = self.org.get(f"/api/v1/touchpoints/{point_id}").headers["ETag"]
        self._ok(self.org.delete(f"/api/v1/touchpoints/{point_id}", headers={"If-Match": etag}))

    def live(self) -> list[str]:
        return [c for c in self.contacts if c not in self.deleted]

    def merge(self) -> None:
        live = self.live()
        if len(live) < 2:
            return
        winner, loser = self.rng.sample(live, k=2)
        self.merges.append(factories.merge(self.org, winner, [loser])["id"])
        self.contacts.remove(loser)

    def undo(self) -> None:
        if not self.merges:
            return
        merge_id = self.merges.pop()
        resp = self.org.post(f"/api/v1/merges/{merge_id}/undo")
        if resp.status_code == 200:
            self.contacts += [c["id"] for c in resp.get_json().get("contacts", [])]
            self.contacts = self._existing()
        else:
            self._ok(resp, 409)  # a later change stands in the way

    def remove(self) -> None:
        live = self.live()
        if len(live) > 2:
            contact_id = self.rng.choice(live)
            etag = self.org.get(f"/api/v1/contacts/{contact_id}").headers["ETag"]
            self._ok(self.org.delete(f"/api/v1/contacts/{contact_id}", headers={"If-Match": etag}))
            self.deleted.append(contact_id)

    def restore(self) -> None:
        if self.deleted:
            contact_id = self.deleted.pop()
            self._ok(self.org.post(f"/api/v1/contacts/{contact_id}/restore"))

    def erase(self) -> None:
        if len(self.live()) > 3:
            contact_id = self.rng.choice(self.live())
            self._ok(self.org.post(f"/api/v1/contacts/{contact_id}/erase", json={"confirm": True}))
            self.contacts = self._existing()
            self.deleted = [c for c in self.deleted if c in self.contacts]
            self.points = [
                p for p in self.points if self.org.get(f"/api/v1/touchpoints/{p}").status_code == 200
            ]
            self.merges = []

    def zone(self) -> None:
        body = {"time_zone": self.rng.choice(ZONES)}
        self._ok(self.org.patch("/api/v1/organization/settings", json=body))

    def new_contact(self) -> None:
        self.contacts.append(factories.contact(self.org, full_name=f"新規 {len(self.contacts)}")["id"])

    def _existing(self) -> list[str]:
        ids = []
        for status in ("active", "deleted"):
            resp = self.org.get("/api/v1/contacts", query_string={"limit": 200, "status": status})
            ids += [c["id"] for c in resp.get_json()["items"]]
        return ids


STEPS = {
    "record": 8,
    "bulk": 2,
    "edit": 4,
    "delete": 2,
    "merge": 2,
    "undo": 1,
    "remove": 1,
    "restore": 1,
    "erase": 1,
    "zone": 1,
    "new_contact": 1,
}


@pytest.mark.parametrize(("seed", "whole_map"), [(1, 20_000), (2, 20_000), (3, 0)])
def test_the_rollup_equals_the_scan_after_random_writes(
    app: Flask, org: OrgClient, monkeypatch: pytest.MonkeyPatch, seed: int, whole_map: int
) -> None:
    monkeypatch.setattr(rollup, "WHOLE_MAP", whole_map)  # 0: a refresh reads every ordinal at once
    rng = random.Random(seed)
    world = World(org, rng)
    for _ in range(10):
        world.record()
    _check(app, org)
    names, weights = list(STEPS), list(STEPS.values())
    for _ in range(40):
        getattr(world, rng.choices(names, weights)[0])()
        if rng.random() < 0.4:
            _check(app, org)
    _check(app, org)


def test_the_endpoint_answers_the_same_json_from_the_rollup_and_from_the_scan(
    org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(7)
    world = World(org, rng)
    for _ in range(30):
        world.record()
    world.merge()
    world.remove()
    for params in [*QUERIES, {"interval": "week", "split_by": "kind"}, {"interval": "month"}]:
        fast = org.get(URL, query_string=params)
        with monkeypatch.context() as m:
            m.setattr(service, "uses_rollup", lambda _query: False)
            slow = org.get(URL, query_string=params)
        assert fast.status_code == slow.status_code == 200
        assert fast.get_json() == slow.get_json()
        assert fast.get_json()["touchpoints"] > 0 or params.get("from") is None
