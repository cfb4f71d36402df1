"""The analytics page: server-side SVG charts (stacked bars per channel, contact frequency) read as XML for known
data, the campaign ROI table, and the navigation link and page only for roles with analytics:read."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from flask import Flask

from tests import factories
from tests.web.conftest import WebOrg
from tests.web.helpers import add_user, sign_in

SVG = "{http://www.w3.org/2000/svg}"


def _svg(html: str, css: str) -> ET.Element:
    match = re.search(rf'<svg class="chart {css}".*?</svg>', html, re.S)
    assert match is not None, css
    return ET.fromstring(match.group(0).replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def _bars(svg: ET.Element) -> list[dict[str, Any]]:
    return [
        {"key": r.get("data-key"), "label": r.get("data-label"), "count": int(r.get("data-count") or 0)}
        for r in svg.iter(f"{SVG}rect")
    ]


def _seed(worg: WebOrg) -> str:
    api = worg.api
    a = factories.contact(api, full_name="A")["id"]
    b = factories.contact(api, full_name="B")["id"]
    cid = factories.campaign(api, "Webinar", cost=100000)["id"]
    for at, who, kind in [
        ("2026-05-04T01:00:00Z", a, "meeting"),
        ("2026-05-04T02:00:00Z", a, "email"),
        ("2026-05-05T02:00:00Z", b, "email"),
        ("2026-05-12T02:00:00Z", b, "meeting"),
    ]:
        factories.touchpoint(
            api, who, occurred_at=at, kind=kind, campaign_id=cid if kind == "email" else None
        )
    factories.add_members(api, cid, contact_ids=[a], status="responded")
    url = f"/api/v1/campaigns/{cid}/members/{a}"
    resp = api.patch(
        url, json={"status": "converted", "value": 300000}, headers={"If-Match": api.get(url).headers["ETag"]}
    )
    assert resp.status_code == 200
    return cid


def test_the_stacked_bars_hold_each_channel_per_week(web_app: Flask, worg: WebOrg) -> None:
    _seed(worg)
    html = worg.web.get("/analytics?interval=week&from=2026-05-04&to=2026-05-17").get_data(as_text=True)
    bars = _bars(_svg(html, "touch-chart"))
    assert sorted((b["label"], b["key"], b["count"]) for b in bars) == [
        ("2026-05-04", "offline", 1),
        ("2026-05-04", "online", 2),
        ("2026-05-11", "offline", 1),
    ]
    assert '<dd id="total-touchpoints">4</dd>' in html and '<dd id="total-contacts">2</dd>' in html


def test_the_frequency_chart_and_the_campaign_roi(web_app: Flask, worg: WebOrg) -> None:
    _seed(worg)
    html = worg.web.get("/analytics?interval=week&from=2026-05-04&to=2026-05-17").get_data(as_text=True)
    freq = {b["key"]: b["count"] for b in _bars(_svg(html, "freq-chart"))}
    assert (freq["1"], freq["2"], freq["10+"]) == (0, 2, 0)
    table = re.search(r'<table class="table stats" id="campaign-table">.*?</table>', html, re.S)
    assert table is not None
    assert "Webinar" in table.group(0) and "300,000 JPY" in table.group(0)
    assert '<td class="roi">200%</td>' in table.group(0)


def test_empty_weeks_have_no_bars_but_keep_their_place(web_app: Flask, worg: WebOrg) -> None:
    _seed(worg)
    html = worg.web.get("/analytics?interval=week&from=2026-04-20&to=2026-05-17").get_data(as_text=True)
    svg = _svg(html, "touch-chart")
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "xlabel"]
    assert labels == ["04-20", "04-27", "05-04", "05-11"]


def test_only_roles_with_analytics_see_the_link_and_the_page(web_app: Flask, worg: WebOrg) -> None:
    assert 'href="/analytics"' in worg.web.get("/people").get_data(as_text=True)
    for role, allowed in (("marketing", True), ("sales", False)):
        email = f"{role}-{worg.organization_id.lower()}@example.com"
        add_user(web_app, worg.organization_id, email=email, role=role)
        web = sign_in(web_app, email)
        assert ('href="/analytics"' in web.get("/people").get_data(as_text=True)) is allowed
        assert web.get("/analytics").status_code == (200 if allowed else 403)


def test_bad_dates_are_explained(web_app: Flask, worg: WebOrg) -> None:
    resp = worg.web.get("/analytics?interval=day&from=2020-01-01&to=2026-01-01")
    assert resp.status_code == 422
