"""Opt-outs (配信停止) over HTTP: recorded with when, how and who, shown on the contact, filtered, undone only
explicitly, set by an unsubscribe, honoured when adding campaign members, kept through a merge and its undo."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import OrgClient


def contact(org: OrgClient, name: str = "山田 太郎", **extra: Any) -> str:
    return str(factories.contact(org, full_name=name, **extra)["id"])


def opt_out(org: OrgClient, contact_id: str, channel: str = "email", status: int = 201, **body: Any) -> Any:
    resp = org.post(f"/api/v1/contacts/{contact_id}/opt-outs", json={"channel": channel, **body})
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


def opted_out(org: OrgClient, contact_id: str) -> list[str]:
    return org.get(f"/api/v1/contacts/{contact_id}").get_json()["opted_out"]  # type: ignore[no-any-return]


def listed(org: OrgClient, **params: Any) -> set[str]:
    resp = org.get("/api/v1/contacts", query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {c["id"] for c in resp.get_json()["items"]}


def test_an_opt_out_records_when_how_and_who(org: OrgClient) -> None:
    who = contact(org)
    body = opt_out(org, who, "phone", source="web", note="電話は不要とのこと")
    assert (body["channel"], body["source"], body["created_by"], body["note"]) == (
        "phone",
        "web",
        org.user_id,
        "電話は不要とのこと",
    )
    assert body["created_at"]


def test_the_contact_json_shows_its_opted_out_channels(org: OrgClient) -> None:
    who = contact(org)
    opt_out(org, who, "postal_mail")
    opt_out(org, who, "email")
    assert opted_out(org, who) == ["email", "postal_mail"]


def test_opting_out_again_answers_the_existing_opt_out(org: OrgClient) -> None:
    who = contact(org)
    first = opt_out(org, who)
    assert opt_out(org, who, status=200)["created_at"] == first["created_at"]


def test_the_opt_outs_are_listed(org: OrgClient) -> None:
    who = contact(org)
    opt_out(org, who, "all")
    items = org.get(f"/api/v1/contacts/{who}/opt-outs").get_json()["items"]
    assert [i["channel"] for i in items] == ["all"]


def test_an_opt_out_is_undone_only_explicitly(org: OrgClient) -> None:
    who = contact(org)
    opt_out(org, who)
    assert org.patch(f"/api/v1/contacts/{who}", json={"title": "部長"}).status_code == 200
    assert opted_out(org, who) == ["email"]
    assert (
        org.delete(f"/api/v1/contacts/{who}/opt-outs", query_string={"channel": "email"}).status_code == 204
    )
    assert opted_out(org, who) == []


def test_undoing_a_missing_opt_out_is_404(org: OrgClient) -> None:
    resp = org.delete(f"/api/v1/contacts/{contact(org)}/opt-outs", query_string={"channel": "phone"})
    assert resp.status_code == 404


def test_a_bad_channel_is_a_problem(org: OrgClient) -> None:
    resp = org.post(f"/api/v1/contacts/{contact(org)}/opt-outs", json={"channel": "fax"})
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    assert resp.get_json()["errors"][0]["field"] == "channel"


def test_opt_outs_are_in_the_change_log(org: OrgClient) -> None:
    who = contact(org)
    opt_out(org, who)
    items = org.get("/api/v1/changes", query_string={"entity": "opt_out"}).get_json()["items"]
    assert [(i["entity_id"], i["operation"]) for i in items] == [(f"{who}:email", "created")]


def test_opted_out_filter_counts_an_opt_out_of_all_channels(org: OrgClient) -> None:
    mail, everything, phone = contact(org, "mail"), contact(org, "all"), contact(org, "phone")
    opt_out(org, mail, "email")
    opt_out(org, everything, "all")
    opt_out(org, phone, "phone")
    assert listed(org, opted_out="email") == {mail, everything}
    assert listed(org, not_opted_out="email") == {phone}


def test_sales_may_record_an_opt_out(org: OrgClient) -> None:
    who = contact(org)
    resp = org.as_role("sales").post(f"/api/v1/contacts/{who}/opt-outs", json={"channel": "phone"})
    assert resp.status_code == 201


def test_an_unsubscribed_member_is_opted_out_of_email(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    who = contact(org)
    factories.add_members(org, cid, contact_ids=[who])
    resp = org.patch(f"/api/v1/campaigns/{cid}/members/{who}", json={"status": "unsubscribed"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    [row] = org.get(f"/api/v1/contacts/{who}/opt-outs").get_json()["items"]
    assert (row["channel"], row["source"], row["source_id"]) == ("email", "campaign_unsubscribe", cid)


def test_adding_members_skips_contacts_opted_out_of_the_campaigns_channel(org: OrgClient) -> None:
    cid = factories.campaign(org, channel="email")["id"]
    mail, everything, phone, free = (contact(org, n) for n in ("mail", "all", "phone", "free"))
    opt_out(org, mail, "email")
    opt_out(org, everything, "all")
    opt_out(org, phone, "phone")
    result = factories.add_members(org, cid, contact_ids=[mail, everything, phone, free])
    assert sorted(result["added_ids"]) == sorted([phone, free])
    assert (result["skipped_opted_out"], result["skipped"]) == (2, 2)


def test_a_campaign_of_no_named_channel_skips_only_opt_outs_of_all(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    mail, everything = contact(org, "mail"), contact(org, "all")
    opt_out(org, mail, "email")
    opt_out(org, everything, "all")
    assert factories.add_members(org, cid, contact_ids=[mail, everything])["added_ids"] == [mail]


def test_a_merged_contact_is_opted_out_if_any_part_was(org: OrgClient) -> None:
    winner, loser = contact(org, "高橋 一郎"), contact(org, "高橋 一郎")
    opt_out(org, loser, "email")
    opt_out(org, winner, "phone")
    factories.merge(org, winner, [loser])
    assert opted_out(org, winner) == ["email", "phone"]


def test_undoing_a_merge_gives_each_contact_its_own_opt_outs_back(org: OrgClient) -> None:
    winner, loser = contact(org, "高橋 一郎"), contact(org, "高橋 一郎")
    opt_out(org, loser, "email")
    opt_out(org, winner, "email")
    merge = factories.merge(org, winner, [loser])
    assert opted_out(org, winner) == ["email"]
    assert org.post(f"/api/v1/merges/{merge['id']}/undo").status_code == 200
    assert (opted_out(org, winner), opted_out(org, loser)) == (["email"], ["email"])
    assert [i["source"] for i in org.get(f"/api/v1/contacts/{loser}/opt-outs").get_json()["items"]] == ["api"]


def test_the_personal_data_export_holds_the_opt_outs_and_their_log(org: OrgClient) -> None:
    who = contact(org)
    opt_out(org, who, "phone", note="電話不要")
    body = org.get(f"/api/v1/contacts/{who}/export").get_json()
    assert [(o["channel"], o["note"]) for o in body["opt_outs"]] == [("phone", "電話不要")]
    assert f"{who}:phone" in {c["entity_id"] for c in body["changes"]}
