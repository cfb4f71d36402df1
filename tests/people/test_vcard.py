"""vCard export: the text itself (escaping, folding) and the endpoints, checked with an independent parser."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import vobject  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from contacts.people import vcard
from contacts.people.schemas import AddressOut, CompanyRef, ContactOut, EmailOut, PhoneOut
from tests import factories
from tests.conftest import OrgClient

TANAKA = {
    "full_name": "田中 太郎",
    "family_name": "田中",
    "given_name": "太郎",
    "name_kana": "たなか たろう",
    "company_name": "株式会社サンプル; Tokyo, Japan",
    "department": "営業部",
    "title": "部長",
    "emails": [{"value": "taro@example.co.jp", "type": "work", "primary": True}],
    "phones": [
        {"value": "03-1234-5678", "type": "work"},
        {"value": "090-1111-2222", "type": "mobile"},
        {"value": "03-1234-5679", "type": "fax"},
    ],
    "addresses": [{"postal_code": "100-0001", "value": "東京都千代田区千代田1-1", "type": "work"}],
    "url": "https://example.co.jp",
    "notes": "展示会で名刺交換\n次回: 見積",
    "tags": ["Expo 2026"],
}


def parse(text: str) -> list[Any]:
    return list(vobject.readComponents(text))


def contact(**changes: Any) -> ContactOut:
    base: dict[str, Any] = dict(
        id="c1",
        uid="urn:uuid:0b5e2c1e-6a3c-4c1e-9d6b-2f1f4a1b2c3d",
        family_name=None,
        given_name=None,
        full_name="Ann Lee",
        name_kana=None,
        name_romaji=None,
        company=None,
        department=None,
        title=None,
        emails=[],
        phones=[],
        addresses=[],
        url=None,
        notes=None,
        tags=[],
        owner_id=None,
        status="active",
        merged_into=None,
        version=1,
        sources={},
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        updated_at=datetime(2026, 11, 2, 3, 4, 5, tzinfo=UTC),
    )
    return ContactOut(**(base | changes))


def test_values_with_separators_and_line_breaks_survive_a_parser() -> None:
    card = parse(vcard.to_vcard(contact(notes="a,b;c\\d\nnext line", title="VP, Sales; APAC")))[0]
    assert card.note.value == "a,b;c\\d\nnext line" and card.title.value == "VP, Sales; APAC"


def test_lines_are_folded_at_75_octets_without_splitting_a_character() -> None:
    text = vcard.to_vcard(contact(notes="名刺" * 80))
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert parse(text)[0].note.value == "名刺" * 80


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=300))
def test_folding_then_unfolding_gives_the_line_back(value: str) -> None:
    folded = vcard.fold("NOTE:" + value)
    assert folded.replace("\r\n ", "") == "NOTE:" + value
    assert all(len(piece.encode()) <= 75 for piece in folded.split("\r\n"))


def test_a_reading_split_on_its_space_gives_the_phonetic_family_and_given_names() -> None:
    text = vcard.to_vcard(
        contact(full_name="田中 太郎", family_name="田中", given_name="太郎", name_kana="たなか\u3000たろう")
    )
    assert "X-PHONETIC-LAST-NAME:たなか\r\n" in text and "X-PHONETIC-FIRST-NAME:たろう\r\n" in text
    assert "SORT-STRING:たなか たろう\r\n" in text


def test_a_contact_without_name_parts_puts_its_full_name_in_the_family_slot() -> None:
    card = parse(vcard.to_vcard(contact(full_name="Ann Lee")))[0]
    assert card.n.value.family == "Ann Lee" and card.fn.value == "Ann Lee"


def test_phones_carry_address_book_types_and_e164() -> None:
    text = vcard.to_vcard(
        contact(
            phones=[
                PhoneOut(value="090-1111-2222", e164="+819011112222", type="mobile", primary=True),
                PhoneOut(value="03-1234-5679", e164="+81312345679", type="fax", primary=False),
            ]
        )
    )
    tels = {t.value: t.params["TYPE"] for t in parse(text)[0].tel_list}
    assert tels == {"+819011112222": ["CELL", "VOICE", "PREF"], "+81312345679": ["WORK", "FAX"]}


def test_company_department_address_and_tags_land_in_their_properties() -> None:
    card = parse(
        vcard.to_vcard(
            contact(
                company=CompanyRef(id="k", name="Acme, Inc."),
                department="R&D",
                tags=["Expo", "VIP"],
                emails=[EmailOut(value="ann@acme.example", type="work", primary=True)],
                addresses=[AddressOut(postal_code="1000001", value="1-1 Chiyoda", type="work")],
            )
        )
    )[0]
    assert card.org.value == ["Acme, Inc.", "R&D"]
    assert (card.adr.value.street, card.adr.value.code) == ("1-1 Chiyoda", "1000001")
    assert card.categories.value == ["Expo", "VIP"] and card.email.value == "ann@acme.example"


def test_uid_and_revision_identify_the_contact_and_its_last_change() -> None:
    card = parse(vcard.to_vcard(contact()))[0]
    assert card.uid.value == "urn:uuid:0b5e2c1e-6a3c-4c1e-9d6b-2f1f4a1b2c3d"
    assert card.rev.value == "2026-11-02T03:04:05Z"


def test_a_company_without_department_is_one_org_component() -> None:
    card = parse(vcard.to_vcard(contact(company=CompanyRef(id="k", name="Acme;"))))[0]
    assert card.org.value == ["Acme;"]


def test_a_contact_downloads_as_a_vcard(org: OrgClient) -> None:
    created = factories.contact(org, TANAKA)
    resp = org.get(f"/api/v1/contacts/{created['id']}/vcard")
    assert resp.status_code == 200 and resp.mimetype == "text/vcard"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="{created["id"]}.vcf"'
    card = parse(resp.get_data(as_text=True))[0]
    assert (card.fn.value, card.uid.value) == ("田中 太郎", created["uid"])
    assert card.org.value == ["株式会社サンプル; Tokyo, Japan", "営業部"]
    assert card.note.value == "展示会で名刺交換\n次回: 見積"
    assert sorted(t.value for t in card.tel_list) == ["+81312345678", "+81312345679", "+819011112222"]


def test_the_export_takes_the_list_filters(org: OrgClient) -> None:
    factories.contact(org, TANAKA)
    factories.contact(org, full_name="Untagged Person")
    resp = org.get("/api/v1/contacts/vcard", query_string={"tag": "Expo 2026"})
    assert [c.fn.value for c in parse(resp.get_data(as_text=True))] == ["田中 太郎"]


def test_the_export_pages_like_the_list_and_links_the_next_page(org: OrgClient) -> None:
    for i in range(3):
        factories.contact(org, full_name=f"Person {i}", tags=["Expo"])
    first = org.get("/api/v1/contacts/vcard", query_string={"tag": "Expo", "limit": 2})
    assert len(parse(first.get_data(as_text=True))) == 2 and first.headers["Link"].endswith('>; rel="next"')
    second = org.get(first.headers["Link"][1:].split(">")[0])
    assert [c.fn.value for c in parse(second.get_data(as_text=True))] == ["Person 2"]
    assert "Link" not in second.headers


def test_a_bad_export_filter_is_a_problem_not_a_file(org: OrgClient) -> None:
    resp = org.get("/api/v1/contacts/vcard", query_string={"limit": "many"})
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
