"""End to end in a real browser: Debian's chromium driven by Playwright against a live server on SQLite.

A rep captures cards on a phone-sized screen and watches the batch settle, a reviewer corrects and confirms with
the keyboard, a marketer finds the person by a kana query, tags the list and opens the campaign report.
Screenshots of the main pages at phone and desktop size go to tests/web/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from contacts import migrate
from contacts.app import create_app
from contacts.auth import passwords
from contacts.auth import service as auth_service
from contacts.auth.models import Organization
from contacts.background import stop_serving_threads
from contacts.db import session_factory
from contacts.events.models import Campaign
from contacts.people.models import Contact
from tests.shared_data import require_shared_data

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PHOTOS = ["0000.jpg", "0001.jpg", "0002.jpg"]

pytestmark = pytest.mark.slow


def _chromium() -> str:
    if shutil.which(CHROMIUM) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (make test installs the chromium package)")
        pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium package")
    return CHROMIUM


@dataclass
class Live:
    """A live server and the people who use it."""

    url: str
    app: Flask
    email: str
    password: str
    other_email: str
    other_password: str


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'meishi.db'}"
    migrate.upgrade(url)
    app = create_app(
        {
            "database_url": url,
            "storage_dir": folder / "images",
            "queue": "embedded",
            "workers": 2,
            "webhooks": "off",
        }
    )
    people = []
    with app.app_context(), session_factory(app)() as session:
        for org_name, email in (("Acme", "rep@acme.example"), ("Rival", "spy@rival.example")):
            org, user, _token = auth_service.bootstrap(session, org_name=org_name, email=email)
            password = passwords.generate_password()
            passwords.set_password(user, password)
            people.append((email, password))
            if org_name == "Acme":
                org.review_threshold = (
                    0.999  # every card waits for a reviewer, so the review steps always run
                )
        session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(
            url=f"http://127.0.0.1:{server.server_port}",
            app=app,
            email=people[0][0],
            password=people[0][1],
            other_email=people[1][0],
            other_password=people[1][1],
        )
    finally:
        server.shutdown()
        stop_serving_threads(app, timeout=30)
        app.extensions["meishi.engine"].dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def _sign_in(browser: Any, live: Live, email: str, password: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    page.goto(live.url + "/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def _shoot(page: Any, name: str) -> None:
    page.wait_for_load_state("networkidle")  # the card image inside the SVG arrives after the load event
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_rep_captures_reviews_and_a_marketer_works_the_list(browser: Any, live: Live) -> None:
    photos = require_shared_data("cards-dev", "photos/0000.jpg") / "photos"
    page = _sign_in(browser, live, live.email, live.password, PHONE)

    # Capture three photos on a phone-sized screen and watch the batch settle.
    page.goto(live.url + "/capture")
    page.locator("#pick").set_input_files([str(photos / name) for name in PHOTOS])
    page.get_by_label("Tags").fill("Expo 2026")
    page.get_by_role("button", name="Upload").click()
    page.locator("#batch").wait_for()
    page.get_by_text("Reading the cards…").or_(page.get_by_text("All cards are processed.")).wait_for()
    page.wait_for_selector("#batch[data-settled=true]", timeout=90_000)
    assert page.locator("[data-count=uploaded]").inner_text() == "3"
    assert page.locator("[data-count=needs_review]").inner_text() == "3"
    assert _no_horizontal_scroll(page)
    _shoot(page, "capture-phone")

    # Review: correct the reading, confirm with Ctrl+Enter, and the next card opens.
    page.get_by_role("link", name="Review this batch").click()
    page.locator(".queue a").first.click()
    first_card = page.url
    assert page.locator("svg.card-image rect.box").count() >= 3  # every field's box is drawn
    _shoot(page, "review-phone")
    reading = page.get_by_label("Reading (kana)")
    reading.fill("テスト タロウ")
    reading.press("Enter")  # Enter moves on to the next field instead of submitting
    assert page.url == first_card
    page.keyboard.press("Control+Enter")
    page.wait_for_url(lambda url: url != first_card and "/review/" in url)
    page.get_by_text("Card confirmed.").wait_for()

    # Find the person by a kana query (hiragana for a katakana reading) and tag the filtered list.
    page.goto(live.url + "/people?q=" + "てすと")
    page.get_by_role("link", name="テスト タロウ").wait_for()
    page.get_by_label("or with a new tag").fill("Expo follow-up")
    page.get_by_role("button", name="Tag the list").click()
    page.get_by_text("Tagged 1 contact with Expo follow-up.").wait_for()

    # A campaign for the list, and its report with the funnel.
    page.goto(live.url + "/campaigns")
    page.get_by_label("New campaign").fill("Expo follow-up mail")
    page.get_by_role("button", name="Create").click()
    page.goto(live.url + "/people?tag=Expo+follow-up")
    page.get_by_role("button", name="Add to campaign").click()
    page.get_by_text("Added 1 contact to Expo follow-up mail.").wait_for()
    assert page.locator("svg.funnel rect.fbar").count() == 5
    _shoot(page, "campaign-phone")

    # Sign out: the pages ask for sign-in again.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()
    page.goto(live.url + "/people")
    assert page.url.startswith(live.url + "/login")
    page.context.close()


def _capture(page: Any, live: Live, names: list[str]) -> None:
    photos = require_shared_data("cards-dev", "photos/0000.jpg") / "photos"
    page.goto(live.url + "/capture")
    page.locator("#pick").set_input_files([str(photos / name) for name in names])
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("#batch[data-settled=true]", timeout=90_000)


def test_a_review_page_loads_under_300_kb_in_at_most_10_requests(browser: Any, live: Live) -> None:
    page = _sign_in(browser, live, live.email, live.password, DESKTOP)
    _capture(page, live, ["0010.jpg"])
    page.get_by_role("link", name="Review this batch").click()
    card_url = live.url + page.locator(".queue a").first.get_attribute("href")
    fresh = browser.new_context(viewport=DESKTOP, locale="en-US")
    fresh.add_cookies(page.context.cookies())  # the same session, an empty cache: a first load
    first = fresh.new_page()
    requests: list[str] = []
    first.on("request", lambda r: requests.append(r.url))
    first.goto(card_url)
    first.wait_for_load_state("networkidle")
    weight = first.evaluate("""() => {
        const nav = performance.getEntriesByType("navigation")[0];
        return performance.getEntriesByType("resource").reduce((sum, r) => sum + r.transferSize, nav.transferSize);
    }""")
    print(f"review page first load: {len(requests)} requests, {weight / 1024:.0f} KB over the wire")
    assert len(requests) <= 10, requests
    assert weight < 300 * 1024
    _shoot(first, "review-desktop")
    fresh.close()
    page.context.close()


def test_a_form_posted_without_its_token_is_refused(browser: Any, live: Live) -> None:
    page = _sign_in(browser, live, live.email, live.password, DESKTOP)
    status = page.evaluate("""async () => {
        const body = new URLSearchParams({new_tag: "forged"});
        const resp = await fetch("/people/tag", {method: "POST", body});
        return resp.status;
    }""")
    assert status == 400
    page.context.close()


def test_another_organisation_sees_none_of_it(browser: Any, live: Live) -> None:
    page = _sign_in(browser, live, live.other_email, live.other_password, DESKTOP)
    page.goto(live.url + "/people?q=" + "てすと")
    page.get_by_text("Nobody matches.").wait_for()
    page.goto(live.url + "/review?status=completed")
    assert page.locator(".queue li").count() == 0
    page.context.close()


def test_main_pages_fit_a_phone_and_are_photographed(browser: Any, live: Live) -> None:
    phone = _sign_in(browser, live, live.email, live.password, {"width": 360, "height": 740})
    desktop = _sign_in(browser, live, live.email, live.password, DESKTOP)
    with live.app.app_context(), session_factory(live.app)() as session:
        org_id = session.query(Organization.id).filter(Organization.name == "Acme").scalar()
        contact_id = session.query(Contact.id).filter(Contact.organization_id == org_id).limit(1).scalar()
        campaign_id = session.query(Campaign.id).filter(Campaign.organization_id == org_id).limit(1).scalar()
    pages = {
        "people": "/people",
        "capture": "/capture",
        "review-queue": "/review?status=needs_review",
        "campaigns": "/campaigns",
        "admin-users": "/admin/users",
        "settings": "/settings",
        "admin-tokens": "/admin/tokens",
        "companies": "/companies",
    }
    if contact_id:
        pages["contact"] = f"/people/{contact_id}"
    if campaign_id:
        pages["campaign"] = f"/campaigns/{campaign_id}"
    for name, path in pages.items():
        for page, size in ((phone, "phone"), (desktop, "desktop")):
            page.goto(live.url + path)
            if size == "phone":
                assert _no_horizontal_scroll(page), path
            _shoot(page, f"{name}-{size}")
    phone.context.close()
    desktop.context.close()
