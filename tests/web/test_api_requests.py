"""The web app's cookie session and sign-in limiter stay out of API requests (bearer tokens only)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, request
from flask_limiter import Limiter

from contacts.web.extensions import limiter
from tests.web.conftest import WebOrg


def test_an_api_answer_to_a_signed_in_browser_sets_no_cookie(worg: WebOrg) -> None:
    # a page refreshes the permanent session's cookie; the API neither reads nor writes it
    assert worg.web.get("/").headers.get("Set-Cookie")
    resp = worg.web.get("/api/v1/openapi.json")
    assert resp.status_code == 200 and "Set-Cookie" not in resp.headers


def test_the_sign_in_limiter_runs_no_hook_for_an_api_request(
    worg: WebOrg, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flask-Limiter's before, after and teardown hooks each reach for its per-request context; an API request
    # (limited by contacts.auth.ratelimit) must not pay for them, a sign-in page still does
    uses: list[str] = []
    context = Limiter.context

    def counted(self: Limiter) -> Any:
        uses.append(request.path)
        return context.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(Limiter, "context", property(counted))
    assert worg.api.get("/api/v1/contacts").status_code == 200
    assert worg.api.post("/api/v1/contacts", json={"full_name": "Ada Lovelace"}).status_code == 201
    assert uses == []
    assert worg.web.get("/login").status_code in (200, 302)
    assert uses and set(uses) == {"/login"}


def test_the_limiter_hooks_are_the_web_blueprints(web_app: Flask) -> None:
    for hooks in (web_app.before_request_funcs, web_app.after_request_funcs, web_app.teardown_request_funcs):
        assert not any(getattr(hook, "__self__", None) is limiter for hook in hooks.get(None, []))
        assert not any(getattr(hook, "args", (None,))[:1] == (limiter,) for hook in hooks.get(None, []))
    assert limiter._check_request_limit in web_app.before_request_funcs["web"]
