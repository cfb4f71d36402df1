"""Every email of a row counts: a new contact is created with all of them and matched by all of them.

A row's emails are ';'-separated in one cell. A row none of whose emails a contact holds creates a contact;
when one of them is an OCR look-alike of an existing contact's address (tar0 for taro), the engine sees the
same person only if that email is among the new contact's keys.
"""

from __future__ import annotations

from typing import Any

import pytest

from contacts.db import session_factory
from contacts.dedup.models import MatchProfile
from tests import factories
from tests.conftest import OrgClient
from tests.imports.helpers import commit_on, get_contact, rows, upload

HEADER = "name,company,emails\n"
MAPPING = {"name": "full_name", "company": "company", "emails": "emails"}
#: Free mail first, then a look-alike of the twin's work address.
LOOK_ALIKE = "山田 太郎,アクメ,yamada@gmail.com;tar0.yamada@acme.co.jp\n"
PATHS = ["bulk", "per_row"]


def _twin(org: OrgClient) -> str:
    twin = factories.contact(
        org, full_name="山田 太郎", company_name="アクメ", emails=[{"value": "taro.yamada@acme.co.jp"}]
    )
    return str(twin["id"])


def _committed(
    org: OrgClient, content: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """Plan and commit ``content`` on the bulk path or the per-row one; return the rows."""
    body = upload(org, HEADER + content, mapping=MAPPING)
    commit_on(org, body["id"], path, monkeypatch)
    return rows(org, body["id"])


@pytest.mark.parametrize("path", PATHS)
def test_a_row_merges_into_the_twin_its_second_email_resembles(
    org: OrgClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    twin = _twin(org)
    (row,) = _committed(org, LOOK_ALIKE, path, monkeypatch)
    assert (row["result"], row["contact_id"]) == ("merge", twin)
    assert "email:similar" in row["reasons"]


def test_the_dry_run_predicts_the_merge_by_the_second_email(org: OrgClient) -> None:
    twin = _twin(org)
    (row,) = rows(org, upload(org, HEADER + LOOK_ALIKE, mapping=MAPPING)["id"])
    assert (row["action"], row["contact_id"]) == ("merge", twin)


@pytest.mark.parametrize("path", PATHS)
def test_a_created_contact_holds_every_email_in_order_the_first_primary(
    org: OrgClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (row,) = _committed(
        org,
        "佐藤 花子,ベータ,hanako@beta.example;Hanako@Home.Example;h.sato@gamma.example\n",
        path,
        monkeypatch,
    )
    assert row["result"] == "create"
    emails = get_contact(org, row["contact_id"])["emails"]
    assert [(e["value"], e["primary"]) for e in emails] == [
        ("hanako@beta.example", True),
        ("Hanako@Home.Example", False),
        ("h.sato@gamma.example", False),
    ]


@pytest.mark.parametrize("path", PATHS)
def test_a_created_contact_is_stored_with_the_keys_of_every_email(
    org: OrgClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (row,) = _committed(org, "佐藤 花子,ベータ,hanako@beta.example;h.sato@gamma.example\n", path, monkeypatch)
    with session_factory(org.app)() as session:
        profile = session.get(MatchProfile, row["contact_id"])
        assert profile is not None
        assert profile.keys["emails"] == ["hanako@beta.example", "h.sato@gamma.example"]


def _emails(n: int) -> str:
    return ";".join(f"person{i:02}@beta.example" for i in range(n))


def test_a_row_with_more_than_20_emails_is_a_dry_run_error(org: OrgClient) -> None:
    (row,) = rows(org, upload(org, HEADER + f"佐藤 花子,ベータ,{_emails(21)}\n", mapping=MAPPING)["id"])
    assert row["action"] == "error"
    assert [(e["column"], e["code"]) for e in row["errors"]] == [("emails", "too_many")]


def test_a_row_with_20_emails_is_planned_and_created_with_them(
    org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    (row,) = _committed(org, f"佐藤 花子,ベータ,{_emails(20)}\n", "bulk", monkeypatch)
    assert (row["action"], row["result"]) == ("create", "create")
    assert len(get_contact(org, row["contact_id"])["emails"]) == 20
