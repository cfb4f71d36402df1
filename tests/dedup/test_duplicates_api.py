"""Duplicate candidates over HTTP: proposed on create, listed best first, dismissed for good, org-scoped."""

from __future__ import annotations

from tests.conftest import OrgClient
from tests.dedup.helpers import SUZUKI, TAKAHASHI, TAKAHASHI_TWIN, create, duplicates


def test_api_create_of_a_near_duplicate_records_a_candidate_and_keeps_both(org: OrgClient) -> None:
    first = create(org, TAKAHASHI)
    second = create(org, TAKAHASHI_TWIN)
    items = duplicates(org)
    assert len(items) == 1
    cand = items[0]
    assert {cand["a"]["id"], cand["b"]["id"]} == {first["id"], second["id"]}
    assert cand["decision"] == "merge" and cand["score"] > 0.9
    assert "email:same" in cand["reasons"] and "mobile:same" in cand["reasons"]
    assert org.get(f"/api/v1/contacts/{second['id']}").get_json()["status"] == "active"


def test_coworkers_sharing_company_address_and_domain_are_not_candidates(org: OrgClient) -> None:
    create(org, TAKAHASHI)
    create(org, {**SUZUKI, "phones": [{"value": "03-1234-0002"}], "addresses": TAKAHASHI["addresses"]})
    assert duplicates(org) == []


def test_dismissed_pair_is_never_proposed_again(org: OrgClient) -> None:
    first = create(org, TAKAHASHI)
    second = create(org, TAKAHASHI_TWIN)
    cand = duplicates(org)[0]
    resp = org.post(f"/api/v1/duplicates/{cand['id']}/dismiss")
    assert resp.status_code == 200 and resp.get_json()["status"] == "dismissed"
    assert duplicates(org) == []
    # A later edit of either contact recomputes keys and matching, but the pair stays dismissed.
    org.patch(f"/api/v1/contacts/{second['id']}", json={"title": "本部長"})
    third = create(org, {**TAKAHASHI_TWIN, "tags": []})
    pairs = {frozenset((c["a"]["id"], c["b"]["id"])) for c in duplicates(org)}
    assert frozenset((first["id"], second["id"])) not in pairs
    assert frozenset((first["id"], third["id"])) in pairs
    assert duplicates(org, status="dismissed")[0]["id"] == cand["id"]


def test_list_is_ordered_by_score_and_paginates(org: OrgClient) -> None:
    create(org, TAKAHASHI)
    create(org, TAKAHASHI_TWIN)
    create(org, {"family_name": "高橋", "given_name": "一郎", "company_name": "アクメ"})
    everything = duplicates(org, limit=500)
    scores = [c["score"] for c in everything]
    assert scores == sorted(scores, reverse=True) and len(everything) >= 2
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = org.get("/api/v1/duplicates", query_string=params).get_json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [c["id"] for c in everything]


def test_filters_and_bad_cursor(org: OrgClient) -> None:
    first = create(org, TAKAHASHI)
    create(org, TAKAHASHI_TWIN)
    assert len(duplicates(org, contact_id=first["id"])) == 1
    assert duplicates(org, decision="review") == []
    assert duplicates(org, min_score=0.9999) == []
    assert org.get("/api/v1/duplicates?cursor=garbage").status_code == 422
    assert org.get("/api/v1/duplicates?min_score=2").status_code == 422
    assert org.get("/api/v1/duplicates?entity=people").status_code == 422


def test_other_organisations_candidates_are_invisible_and_404(org: OrgClient, other_org: OrgClient) -> None:
    create(org, TAKAHASHI)
    create(org, TAKAHASHI_TWIN)
    cand = duplicates(org)[0]
    assert duplicates(other_org) == []
    assert other_org.post(f"/api/v1/duplicates/{cand['id']}/dismiss").status_code == 404
    create(other_org, TAKAHASHI)
    assert duplicates(other_org) == []  # never matched against another organisation's contacts


def test_roles_sales_reads_but_cannot_dismiss_or_merge(org: OrgClient) -> None:
    first = create(org, TAKAHASHI)
    second = create(org, TAKAHASHI_TWIN)
    cand = duplicates(org)[0]
    sales, marketing, manager = org.as_role("sales"), org.as_role("marketing"), org.as_role("manager")
    assert sales.get("/api/v1/duplicates").status_code == 200
    assert marketing.get("/api/v1/duplicates").status_code == 403
    assert sales.post(f"/api/v1/duplicates/{cand['id']}/dismiss").status_code == 403
    body = {"winner_id": first["id"], "loser_ids": [second["id"]]}
    assert sales.post("/api/v1/merges", json=body).status_code == 403
    assert manager.post("/api/v1/merges", json=body).status_code == 201


def test_unknown_candidate_is_404(org: OrgClient) -> None:
    assert org.post("/api/v1/duplicates/nope/dismiss").status_code == 404
