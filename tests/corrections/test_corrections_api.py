"""Learning from corrections through HTTP: a reviewer's fix is remembered, applied to the next card, listed, deleted."""

from __future__ import annotations

from typing import Any

from tests.cards.conftest import image, upload_and_process
from tests.conftest import OrgClient

CARD = "scans/0004.jpg"  # a Japanese card with company, department, title and name


def _review(org: OrgClient) -> dict[str, Any]:
    """Upload CARD with a threshold nothing passes; return the card waiting for review."""
    assert org.patch("/api/v1/organization/settings", json={"review_threshold": 1.0}).status_code == 200
    card = upload_and_process(org, [("front", "c.jpg", image(CARD))])
    assert card["status"] == "needs_review"
    return card


def _correct_and_confirm(org: OrgClient, card: dict[str, Any], fields: dict[str, str]) -> None:
    assert org.patch(f"/api/v1/cards/{card['id']}", json={"fields": fields}).status_code == 200
    assert org.post(f"/api/v1/cards/{card['id']}/confirm").status_code == 200


def _corrections(org: OrgClient) -> list[dict[str, Any]]:
    resp = org.get("/api/v1/corrections")
    assert resp.status_code == 200
    return list(resp.get_json()["items"])


def test_a_confirmed_company_correction_is_remembered_with_what_was_read(org: OrgClient) -> None:
    card = _review(org)
    read = card["fields"]["company"]["value"]
    _correct_and_confirm(org, card, {"company": "小林水産ホールディングス株式会社"})
    (row,) = _corrections(org)
    assert (row["field"], row["read_value"], row["value"]) == (
        "company",
        read,
        "小林水産ホールディングス株式会社",
    )
    assert row["source_card_id"] == card["id"] and row["created_by"] == org.user_id


def test_the_next_card_read_the_same_way_gets_the_corrected_value_and_a_reason(org: OrgClient) -> None:
    first = _review(org)
    read = first["fields"]["company"]["value"]
    _correct_and_confirm(org, first, {"company": "小林水産ホールディングス株式会社"})
    again = upload_and_process(org, [("front", "c.jpg", image(CARD))])
    company = again["fields"]["company"]
    assert company["value"] == "小林水産ホールディングス株式会社" and company["ocr_value"] == read
    assert any(w.startswith("company: read as") for w in again["warnings"])
    assert _corrections(org)[0]["applied_count"] == 1


def test_a_misread_character_in_a_name_is_learnt(org: OrgClient) -> None:
    card = _review(org)
    read = card["fields"]["name"]["value"]
    fixed = read[:-1] + ("郎" if read[-1] != "郎" else "朗")
    _correct_and_confirm(org, card, {"name": fixed})
    assert [(c["field"], c["value"]) for c in _corrections(org)] == [("name", fixed)]


def test_a_name_replaced_by_another_is_not_learnt(org: OrgClient) -> None:
    card = _review(org)
    _correct_and_confirm(org, card, {"name": "Emma Berry"})
    assert _corrections(org) == []


def test_an_organisation_that_turned_learning_off_learns_nothing(org: OrgClient) -> None:
    card = _review(org)
    org.patch("/api/v1/organization/settings", json={"learn_corrections": False})
    _correct_and_confirm(org, card, {"title": "代表取締役社長"})
    assert _corrections(org) == []


def test_deleting_a_correction_stops_applying_it(org: OrgClient) -> None:
    first = _review(org)
    read = first["fields"]["department"]["value"]
    _correct_and_confirm(org, first, {"department": "営業本部"})
    (row,) = _corrections(org)
    got = org.get(f"/api/v1/corrections/{row['id']}")
    assert got.status_code == 200 and got.headers["ETag"] == f'"{row["id"]}.1"'
    assert org.delete(f"/api/v1/corrections/{row['id']}", headers={"If-Match": '"x.9"'}).status_code == 412
    assert (
        org.delete(f"/api/v1/corrections/{row['id']}", headers={"If-Match": got.headers["ETag"]}).status_code
        == 204
    )
    assert org.get(f"/api/v1/corrections/{row['id']}").status_code == 404
    again = upload_and_process(org, [("front", "c.jpg", image(CARD))])
    assert again["fields"]["department"]["value"] == read
    assert again["fields"]["department"]["ocr_value"] is None


def test_only_admins_see_corrections(org: OrgClient) -> None:
    assert org.as_role("manager").get("/api/v1/corrections").status_code == 403


def test_another_organisations_correction_is_404(org: OrgClient, other_org: OrgClient) -> None:
    card = _review(org)
    _correct_and_confirm(org, card, {"company": "小林水産ホールディングス株式会社"})
    (row,) = _corrections(org)
    assert other_org.get(f"/api/v1/corrections/{row['id']}").status_code == 404
    assert other_org.delete(f"/api/v1/corrections/{row['id']}").status_code == 404
    assert _corrections(other_org) == []


def test_list_filters_by_field(org: OrgClient) -> None:
    card = _review(org)
    _correct_and_confirm(
        org, card, {"company": "小林水産ホールディングス株式会社", "title": "代表取締役社長"}
    )
    assert [c["field"] for c in org.get("/api/v1/corrections?field=title").get_json()["items"]] == ["title"]
    assert org.get("/api/v1/corrections?field=email").status_code == 422


def test_erasing_the_person_forgets_the_name_learnt_from_their_card(org: OrgClient) -> None:
    card = _review(org)
    read = card["fields"]["name"]["value"]
    _correct_and_confirm(
        org, card, {"name": read[:-1] + ("郎" if read[-1] != "郎" else "朗"), "title": "代表取締役社長"}
    )
    contact_id = org.get(f"/api/v1/cards/{card['id']}").get_json()["contact_id"]
    assert org.post(f"/api/v1/contacts/{contact_id}/erase", json={"confirm": True}).status_code == 200
    assert [c["field"] for c in _corrections(org)] == ["title"]
