"""The marketing filters of the one contact filter, through GET /contacts, bulk tagging, campaign members by
filter and analytics: title and seniority, prefecture and region, company tag, campaign membership."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import OrgClient


def contact(org: OrgClient, name: str, **extra: Any) -> str:
    return str(factories.contact(org, full_name=name, **extra)["id"])


def listed(org: OrgClient, **params: Any) -> set[str]:
    resp = org.get("/api/v1/contacts", query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {c["full_name"] for c in resp.get_json()["items"]}


def address(value: str) -> list[dict[str, str]]:
    return [{"value": value}]


def test_title_matches_part_of_the_printed_title(org: OrgClient) -> None:
    contact(org, "部長さん", title="営業部 部長")
    contact(org, "課長さん", title="営業課 課長")
    assert listed(org, title="部長") == {"部長さん"}


def test_seniority_is_normalised_from_the_title_and_shown(org: OrgClient) -> None:
    body = factories.contact(org, full_name="社長", title="代表取締役社長")
    assert body["seniority"] == "executive"


def test_seniority_filters_by_japanese_or_english_level(org: OrgClient) -> None:
    contact(org, "社長", title="代表取締役社長")
    contact(org, "部長", title="営業本部 部長")
    contact(org, "Manager", title="Sales Manager")
    contact(org, "担当", title="営業")
    assert listed(org, seniority=["役員", "manager"]) == {"社長", "Manager"}
    assert listed(org, seniority="一般") == {"担当"}


def test_seniority_follows_a_new_title(org: OrgClient) -> None:
    who = contact(org, "昇進", title="主任")
    assert org.patch(f"/api/v1/contacts/{who}", json={"title": "課長"}).status_code == 200
    assert listed(org, seniority="課長") == {"昇進"}


def test_an_unknown_seniority_is_a_problem(org: OrgClient) -> None:
    resp = org.get("/api/v1/contacts", query_string={"seniority": "boss"})
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    assert resp.get_json()["errors"][0]["field"].startswith("seniority")


def test_prefecture_comes_from_the_address(org: OrgClient) -> None:
    body = factories.contact(org, full_name="東京", addresses=address("東京都千代田区丸の内1-1"))
    assert (body["prefecture"], body["region"]) == ("東京都", "関東")


def test_prefecture_filter_accepts_short_names(org: OrgClient) -> None:
    contact(org, "東京", addresses=address("東京都千代田区丸の内1-1"))
    contact(org, "大阪", addresses=address("大阪府大阪市北区梅田1-1"))
    assert listed(org, prefecture="東京") == {"東京"}


def test_region_filter_selects_its_prefectures(org: OrgClient) -> None:
    contact(org, "横浜", addresses=address("神奈川県横浜市西区"))
    contact(org, "福岡", addresses=address("福岡県福岡市博多区"))
    contact(org, "那覇", addresses=address("沖縄県那覇市"))
    assert listed(org, region="九州・沖縄") == {"福岡", "那覇"}
    assert listed(org, region="関東") == {"横浜"}


def test_prefecture_and_region_together_select_the_prefectures_in_the_region(org: OrgClient) -> None:
    contact(org, "東京", addresses=address("東京都千代田区丸の内1-1"))
    contact(org, "大阪", addresses=address("大阪府大阪市北区梅田1-1"))
    contact(org, "横浜", addresses=address("神奈川県横浜市西区"))
    assert listed(org, prefecture=["東京", "大阪"], region="関東") == {"東京"}


def test_an_unknown_region_is_a_problem(org: OrgClient) -> None:
    assert org.get("/api/v1/contacts", query_string={"region": "Kanto"}).status_code == 422


def test_company_tag_selects_contacts_of_tagged_companies(org: OrgClient) -> None:
    target = factories.company(org, name="株式会社ターゲット")
    other = factories.company(org, name="株式会社ほか")
    tag = factories.tag(org, "Target accounts")
    resp = org.post(f"/api/v1/tags/{tag['id']}/companies", json={"company_ids": [target["id"]]})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    contact(org, "狙い", company_id=target["id"])
    contact(org, "ほか", company_id=other["id"])
    assert listed(org, company_tag="Target accounts") == {"狙い"}


def test_campaign_id_selects_members_and_campaign_status_narrows(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    a, b = contact(org, "A"), contact(org, "B")
    contact(org, "C")
    factories.add_members(org, cid, contact_ids=[a])
    factories.add_members(org, cid, contact_ids=[b], status="responded")
    assert listed(org, campaign_id=cid) == {"A", "B"}
    assert listed(org, campaign_id=cid, campaign_status="responded") == {"B"}


def test_not_campaign_id_selects_the_others(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    factories.add_members(org, cid, contact_ids=[contact(org, "A")])
    contact(org, "B")
    assert listed(org, not_campaign_id=cid) == {"B"}


def test_campaign_status_without_campaign_is_a_problem(org: OrgClient) -> None:
    assert org.get("/api/v1/contacts", query_string={"campaign_status": "sent"}).status_code == 422


def test_filters_combine(org: OrgClient) -> None:
    contact(org, "東京の部長", title="部長", addresses=address("東京都港区"))
    contact(org, "大阪の部長", title="部長", addresses=address("大阪府大阪市"))
    contact(org, "東京の担当", title="担当", addresses=address("東京都港区"))
    assert listed(org, seniority="部長", region="関東") == {"東京の部長"}


def test_bulk_tagging_takes_the_marketing_filters(org: OrgClient) -> None:
    contact(org, "部長", title="部長")
    contact(org, "担当", title="担当")
    tag = factories.tag(org, "Executives")
    resp = org.post(f"/api/v1/tags/{tag['id']}/contacts", json={"filter": {"seniority": ["director"]}})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert listed(org, tag="Executives") == {"部長"}


def test_campaign_members_by_filter_take_the_marketing_filters(org: OrgClient) -> None:
    cid = factories.campaign(org)["id"]
    boss = contact(org, "福岡の部長", title="部長", addresses=address("福岡県福岡市"))
    contact(org, "東京の部長", title="部長", addresses=address("東京都港区"))
    result = factories.add_members(org, cid, filter={"seniority": ["部長"], "region": ["九州・沖縄"]})
    assert result["added_ids"] == [boss]


def test_analytics_take_the_marketing_filters(org: OrgClient) -> None:
    boss = contact(org, "部長", title="部長")
    staff = contact(org, "担当", title="担当")
    factories.touchpoint(org, boss, occurred_at="2026-03-02T10:00:00+09:00")
    factories.touchpoint(org, staff, occurred_at="2026-03-02T11:00:00+09:00")
    resp = org.get(
        "/api/v1/analytics/touchpoints",
        query_string={"interval": "day", "from": "2026-03-02", "to": "2026-03-02", "seniority": "director"},
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert [b["touchpoints"] for b in resp.get_json()["buckets"]] == [1]


def test_title_ignores_case(org: OrgClient) -> None:
    contact(org, "Manager", title="Sales Manager")
    assert listed(org, title="manager") == {"Manager"}


def test_an_unknown_opt_out_channel_in_a_filter_is_a_problem(org: OrgClient) -> None:
    resp = org.get("/api/v1/contacts", query_string={"opted_out": "fax"})
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    assert resp.get_json()["errors"][0]["field"] == "opted_out"


def test_a_bad_seniority_in_a_bulk_filter_tags_nobody(org: OrgClient) -> None:
    contact(org, "部長", title="部長")
    tag = factories.tag(org, "Executives")
    resp = org.post(f"/api/v1/tags/{tag['id']}/contacts", json={"filter": {"seniority": ["boss"]}})
    assert resp.status_code == 422
    assert listed(org, tag="Executives") == set()
