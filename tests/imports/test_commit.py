"""Committing an import: the background job, results, value sources, merges, touchpoints of kind import."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contacts.db import session_factory, utcnow
from contacts.imports.commit import claim, run_import
from contacts.imports.models import ContactImport
from contacts.imports.worker import run_pending
from tests import factories
from tests.conftest import OrgClient
from tests.imports.helpers import HUBSPOT, SALESFORCE, SANSAN, get_contact, imported, rows, upload


def test_commit_creates_contacts_with_the_import_as_source(org: OrgClient) -> None:
    done = imported(org, HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,03-1234-5678,Beta,CTO\n")
    assert done["status"] == "committed" and done["progress"] == 1.0
    assert done["results"]["create"] == 1
    row = rows(org, done["id"])[0]
    contact = get_contact(org, row["contact_id"])
    assert contact["full_name"] == "Hanako Sato" and contact["company"]["name"] == "Beta"
    assert contact["sources"]["full_name"]["type"] == "import"
    assert contact["sources"]["full_name"]["id"] == done["id"]


def test_commit_updates_an_existing_contact(org: OrgClient) -> None:
    existing = factories.contact(org, full_name="佐藤 花子", emails=[{"value": "h@beta.co.jp"}], title="部長")
    done = imported(org, HUBSPOT + "1,花子,佐藤,h@beta.co.jp,03-1234-5678,,取締役\n")
    assert done["results"]["update"] == 1
    contact = get_contact(org, existing["id"])
    assert contact["title"] == "取締役"
    assert [p["value"] for p in contact["phones"]] == ["03-1234-5678"]
    assert contact["sources"]["title"]["type"] == "import"


def test_commit_merges_into_a_sure_twin(org: OrgClient) -> None:
    twin = factories.contact(
        org,
        full_name="山田 太郎",
        phones=[{"value": "090-1111-2222", "type": "mobile"}],
        company_name="アクメ",
    )
    done = imported(org, SALESFORCE + "太郎,山田,アクメ,,,yamada@home.example,,090-1111-2222,,,,\n")
    assert done["results"]["merge"] == 1
    row = rows(org, done["id"])[0]
    assert row["result"] == "merge" and row["contact_id"] == twin["id"]
    merged = get_contact(org, twin["id"])
    assert "yamada@home.example" in [e["value"] for e in merged["emails"]]


def test_two_rows_of_one_person_make_one_contact(org: OrgClient) -> None:
    done = imported(
        org, HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,\n2,Hanako,Sato,h@beta.co.jp,03-1234-5678,Beta,CTO\n"
    )
    got = rows(org, done["id"])
    assert [r["result"] for r in got] == ["create", "update"]
    assert got[0]["contact_id"] == got[1]["contact_id"]


def test_when_and_where_make_a_touchpoint_of_kind_import(org: OrgClient) -> None:
    line = "ガンマ,営業部,部長,鈴木,一郎,suzuki@gamma.co.jp,,,,,2026-10-01,Expo 2026\n"
    done = imported(org, SANSAN + line)
    contact_id = rows(org, done["id"])[0]["contact_id"]
    items = org.get(f"/api/v1/touchpoints?contact_id={contact_id}").get_json()["items"]
    assert [(t["kind"], t["source"], t["location"]) for t in items] == [("import", "import", "Expo 2026")]
    assert items[0]["occurred_at"].startswith("2026-10-01")


def test_no_touchpoint_without_where(org: OrgClient) -> None:
    done = imported(org, SANSAN + "ガンマ,営業部,部長,鈴木,一郎,suzuki@gamma.co.jp,,,,,2026-10-01,\n")
    contact_id = rows(org, done["id"])[0]["contact_id"]
    assert org.get(f"/api/v1/touchpoints?contact_id={contact_id}").get_json()["items"] == []


def test_a_committed_import_cannot_be_committed_again(org: OrgClient) -> None:
    done = imported(org, HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n")
    resp = org.post(f"/api/v1/imports/{done['id']}/commit")
    assert resp.status_code == 409


class _WorkerDied(Exception):
    pass


def _die(done: int, total: int) -> None:
    raise _WorkerDied


def test_a_crashed_workers_import_is_resumed_without_repeating_rows(org: OrgClient) -> None:
    factory = session_factory(org.app)
    body = upload(org, HUBSPOT + "".join(f"{i},N{i},Sato,n{i}@beta.co.jp,,Beta,\n" for i in range(5)))
    assert org.post(f"/api/v1/imports/{body['id']}/commit").status_code == 202
    # A first worker commits one chunk of two rows, then dies holding the lease.
    with pytest.raises(_WorkerDied):
        run_import(factory, body["id"], worker="dead", chunk_rows=2, on_progress=_die)
    with factory() as session:
        imp = session.get(ContactImport, body["id"])
        assert imp is not None and imp.processed_rows == 2 and imp.lease_owner == "dead"
        imp.lease_until = utcnow() - timedelta(seconds=1)
        session.commit()
    run_pending(org.app)
    done = org.get(f"/api/v1/imports/{body['id']}").get_json()
    assert done["status"] == "committed" and done["results"]["create"] == 5
    assert len({r["contact_id"] for r in rows(org, body["id"])}) == 5


def test_a_live_workers_import_is_not_taken_over(org: OrgClient) -> None:
    factory = session_factory(org.app)
    body = upload(org, HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n")
    assert org.post(f"/api/v1/imports/{body['id']}/commit").status_code == 202
    with factory() as session:
        assert claim(session, body["id"], "alive")
        session.commit()
    assert run_import(factory, body["id"], worker="other") == "committing"


def test_an_unexpected_failure_marks_the_import_failed_and_it_can_be_rolled_back(
    org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contacts.imports.commit as commit_module

    body = upload(org, HUBSPOT + "".join(f"{i},N{i},Sato,n{i}@beta.co.jp,,Beta,\n" for i in range(3)))
    assert org.post(f"/api/v1/imports/{body['id']}/commit").status_code == 202
    real = commit_module.apply_chunk
    calls = []

    def second_chunk_breaks(session, imp, rows, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(rows))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        real(session, imp, rows, **kwargs)

    monkeypatch.setattr(commit_module, "apply_chunk", second_chunk_breaks)
    with pytest.raises(RuntimeError):
        run_import(session_factory(org.app), body["id"], chunk_rows=2)
    failed = org.get(f"/api/v1/imports/{body['id']}").get_json()
    assert failed["status"] == "failed" and failed["processed_rows"] == 2
    assert "RuntimeError" in failed["error"]
    created = [r["contact_id"] for r in rows(org, body["id"]) if r["result"]]
    assert len(created) == 2
    assert org.post(f"/api/v1/imports/{body['id']}/rollback").status_code == 200
    assert all(get_contact(org, c)["status"] == "deleted" for c in created)


def test_a_row_the_service_refuses_at_commit_is_an_error_row_and_the_others_commit(org: OrgClient) -> None:
    long_phone = "0" * 150  # a cell the plan accepts, but longer than a phone number may be (100)
    done = imported(
        org,
        HUBSPOT
        + f"1,Hanako,Sato,h@beta.co.jp,,Beta,\n2,Jiro,Sato,x@beta.co.jp,{long_phone},Beta,\n3,Taro,Ito,t@beta.co.jp,,,\n",
    )
    got = rows(org, done["id"])
    assert [r["result"] for r in got] == ["create", "error", "create"]
    assert got[1]["errors"] and done["results"]["error"] == 1
    assert get_contact(org, got[2]["contact_id"])["full_name"] == "Taro Ito"
