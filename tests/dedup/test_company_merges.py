"""Companies: matched by corporate number, domain and name; merged and unmerged exactly over HTTP."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from contacts.companies.models import Company, CompanyDomain
from contacts.db import session_factory
from contacts.dedup.scan import propose_companies
from contacts.people.models import Employment
from contacts.tags.models import CompanyTag
from contacts.touchpoints.models import Touchpoint
from tests import factories
from tests.conftest import OrgClient
from tests.dedup.helpers import NEW_ON_UNDO, TAKAHASHI, create, duplicates, export


def _export_companies(app: Flask, ids: list[str]) -> dict[str, Any]:
    with app.app_context(), session_factory(app)() as session:

        def rows(model: Any, where: Any) -> list[dict[str, Any]]:
            table = model.__table__
            return [
                {k: v for k, v in r.items() if k not in NEW_ON_UNDO}
                for r in session.execute(
                    select(table).where(where).order_by(*table.primary_key.columns)
                ).mappings()
            ]

        return {
            "company": rows(Company, Company.id.in_(ids)),
            "company_domain": rows(CompanyDomain, CompanyDomain.company_id.in_(ids)),
            "company_tag": rows(CompanyTag, CompanyTag.company_id.in_(ids)),
            "employment": rows(Employment, Employment.company_id.in_(ids)),
            "touchpoint": rows(Touchpoint, Touchpoint.company_id.in_(ids)),
        }


def _propose(app: Flask, org: OrgClient) -> None:
    with app.app_context(), session_factory(app)() as session:
        propose_companies(session, org.organization_id)
        session.commit()


def _setup(org: OrgClient) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    acme = factories.company(
        org, {"name": "株式会社アクメ", "domains": ["acme.co.jp"], "phones": [{"value": "03-1234-5678"}]}
    )
    twin = factories.company(
        org, {"name": "アクメ（株）", "domains": ["acme.jp"], "phones": [{"value": "03-1234-0000"}]}
    )
    for name, companies in (("Target", [acme, twin]), ("Competitor user", [twin])):
        tag = factories.tag(org, name)
        tagged = org.post(
            f"/api/v1/tags/{tag['id']}/companies", json={"company_ids": [c["id"] for c in companies]}
        )
        assert tagged.status_code == 200, tagged.get_data(as_text=True)
    person = create(org, {**TAKAHASHI, "company_name": None, "company_id": twin["id"], "tags": []})
    factories.touchpoint(org, person["id"], kind="visit", occurred_at="2026-11-20T10:00:00+09:00")
    return acme, twin, person


def test_companies_with_the_same_normalised_name_become_a_candidate(app: Flask, org: OrgClient) -> None:
    acme, twin, _ = _setup(org)
    factories.company(org, {"name": "株式会社ベータ"})
    _propose(app, org)
    items = duplicates(org, entity="company")
    assert len(items) == 1 and {items[0]["a"]["id"], items[0]["b"]["id"]} == {acme["id"], twin["id"]}
    assert items[0]["reasons"] == ["name:same"] and items[0]["decision"] == "review"
    org.post(f"/api/v1/duplicates/{items[0]['id']}/dismiss")
    _propose(app, org)
    assert duplicates(org, entity="company") == []


def test_company_merge_moves_people_and_history_and_undo_restores_exactly(app: Flask, org: OrgClient) -> None:
    acme, twin, person = _setup(org)
    ids = [acme["id"], twin["id"]]
    before, before_people = _export_companies(app, ids), export(app, [person["id"]])
    resp = org.post(
        "/api/v1/merges", json={"entity": "company", "winner_id": acme["id"], "loser_ids": [twin["id"]]}
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    op = resp.get_json()
    merged = org.get(f"/api/v1/companies/{acme['id']}").get_json()
    assert merged["domains"] == ["acme.co.jp", "acme.jp"] and len(merged["phones"]) == 2
    assert org.get(f"/api/v1/companies/{twin['id']}").get_json()["status"] == "merged"
    moved = org.get(f"/api/v1/contacts/{person['id']}").get_json()
    assert moved["company"]["id"] == acme["id"]
    tps = org.get(f"/api/v1/contacts/{person['id']}/touchpoints").get_json()["items"]
    assert all(t.get("company_id", acme["id"]) == acme["id"] for t in tps)
    undo = org.post(f"/api/v1/merges/{op['id']}/undo")
    assert undo.status_code == 200, undo.get_data(as_text=True)
    assert _export_companies(app, ids) == before
    assert export(app, [person["id"]]) == before_people


def test_company_merge_gives_the_winner_the_losers_tags_once(org: OrgClient) -> None:
    acme, twin, _ = _setup(org)
    resp = org.post(
        "/api/v1/merges", json={"entity": "company", "winner_id": acme["id"], "loser_ids": [twin["id"]]}
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert org.get(f"/api/v1/companies/{acme['id']}").get_json()["tags"] == ["Competitor user", "Target"]


def test_company_merge_refuses_different_corporate_numbers(org: OrgClient) -> None:
    a = factories.company(org, {"name": "アクメ", "corporate_number": "1010001000006"})
    b = factories.company(org, {"name": "アクメ", "corporate_number": "7010001000000"})
    resp = org.post(
        "/api/v1/merges", json={"entity": "company", "winner_id": a["id"], "loser_ids": [b["id"]]}
    )
    assert resp.status_code == 409 and "corporate number" in resp.get_json()["detail"]


def test_company_merge_of_another_organisation_is_404(org: OrgClient, other_org: OrgClient) -> None:
    a = factories.company(org, {"name": "アクメ"})
    b = factories.company(other_org, {"name": "アクメ"})
    resp = org.post(
        "/api/v1/merges", json={"entity": "company", "winner_id": a["id"], "loser_ids": [b["id"]]}
    )
    assert resp.status_code == 404


def test_company_undo_refuses_after_the_winner_changed(org: OrgClient) -> None:
    acme, twin, _ = _setup(org)
    op = org.post(
        "/api/v1/merges", json={"entity": "company", "winner_id": acme["id"], "loser_ids": [twin["id"]]}
    ).get_json()
    assert org.patch(f"/api/v1/companies/{acme['id']}", json={"url": "https://acme.co.jp"}).status_code == 200
    resp = org.post(f"/api/v1/merges/{op['id']}/undo")
    assert resp.status_code == 409 and "cannot" in resp.get_json()["detail"]


def test_creating_a_company_like_an_existing_one_proposes_the_pair_at_once(org: OrgClient) -> None:
    acme = factories.company(org, {"name": "株式会社アクメ"})
    twin = factories.company(org, {"name": "アクメ（株）"})
    factories.company(org, {"name": "株式会社ベータ"})
    items = duplicates(org, entity="company")
    assert [{i["a"]["id"], i["b"]["id"]} for i in items] == [{acme["id"], twin["id"]}]


def test_a_company_renamed_into_a_twin_is_proposed(org: OrgClient) -> None:
    acme = factories.company(org, {"name": "株式会社アクメ"})
    beta = factories.company(org, {"name": "株式会社ベータ"})
    etag = org.get(f"/api/v1/companies/{beta['id']}").headers["ETag"]
    org.patch(f"/api/v1/companies/{beta['id']}", json={"name": "アクメ株式会社"}, headers={"If-Match": etag})
    items = duplicates(org, entity="company")
    assert [{i["a"]["id"], i["b"]["id"]} for i in items] == [{acme["id"], beta["id"]}]


def test_a_dismissed_company_pair_is_not_proposed_again_on_rename(org: OrgClient) -> None:
    factories.company(org, {"name": "株式会社アクメ"})
    twin = factories.company(org, {"name": "アクメ（株）"})
    org.post(f"/api/v1/duplicates/{duplicates(org, entity='company')[0]['id']}/dismiss")
    etag = org.get(f"/api/v1/companies/{twin['id']}").headers["ETag"]
    org.patch(f"/api/v1/companies/{twin['id']}", json={"name": "アクメ 株式会社"}, headers={"If-Match": etag})
    assert duplicates(org, entity="company") == []
