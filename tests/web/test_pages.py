"""People, lists and campaigns, admin pages, languages, security headers, and isolation between organisations."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from tests import factories
from tests.web.conftest import WebOrg, make_web_org
from tests.web.helpers import CLEAR_FIELDS, csrf_of, review_card

PAGES = [
    "/review",
    "/capture",
    "/people",
    "/companies",
    "/campaigns",
    "/analytics",
    "/admin/users",
    "/admin/tokens",
    "/admin/webhooks",
    "/admin/settings",
    "/admin/suppressions",
    "/settings",
]
TRANSLATIONS = Path(__file__).resolve().parents[2] / "contacts" / "web" / "translations"


def _seed(worg: WebOrg) -> dict[str, str]:
    contact = factories.contact(
        worg.api,
        {
            "family_name": "高橋",
            "given_name": "一郎",
            "name_kana": "タカハシ イチロウ",
            "company_name": "株式会社アクメ",
            "emails": [{"value": "ichiro@acme.example"}],
        },
    )
    campaign = factories.campaign(worg.api, "Spring seminar")
    return {"contact": contact["id"], "company": contact["company"]["id"], "campaign": campaign["id"]}


def test_every_main_page_renders(web_app: Flask, worg: WebOrg) -> None:
    for page in PAGES:
        assert worg.web.get(page).status_code == 200, page


def test_pages_carry_a_policy_without_inline_script(web_app: Flask, worg: WebOrg) -> None:
    ids = _seed(worg)
    for page in [*PAGES, f"/people/{ids['contact']}", f"/campaigns/{ids['campaign']}", "/login"]:
        resp = worg.web.get(page)
        policy = resp.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        html = resp.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), page
        assert not re.search(r"\son[a-z]+=|\sstyle=", html), page


def test_a_kana_query_finds_the_contact(web_app: Flask, worg: WebOrg) -> None:
    _seed(worg)
    html = worg.web.get("/people?q=たかはし").get_data(as_text=True)
    assert "高橋 一郎" in html


def test_the_contact_page_shows_sources_and_records_a_touchpoint(web_app: Flask, worg: WebOrg) -> None:
    ids = _seed(worg)
    page = worg.web.get(f"/people/{ids['contact']}").get_data(as_text=True)
    assert "ichiro@acme.example" in page and "株式会社アクメ" in page
    resp = worg.web.post(
        f"/people/{ids['contact']}/touchpoints",
        data={
            "csrf_token": csrf_of(page),
            "kind": "call",
            "occurred_at": "2026-11-21T15:00",
            "summary": "Follow-up",
        },
    )
    assert resp.status_code == 302
    timeline = worg.api.get(f"/api/v1/contacts/{ids['contact']}/touchpoints").get_json()["items"]
    assert [(t["kind"], t["occurred_at"]) for t in timeline] == [("call", "2026-11-21T06:00:00Z")]


def test_tagging_a_filtered_list_tags_exactly_its_people(web_app: Flask, worg: WebOrg) -> None:
    ids = _seed(worg)
    other = factories.contact(worg.api, {"family_name": "鈴木"})
    page = worg.web.get("/people?q=たかはし").get_data(as_text=True)
    worg.web.post(
        "/people/tag", data={"csrf_token": csrf_of(page), "q": "たかはし", "new_tag": "Seminar list"}
    )
    assert worg.api.get(f"/api/v1/contacts/{ids['contact']}").get_json()["tags"] == ["Seminar list"]
    assert worg.api.get(f"/api/v1/contacts/{other['id']}").get_json()["tags"] == []


def test_a_list_added_to_a_campaign_shows_in_its_report(web_app: Flask, worg: WebOrg) -> None:
    ids = _seed(worg)
    page = worg.web.get("/people?q=acme").get_data(as_text=True)
    resp = worg.web.post(
        "/people/campaign", data={"csrf_token": csrf_of(page), "q": "acme", "campaign_id": ids["campaign"]}
    )
    assert resp.status_code == 302
    report = worg.web.get(f"/campaigns/{ids['campaign']}").get_data(as_text=True)
    assert '<svg class="funnel"' in report and "高橋 一郎" in report


def test_the_filtered_list_exports_as_vcard(web_app: Flask, worg: WebOrg) -> None:
    _seed(worg)
    resp = worg.web.get("/people/export.vcf?q=たかはし")
    assert resp.mimetype == "text/vcard" and resp.get_data(as_text=True).count("BEGIN:VCARD") == 1


def test_a_merge_can_be_undone_from_the_contact_page(web_app: Flask, worg: WebOrg) -> None:
    ids = _seed(worg)
    twin = factories.contact(
        worg.api, {"family_name": "高橋", "given_name": "一郎", "emails": [{"value": "ichiro@acme.example"}]}
    )
    page = worg.web.get(f"/people/{ids['contact']}").get_data(as_text=True)
    worg.web.post(
        f"/people/{ids['contact']}/merge", data={"csrf_token": csrf_of(page), "other_id": twin["id"]}
    )
    assert worg.api.get(f"/api/v1/contacts/{twin['id']}").get_json()["status"] == "merged"
    page = worg.web.get(f"/people/{ids['contact']}").get_data(as_text=True)
    merge_id = re.search(r"/merges/([0-9a-z]{26})/undo", page)
    assert merge_id is not None
    worg.web.post(f"/merges/{merge_id.group(1)}/undo", data={"csrf_token": csrf_of(page)})
    assert worg.api.get(f"/api/v1/contacts/{twin['id']}").get_json()["status"] == "active"


def test_an_api_token_is_shown_once_and_works(web_app: Flask, worg: WebOrg) -> None:
    page = worg.web.get("/admin/tokens").get_data(as_text=True)
    html = worg.web.post("/admin/tokens", data={"csrf_token": csrf_of(page), "name": "CRM sync"}).get_data(
        as_text=True
    )
    token = re.search(r'id="new-token" readonly value="(msk_[^"]+)"', html)
    assert token is not None
    me = worg.api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert me.status_code == 200
    assert token.group(1) not in worg.web.get("/admin/tokens").get_data(as_text=True)


def test_the_language_follows_accept_language(web_app: Flask, worg: WebOrg) -> None:
    html = (
        web_app.test_client().get("/login", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(as_text=True)
    )
    assert '<html lang="ja">' in html and "ログイン" in html


def test_the_users_language_setting_wins_over_the_browser(web_app: Flask, worg: WebOrg) -> None:
    page = worg.web.get("/settings").get_data(as_text=True)
    worg.web.post(
        "/settings",
        data={"csrf_token": csrf_of(page), "name": "Admin", "locale": "ja", "time_zone": "Asia/Tokyo"},
    )
    html = worg.web.get("/people", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "人物" in html


def test_the_japanese_catalogue_translates_every_string() -> None:
    root = TRANSLATIONS.parents[2]
    method_map = [("contacts/web/**.py", "python"), ("contacts/web/templates/**.html", "jinja2")]
    found = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(
            str(root),
            method_map,
            keywords={"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None},
        )
        if msg[2]
    }
    found = {m for m in found if m}
    with open(TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.po", "rb") as f:
        po = read_po(f, locale="ja")
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in po
        if m.id and m.string and all(m.string if isinstance(m.string, tuple) else [m.string]) and not m.fuzzy
    }
    assert sorted(found - translated) == []


def _plain(value: object) -> object:
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_the_committed_mo_file_is_the_compiled_po() -> None:
    with open(TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.po", "rb") as f:
        po = {_plain(m.id): _plain(m.string) for m in read_po(f, locale="ja") if m.id}
    with open(TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.mo", "rb") as f:
        mo = {_plain(m.id): _plain(m.string) for m in read_mo(f) if m.id}
    assert mo == po


def test_another_organisation_sees_none_of_it(web_app: Flask, worg: WebOrg) -> None:
    ids = _seed(worg)
    card_id = review_card(web_app, worg.organization_id, worg.user_id, CLEAR_FIELDS)
    intruder = make_web_org(web_app, "Intruder")
    for path in [
        f"/people/{ids['contact']}",
        f"/companies/{ids['company']}",
        f"/campaigns/{ids['campaign']}",
        f"/review/{card_id}",
        f"/cards/{card_id}/front.jpg?w=480",
        "/people/export.vcf?q=たかはし",
    ]:
        resp = intruder.web.get(path)
        assert resp.status_code == 404 or "高橋" not in resp.get_data(as_text=True), path
    assert "高橋" not in intruder.web.get("/people?q=たかはし").get_data(as_text=True)
    assert card_id not in intruder.web.get("/review").get_data(as_text=True)


def test_every_web_route_with_an_id_answers_404_to_another_organisation(web_app: Flask, worg: WebOrg) -> None:
    ids = _seed(worg)
    card_id = review_card(web_app, worg.organization_id, worg.user_id, CLEAR_FIELDS)
    suppressed = worg.api.post("/api/v1/suppressions", json={"email": "ichiro@acme.example"}).get_json()
    values = {
        "suppression_id": suppressed["id"],
        "contact_id": ids["contact"],
        "company_id": ids["company"],
        "campaign_id": ids["campaign"],
        "card_id": card_id,
        "side": "front",
        "user_id": worg.user_id,
        "token_id": "x" * 26,
        "merge_id": "y" * 26,
        "candidate_id": "z" * 26,
        "batch_id": "0" * 26,
    }
    intruder = make_web_org(web_app, "Intruder 2")
    token = csrf_of(intruder.web.get("/settings").get_data(as_text=True))
    checked = 0
    for rule in web_app.url_map.iter_rules():
        if (
            rule.rule.startswith("/api/")
            or not rule.arguments
            or rule.endpoint == "web.static"
            or rule.endpoint in ("web.accept_invitation", "web.capture_upload", "web.capture_status")
        ):
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", values[arg])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            resp = intruder.web.open(
                path, method=method, data={"csrf_token": token} if method == "POST" else None
            )
            assert resp.status_code == 404, f"{method} {path}: {resp.status_code}"
            checked += 1
    assert checked >= 12


def test_an_unknown_address_answers_an_html_page_but_the_api_keeps_problem_json(
    web_app: Flask, worg: WebOrg
) -> None:
    page = worg.web.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    api = worg.web.get("/api/v2/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
