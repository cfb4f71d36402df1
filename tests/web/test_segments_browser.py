"""Segments and CSV export in a real browser (Debian's chromium through Playwright, against a live server on
SQLite): a marketer filters the people list by a tag, saves it as a segment, picks the segment from the filter,
and downloads the list as CSV with the import profile's header."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
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


def _marketer_with_contacts(app: Flask) -> tuple[str, str]:
    """Add a marketer to the first organisation and two contacts, one tagged "Segment VIP", through the API."""
    with app.app_context(), session_factory(app)() as session:
        org = session.query(Organization).filter_by(name="Acme").one()
        user = auth_service.create_user(
            session, org.id, email="segments@acme.example", name="Marketer", role="marketing"
        )
        password = passwords.generate_password()
        passwords.set_password(user, password)
        admin = auth_service.create_user(session, org.id, email="seeder@acme.example", name="S", role="admin")
        token = auth_service.issue_token(session, admin, name="seed").plain
        session.commit()
    api = app.test_client()
    for body in ({"full_name": "区分 一郎", "tags": ["Segment VIP"]}, {"full_name": "区分 二郎"}):
        resp = api.post("/api/v1/contacts", json=body, headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 201, resp.get_data(as_text=True)
    return "segments@acme.example", password


@pytest.fixture(scope="module")
def marketer(live: Live) -> Iterator[tuple[str, str]]:
    yield _marketer_with_contacts(live.app)


def test_a_marketer_saves_a_segment_and_exports_it(
    browser: Any, live: Live, marketer: tuple[str, str], tmp_path: Path
) -> None:
    email, password = marketer
    page = _sign_in(browser, live, email, password, DESKTOP)
    page.goto(live.url + "/people")
    page.get_by_label("With tags").fill("Segment VIP")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(lambda url: "tag=Segment" in url)
    page.get_by_label("Save this list as a segment").fill("VIP segment")
    page.get_by_role("button", name="Save as segment").click()
    page.wait_for_url(lambda url: "segment_id=" in url)
    assert page.get_by_label("Segment", exact=True).locator("option:checked").inner_text() == "VIP segment"
    people = page.locator("ul.people li").all_inner_texts()
    assert len(people) == 1 and "区分 一郎" in people[0]
    with page.expect_download() as download:
        page.locator("#export-csv").click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    text = saved.read_bytes().decode("utf-8-sig").splitlines()
    assert (
        text[0].startswith("id,family_name,given_name,full_name")
        and len(text) == 2
        and "区分 一郎" in text[1]
    )
    _shoot(page, "segments-desktop")
    page.context.close()


def test_the_list_actions_fit_a_phone(browser: Any, live: Live, marketer: tuple[str, str]) -> None:
    email, password = marketer
    page = _sign_in(browser, live, email, password, PHONE)
    page.goto(live.url + "/people")
    assert page.get_by_role("button", name="Save as segment").is_visible()
    assert page.locator("#export-csv").is_visible()
    assert _no_horizontal_scroll(page)
    _shoot(page, "segments-phone")
    page.context.close()
