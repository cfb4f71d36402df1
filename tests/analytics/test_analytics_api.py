"""GET /analytics/touchpoints, /analytics/touchpoints/frequency and /analytics/acquisition over HTTP: buckets in
the organisation's time zone (with and without DST), zero-filled; splits; distinct contacts; the contact filter;
new contacts (first touch) per event and campaign with cost per new contact; revenue and ROI; roles; bad input."""

from __future__ import annotations

from typing import Any

from tests import factories
from tests.conftest import OrgClient

URL = "/api/v1/analytics/touchpoints"


def contact(org: OrgClient, name: str = "山田 太郎", **extra: Any) -> str:
    return str(factories.contact(org, full_name=name, **extra)["id"])


def touch(org: OrgClient, contact_id: str, at: str, **fields: Any) -> dict[str, Any]:
    return factories.touchpoint(org, contact_id, occurred_at=at, **fields)


def get(org: OrgClient, path: str = URL, status: int = 200, **params: Any) -> dict[str, Any]:
    resp = org.get(path, query_string=params)
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()  # type: ignore[no-any-return]


def set_zone(org: OrgClient, zone: str) -> None:
    resp = org.patch("/api/v1/organization/settings", json={"time_zone": zone})
    assert resp.status_code == 200, resp.get_data(as_text=True)


def per_bucket(body: dict[str, Any]) -> dict[str, int]:
    return {b["start"]: b["touchpoints"] for b in body["buckets"]}


def test_days_are_counted_in_tokyo_by_default_and_empty_days_are_zero(org: OrgClient) -> None:
    who = contact(org)
    touch(org, who, "2026-03-01T14:59:00Z")  # 23:59 on 1 March in Tokyo
    touch(org, who, "2026-03-01T15:00:00Z")  # 00:00 on 2 March in Tokyo
    touch(org, who, "2026-03-03T16:00:00Z")  # 4 March
    body = get(org, interval="day", **{"from": "2026-03-01", "to": "2026-03-05"})
    assert body["time_zone"] == "Asia/Tokyo" and (body["from"], body["to"]) == ("2026-03-01", "2026-03-05")
    assert per_bucket(body) == {
        "2026-03-01": 1,
        "2026-03-02": 1,
        "2026-03-03": 0,
        "2026-03-04": 1,
        "2026-03-05": 0,
    }


def test_weeks_start_on_monday_and_the_window_widens_to_whole_weeks(org: OrgClient) -> None:
    who = contact(org)
    touch(org, who, "2026-03-01T15:30:00Z")  # Monday 2 March, Tokyo
    touch(org, who, "2026-03-01T14:30:00Z")  # Sunday 1 March, Tokyo: the week of 23 February
    touch(org, who, "2026-03-15T01:00:00Z")  # Sunday 15 March: the week of 9 March
    body = get(org, interval="week", **{"from": "2026-03-01", "to": "2026-03-12"})
    assert (body["from"], body["to"]) == ("2026-02-23", "2026-03-15")
    assert per_bucket(body) == {"2026-02-23": 1, "2026-03-02": 1, "2026-03-09": 1}


def test_months_follow_the_local_calendar(org: OrgClient) -> None:
    who = contact(org)
    touch(org, who, "2026-01-31T15:00:00Z")  # 1 February in Tokyo
    touch(org, who, "2026-02-28T14:59:59Z")  # 28 February in Tokyo
    touch(org, who, "2026-02-28T15:00:00Z")  # 1 March in Tokyo
    body = get(org, interval="month", **{"from": "2026-01-15", "to": "2026-03-02"})
    assert per_bucket(body) == {"2026-01-01": 0, "2026-02-01": 2, "2026-03-01": 1}
    assert (body["from"], body["to"]) == ("2026-01-01", "2026-03-31")


def test_new_york_days_follow_the_offset_before_and_after_the_dst_change(org: OrgClient) -> None:
    set_zone(org, "America/New_York")
    who = contact(org)
    # DST starts on Sunday 8 March 2026 at 02:00 EST (07:00 UTC): UTC-5 before, UTC-4 after.
    touch(org, who, "2026-03-08T04:30:00Z")  # 23:30 on 7 March (EST)
    touch(org, who, "2026-03-08T05:30:00Z")  # 00:30 on 8 March (EST)
    touch(org, who, "2026-03-09T03:30:00Z")  # 23:30 on 8 March (EDT)
    touch(org, who, "2026-03-09T04:30:00Z")  # 00:30 on 9 March (EDT)
    # DST ends on Sunday 1 November 2026 at 02:00 EDT (06:00 UTC).
    touch(org, who, "2026-11-01T03:59:00Z")  # 23:59 on 31 October (EDT)
    touch(org, who, "2026-11-02T04:59:00Z")  # 23:59 on 1 November (EST)
    touch(org, who, "2026-11-02T05:00:00Z")  # 00:00 on 2 November (EST)
    body = get(org, interval="day", **{"from": "2026-03-07", "to": "2026-03-09"})
    assert body["time_zone"] == "America/New_York"
    assert per_bucket(body) == {"2026-03-07": 1, "2026-03-08": 2, "2026-03-09": 1}
    body = get(org, interval="day", **{"from": "2026-10-31", "to": "2026-11-02"})
    assert per_bucket(body) == {"2026-10-31": 1, "2026-11-01": 1, "2026-11-02": 1}


def test_new_york_weeks_and_months_across_dst(org: OrgClient) -> None:
    set_zone(org, "America/New_York")
    who = contact(org)
    touch(org, who, "2026-03-09T03:30:00Z")  # Sunday 8 March 23:30 EDT: the week of 2 March
    touch(org, who, "2026-03-09T04:30:00Z")  # Monday 9 March 00:30 EDT
    touch(org, who, "2026-11-01T03:59:00Z")  # Saturday 31 October 23:59 EDT: October
    touch(org, who, "2026-11-01T04:00:00Z")  # Sunday 1 November 00:00 EDT: November
    weeks = get(org, interval="week", **{"from": "2026-03-02", "to": "2026-03-15"})
    assert per_bucket(weeks) == {"2026-03-02": 1, "2026-03-09": 1}
    months = get(org, interval="month", **{"from": "2026-10-01", "to": "2026-11-30"})
    assert per_bucket(months) == {"2026-10-01": 1, "2026-11-01": 1}


def test_split_by_channel_lists_every_channel_and_counts_per_bucket(org: OrgClient) -> None:
    who = contact(org)
    touch(org, who, "2026-05-01T01:00:00Z", kind="meeting")  # offline
    touch(org, who, "2026-05-01T02:00:00Z", kind="email")  # online
    touch(org, who, "2026-05-02T02:00:00Z", kind="email")
    touch(org, who, "2026-05-02T03:00:00Z", kind="store_visit", channel="omo")
    body = get(org, interval="day", split_by="channel", **{"from": "2026-05-01", "to": "2026-05-02"})
    assert [(s["key"], s["touchpoints"]) for s in body["series"]] == [
        ("offline", 1),
        ("online", 2),
        ("o2o", 0),
        ("omo", 1),
    ]
    assert [b["counts"] for b in body["buckets"]] == [[1, 1, 0, 0], [0, 1, 0, 1]]
    assert body["touchpoints"] == 4


def test_split_by_event_names_the_events_and_counts_touchpoints_without_one(org: OrgClient) -> None:
    expo = factories.event(org, name="Expo")["id"]
    who = contact(org)
    touch(org, who, "2026-05-01T01:00:00Z", event_id=expo)
    touch(org, who, "2026-05-01T02:00:00Z", event_id=expo)
    touch(org, who, "2026-05-01T03:00:00Z")
    body = get(org, interval="day", split_by="event", **{"from": "2026-05-01", "to": "2026-05-01"})
    assert [(s["key"], s["label"], s["touchpoints"]) for s in body["series"]] == [
        (expo, "Expo", 2),
        (None, "(none)", 1),
    ]


def test_split_by_kind_campaign_and_user(org: OrgClient) -> None:
    spring = factories.campaign(org, "Spring")["id"]
    marketer = org.as_role("manager")
    who = contact(org)
    touch(org, who, "2026-05-01T01:00:00Z", kind="email", campaign_id=spring)
    touch(marketer, who, "2026-05-01T02:00:00Z", kind="call")
    window = {"interval": "day", "from": "2026-05-01", "to": "2026-05-01"}
    kinds = get(org, split_by="kind", **window)["series"]
    assert [(s["key"], s["touchpoints"]) for s in kinds] == [("call", 1), ("email", 1)]
    campaigns = get(org, split_by="campaign", **window)["series"]
    assert [(s["label"], s["touchpoints"]) for s in campaigns] == [("Spring", 1), ("(none)", 1)]
    users = get(org, split_by="user", **window)["series"]
    assert sorted((s["key"], s["touchpoints"]) for s in users) == sorted(
        [(org.user_id, 1), (marketer.user_id, 1)]
    )


def test_distinct_contacts_per_bucket_and_in_total(org: OrgClient) -> None:
    a, b = contact(org, "A"), contact(org, "B")
    touch(org, a, "2026-05-01T01:00:00Z")
    touch(org, a, "2026-05-01T02:00:00Z")
    touch(org, b, "2026-05-01T03:00:00Z")
    touch(org, a, "2026-05-02T01:00:00Z")
    body = get(org, interval="day", **{"from": "2026-05-01", "to": "2026-05-03"})
    assert [(b["touchpoints"], b["contacts"]) for b in body["buckets"]] == [(3, 2), (1, 1), (0, 0)]
    assert (body["touchpoints"], body["contacts"]) == (4, 2)


def test_a_contact_filter_restricts_the_touchpoints_counted(org: OrgClient) -> None:
    vip, other = contact(org, "VIP", tags=["VIP"]), contact(org, "Other")
    touch(org, vip, "2026-05-01T01:00:00Z")
    touch(org, other, "2026-05-01T02:00:00Z")
    touch(org, other, "2026-05-01T03:00:00Z")
    window = {"interval": "day", "from": "2026-05-01", "to": "2026-05-01"}
    assert get(org, tag="VIP", **window)["touchpoints"] == 1
    assert get(org, q="Other", **window)["touchpoints"] == 2
    assert get(org, tag="no such tag", **window)["buckets"] == [
        {"start": "2026-05-01", "touchpoints": 0, "contacts": 0, "counts": [0]}
    ]


def test_deleted_contacts_and_other_organisations_do_not_count(org: OrgClient, other_org: OrgClient) -> None:
    kept, gone = contact(org, "Kept"), contact(org, "Gone")
    touch(org, kept, "2026-05-01T01:00:00Z")
    touch(org, gone, "2026-05-01T01:00:00Z")
    touch(other_org, contact(other_org), "2026-05-01T01:00:00Z")
    assert org.delete(f"/api/v1/contacts/{gone}").status_code == 204
    assert get(org, interval="day", **{"from": "2026-05-01", "to": "2026-05-01"})["touchpoints"] == 1


def test_kind_and_channel_narrow_the_touchpoints(org: OrgClient) -> None:
    who = contact(org)
    touch(org, who, "2026-05-01T01:00:00Z", kind="email")
    touch(org, who, "2026-05-01T02:00:00Z", kind="meeting")
    window = {"interval": "day", "from": "2026-05-01", "to": "2026-05-01"}
    assert get(org, kind="email", **window)["touchpoints"] == 1
    assert get(org, channel="offline", **window)["touchpoints"] == 1
    assert get(org, **window)["touchpoints"] == 2


def test_the_frequency_distribution_caps_the_last_class(org: OrgClient) -> None:
    once, twice, often, never = (contact(org, n) for n in ("Once", "Twice", "Often", "Never"))
    touch(org, once, "2026-05-01T01:00:00Z")
    for hour in (1, 2):
        touch(org, twice, f"2026-05-01T0{hour}:00:00Z")
    for hour in range(5):
        touch(org, often, f"2026-05-02T0{hour}:00:00Z", kind="email")
    touch(org, never, "2026-07-01T01:00:00Z")  # outside the window
    body = get(org, f"{URL}/frequency", cap=3, **{"from": "2026-05-01", "to": "2026-05-31"})
    assert [(c["touches"], c["contacts"]) for c in body["classes"]] == [("1", 1), ("2", 1), ("3+", 1)]
    assert (body["contacts"], body["touchpoints"], body["untouched"]) == (3, 8, 1)
    by_kind = get(org, f"{URL}/frequency", cap=3, kind="email", **{"from": "2026-05-01", "to": "2026-05-31"})
    assert [c["contacts"] for c in by_kind["classes"]] == [0, 0, 1]


def test_new_contacts_are_first_touches_and_cost_per_new_contact(org: OrgClient) -> None:
    expo = factories.event(org, name="Expo", cost=300000, starts_at="2026-05-10T00:00:00+09:00")["id"]
    known, met, again = contact(org, "Known"), contact(org, "Met"), contact(org, "Again")
    touch(org, known, "2026-04-01T01:00:00Z", kind="call")  # known before the expo
    touch(org, known, "2026-05-10T01:00:00Z", kind="trade_show", event_id=expo)
    touch(org, met, "2026-05-10T02:00:00Z", kind="trade_show", event_id=expo)
    touch(org, met, "2026-05-11T02:00:00Z", kind="email")
    touch(org, again, "2026-05-10T03:00:00Z", kind="trade_show", event_id=expo)
    touch(org, again, "2026-05-10T04:00:00Z", kind="meeting", event_id=expo)
    body = get(org, "/api/v1/analytics/acquisition", **{"from": "2026-05-01", "to": "2026-05-31"})
    [row] = body["events"]
    assert (row["name"], row["touchpoints"], row["contacts"], row["new_contacts"]) == ("Expo", 4, 3, 2)
    assert (row["cost"], row["currency"], row["cost_per_new_contact"]) == (300000, "JPY", 150000.0)


def test_campaign_revenue_roi_and_new_contacts(org: OrgClient) -> None:
    cid = factories.campaign(org, "Webinar", cost=100000)["id"]
    fresh, old = contact(org, "Fresh"), contact(org, "Old")
    touch(org, old, "2026-01-01T01:00:00Z")
    touch(org, fresh, "2026-05-01T01:00:00Z", kind="webinar", campaign_id=cid)
    touch(org, old, "2026-05-01T01:00:00Z", kind="webinar", campaign_id=cid)
    factories.add_members(org, cid, contact_ids=[fresh, old], status="responded")
    url = f"/api/v1/campaigns/{cid}/members/{fresh}"
    etag = org.get(url).headers["ETag"]
    resp = org.patch(url, json={"status": "converted", "value": 250000}, headers={"If-Match": etag})
    assert resp.status_code == 200 and resp.get_json()["value"] == 250000
    body = get(org, "/api/v1/analytics/acquisition", **{"from": "2026-05-01", "to": "2026-05-31"})
    [row] = body["campaigns"]
    assert (row["new_contacts"], row["contacts"], row["cost_per_new_contact"]) == (1, 2, 100000.0)
    assert (row["converted"], row["revenue"], row["roi"]) == (1, 250000, 1.5)
    report = get(org, f"/api/v1/campaigns/{cid}/report")
    assert (report["revenue"], report["roi"]) == (250000, 1.5)


def test_a_value_needs_a_conversion(org: OrgClient) -> None:
    cid = factories.campaign(org, "Mail", cost=1000)["id"]
    who = contact(org)
    factories.add_members(org, cid, contact_ids=[who])
    url = f"/api/v1/campaigns/{cid}/members/{who}"
    resp = org.patch(
        url, json={"status": "responded", "value": 5}, headers={"If-Match": org.get(url).headers["ETag"]}
    )
    assert resp.status_code == 422 and resp.get_json()["errors"][0]["field"] == "value"
    assert org.get(url).get_json()["status"] == "planned"
    report = get(org, f"/api/v1/campaigns/{cid}/report")
    assert (report["revenue"], report["roi"]) == (0, -1.0)


def test_roles_without_analytics_are_refused(org: OrgClient) -> None:
    assert org.as_role("sales").get(URL).status_code == 403
    assert org.as_role("marketing").get(URL).status_code == 200
    assert org.as_role("manager").get(f"{URL}/frequency").status_code == 200


def test_bad_parameters_are_problems(org: OrgClient) -> None:
    for params, field in [
        ({"interval": "hour"}, "interval"),
        ({"split_by": "company"}, "split_by"),
        ({"interval": "day", "from": "2025-01-01", "to": "2026-03-01"}, "from"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, None),
        ({"from": "yesterday"}, "from"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"nonsense": "1"}, "nonsense"),
    ]:
        resp = org.get(URL, query_string=params)
        assert resp.status_code == 422, params
        assert resp.headers["Content-Type"].startswith("application/problem+json")
        if field is not None:
            assert field in {e["field"] for e in resp.get_json()["errors"]}, (params, resp.get_json())


def test_an_unknown_time_zone_is_refused(org: OrgClient) -> None:
    resp = org.patch("/api/v1/organization/settings", json={"time_zone": "Mars/Olympus"})
    assert resp.status_code == 422
    set_zone(org, "Europe/London")
    assert org.get("/api/v1/organization/settings").get_json()["time_zone"] == "Europe/London"


def test_the_default_window_is_the_last_13_weeks_up_to_this_week(org: OrgClient) -> None:
    body = get(org)
    assert body["interval"] == "week" and len(body["buckets"]) == 13
    assert [b["touchpoints"] for b in body["buckets"]] == [0] * 13


def test_the_frequency_of_a_filtered_list_counts_its_untouched_contacts(org: OrgClient) -> None:
    touched = contact(org, "Touched", tags=["List"])
    contact(org, "Untouched", tags=["List"])
    contact(org, "Elsewhere")
    touch(org, touched, "2026-05-01T01:00:00Z")
    body = get(org, f"{URL}/frequency", tag="List", **{"from": "2026-05-01", "to": "2026-05-31"})
    assert (body["contacts"], body["untouched"], body["classes"][0]["contacts"]) == (1, 1, 1)


def test_a_merge_keeps_the_conversion_value_the_winner_lacks(org: OrgClient) -> None:
    cid = factories.campaign(org, "Seminar", cost=1000)["id"]
    winner, loser = contact(org, "Winner"), contact(org, "Loser")
    factories.add_members(org, cid, contact_ids=[winner, loser])
    url = f"/api/v1/campaigns/{cid}/members/{loser}"
    etag = org.get(url).headers["ETag"]
    assert (
        org.patch(url, json={"status": "converted", "value": 3000}, headers={"If-Match": etag}).status_code
        == 200
    )
    factories.merge(org, winner, [loser])
    member = org.get(f"/api/v1/campaigns/{cid}/members/{winner}").get_json()
    assert (member["status"], member["value"]) == ("converted", 3000)
    assert (get(org, f"/api/v1/campaigns/{cid}/report")["revenue"]) == 3000
