"""Rolling back an import: created contacts removed, updated values restored, merges undone, or a 409."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import OrgClient
from tests.imports.helpers import HUBSPOT, SALESFORCE, SANSAN, get_contact, imported, rows


def _comparable(contact: dict[str, Any]) -> dict[str, Any]:
    """The contact's JSON without what a rollback legitimately moves on (version, update time)."""
    return {k: v for k, v in contact.items() if k not in ("version", "updated_at")}


def _rollback(org: OrgClient, import_id: str, status: int = 200) -> dict[str, Any]:
    resp = org.post(f"/api/v1/imports/{import_id}/rollback")
    assert resp.status_code == status, resp.get_data(as_text=True)
    body: dict[str, Any] = resp.get_json()
    return body


def test_rollback_removes_created_contacts(org: OrgClient) -> None:
    done = imported(org, HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n")
    contact_id = rows(org, done["id"])[0]["contact_id"]
    assert _rollback(org, done["id"])["status"] == "rolled_back"
    assert get_contact(org, contact_id)["status"] == "deleted"
    listed = org.get("/api/v1/contacts?limit=500").get_json()["items"]
    assert contact_id not in [c["id"] for c in listed]


def test_rollback_restores_updated_values_exactly(org: OrgClient) -> None:
    existing = factories.contact(org, full_name="佐藤 花子", emails=[{"value": "h@beta.co.jp"}], title="部長")
    before = get_contact(org, existing["id"])
    done = imported(org, HUBSPOT + "1,花子,佐藤,h@beta.co.jp,03-1234-5678,Beta,取締役\n")
    assert get_contact(org, existing["id"])["title"] == "取締役"
    _rollback(org, done["id"])
    after = get_contact(org, existing["id"])
    assert _comparable(after) == _comparable(before)
    assert after["version"] > before["version"]


def test_rollback_undoes_merges(org: OrgClient) -> None:
    twin = factories.contact(
        org,
        full_name="山田 太郎",
        phones=[{"value": "090-1111-2222", "type": "mobile"}],
        company_name="アクメ",
    )
    before = get_contact(org, twin["id"])
    done = imported(org, SALESFORCE + "太郎,山田,アクメ,,,yamada@home.example,,090-1111-2222,,,,\n")
    row = rows(org, done["id"])[0]
    assert row["result"] == "merge"
    _rollback(org, done["id"])
    after = get_contact(org, twin["id"])
    assert after["emails"] == before["emails"] and after["status"] == "active"
    assert {k: v for k, v in _comparable(after).items() if k != "sources"} == {
        k: v for k, v in _comparable(before).items() if k != "sources"
    }
    loser = get_contact(org, row["detail"].get("created_contact_id") or _created(org, done["id"]))
    assert loser["status"] == "deleted"


def _created(org: OrgClient, import_id: str) -> str:
    from contacts.db import session_factory
    from contacts.imports.models import ImportRow

    with session_factory(org.app)() as session:
        row = session.query(ImportRow).filter_by(import_id=import_id).one()
        assert row.created_contact_id
        return row.created_contact_id


def test_rollback_removes_import_touchpoints(org: OrgClient) -> None:
    done = imported(org, SANSAN + "ガンマ,営業部,部長,鈴木,一郎,suzuki@gamma.co.jp,,,,,2026-10-01,Expo\n")
    contact_id = rows(org, done["id"])[0]["contact_id"]
    _rollback(org, done["id"])
    items = org.get(f"/api/v1/touchpoints?contact_id={contact_id}").get_json()["items"]
    assert items == []


def test_rollback_refuses_naming_contacts_changed_since(org: OrgClient) -> None:
    done = imported(
        org, HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n2,Taro,Yamada,t@beta.co.jp,,Beta,\n"
    )
    changed = rows(org, done["id"])[1]["contact_id"]
    resp = org.patch(f"/api/v1/contacts/{changed}", json={"title": "CEO"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = _rollback(org, done["id"], status=409)
    assert changed in body["detail"]
    assert [e["id"] for e in body["errors"]] == [changed]
    # Nothing was rolled back.
    assert org.get(f"/api/v1/imports/{done['id']}").get_json()["status"] == "committed"
    assert get_contact(org, rows(org, done["id"])[0]["contact_id"])["status"] == "active"


def test_a_planned_import_cannot_be_rolled_back(org: OrgClient) -> None:
    from tests.imports.helpers import upload

    body = upload(org, HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n")
    _rollback(org, body["id"], status=409)
