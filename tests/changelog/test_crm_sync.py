"""End to end: a day of changes, then the reference sync client (examples/crm_sync) must mirror the API exactly.

``DAY_STEPS`` is the day; ``EXTRA_DAY_STEPS`` is where other packages add theirs (imports and their rollback),
each a function of the organisation and the day's shared state.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from contacts.storage import storage_of
from contacts.webhooks.service import sign
from examples.crm_sync.client import Params, SyncClient
from examples.crm_sync.receiver import make_receiver, verify
from examples.crm_sync.store import Json, Store
from tests import factories
from tests.changelog.feed_walk import RESOURCES, Key, snapshot
from tests.conftest import OrgClient

Day = dict[str, Any]
Step = Callable[[OrgClient, Day], None]


class FlaskHttp:
    """The client's HTTP through the Flask test client, as the organisation's admin."""

    def __init__(self, org: OrgClient) -> None:
        self.org = org

    def get(self, path: str, params: Params) -> tuple[int, Json]:
        response = self.org.get(path, query_string=dict(params))
        return response.status_code, response.get_json()


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json() if response.data else None


def confirm_card(org: OrgClient, fields: dict[str, str], **extra: Any) -> Json:
    key = storage_of(org.app).put(f"card {sorted(fields.items())} {extra}".encode(), extension="jpg")
    card_id = factories.card_row(
        org,
        front_image=key,
        status="needs_review",
        exchanged_at=datetime.fromisoformat("2026-11-01T10:00:00+09:00"),
        fields={k: {"value": v, "confidence": 0.99, "box": None, "side": "front"} for k, v in fields.items()},
        **extra,
    )
    body: Json = ok(org.post(f"/api/v1/cards/{card_id}/confirm"))
    return body


def morning(org: OrgClient, day: Day) -> None:
    """Contacts typed in, a company, an event with its tag, cards from the event."""
    day["acme"] = factories.company(org, name="株式会社アクメ")
    day["taro"] = factories.contact(org, full_name="山田 太郎", company_id=day["acme"]["id"])
    day["taro2"] = factories.contact(org, full_name="山田 太郎", emails=[{"value": "taro@acme.example"}])
    day["hanako"] = factories.contact(org, full_name="佐藤 花子")
    day["jiro"] = factories.contact(org, full_name="鈴木 次郎")
    day["event"] = factories.event(org, name="Expo 2026")
    confirm_card(org, {"name": "高橋 一郎", "company": "株式会社ベータ"}, event_id=day["event"]["id"])
    confirm_card(
        org, {"name": "佐藤 花子"}, event_id=day["event"]["id"], match_contact_id=day["hanako"]["id"]
    )


def midday(org: OrgClient, day: Day) -> None:
    """Edits, tags, touchpoints, a campaign."""
    ok(org.patch(f"/api/v1/contacts/{day['hanako']['id']}", json={"title": "部長"}))
    vip = factories.tag(org, "VIP")
    ok(
        org.post(
            f"/api/v1/tags/{vip['id']}/contacts",
            json={"contact_ids": [day["taro2"]["id"], day["jiro"]["id"]]},
        )
    )
    ok(org.post(f"/api/v1/tags/{vip['id']}/companies", json={"company_ids": [day["acme"]["id"]]}))
    factories.touchpoint(org, day["taro2"]["id"], summary="昼食")
    factories.touchpoint(org, day["jiro"]["id"])
    campaign = factories.campaign(org, "Seminar")
    factories.add_members(org, campaign["id"], contact_ids=[day["taro2"]["id"], day["hanako"]["id"]])
    ok(
        org.patch(
            f"/api/v1/campaigns/{campaign['id']}/members/{day['hanako']['id']}", json={"status": "sent"}
        )
    )
    ok(org.patch(f"/api/v1/companies/{day['acme']['id']}", json={"name": "株式会社アクメHD"}))


def afternoon(org: OrgClient, day: Day) -> None:
    """Merges (one of them a chain), an undo, an erasure, a deletion."""
    day["merge"] = factories.merge(org, day["taro"]["id"], [day["taro2"]["id"]])
    keeper = factories.contact(org, full_name="山田 太郎 (本社)")
    factories.merge(org, keeper["id"], [day["taro"]["id"]])
    day["keeper"] = keeper
    temp = factories.contact(org, full_name="一時 太郎")
    other = factories.contact(org, full_name="一時 次郎")
    undone = factories.merge(org, temp["id"], [other["id"]])
    ok(org.post(f"/api/v1/merges/{undone['id']}/undo"))
    ok(org.post(f"/api/v1/contacts/{day['jiro']['id']}/erase", json={"confirm": True}))
    ok(org.delete(f"/api/v1/contacts/{day['hanako']['id']}"), 204)


DAY_STEPS: list[Step] = [morning, midday, afternoon]


def evening(org: OrgClient, day: Day) -> None:
    """Two contacts files imported (one updates a contact, one met people at a fair); the second rolled back."""
    from tests.imports.helpers import HUBSPOT, SANSAN, imported

    imported(org, HUBSPOT + "1,Ichiro,Kato,kato@gamma.example,03-1111-2222,Gamma,CEO\n")
    fair = imported(
        org,
        SANSAN
        + "株式会社デルタ,営業部,課長,木村,健,ken@delta.example,03-3333-4444,,,,2026-11-20,幕張メッセ\n",
    )
    resp = org.post(f"/api/v1/imports/{fair['id']}/rollback")
    assert resp.status_code == 200, resp.get_data(as_text=True)


EXTRA_DAY_STEPS: list[Step] = [evening]  # each must leave the API in a state to mirror

IGNORED = {r.entity: r.ignore for r in RESOURCES}


def _comparable(records: dict[Key, Json]) -> dict[Key, Json]:
    return {
        k: {f: v for f, v in body.items() if f not in IGNORED.get(k[0], ())} for k, body in records.items()
    }


def _mirror_matches(org: OrgClient, store: Store) -> None:
    api, mirror = snapshot(org), _comparable(store.records())
    assert (sorted(set(api) - set(mirror)), sorted(set(mirror) - set(api))) == ([], [])
    assert [(k, api[k], mirror[k]) for k in api if api[k] != mirror[k]] == []


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "crm.sqlite")


def test_the_client_mirrors_a_day_of_changes_record_by_record(org: OrgClient, store: Store) -> None:
    day: Day = {}
    client = SyncClient(FlaskHttp(org), store, page_size=7)
    client.sync()
    for step in [*DAY_STEPS, *EXTRA_DAY_STEPS]:
        step(org, day)
    client.sync()
    _mirror_matches(org, store)


def test_the_client_resumes_from_its_stored_cursor(org: OrgClient, tmp_path: Path) -> None:
    day: Day = {}
    path = tmp_path / "crm.sqlite"
    first = Store(path)
    SyncClient(FlaskHttp(org), first).sync()
    morning(org, day)
    SyncClient(FlaskHttp(org), first).sync()
    first.close()
    midday(org, day)
    afternoon(org, day)
    again = Store(path)
    assert SyncClient(FlaskHttp(org), again).sync() > 0
    _mirror_matches(org, again)


def test_repeated_deliveries_change_nothing(org: OrgClient, store: Store) -> None:
    day: Day = {}
    client = SyncClient(FlaskHttp(org), store)
    client.sync()
    for step in DAY_STEPS:
        step(org, day)
    client.sync()
    entries = org.get("/api/v1/changes", query_string={"include": "data", "limit": 500}).get_json()["items"]
    with store.transaction():
        for entry in entries:
            client.apply(entry)
    _mirror_matches(org, store)


def test_crm_activities_follow_merges_and_go_with_an_erasure(org: OrgClient, store: Store) -> None:
    day: Day = {}
    client = SyncClient(FlaskHttp(org), store)
    morning(org, day)
    midday(org, day)
    client.sync()
    store.add_activity(day["taro2"]["id"], "call back in December")
    store.add_activity(day["jiro"]["id"], "likes golf")
    afternoon(org, day)
    client.sync()
    assert store.activities() == [(day["keeper"]["id"], "call back in December")]


def test_a_cursor_older_than_the_feed_resyncs_from_the_lists(org: OrgClient, store: Store) -> None:
    day: Day = {}
    client = SyncClient(FlaskHttp(org), store)
    morning(org, day)
    client.sync()
    gone = FlaskHttp(org)
    gone.get = lambda path, params: (  # type: ignore[method-assign]
        (410, {"detail": "pruned"})
        if path == "/api/v1/changes" and not getattr(gone, "seen", False) and not setattr(gone, "seen", True)
        else FlaskHttp.get(gone, path, params)
    )
    midday(org, day)
    SyncClient(gone, store).sync()
    _mirror_matches(org, store)


def test_the_receiver_accepts_meishis_signature() -> None:
    body, now = b'{"changes": []}', int(time.time())
    assert verify("whsec_x", sign("whsec_x", now, body), body)


@pytest.mark.parametrize(
    "header",
    [None, "", "t=1,v1=00", "v1=abc", f"t={int(time.time())},v1={'0' * 64}"],
)
def test_the_receiver_refuses_a_bad_signature(header: str | None) -> None:
    assert not verify("whsec_x", header, b"{}")


def test_the_receiver_refuses_a_signature_under_another_secret() -> None:
    body, now = b"{}", int(time.time())
    assert not verify("whsec_x", sign("whsec_other", now, body), body)


def test_the_receiver_refuses_a_stale_signature() -> None:
    body = b"{}"
    assert not verify("whsec_x", sign("whsec_x", int(time.time()) - 3600, body), body)


def _call(app: Any, body: bytes, signature: str | None) -> str:
    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **({"HTTP_MEISHI_SIGNATURE": signature} if signature else {}),
    }
    list(app(environ, lambda status, headers: statuses.append(status)))
    return statuses[0]


def test_a_signed_delivery_wakes_the_client() -> None:
    woken: list[bool] = []
    app = make_receiver("whsec_x", lambda: woken.append(True))
    body = b'{"changes": []}'
    assert _call(app, body, sign("whsec_x", int(time.time()), body)).startswith("204") and woken == [True]


def test_an_unsigned_delivery_does_not_wake_the_client() -> None:
    woken: list[bool] = []
    app = make_receiver("whsec_x", lambda: woken.append(True))
    assert _call(app, b"{}", None).startswith("401") and woken == []
