"""The suppression list over HTTP: an erased person's opt-outs outlive their data, kept as digests, and a
contact who brings the same e-mail or phone back is opted out again, until a new consent lifts it."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import OrgClient
from tests.imports.helpers import HUBSPOT, imported, rows

ERASE = {"confirm": True, "reason": "the person asked"}
EMAIL = "k.ogawa@suppressed.example.co.jp"
PHONE = "03-3456-7890"


def person(org: OrgClient, email: str = EMAIL, phone: str | None = PHONE, **extra: Any) -> str:
    body: dict[str, Any] = {"full_name": "小川 健", "emails": [{"value": email}], **extra}
    if phone:
        body["phones"] = [{"value": phone}]
    return str(factories.contact(org, body)["id"])


def opt_out(org: OrgClient, contact_id: str, channel: str) -> None:
    resp = org.post(f"/api/v1/contacts/{contact_id}/opt-outs", json={"channel": channel})
    assert resp.status_code == 201, resp.get_data(as_text=True)


def erase(org: OrgClient, contact_id: str) -> dict[str, Any]:
    resp = org.post(f"/api/v1/contacts/{contact_id}/erase", json=ERASE)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body: dict[str, Any] = resp.get_json()
    return body


def opt_outs(org: OrgClient, contact_id: str) -> list[dict[str, Any]]:
    resp = org.get(f"/api/v1/contacts/{contact_id}/opt-outs")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    items: list[dict[str, Any]] = resp.get_json()["items"]
    return items


def suppressions(org: OrgClient, **params: Any) -> list[dict[str, Any]]:
    resp = org.get("/api/v1/suppressions", query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    items: list[dict[str, Any]] = resp.get_json()["items"]
    return items


def erased_opted_out(org: OrgClient, *channels: str) -> None:
    """A person with an e-mail and a phone who opted out of ``channels``, then was erased."""
    who = person(org)
    for channel in channels:
        opt_out(org, who, channel)
    erase(org, who)


def test_erasing_an_opted_out_person_keeps_each_of_their_identifiers(org: OrgClient) -> None:
    who = person(org)
    opt_out(org, who, "email")
    assert erase(org, who)["suppressed_identifiers"] == 2


def test_erasing_a_person_who_never_opted_out_keeps_nothing(org: OrgClient) -> None:
    assert erase(org, person(org))["suppressed_identifiers"] == 0
    assert suppressions(org) == []


def test_the_list_holds_kind_channels_and_reason_but_no_identifier(org: OrgClient) -> None:
    erased_opted_out(org, "email", "postal_mail")
    items = suppressions(org)
    assert sorted((s["kind"], tuple(s["channels"]), s["reason"]) for s in items) == [
        ("email", ("email", "postal_mail"), "erasure"),
        ("phone", ("email", "postal_mail"), "erasure"),
    ]
    assert EMAIL not in str(items) and "3456" not in str(items)


def test_a_person_who_comes_back_with_the_same_email_is_opted_out_again(org: OrgClient) -> None:
    erased_opted_out(org, "email")
    back = person(org, phone=None, full_name="小川 健一")
    [row] = opt_outs(org, back)
    assert (row["channel"], row["source"]) == ("email", "suppression")
    assert row["source_id"] == suppressions(org, kind="email")[0]["id"]


def test_the_same_phone_in_another_format_is_recognised(org: OrgClient) -> None:
    erased_opted_out(org, "phone")
    back = person(org, email="other@elsewhere.example", phone="+81 3 3456 7890")
    assert [r["channel"] for r in opt_outs(org, back)] == ["phone"]


def test_a_new_contact_of_unknown_identifiers_is_not_opted_out(org: OrgClient) -> None:
    erased_opted_out(org, "all")
    assert opt_outs(org, person(org, email="someone.else@example.com", phone=None)) == []


def test_a_contact_given_the_suppressed_email_later_is_opted_out(org: OrgClient) -> None:
    erased_opted_out(org, "email")
    later = person(org, email="first@elsewhere.example", phone=None)
    etag = org.get(f"/api/v1/contacts/{later}").headers["ETag"]
    resp = org.patch(
        f"/api/v1/contacts/{later}",
        json={"emails": [{"value": "first@elsewhere.example"}, {"value": EMAIL.upper()}]},
        headers={"If-Match": etag},
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert [r["channel"] for r in opt_outs(org, later)] == ["email"]


def test_an_imported_row_with_the_suppressed_email_is_opted_out(org: OrgClient) -> None:
    erased_opted_out(org, "email")
    done = imported(org, HUBSPOT + f"1,Ken,Ogawa,{EMAIL},,Ogawa Trading,CEO\n")
    [row] = rows(org, done["id"])
    assert [r["source"] for r in opt_outs(org, row["contact_id"])] == ["suppression"]


def test_the_suppression_is_per_organisation(org: OrgClient, other_org: OrgClient) -> None:
    erased_opted_out(org, "email")
    assert opt_outs(other_org, person(other_org)) == []


def test_withdrawing_a_remembered_opt_out_lifts_the_suppression(org: OrgClient) -> None:
    erased_opted_out(org, "email")
    back = person(org, phone=None)
    assert org.delete(f"/api/v1/contacts/{back}/opt-outs?channel=email").status_code == 204
    assert suppressions(org, email=EMAIL) == []
    assert opt_outs(org, person(org, email=EMAIL.replace("k.", "K."), phone=None)) == []


def test_withdrawing_one_channel_keeps_the_others_suppressed(org: OrgClient) -> None:
    erased_opted_out(org, "email", "phone")
    back = person(org, phone=None)
    assert org.delete(f"/api/v1/contacts/{back}/opt-outs?channel=email").status_code == 204
    assert suppressions(org, email=EMAIL)[0]["channels"] == ["phone"]


def test_lookup_by_email_finds_only_that_identifier(org: OrgClient) -> None:
    erased_opted_out(org, "email")
    assert [s["kind"] for s in suppressions(org, email=f" {EMAIL.upper()} ")] == ["email"]
    assert suppressions(org, email="nobody@example.com") == []


def test_an_admin_can_suppress_an_address_not_in_the_base(org: OrgClient) -> None:
    resp = org.post(
        "/api/v1/suppressions", json={"email": EMAIL, "channels": ["email"], "note": "電話で依頼"}
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert (resp.get_json()["reason"], resp.get_json()["note"]) == ("request", "電話で依頼")
    assert [r["channel"] for r in opt_outs(org, person(org, phone=None))] == ["email"]


def test_suppressing_an_address_opts_out_the_contacts_holding_it(org: OrgClient) -> None:
    holder = person(org, phone=None)
    resp = org.post("/api/v1/suppressions", json={"email": EMAIL})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert [(r["channel"], r["source"]) for r in opt_outs(org, holder)] == [("all", "suppression")]


def test_suppressing_a_listed_address_again_adds_its_channels(org: OrgClient) -> None:
    org.post("/api/v1/suppressions", json={"email": EMAIL, "channels": ["email"]})
    resp = org.post("/api/v1/suppressions", json={"email": EMAIL, "channels": ["phone"]})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert (resp.get_json()["channels"], resp.get_json()["version"]) == (["email", "phone"], 2)


def test_a_deleted_suppression_no_longer_opts_out_new_contacts(org: OrgClient) -> None:
    erased_opted_out(org, "email")
    [row] = suppressions(org, kind="email")
    etag = org.get(f"/api/v1/suppressions/{row['id']}").headers["ETag"]
    assert org.delete(f"/api/v1/suppressions/{row['id']}", headers={"If-Match": etag}).status_code == 204
    assert opt_outs(org, person(org, phone=None)) == []


def test_the_change_feed_tells_of_suppressions_without_identifiers(org: OrgClient) -> None:
    erased_opted_out(org, "email")
    resp = org.get("/api/v1/changes", query_string={"entity": "suppression"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    entries = resp.get_json()["items"]
    assert [(e["operation"], e["data"]["kind"]) for e in entries] == [
        ("created", "email"),
        ("created", "phone"),
    ]
    assert EMAIL not in str(entries)


def test_only_admins_see_the_suppression_list(org: OrgClient) -> None:
    for role in ("manager", "sales", "marketing"):
        resp = org.as_role(role).get("/api/v1/suppressions")
        assert resp.status_code == 403, (role, resp.get_data(as_text=True))


def test_another_organisation_cannot_read_a_suppression(org: OrgClient, other_org: OrgClient) -> None:
    erased_opted_out(org, "email")
    [row] = suppressions(org, kind="email")
    assert other_org.get(f"/api/v1/suppressions/{row['id']}").status_code == 404


def test_a_request_naming_both_identifiers_is_refused(org: OrgClient) -> None:
    resp = org.post("/api/v1/suppressions", json={"email": EMAIL, "phone": PHONE})
    assert resp.status_code == 422
    assert resp.headers["Content-Type"] == "application/problem+json"


def test_a_malformed_address_is_refused(org: OrgClient) -> None:
    resp = org.post("/api/v1/suppressions", json={"email": "not an address"})
    assert resp.status_code == 422
    assert "not an e-mail address" in resp.get_json()["detail"]


def test_a_lookup_of_a_malformed_phone_is_refused(org: OrgClient) -> None:
    resp = org.get("/api/v1/suppressions", query_string={"phone": "abc"})
    assert resp.status_code == 422
    assert resp.headers["Content-Type"] == "application/problem+json"


def test_the_answer_to_creating_a_suppressed_person_shows_the_opt_outs(org: OrgClient) -> None:
    erased_opted_out(org, "email", "phone")
    created = factories.contact(org, {"full_name": "小川 健", "emails": [{"value": EMAIL}]})
    assert created["opted_out"] == ["email", "phone"]
    assert org.get(f"/api/v1/contacts/{created['id']}").get_json()["opted_out"] == ["email", "phone"]
