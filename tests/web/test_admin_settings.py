"""The organisation settings page: admins change the review threshold and learning through the orgsettings service."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.web.conftest import WebOrg
from tests.web.helpers import add_user, csrf_of, post_form, sign_in

PAGE = "/admin/settings"
API = "/api/v1/organization/settings"


def _api_settings(worg: WebOrg) -> dict[str, Any]:
    resp = worg.api.get(API)
    assert resp.status_code == 200
    body: dict[str, Any] = resp.get_json()
    return body


def test_an_admin_changes_the_threshold_and_the_api_shows_it(web_app: Flask, worg: WebOrg) -> None:
    resp = post_form(worg.web, PAGE, PAGE, {"review_threshold": "0.85", "learn_corrections": "y"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(PAGE)
    body = _api_settings(worg)
    assert (body["review_threshold"], body["effective_review_threshold"]) == (0.85, 0.85)


def test_an_admin_turns_learning_from_corrections_off(web_app: Flask, worg: WebOrg) -> None:
    post_form(worg.web, PAGE, PAGE, {"review_threshold": ""})
    assert _api_settings(worg)["learn_corrections"] is False


def test_an_empty_threshold_returns_to_the_default(web_app: Flask, worg: WebOrg) -> None:
    assert worg.api.patch(API, json={"review_threshold": 0.9}).status_code == 200
    resp = post_form(worg.web, PAGE, PAGE, {"review_threshold": "", "learn_corrections": "y"})
    assert resp.status_code == 302
    body = _api_settings(worg)
    assert body["review_threshold"] is None
    assert body["effective_review_threshold"] == body["default_review_threshold"]


@pytest.mark.parametrize("value", ["1.5", "-0.01", "nan", "high"])
def test_an_invalid_threshold_is_refused_with_a_labelled_error_and_nothing_saved(
    web_app: Flask, worg: WebOrg, value: str
) -> None:
    resp = post_form(worg.web, PAGE, PAGE, {"review_threshold": value, "learn_corrections": "y"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    field = re.search(r"<input[^>]*\bid=\"review_threshold\"[^>]*>", html)
    assert field is not None and 'aria-invalid="true"' in field.group(0)
    assert "review_threshold-error" in field.group(0)
    error = re.search(r'<div id="review_threshold-error">(.*?)</div>', html, re.S)
    assert error is not None and "Enter a number from 0 to 1" in error.group(1)
    assert _api_settings(worg)["version"] == 0


def test_saving_shows_a_confirmation_after_the_redirect(web_app: Flask, worg: WebOrg) -> None:
    resp = post_form(worg.web, PAGE, PAGE, {"review_threshold": "0.7", "learn_corrections": "y"})
    html = worg.web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "The organisation&#39;s settings are saved." in html
    assert re.search(r'id="review_threshold"[^>]*value="0.7"', html) or re.search(
        r'value="0.7"[^>]*id="review_threshold"', html
    )


def test_the_page_shows_the_default_and_the_threshold_in_effect(web_app: Flask, worg: WebOrg) -> None:
    worg.api.patch(API, json={"review_threshold": 0.65})
    html = worg.web.get(PAGE).get_data(as_text=True)
    default = _api_settings(worg)["default_review_threshold"]
    assert f"use the default ({default}," in html and "In effect now: 0.65." in html


def test_every_input_of_the_form_has_a_label(web_app: Flask, worg: WebOrg) -> None:
    html = worg.web.get(PAGE).get_data(as_text=True)
    form = html[html.index('<form method="post" class="card">') :]
    form = form[: form.index("</form>")]
    ids = re.findall(r'<input(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', form)
    assert sorted(ids) == ["learn_corrections", "review_threshold"]
    assert all(f'<label for="{i}">' in form for i in ids)


def test_a_sales_user_may_not_change_the_settings(web_app: Flask, worg: WebOrg) -> None:
    email = f"sales-{worg.user_id[-8:].lower()}@example.com"
    add_user(web_app, worg.organization_id, email=email, role="sales")
    sales = sign_in(web_app, email)
    token = csrf_of(sales.get("/settings").get_data(as_text=True))
    resp = sales.post(PAGE, data={"csrf_token": token, "review_threshold": "0.1", "learn_corrections": "y"})
    assert resp.status_code == 403
    assert _api_settings(worg)["version"] == 0


def test_a_post_without_its_csrf_token_is_refused(web_app: Flask, worg: WebOrg) -> None:
    resp = worg.web.post(PAGE, data={"review_threshold": "0.1", "learn_corrections": "y"})
    assert resp.status_code == 400
    assert _api_settings(worg)["version"] == 0
