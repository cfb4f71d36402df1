"""The people list's segment filter, "save as segment" and CSV export links, for the roles that may use them."""

from __future__ import annotations

from flask import Flask

from tests import factories
from tests.web.conftest import WebOrg
from tests.web.helpers import add_user, csrf_of, sign_in


def test_saving_the_list_as_a_segment_keeps_its_filter(web_app: Flask, worg: WebOrg) -> None:
    factories.contact(worg.api, {"full_name": "高橋 一郎", "tags": ["VIP"]})
    page = worg.web.get("/people?tag=VIP").get_data(as_text=True)
    resp = worg.web.post(
        "/people/segment", data={"csrf_token": csrf_of(page), "tag": "VIP", "segment_name": "VIPs"}
    )
    assert resp.status_code == 302 and "segment_id=" in resp.headers["Location"]
    saved = worg.api.get("/api/v1/segments").get_json()["items"]
    assert [(s["name"], s["filter"]) for s in saved] == [("VIPs", {"tag": ["VIP"]})]


def test_the_list_filters_by_a_chosen_segment(web_app: Flask, worg: WebOrg) -> None:
    factories.contact(worg.api, {"full_name": "高橋 一郎", "tags": ["VIP"]})
    factories.contact(worg.api, {"full_name": "鈴木 花子"})
    seg = factories.segment(worg.api, filter={"tag": ["VIP"]})
    html = worg.web.get(f"/people?segment_id={seg['id']}").get_data(as_text=True)
    assert "高橋 一郎" in html and "鈴木 花子" not in html and f'value="{seg["id"]}" selected' in html


def test_the_filtered_list_exports_as_csv_and_is_logged(web_app: Flask, worg: WebOrg) -> None:
    factories.contact(worg.api, {"full_name": "高橋 一郎", "tags": ["VIP"]})
    factories.contact(worg.api, {"full_name": "鈴木 花子"})
    resp = worg.web.get("/people/export.csv?tag=VIP")
    body = resp.get_data().decode("utf-8-sig")
    assert resp.mimetype == "text/csv" and "高橋 一郎" in body and "鈴木 花子" not in body
    entry = worg.api.get("/api/v1/changes", query_string={"entity": "export"}).get_json()["items"][-1]
    assert entry["data"]["filter"] == {"tag": ["VIP"]} and entry["data"]["rows"] == 1


def test_sales_sees_neither_button_and_may_not_export(web_app: Flask, worg: WebOrg) -> None:
    factories.contact(worg.api, {"full_name": "高橋 一郎"})
    add_user(web_app, worg.organization_id, email="rep@example.com", role="sales")
    rep = sign_in(web_app, "rep@example.com")
    html = rep.get("/people").get_data(as_text=True)
    assert "export-csv" not in html and "segment_name" not in html
    assert rep.get("/people/export.csv").status_code == 403


def test_the_buttons_are_in_japanese_for_a_japanese_user(web_app: Flask, worg: WebOrg) -> None:
    factories.contact(worg.api, {"full_name": "高橋 一郎"})
    html = worg.web.get("/people", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert "セグメントとして保存" in html and "CSV" in html


def test_a_segment_without_a_name_is_refused_on_a_page(web_app: Flask, worg: WebOrg) -> None:
    page = worg.web.get("/people").get_data(as_text=True)
    resp = worg.web.post("/people/segment", data={"csrf_token": csrf_of(page), "segment_name": " "})
    assert resp.status_code == 422 and "<html" in resp.get_data(as_text=True)
    assert worg.api.get("/api/v1/segments").get_json()["items"] == []
