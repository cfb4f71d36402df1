"""Contact-frequency rules over HTTP: set by admins and managers, a contact over a rule is over_contacted (a
field naming the rule and a filter), a touchpoint breaking a rule is recorded with a warning, and campaign
members by filter can leave the over-contacted out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from tests import factories
from tests.conftest import OrgClient

RULE = {"max": 2, "kinds": ["email", "call"], "days": 14}
URL = "/api/v1/organization/contact-rules"


def set_rules(org: OrgClient, rules: list[dict[str, Any]], status: int = 200) -> Any:
    resp = org.put(URL, json={"rules": rules})
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp.get_json()


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def touch(org: OrgClient, contact_id: str, kind: str = "email", days_ago: float = 1) -> dict[str, Any]:
    return factories.touchpoint(org, contact_id, kind=kind, occurred_at=ago(days_ago))


def contact(org: OrgClient, name: str = "山田 太郎") -> str:
    return str(factories.contact(org, full_name=name)["id"])


def over(org: OrgClient, contact_id: str) -> Any:
    return org.get(f"/api/v1/contacts/{contact_id}").get_json()["over_contacted"]


def listed(org: OrgClient, **params: Any) -> set[str]:
    return {c["id"] for c in org.get("/api/v1/contacts", query_string=params).get_json()["items"]}


def test_rules_are_read_back(org: OrgClient) -> None:
    set_rules(org, [RULE])
    assert org.get(URL).get_json()["rules"] == [{"max": 2, "kinds": ["call", "email"], "days": 14}]


def test_a_contact_over_a_rule_is_over_contacted_naming_the_rule(org: OrgClient) -> None:
    set_rules(org, [RULE])
    who = contact(org)
    for days in (1, 2, 3):
        touch(org, who, days_ago=days)
    assert over(org, who)["rule"] == {"max": 2, "kinds": ["call", "email"], "days": 14}


def test_a_contact_at_the_limit_is_not_over_contacted(org: OrgClient) -> None:
    set_rules(org, [RULE])
    who = contact(org)
    touch(org, who, days_ago=1)
    touch(org, who, days_ago=2)
    assert over(org, who) is None


def test_touchpoints_of_other_kinds_or_outside_the_window_do_not_count(org: OrgClient) -> None:
    set_rules(org, [RULE])
    who = contact(org)
    touch(org, who, "email", 1)
    touch(org, who, "meeting", 2)
    touch(org, who, "call", 20)
    assert over(org, who) is None


def test_over_contacted_lasts_until_the_excess_leaves_the_window(org: OrgClient) -> None:
    set_rules(org, [RULE])
    who = contact(org)
    for days in (1, 2, 10):
        touch(org, who, days_ago=days)
    until = datetime.fromisoformat(over(org, who)["until"])
    assert abs(until - (datetime.now(UTC) + timedelta(days=4))) < timedelta(minutes=5)


def test_the_filter_selects_the_over_contacted(org: OrgClient) -> None:
    set_rules(org, [RULE])
    busy, calm = contact(org, "busy"), contact(org, "calm")
    for days in (1, 2, 3):
        touch(org, busy, days_ago=days)
    touch(org, calm)
    assert (listed(org, over_contacted="true"), listed(org, over_contacted="false")) == ({busy}, {calm})


def test_deleting_a_touchpoint_clears_the_mark(org: OrgClient) -> None:
    set_rules(org, [RULE])
    who = contact(org)
    points = [touch(org, who, days_ago=d) for d in (1, 2, 3)]
    resp = org.delete(
        f"/api/v1/touchpoints/{points[0]['id']}", headers={"If-Match": f'"{points[0]["id"]}:1"'}
    )
    if resp.status_code == 412:  # the ETag format is the API's business, not this test's
        etag = org.get(f"/api/v1/touchpoints/{points[0]['id']}").headers["ETag"]
        resp = org.delete(f"/api/v1/touchpoints/{points[0]['id']}", headers={"If-Match": etag})
    assert resp.status_code == 204
    assert over(org, who) is None


def test_changing_the_rules_recomputes_every_contact(org: OrgClient) -> None:
    who = contact(org)
    for days in (1, 2, 3):
        touch(org, who, days_ago=days)
    assert over(org, who) is None
    set_rules(org, [RULE])
    assert over(org, who) is not None
    set_rules(org, [])
    assert over(org, who) is None


def test_a_touchpoint_breaking_a_rule_is_recorded_with_a_warning(org: OrgClient) -> None:
    set_rules(org, [RULE])
    who = contact(org)
    assert touch(org, who, days_ago=2)["warnings"] == []
    touch(org, who, days_ago=1)
    third = touch(org, who, days_ago=0)
    assert [w["code"] for w in third["warnings"]] == ["over_contacted"]
    assert third["warnings"][0]["rule"]["max"] == 2


def test_adding_members_by_filter_can_exclude_the_over_contacted(org: OrgClient) -> None:
    set_rules(org, [RULE])
    busy, calm = contact(org, "busy"), contact(org, "calm")
    for days in (1, 2, 3):
        touch(org, busy, days_ago=days)
    cid = factories.campaign(org)["id"]
    result = factories.add_members(org, cid, filter={}, exclude_over_contacted=True)
    assert (result["added_ids"], result["skipped_over_contacted"]) == ([calm], 1)


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_admins_and_managers_set_the_rules(org: OrgClient, role: str) -> None:
    client = org if role == "admin" else org.as_role(role)
    assert client.put(URL, json={"rules": [RULE]}).status_code == 200


@pytest.mark.parametrize("role", ["sales", "marketing"])
def test_other_roles_may_not_set_the_rules(org: OrgClient, role: str) -> None:
    assert org.as_role(role).put(URL, json={"rules": [RULE]}).status_code == 403


@pytest.mark.parametrize(
    "rules",
    [
        [{"max": 0, "kinds": ["email"], "days": 14}],
        [{"max": 3, "kinds": ["fax"], "days": 14}],
        [{"max": 3, "kinds": [], "days": 14}],
        [{"max": "3", "kinds": ["email"], "days": 14}],
        [{"max": 3, "kinds": ["email"], "days": 14, "extra": 1}],
        [{"max": 3, "kinds": ["email"]}],
        "not a list",
    ],
)
def test_bad_rules_are_a_problem(org: OrgClient, rules: Any) -> None:
    resp = org.put(URL, json={"rules": rules})
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"


def test_a_merge_counts_the_losers_touchpoints_and_its_undo_does_not(org: OrgClient) -> None:
    set_rules(org, [RULE])
    winner, loser = contact(org, "高橋 一郎"), contact(org, "高橋 一郎")
    touch(org, winner, days_ago=1)
    touch(org, winner, days_ago=2)
    touch(org, loser, days_ago=3)
    merge = factories.merge(org, winner, [loser])
    assert over(org, winner) is not None
    assert org.post(f"/api/v1/merges/{merge['id']}/undo").status_code == 200
    assert (over(org, winner), over(org, loser)) == (None, None)


def test_bulk_touchpoints_mark_and_warn_about_the_contacts_they_push_over(org: OrgClient) -> None:
    set_rules(org, [RULE])
    busy, calm = contact(org, "busy"), contact(org, "calm")
    touch(org, busy, days_ago=1)
    touch(org, busy, days_ago=2)
    resp = org.post(
        "/api/v1/touchpoints/bulk", json={"contact_ids": [busy, calm], "kind": "email", "occurred_at": ago(0)}
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert [w["contact_id"] for w in resp.get_json()["warnings"]] == [busy]
    assert listed(org, over_contacted="true") == {busy}


def test_a_touchpoint_leaving_its_contact_unmarked_does_not_rewrite_the_contact(org: OrgClient) -> None:
    set_rules(org, [RULE])
    who = contact(org)
    touch(org, who)
    rewritten: list[int] = []

    def note(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE CONTACT "):
            rewritten.append(cursor.rowcount)

    engine = org.app.extensions["meishi.engine"]
    event.listen(engine, "after_cursor_execute", note)
    try:
        touch(org, who)  # two touchpoints: at the limit, not over it
    finally:
        event.remove(engine, "after_cursor_execute", note)
    assert sum(rewritten) == 0 and over(org, who) is None


def test_recording_a_touchpoint_that_leaves_its_contact_unmarked_reads_the_contact_once(
    org: OrgClient,
) -> None:
    set_rules(org, [RULE])
    who = contact(org)
    reads: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split()
        if words[0].upper() == "SELECT" and "FROM contact " in " ".join(words) + " ":
            reads.append(statement)

    engine = org.app.extensions["meishi.engine"]
    event.listen(engine, "before_cursor_execute", note)
    try:
        first = touch(org, who)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert first["warnings"] == [] and over(org, who) is None
    assert len(reads) == 1, reads  # to check it; its mark is not read again when nothing changed it


def test_recomputing_loads_no_other_contact_the_session_holds_expired(org: OrgClient) -> None:
    from sqlalchemy import select

    from contacts.db import session_factory
    from contacts.frequency import service
    from contacts.people.models import Contact

    set_rules(org, [RULE])
    others = [contact(org, f"山田 太郎{i}") for i in range(3)]
    who = contact(org, "鈴木 一郎")
    reads: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.split()[0].upper() == "SELECT" and "FROM contact " in " ".join(statement.split()) + " ":
            reads.append(statement)

    engine = org.app.extensions["meishi.engine"]
    with org.app.app_context(), session_factory(org.app)() as session:
        held = list(session.scalars(select(Contact).where(Contact.id.in_(others))))
        session.expire_all()  # as a bulk restore leaves them
        event.listen(engine, "before_cursor_execute", note)
        try:
            service.recompute(session, org.organization_id, [who])
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert len(held) == 3
    assert len(reads) <= 1, reads  # the touchpoints' count may read the contact recomputed, never the others
