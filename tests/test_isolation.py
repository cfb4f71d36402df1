"""Every route, called with another organisation's token, answers 404 for this organisation's ids."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask

from contacts import models
from contacts.api.spec import path_models
from contacts.auth import service as auth_service
from contacts.corrections.models import FieldCorrection
from contacts.db import session_factory
from contacts.imports.models import ContactImport
from contacts.optouts.models import Suppression
from contacts.segments.models import Segment
from tests.conftest import OrgClient, make_org


def _seed(app: Flask, org_id: str, user_id: str) -> dict[str, str]:
    """Create one row of every path-addressable kind in the organisation; return arg name -> id."""
    now = datetime.now(UTC)
    with app.app_context(), session_factory(app)() as s:
        company = models.Company(organization_id=org_id, name="Acme", name_normalized="acme")
        contact = models.Contact(organization_id=org_id, full_name="Victim", company=company)
        loser = models.Contact(organization_id=org_id, full_name="Victim 2")
        tag = models.Tag(organization_id=org_id, name="secret")
        s.add_all([company, contact, loser, tag])
        s.flush()
        event = models.Event(organization_id=org_id, name="Expo", tag_id=tag.id)
        campaign = models.Campaign(organization_id=org_id, name="Spring")
        s.add_all([event, campaign])
        s.flush()
        touchpoint = models.Touchpoint(
            organization_id=org_id,
            contact_id=contact.id,
            occurred_at=now,
            kind="meeting",
            channel="offline",
            user_id=user_id,
        )
        user = auth_service.create_user(s, org_id, email="victim@example.com", name="V", role="sales")
        token = auth_service.issue_token(s, user).token
        card = models.Card(organization_id=org_id, batch_id="b", uploaded_by=user_id, front_image="x")
        candidate = models.DuplicateCandidate(
            organization_id=org_id, a_id=contact.id, b_id=loser.id, score=0.9, decision="review", reasons=[]
        )
        merge = models.MergeOperation(
            organization_id=org_id, winner_id=contact.id, loser_ids=[loser.id], snapshot={}
        )
        webhook = models.Webhook(
            organization_id=org_id,
            url="https://hooks.example/x",
            secret="whsec_x",
            active=False,
            entities=[],
            last_seq=0,
        )
        correction = FieldCorrection(
            organization_id=org_id,
            field="company",
            read_key="acne",
            read_value="Acne",
            value="Acme",
            applied_count=0,
            version=1,
            created_at=now,
            updated_at=now,
        )
        seg = Segment(
            organization_id=org_id, name="VIPs", filter={}, version=1, created_at=now, updated_at=now
        )
        contact_import = ContactImport(
            organization_id=org_id, format="csv", profile="hubspot", encoding="utf-8", created_by=user_id
        )
        suppressed = Suppression(
            organization_id=org_id,
            kind="email",
            digest="0" * 64,
            channels=["all"],
            reason="request",
            version=1,
        )
        s.add_all([touchpoint, card, candidate, merge, webhook, correction, seg, contact_import, suppressed])
        s.commit()
        return {
            "contact_id": contact.id,
            "company_id": company.id,
            "tag_id": tag.id,
            "event_id": event.id,
            "campaign_id": campaign.id,
            "touchpoint_id": touchpoint.id,
            "user_id": user.id,
            "token_id": token.id,
            "card_id": card.id,
            "candidate_id": candidate.id,
            "merge_id": merge.id,
            "webhook_id": webhook.id,
            "correction_id": correction.id,
            "segment_id": seg.id,
            "import_id": contact_import.id,
            "suppression_id": suppressed.id,
        }


def test_every_path_argument_names_an_organisation_scoped_model() -> None:
    from contacts.app import create_app

    app = create_app({"database_url": "sqlite://", "queue": "none"})
    registered = path_models()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue  # the web app's pages are walked by tests/web/test_isolation.py
        for arg in rule.arguments:
            assert arg in registered, f"{rule.rule}: path argument {arg!r} has no organisation-scoped model"


def test_other_organisations_ids_answer_404_on_every_route(app: Flask, org: OrgClient) -> None:
    ids = _seed(app, org.organization_id, org.user_id)
    intruder = make_org(app, "Intruder")
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or not rule.arguments:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: ids[m.group(1)], rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            resp = intruder.request(method, path, json={})
            assert resp.status_code == 404, f"{method} {rule.rule} answered {resp.status_code}"
            assert resp.content_type == "application/problem+json"
            checked += 1
    assert checked >= 8


def test_lists_never_show_another_organisations_rows(app: Flask, org: OrgClient) -> None:
    ids = _seed(app, org.organization_id, org.user_id)
    intruder = make_org(app, "Intruder")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.arguments or "GET" not in (rule.methods or set()):
            continue
        body = intruder.get(rule.rule).get_data(as_text=True)
        for arg, value in ids.items():
            assert value not in body, f"GET {rule.rule} leaks {arg}"
