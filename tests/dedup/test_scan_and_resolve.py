"""`meishi dedupe-scan` and the card/import path (auto_resolve): automatic merges only on "merge"."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from contacts.cli import _register_dedup_commands, cli
from contacts.db import session_factory
from contacts.dedup import service as dedup
from contacts.dedup.scan import scan_organization
from contacts.people import service as people
from contacts.people.models import Contact
from contacts.people.schemas import ContactCreate
from contacts.provenance import Actor
from tests.conftest import OrgClient
from tests.dedup.helpers import SUZUKI, TAKAHASHI, TAKAHASHI_TWIN, create, duplicates


@pytest.fixture
def scan(database_url: str) -> Any:
    _register_dedup_commands(cli)

    def run(org_id: str, *args: str) -> dict[str, Any]:
        result = CliRunner().invoke(
            cli,
            ["dedupe-scan", "--org", org_id, "--json", *args],
            env={"MEISHI_DATABASE_URL": database_url, "MEISHI_QUEUE": "none"},
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout.strip().splitlines()[-1])

    return run


def _new_contact(app: Flask, org: OrgClient, body: dict[str, Any]) -> tuple[str, str]:
    """Create a contact the way a card confirmation does, then resolve it; return (created, survivor)."""
    with app.app_context(), session_factory(app)() as session:
        actor = Actor(organization_id=org.organization_id, user_id=org.user_id)
        contact = people.create_contact(
            session, actor, ContactCreate.model_validate(body), actor.source("card", "card-1")
        )
        survivor = dedup.auto_resolve(session, actor, contact)
        session.commit()
        return contact.id, survivor.id


def test_auto_resolve_merges_a_strong_match_into_the_existing_contact(app: Flask, org: OrgClient) -> None:
    existing = create(org, TAKAHASHI)
    created, survivor = _new_contact(app, org, {**TAKAHASHI_TWIN, "tags": []})
    assert survivor == existing["id"] != created
    loser = org.get(f"/api/v1/contacts/{created}").get_json()
    assert loser["status"] == "merged" and loser["merged_into"] == existing["id"]
    assert duplicates(org) == []


def test_auto_resolve_only_proposes_a_weak_match(app: Flask, org: OrgClient) -> None:
    existing = create(org, TAKAHASHI)
    created, survivor = _new_contact(
        app, org, {"family_name": "高橋", "given_name": "一郎", "company_name": "アクメ株式会社"}
    )
    assert survivor == created
    pairs = {frozenset((c["a"]["id"], c["b"]["id"])) for c in duplicates(org)}
    assert frozenset((existing["id"], created)) in pairs


def test_auto_resolve_of_a_job_change_moves_the_person_to_the_new_company(app: Flask, org: OrgClient) -> None:
    existing = create(org, TAKAHASHI)
    moved = {**TAKAHASHI_TWIN, "company_name": "ベータ株式会社", "title": "取締役", "tags": []}
    _, survivor = _new_contact(app, org, moved)
    assert survivor == existing["id"]
    contact = org.get(f"/api/v1/contacts/{survivor}").get_json()
    assert contact["company"]["name"] == "ベータ株式会社" and contact["title"] == "取締役"
    history = org.get(f"/api/v1/contacts/{survivor}/employment").get_json()["items"]
    assert [h["company"]["name"] for h in history if h["ended_at"] is None] == ["ベータ株式会社"]
    assert any(h["company"]["name"] == "株式会社アクメ" and h["ended_at"] for h in history)


def test_scan_merges_strong_pairs_and_keeps_dismissed_ones_apart(
    app: Flask, org: OrgClient, scan: Any
) -> None:
    first, second = create(org, TAKAHASHI), create(org, TAKAHASHI_TWIN)
    create(org, SUZUKI)
    out = scan(org.organization_id, "--propose-only")
    assert out["contacts"] == 3 and out["merge_operations"] == [] and out["candidates"] >= 1
    cand = next(c for c in duplicates(org) if {c["a"]["id"], c["b"]["id"]} == {first["id"], second["id"]})
    org.post(f"/api/v1/duplicates/{cand['id']}/dismiss")
    out = scan(org.organization_id)
    assert out["merge_operations"] == [] and out["skipped_dismissed"] == 1
    pairs = {frozenset((c["a"]["id"], c["b"]["id"])) for c in duplicates(org)}
    assert frozenset((first["id"], second["id"])) not in pairs
    assert org.get(f"/api/v1/contacts/{second['id']}").get_json()["status"] == "active"
    assert org.get(f"/api/v1/contacts/{first['id']}").get_json()["status"] == "active"


def test_scan_merges_a_strong_pair_undoably(app: Flask, org: OrgClient, scan: Any) -> None:
    first, second = create(org, TAKAHASHI), create(org, TAKAHASHI_TWIN)
    out = scan(org.organization_id)
    assert len(out["merge_operations"]) == 1 and out["merged_contacts"] == 1
    assert org.get(f"/api/v1/contacts/{second['id']}").get_json()["merged_into"] == first["id"]
    op = org.get(f"/api/v1/merges/{out['merge_operations'][0]}").get_json()
    assert op["automatic"] is True
    assert org.post(f"/api/v1/merges/{op['id']}/undo").status_code == 200
    assert org.get(f"/api/v1/contacts/{second['id']}").get_json()["status"] == "active"


def test_scan_refuses_an_unknown_organisation(database_url: str) -> None:
    _register_dedup_commands(cli)
    result = CliRunner().invoke(
        cli,
        ["dedupe-scan", "--org", "nope"],
        env={"MEISHI_DATABASE_URL": database_url, "MEISHI_QUEUE": "none"},
    )
    assert result.exit_code == 2


def test_keys_are_stored_once_per_write(app: Flask, org: OrgClient) -> None:
    contact = create(org, TAKAHASHI)
    from contacts.dedup.models import MatchKey, MatchProfile

    with app.app_context(), session_factory(app)() as session:
        profile = session.get(MatchProfile, contact["id"])
        keys = {k.key for k in session.query(MatchKey).filter(MatchKey.contact_id == contact["id"])}
    assert profile is not None and profile.keys["emails"] == ["ichiro.takahashi@acme.co.jp"]
    assert "em:ichiro.takahashi@acme.co.jp" in keys and "mb:+819012345678" in keys
    org.patch(f"/api/v1/contacts/{contact['id']}", json={"emails": [{"value": "new@acme.co.jp"}]})
    with app.app_context(), session_factory(app)() as session:
        keys = {k.key for k in session.query(MatchKey).filter(MatchKey.contact_id == contact["id"])}
        assert session.get(Contact, contact["id"]) is not None
    assert "em:new@acme.co.jp" in keys and "em:ichiro.takahashi@acme.co.jp" not in keys


def test_auto_resolve_of_a_second_card_of_the_same_job_keeps_one_employment_entry(
    app: Flask, org: OrgClient
) -> None:
    existing = create(org, TAKAHASHI)
    _, survivor = _new_contact(app, org, {**TAKAHASHI, "tags": []})
    assert survivor == existing["id"]
    history = org.get(f"/api/v1/contacts/{survivor}/employment").get_json()["items"]
    assert len(history) == 1 and history[0]["ended_at"] is None


def _strong_pair(org: OrgClient, app: Flask) -> tuple[dict[str, Any], dict[str, Any]]:
    first = create(org, TAKAHASHI)
    second = create(org, {**TAKAHASHI, "given_name": "一朗", "tags": []})
    return first, second


def test_scan_commits_keys_and_merges_as_it_goes(app: Flask, org: OrgClient) -> None:
    first, second = _strong_pair(org, app)
    commits = []
    with app.app_context(), session_factory(app)() as session:

        def commit() -> None:
            session.commit()
            commits.append(True)

        result = scan_organization(session, org.organization_id, commit=commit)
    assert len(result.merges) == 1 and len(commits) >= 2  # keys, then the merge, each its own transaction
    assert org.get(f"/api/v1/contacts/{second['id']}").get_json()["merged_into"] == first["id"]


def test_scan_skips_a_cluster_someone_changed_while_it_ran(app: Flask, org: OrgClient) -> None:
    first, second = _strong_pair(org, app)

    def someone_deletes_the_second(stage: str, done: int, total: int) -> None:
        if stage == "blocking":  # the engine runs on keys it read; no transaction is open
            assert org.delete(f"/api/v1/contacts/{second['id']}").status_code == 204

    with session_factory(app)() as session:  # no app context: the requests above push their own
        result = scan_organization(
            session, org.organization_id, progress=someone_deletes_the_second, commit=session.commit
        )
    assert (result.merges, result.skipped_changed) == ([], 1)
    assert org.get(f"/api/v1/contacts/{first['id']}").get_json()["status"] == "active"
