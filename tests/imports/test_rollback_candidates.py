"""The duplicate candidates after an undo or a rollback are exactly those before the merge or the import.

A merge into a sure twin gives the survivor the new values of the merged contact, and with them new pairs
(here with a namesake written in Latin letters who shares the newcomer's office phone): those rows are the
merge's, and go with its undo.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from contacts import snapshot
from contacts.db import session_factory
from contacts.dedup import service as dedup
from contacts.dedup.models import DuplicateCandidate, MergeOperation
from contacts.people.inputs import PersonValues, create_person
from contacts.provenance import Actor
from tests import factories
from tests.conftest import OrgClient
from tests.imports.helpers import commit_on, imported, rows, upload

HEADER = "name,company,email,phone,mobile\n"
MAPPING = {
    "name": "full_name",
    "company": "company",
    "email": "emails",
    "phone": "phones",
    "mobile": "mobile",
}
#: The twin's name, company and mobile, with a private email and the office phone of the namesake.
NEWCOMER = "山田 太郎,アクメ,yamada@home.example,03-5555-0000,090-1111-2222\n"


def _candidates(session: Session, org_id: str) -> list[dict[str, Any]]:
    """Every column of every candidate row of the organisation, by id."""
    rows = snapshot.dump(session, DuplicateCandidate, DuplicateCandidate.organization_id == org_id)
    return sorted(rows, key=lambda r: str(r["id"]))


def _table(org: OrgClient) -> list[dict[str, Any]]:
    with session_factory(org.app)() as session:
        return _candidates(session, org.organization_id)


def _pair(org: OrgClient, a: str, b: str) -> list[dict[str, Any]]:
    return [r for r in _table(org) if {r["a_id"], r["b_id"]} == {a, b}]


def _seed(org: OrgClient) -> tuple[str, str]:
    """The twin, a namesake it makes no pair with yet, and an unrelated pair; return (twin, namesake)."""
    twin = factories.contact(
        org,
        full_name="山田 太郎",
        phones=[{"value": "090-1111-2222", "type": "mobile"}],
        company_name="アクメ",
    )
    namesake = factories.contact(
        org,
        full_name="Taro Yamada",
        phones=[{"value": "03-5555-0000", "type": "work"}],
        emails=[{"value": "t.yamada@zeta.example"}],
    )
    factories.contact(
        org, full_name="佐藤 花子", emails=[{"value": "hanako@beta.example"}], company_name="ベータ"
    )
    factories.contact(org, full_name="佐藤 花子", company_name="ベータ")
    return twin["id"], namesake["id"]


def _rollback(org: OrgClient, import_id: str) -> None:
    resp = org.post(f"/api/v1/imports/{import_id}/rollback")
    assert resp.status_code == 200, resp.get_data(as_text=True)


@pytest.mark.parametrize("path", ["bulk", "per_row"])
def test_pairs_the_twin_gained_by_an_import_merge_go_with_the_rollback(
    org: OrgClient, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    twin, namesake = _seed(org)
    before = _table(org)
    assert before and not _pair(org, twin, namesake)
    import_id = upload(org, HEADER + NEWCOMER, mapping=MAPPING)["id"]
    commit_on(org, import_id, path, monkeypatch)
    assert [(r["result"], r["contact_id"]) for r in rows(org, import_id)] == [("merge", twin)]
    assert _pair(org, twin, namesake)  # the survivor gained a pair
    _rollback(org, import_id)
    assert _table(org) == before


def test_pairs_of_the_contacts_an_import_created_go_with_the_rollback(org: OrgClient) -> None:
    twin, _ = _seed(org)
    before = _table(org)
    # A namesake of the twin at another company: a new person, paired for review.
    done = imported(org, HEADER + "山田 太郎,ゼータ,taro@zeta.example,,\n", mapping=MAPPING)
    (row,) = rows(org, done["id"])
    assert row["result"] == "create"
    assert _pair(org, row["contact_id"], twin)
    _rollback(org, done["id"])
    assert _table(org) == before


def test_pairs_the_survivor_gained_by_a_merge_go_with_its_undo(org: OrgClient) -> None:
    twin, namesake = _seed(org)
    actor = Actor(org.organization_id, org.user_id)
    with org.app.app_context(), session_factory(org.app)() as session:
        newcomer = create_person(
            session,
            actor,
            PersonValues(
                name="山田 太郎",
                email="yamada@home.example",
                phones=(("03-5555-0000", "work"), ("090-1111-2222", "mobile")),
            ),
            actor.source("card", "card-1"),
            company_id=None,
            auto_merge=False,
        )
        session.flush()
        before = _candidates(session, org.organization_id)  # the newcomer's pairs proposed, not merged yet
        survivor = dedup.auto_resolve(session, actor, newcomer)
        assert survivor.id == twin
        merge_id = session.scalars(select(MergeOperation.id).where(MergeOperation.winner_id == twin)).one()
        session.commit()
    assert _pair(org, twin, namesake)
    resp = org.post(f"/api/v1/merges/{merge_id}/undo")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert _table(org) == before
