"""The hot endpoints of the load benchmark keep their query counts (bench_load, issue 15 item 11)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from contacts.db import new_id, session_factory
from contacts.people import service
from contacts.people.models import Contact
from contacts.people.schemas import ContactListQuery
from tests.conftest import OrgClient


@contextmanager
def counting(org: OrgClient) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = org.app.extensions["meishi.engine"]

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def _contact(org: OrgClient, n: int) -> str:
    resp = org.post(
        "/api/v1/contacts",
        json={
            "full_name": f"Person {n}",
            "company_name": "Acme",
            "emails": [{"value": f"p{n}a@example.com"}, {"value": f"p{n}b@example.com", "primary": True}],
            "phones": [{"value": "03-1234-5678"}],
            "addresses": [{"value": "東京都千代田区1-1"}],
        },
    )
    assert resp.status_code == 201, resp.get_json()
    return str(resp.get_json()["id"])


def test_contact_reads_and_writes_make_a_fixed_number_of_queries(org: OrgClient) -> None:
    ids = [_contact(org, n) for n in range(3)]
    org.get("/api/v1/contacts")  # the token's last use is written once a minute: not in the counts
    postgresql = org.app.extensions["meishi.engine"].dialect.name == "postgresql"
    with counting(org) as statements:
        page = org.get("/api/v1/contacts?limit=50").get_json()["items"]
    # token with user, contacts, their emails, phones and addresses in one, tag names, opt-outs (on PostgreSQL
    # the contacts with their values, tag names and opt-outs): whatever the page size
    assert len(statements) == (2 if postgresql else 5), statements
    assert [e["value"] for e in page[0]["emails"]] == ["p0a@example.com", "p0b@example.com"]
    assert [p["value"] for p in page[2]["phones"]] == ["03-1234-5678"]
    with counting(org) as statements:
        one = org.get(f"/api/v1/contacts/{ids[1]}").get_json()
    # the path's 404 check loads the contact the view then uses
    assert len(statements) == (3 if postgresql else 5), statements
    assert one["addresses"][0]["value"] == "東京都千代田区1-1" and one["company"]["name"] == "Acme"
    with counting(org) as statements:
        assert org.get("/api/v1/touchpoints?limit=50").status_code == 200
    assert len(statements) == 2, statements
    with counting(org) as statements:
        org.post("/api/v1/contacts", json={"full_name": "Load Test", "company_name": "Acme"})
    assert not [s for s in statements if s.lstrip().upper().startswith("UPDATE CONTACT")], statements


@contextmanager
def executed(org: OrgClient) -> Iterator[list[object]]:
    """Collect the statement objects (not their SQL) the engine executes."""
    statements: list[object] = []
    engine = org.app.extensions["meishi.engine"]

    def note(_conn: object, clauseelement: object, *_: object) -> None:
        statements.append(clauseelement)

    event.listen(engine, "before_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_execute", note)


@pytest.mark.parametrize("path", ["/api/v1/contacts?limit=50", "/api/v1/contacts/{id}"])
def test_contact_reads_run_statements_built_once(org: OrgClient, path: str) -> None:
    # A statement built per request is traversed again for its cache key every time: the token's, the
    # values', the tag names' and the opt-outs' are built once and executed with other parameters.
    ids = [_contact(org, n) for n in range(2)]
    org.get("/api/v1/contacts")  # the token's last use is written once a minute: not in what follows
    with executed(org) as first:
        assert org.get(path.format(id=ids[0])).status_code == 200
    with executed(org) as second:
        assert org.get(path.format(id=ids[1])).status_code == 200
    postgresql = org.app.extensions["meishi.engine"].dialect.name == "postgresql"
    # on PostgreSQL, a page reads its contacts' values, tags and opt-outs with them
    expected = (2 if "?" in path else 3) if postgresql else 5
    assert len(first) == len(second) == expected, (first, second)
    # all but the contacts' own select (its filters vary with the query; a path's contact is a session.get)
    assert all(a is b for a, b in zip(first[2:], second[2:], strict=True)), (first, second)
    assert first[0] is second[0]


def test_a_page_of_contacts_maps_no_contacts(org: OrgClient) -> None:
    # a page only serialises its contacts: mapped ones (identity map, instance state, a mapped company each)
    # cost more to load than the rest of the page
    _contact(org, 0)
    with org.app.test_request_context(), session_factory(org.app)() as session:
        page = service.list_contacts(session, org.organization_id, ContactListQuery(limit=50))
        assert [type(c) for c in page.items] == [service.ContactRow]
        assert list(session.identity_map.values()) == []
        (shown,) = service.contacts_out(session, page.items)
    assert shown.company is not None and shown.company.name == "Acme"
    assert [e.value for e in shown.emails] == ["p0a@example.com", "p0b@example.com"]


def test_a_contact_reads_back_as_it_was_written(org: OrgClient) -> None:
    # the answer to a write serialises the session's collections; a read, the rows of one statement
    created = org.post(
        "/api/v1/contacts",
        json={
            "full_name": "Order Check",
            "emails": [{"value": "b@example.com"}, {"value": "a@example.com", "type": "personal"}],
            "phones": [{"value": "090-1111-2222"}, {"value": "03-1234-5678", "primary": True}],
            "addresses": [
                {"value": "大阪府大阪市北区1-1", "postal_code": "530-0001"},
                {"value": "東京都港区2-2"},
            ],
        },
    ).get_json()
    assert [e["value"] for e in created["emails"]] == ["b@example.com", "a@example.com"]
    assert org.get(f"/api/v1/contacts/{created['id']}").get_json() == created
    listed = org.get("/api/v1/contacts?limit=500").get_json()["items"]
    assert [c for c in listed if c["id"] == created["id"]] == [created]
    # tags sorted by the database, opt-outs by channel: the answer to a PATCH (its values loaded) reads them
    # one by one, a read with the values on PostgreSQL
    for name in ("b", "B", "a", "東京", "Ärzte", "a-z"):
        tag = org.post("/api/v1/tags", json={"name": name}).get_json()
        org.post(f"/api/v1/tags/{tag['id']}/contacts", json={"contact_ids": [created["id"]]})
    for channel in ("phone", "email"):
        org.post(f"/api/v1/contacts/{created['id']}/opt-outs", json={"channel": channel})
    etag = org.get(f"/api/v1/contacts/{created['id']}").headers["ETag"]
    patched = org.patch(
        f"/api/v1/contacts/{created['id']}", json={"title": "部長"}, headers={"If-Match": etag}
    ).get_json()
    assert patched["opted_out"] == ["email", "phone"] and len(patched["tags"]) == 6
    assert org.get(f"/api/v1/contacts/{created['id']}").get_json() == patched
    listed = org.get("/api/v1/contacts?limit=500").get_json()["items"]
    assert [c for c in listed if c["id"] == created["id"]] == [patched]


def test_a_page_without_values_reads_none(org: OrgClient) -> None:
    org.post("/api/v1/contacts", json={"full_name": "No Values"})
    page = org.get("/api/v1/contacts?limit=500").get_json()["items"]
    assert [(c["emails"], c["phones"], c["addresses"]) for c in page] == [([], [], [])]


def test_recording_a_touchpoint_reads_its_contact_once(org: OrgClient) -> None:
    contact_id = _contact(org, 0)
    body = {"contact_id": contact_id, "kind": "call", "occurred_at": "2026-11-25T10:00:00+09:00"}
    org.post("/api/v1/touchpoints", json=body)
    with counting(org) as statements:
        assert org.post("/api/v1/touchpoints", json=body).status_code == 201
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM contact " in s]
    # the check that it is live; its over-contacted mark, which no statement changed, is not read again
    assert len(reads) == 1, statements
    # token, contact, touchpoint, rules, marks, analytics, and the change log (one statement on PostgreSQL)
    postgresql = org.app.extensions["meishi.engine"].dialect.name == "postgresql"
    assert len(statements) == (7 if postgresql else 8), statements


def test_values_of_a_long_page_stay_within_sqlites_parameter_limit(org: OrgClient) -> None:
    if org.app.extensions["meishi.engine"].dialect.name != "sqlite":
        pytest.skip("SQLite's limit on bound parameters")
    with org.app.app_context(), session_factory(org.app)() as session:
        raw = session.connection().connection.dbapi_connection
        assert raw is not None
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)  # older SQLite builds' default
        contacts = [Contact(id=new_id(), organization_id=org.organization_id) for _ in range(500)]
        values = service.values_out(session, contacts)
    assert values[contacts[0].id] == {"emails": [], "phones": [], "addresses": []}


def test_creating_a_contact_stores_its_match_keys_and_profile_in_one_statement_on_postgresql(
    org: OrgClient,
) -> None:
    with counting(org) as statements:
        _contact(org, 1)
    writes = [s for s in statements if "INSERT INTO match_" in s]
    postgresql = org.app.extensions["meishi.engine"].dialect.name == "postgresql"
    assert len(writes) == (1 if postgresql else 2), writes  # its blocking keys, then its profile
    assert all("match_key" in s for s in writes[:1]) and "match_profile" in writes[-1]
