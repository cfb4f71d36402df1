"""The dry-run: per-row outcomes (create, update, merge, skip, error) and totals; nothing written."""

from __future__ import annotations

from tests import factories
from tests.conftest import OrgClient
from tests.imports.helpers import HUBSPOT, SALESFORCE, rows, upload


def _contact_count(org: OrgClient) -> int:
    return len(org.get("/api/v1/contacts?limit=500").get_json()["items"])


def test_dry_run_writes_no_contact(org: OrgClient) -> None:
    before = _contact_count(org)
    body = upload(
        org, HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n2,Taro,Yamada,t@beta.co.jp,,Beta,CEO\n"
    )
    assert body["status"] == "planned" and body["planned"]["create"] == 2
    assert _contact_count(org) == before
    assert org.get("/api/v1/companies?limit=500").get_json()["items"] == []


def test_new_person_is_planned_as_create(org: OrgClient) -> None:
    body = upload(org, HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n")
    assert [r["action"] for r in rows(org, body["id"])] == ["create"]


def test_known_email_with_new_values_is_an_update_naming_the_fields(org: OrgClient) -> None:
    existing = factories.contact(org, full_name="佐藤 花子", emails=[{"value": "h@beta.co.jp"}], title="部長")
    body = upload(org, HUBSPOT + "1,花子,佐藤,h@beta.co.jp,03-1234-5678,,取締役\n")
    row = rows(org, body["id"])[0]
    assert row["action"] == "update"
    assert row["contact_id"] == existing["id"]
    assert sorted(row["fields"]) == ["phones", "title"]


def test_known_email_with_nothing_new_is_a_skip(org: OrgClient) -> None:
    factories.contact(org, full_name="佐藤 花子", emails=[{"value": "h@beta.co.jp"}], title="部長")
    body = upload(org, HUBSPOT + "1,花子,佐藤,h@beta.co.jp,,,部長\n")
    row = rows(org, body["id"])[0]
    assert row["action"] == "skip" and body["planned"]["skip"] == 1


def test_a_sure_twin_is_a_merge_with_the_matchers_reasons(org: OrgClient) -> None:
    twin = factories.contact(
        org,
        full_name="山田 太郎",
        phones=[{"value": "090-1111-2222", "type": "mobile"}],
        company_name="アクメ",
    )
    body = upload(org, SALESFORCE + "太郎,山田,アクメ,,,yamada@home.example,,090-1111-2222,,,,\n")
    row = rows(org, body["id"])[0]
    assert row["action"] == "merge"
    assert row["contact_id"] == twin["id"]
    assert row["reasons"]


def test_a_row_without_name_or_email_is_an_error(org: OrgClient) -> None:
    body = upload(org, HUBSPOT + "1,,,,03-1234-5678,Beta,CTO\n")
    row = rows(org, body["id"])[0]
    assert row["action"] == "error"
    assert row["errors"][0]["code"] == "missing"
    assert body["planned"] == {"create": 0, "update": 0, "merge": 0, "skip": 0, "error": 1}


def test_rows_page_and_filter_by_action(org: OrgClient) -> None:
    body = upload(
        org, HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n2,,,,,,\n3,Taro,Yamada,t@beta.co.jp,,,\n"
    )
    first = org.get(f"/api/v1/imports/{body['id']}/rows?limit=2").get_json()
    assert [r["row"] for r in first["items"]] == [1, 2] and first["next_cursor"]
    rest = org.get(f"/api/v1/imports/{body['id']}/rows?limit=2&cursor={first['next_cursor']}").get_json()
    assert [r["row"] for r in rest["items"]] == [3]
    errors = org.get(f"/api/v1/imports/{body['id']}/rows?action=error").get_json()
    assert [r["row"] for r in errors["items"]] == [2]


def test_another_organisations_import_is_not_found(org: OrgClient, other_org: OrgClient) -> None:
    body = upload(org, HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n")
    assert other_org.get(f"/api/v1/imports/{body['id']}").status_code == 404


def test_sales_role_may_not_import(org: OrgClient) -> None:
    sales = org.as_role("sales")
    resp = sales.get("/api/v1/imports")
    assert resp.status_code == 403
