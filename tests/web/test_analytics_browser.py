"""The analytics page in a real browser (Debian's chromium through Playwright, against a live server on SQLite):
a marketer opens it from the navigation, and the stacked bars, the frequency bars and the ROI table show the
known data; the page needs no script and loads nothing from elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from contacts.auth import passwords
from contacts.auth import service as auth_service
from contacts.auth.models import Organization
from contacts.db import session_factory
from tests.web.test_browser import DESKTOP, PHONE, Live, _no_horizontal_scroll, _shoot, _sign_in
from tests.web.test_browser import browser as browser
from tests.web.test_browser import live as live

pytestmark = pytest.mark.slow


def _marketer_with_data(app: Flask) -> tuple[str, str]:
    """Add a marketer to the live server's first organisation and record known touchpoints through the API."""
    with app.app_context(), session_factory(app)() as session:
        org = session.query(Organization).filter_by(name="Acme").one()
        user = auth_service.create_user(
            session, org.id, email="marketer@acme.example", name="Marketer", role="marketing"
        )
        password = passwords.generate_password()
        passwords.set_password(user, password)
        admin = auth_service.create_user(
            session, org.id, email="analyst@acme.example", name="A", role="admin"
        )
        token = auth_service.issue_token(session, admin, name="seed").plain
        session.commit()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = api.post(path, json=body, headers=headers)
        assert resp.status_code in (200, 201), resp.get_data(as_text=True)
        return resp.get_json()  # type: ignore[no-any-return]

    a = post("/api/v1/contacts", {"full_name": "分析 一郎"})["id"]
    b = post("/api/v1/contacts", {"full_name": "分析 二郎"})["id"]
    cid = post("/api/v1/campaigns", {"name": "Analytics webinar", "cost": 50000})["id"]
    for at, who, kind, channel in [
        ("2026-05-04T01:00:00Z", a, "meeting", "offline"),
        ("2026-05-04T02:00:00Z", a, "webinar", "online"),
        ("2026-05-05T02:00:00Z", b, "webinar", "online"),
        ("2026-05-12T02:00:00Z", b, "store_visit", "o2o"),
    ]:
        body = {"contact_id": who, "kind": kind, "channel": channel, "occurred_at": at}
        if kind == "webinar":
            body["campaign_id"] = cid
        post("/api/v1/touchpoints", body)
    return "marketer@acme.example", password


@pytest.fixture(scope="module")
def marketer(live: Live) -> Iterator[tuple[str, str]]:
    yield _marketer_with_data(live.app)


def test_a_marketer_reads_the_charts(browser: Any, live: Live, marketer: tuple[str, str]) -> None:
    email, password = marketer
    for viewport, name in ((DESKTOP, "analytics-desktop"), (PHONE, "analytics-phone")):
        page = _sign_in(browser, live, email, password, viewport)
        failed: list[str] = []
        page.on("requestfailed", lambda r, failed=failed: failed.append(r.url))
        page.goto(live.url + "/people")
        page.get_by_role("link", name="Analytics").click()
        page.wait_for_url(lambda url: "/analytics" in url)
        page.get_by_label("From", exact=True).fill("2026-05-04")
        page.get_by_label("To", exact=True).fill("2026-05-17")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(lambda url: "from=2026-05-04" in url)
        bars = page.locator("svg.touch-chart rect")
        seen = sorted(
            (r.get_attribute("data-label"), r.get_attribute("data-key"), r.get_attribute("data-count"))
            for r in bars.all()
        )
        assert seen == [
            ("2026-05-04", "offline", "1"),
            ("2026-05-04", "online", "2"),
            ("2026-05-11", "o2o", "1"),
        ]
        # The bars are drawn: the online segment of the first week is twice as tall as the offline one.
        boxes = {r.get_attribute("data-key"): r.bounding_box() for r in bars.all()[:2]}
        assert boxes["online"]["height"] == pytest.approx(2 * boxes["offline"]["height"], rel=0.05)
        freq = {
            r.get_attribute("data-key"): r.get_attribute("data-count")
            for r in page.locator("svg.freq-chart rect").all()
        }
        assert (freq["1"], freq["2"]) == ("0", "2")
        row = page.locator("#campaign-table tr", has_text="Analytics webinar")
        assert "50,000 JPY" in row.inner_text()
        assert _no_horizontal_scroll(page)
        assert not failed
        _shoot(page, name)
        page.context.close()
