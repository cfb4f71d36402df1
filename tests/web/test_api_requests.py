"""The web app's cookie session and sign-in limiter stay out of API requests (bearer tokens only)."""

from __future__ import annotations

from flask import Flask

from contacts.web.extensions import limiter
from tests.web.conftest import WebOrg


def test_an_api_answer_to_a_signed_in_browser_sets_no_cookie(worg: WebOrg) -> None:
    # a page refreshes the permanent session's cookie; the API neither reads nor writes it
    assert worg.web.get("/").headers.get("Set-Cookie")
    resp = worg.web.get("/api/v1/openapi.json")
    assert resp.status_code == 200 and "Set-Cookie" not in resp.headers


def test_the_sign_in_limiter_skips_api_requests(web_app: Flask) -> None:
    with web_app.test_request_context("/api/v1/contacts"):
        assert any(skip() for skip in limiter._request_filters)
    with web_app.test_request_context("/login", method="POST"):
        assert not any(skip() for skip in limiter._request_filters)
