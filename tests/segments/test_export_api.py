"""CSV export over HTTP: default columns, BOM, cp932 and its replacements, formula escaping, columns, the log."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from contacts.segments import export
from tests import factories
from tests.conftest import OrgClient
from tests.factories import contact, segment

URL = "/api/v1/contacts/export.csv"
HEADER = (
    "id,family_name,given_name,full_name,name_kana,name_romaji,company,department,title,emails,phones,"
    "postal_code,address,tags,owner,last_touchpoint_at"
)


def rows(body: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode(encoding), newline="")))


def exported(org: OrgClient, **params: Any) -> bytes:
    resp = org.get(URL, query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_data()


def test_default_columns_have_the_import_profiles_header_names(org: OrgClient) -> None:
    assert rows(exported(org))[0] == HEADER.split(",")


def test_utf8_starts_with_a_bom_and_says_its_charset(org: OrgClient) -> None:
    resp = org.get(URL)
    assert resp.get_data().startswith(b"\xef\xbb\xbfid,") and resp.mimetype == "text/csv"
    assert resp.mimetype_params["charset"] == "utf-8"


def test_a_contact_fills_every_default_column(org: OrgClient) -> None:
    c = contact(
        org,
        family_name="山田",
        given_name="太郎",
        full_name="山田 太郎",
        name_kana="ヤマダ タロウ",
        company_name="株式会社アクメ",
        department="営業部",
        title="部長",
        emails=[{"value": "b@example.com"}, {"value": "a@example.com", "primary": True}],
        phones=[{"value": "03-1234-5678"}],
        addresses=[{"postal_code": "100-0001", "value": "東京都千代田区千代田1-1"}],
        tags=["VIP", "Expo"],
    )
    factories.touchpoint(org, c["id"], occurred_at="2026-11-01T10:00:00+09:00")
    row = dict(zip(HEADER.split(","), rows(exported(org))[1], strict=True))
    assert row["emails"] == "a@example.com; b@example.com" and row["tags"] == "Expo; VIP"
    assert (row["company"], row["title"], row["postal_code"]) == ("株式会社アクメ", "部長", "1000001")
    assert row["phones"] == "03-1234-5678" and row["address"] == "東京都千代田区千代田1-1"
    assert row["owner"] == "admin@example.com" and row["last_touchpoint_at"] == "2026-11-01T01:00:00+00:00"


@pytest.mark.parametrize("value", ['=HYPERLINK("x")', "+81 3 1234", "-1+1", "@SUM(A1)"])
def test_formula_like_cells_are_prefixed_with_a_quote(org: OrgClient, value: str) -> None:
    contact(org, full_name="Eve", department=value)
    assert rows(exported(org, columns="department"))[1] == ["'" + value]


@pytest.mark.parametrize("value", ["\tx", "\r=1"])
def test_tab_and_cr_at_the_start_are_escaped_too(value: str) -> None:
    # The API strips stored strings, so these reach a cell only from other writers (imports, the worker).
    assert export.escape_formula(value) == "'" + value


def test_the_caller_chooses_the_columns_and_their_order(org: OrgClient) -> None:
    contact(org, full_name="Ann", title="CTO")
    assert rows(exported(org, columns="title,full_name")) == [["title", "full_name"], ["CTO", "Ann"]]


def test_an_unknown_column_is_a_422_problem(org: OrgClient) -> None:
    resp = org.get(URL, query_string={"columns": "full_name,password"})
    assert resp.status_code == 422 and resp.headers["Content-Type"] == "application/problem+json"
    assert (
        resp.get_json()["errors"][0]["field"] == "columns"
        and "password" in resp.get_json()["errors"][0]["message"]
    )


def test_the_filters_of_the_contact_list_apply(org: OrgClient) -> None:
    contact(org, full_name="A", tags=["VIP"])
    contact(org, full_name="B")
    assert rows(exported(org, tag="VIP", columns="full_name")) == [["full_name"], ["A"]]


def test_cp932_has_no_bom_and_keeps_the_cp932_characters(org: OrgClient) -> None:
    contact(org, full_name="髙橋 ①")
    body = exported(org, encoding="cp932", columns="full_name")
    assert not body.startswith(b"\xef\xbb\xbf") and rows(body, "cp932")[1] == ["髙橋 ①"]


def test_cp932_writes_the_documented_replacements(org: OrgClient) -> None:
    contact(org, full_name="𠮷野 — Renée")
    assert rows(exported(org, encoding="cp932", columns="full_name"), "cp932")[1] == ["吉野 ― Renee"]


def test_cp932_refuses_a_character_without_a_form_naming_the_row(org: OrgClient) -> None:
    contact(org, full_name="Plain")
    bad = contact(org, full_name="Smile 😀")
    resp = org.get(URL, query_string={"encoding": "cp932"})
    assert resp.status_code == 422 and resp.headers["Content-Type"] == "application/problem+json"
    message = resp.get_json()["errors"][0]["message"]
    assert "row 2" in message and bad["id"] in message and "U+1F600" in message


def test_the_export_is_streamed_in_batches(org: OrgClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "BATCH", 2)
    for i in range(5):
        contact(org, full_name=f"P{i}")
    resp = org.get(URL, query_string={"columns": "full_name"}, buffered=False)
    assert resp.is_streamed
    chunks = list(resp.response)
    resp.close()
    assert len(chunks) == 4  # the header and three batches: the body is never built whole
    assert rows(b"".join(chunks))[1:] == [[f"P{i}"] for i in range(5)]


def test_an_export_is_logged_with_who_what_and_how_many(org: OrgClient) -> None:
    contact(org, full_name="A", tags=["VIP"])
    resp = org.get(URL, query_string={"tag": "VIP"})
    resp.get_data()
    entry = org.get("/api/v1/changes", query_string={"entity": "export"}).get_json()["items"][-1]
    assert entry["entity_id"] == resp.headers["Meishi-Export-Id"] and entry["actor_id"] == org.user_id
    assert entry["data"]["filter"] == {"tag": ["VIP"]}
    assert (entry["data"]["rows"], entry["data"]["completed"]) == (1, True)


def test_an_export_cut_short_is_logged_as_incomplete(org: OrgClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "BATCH", 1)
    for name in ("A", "B", "C"):
        contact(org, full_name=name)
    resp = org.get(URL, buffered=False)
    chunks = iter(resp.response)
    next(chunks), next(chunks)  # the header and one row, then the client goes away
    resp.close()
    entry = org.get("/api/v1/changes", query_string={"entity": "export"}).get_json()["items"][-1]
    assert (entry["data"]["rows"], entry["data"]["completed"]) == (1, False)


def test_a_segment_exports_what_it_selects_now(org: OrgClient) -> None:
    seg = segment(org, filter={"tag": ["VIP"]})
    contact(org, full_name="A", tags=["VIP"])
    contact(org, full_name="B")
    resp = org.get(f"/api/v1/segments/{seg['id']}/export.csv", query_string={"columns": "full_name"})
    assert rows(resp.get_data()) == [["full_name"], ["A"]]
    entry = org.get("/api/v1/changes", query_string={"entity": "export"}).get_json()["items"][-1]
    assert entry["data"]["segment_id"] == seg["id"]


def test_export_takes_segment_id_as_a_filter(org: OrgClient) -> None:
    seg = segment(org, filter={"tag": ["VIP"]})
    contact(org, full_name="A", tags=["VIP"])
    contact(org, full_name="B")
    assert rows(exported(org, segment_id=seg["id"], columns="full_name")) == [["full_name"], ["A"]]


@pytest.mark.parametrize("role", ["marketing", "manager"])
def test_marketing_and_managers_may_export(org: OrgClient, role: str) -> None:
    assert org.as_role(role).get(URL).status_code == 200


def test_sales_may_not_export(org: OrgClient) -> None:
    sales = org.as_role("sales")
    assert sales.get(URL).status_code == 403
    assert sales.get(f"/api/v1/segments/{segment(org)['id']}/export.csv").status_code == 403


def test_a_bad_encoding_is_422(org: OrgClient) -> None:
    assert org.get(URL, query_string={"encoding": "latin-1"}).status_code == 422


def test_batches_read_by_id_range_keep_only_the_selected_contacts(
    org: OrgClient, other_org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "BATCH", 2)
    monkeypatch.setattr(export, "SMALL_BATCH", 0)  # always the id range, as for batches of 1,000
    for i in range(3):
        contact(org, full_name=f"VIP {i}", tags=["VIP"], emails=[{"value": f"vip{i}@example.com"}])
        contact(org, full_name=f"Other {i}", emails=[{"value": f"other{i}@example.com"}])
        contact(
            other_org, full_name=f"Theirs {i}", tags=["VIP"], emails=[{"value": f"theirs{i}@example.com"}]
        )
    got = rows(exported(org, tag="VIP", columns="full_name,emails,tags"))[1:]
    assert got == [[f"VIP {i}", f"vip{i}@example.com", "VIP"] for i in range(3)]
