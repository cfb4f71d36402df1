"""The suppression list page: admins look an identifier up, add one at someone's request, and remove one,
through the same service as the API."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from tests import factories
from tests.web.conftest import WebOrg
from tests.web.helpers import add_user, csrf_of, post_form, sign_in

PAGE = "/admin/suppressions"
EMAIL = "no-contact@suppressed.example"


def _listed(worg: WebOrg) -> list[dict[str, Any]]:
    resp = worg.api.get("/api/v1/suppressions")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    items: list[dict[str, Any]] = resp.get_json()["items"]
    return items


def _add(worg: WebOrg, value: str = EMAIL, kind: str = "email", channel: str = "email") -> Any:
    return post_form(
        worg.web, PAGE, PAGE, {"kind": kind, "value": value, "channel": channel, "note": "電話で依頼"}
    )


def test_an_admin_adds_an_address_and_the_api_lists_it(web_app: Flask, worg: WebOrg) -> None:
    resp = _add(worg)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(PAGE)
    [row] = _listed(worg)
    assert (row["kind"], row["channels"], row["reason"], row["note"]) == (
        "email",
        ["email"],
        "request",
        "電話で依頼",
    )


def test_an_added_address_opts_out_a_contact_who_brings_it(web_app: Flask, worg: WebOrg) -> None:
    _add(worg)
    contact = factories.contact(worg.api, {"full_name": "連絡 不要", "emails": [{"value": EMAIL}]})
    assert contact["opted_out"] == ["email"]


def test_the_lookup_tells_whether_an_address_is_listed(web_app: Flask, worg: WebOrg) -> None:
    _add(worg)
    listed = worg.web.get(PAGE, query_string={"lookup-kind": "email", "lookup-value": EMAIL.upper()})
    assert "On the list: E-mail." in listed.get_data(as_text=True)
    other = worg.web.get(PAGE, query_string={"lookup-kind": "email", "lookup-value": "someone@example.com"})
    assert "Not on the list." in other.get_data(as_text=True)


def test_a_malformed_phone_is_refused_beside_its_field_and_nothing_stored(
    web_app: Flask, worg: WebOrg
) -> None:
    resp = _add(worg, value="call me maybe", kind="phone", channel="phone")
    assert resp.status_code == 422
    error = re.search(r'<div id="value-error">(.*?)</div>', resp.get_data(as_text=True), re.S)
    assert error is not None and "is not a phone number" in error.group(1)
    assert _listed(worg) == []


def test_an_admin_removes_a_suppression(web_app: Flask, worg: WebOrg) -> None:
    _add(worg)
    [row] = _listed(worg)
    resp = post_form(worg.web, PAGE, f"{PAGE}/{row['id']}/delete", {})
    assert resp.status_code == 302
    assert _listed(worg) == []


def test_the_page_shows_no_identifier(web_app: Flask, worg: WebOrg) -> None:
    _add(worg)
    html = worg.web.get(PAGE).get_data(as_text=True)
    assert "kept from an erased person" not in html and "added on request" in html
    assert EMAIL not in html


def test_a_sales_user_may_not_add_to_the_list(web_app: Flask, worg: WebOrg) -> None:
    email = f"sales-{worg.user_id[-8:].lower()}@example.com"
    add_user(web_app, worg.organization_id, email=email, role="sales")
    sales = sign_in(web_app, email)
    token = csrf_of(sales.get("/settings").get_data(as_text=True))
    resp = sales.post(PAGE, data={"csrf_token": token, "kind": "email", "value": EMAIL, "channel": "all"})
    assert resp.status_code == 403
    assert _listed(worg) == []


def test_every_input_has_one_label_and_a_unique_id(web_app: Flask, worg: WebOrg) -> None:
    html = worg.web.get(PAGE).get_data(as_text=True)
    ids = re.findall(r'<(?:input|select)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
    assert sorted(ids) == sorted(["lookup-kind", "lookup-value", "kind", "value", "channel", "note"])
    assert all(html.count(f'<label for="{i}">') == 1 for i in ids)
