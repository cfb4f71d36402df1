"""The dry-run predicts the commit: each row is planned against the contact base as the rows before it in the
file leave it, as the commit applies them (a twin that absorbed a row, a contact an earlier row creates)."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from flask import Flask

from contacts.db import session_factory
from contacts.imports import service
from contacts.imports.commit import run_import
from tests import factories
from tests.conftest import OrgClient, make_org
from tests.imports.helpers import rows, rows_one_by_one, upload

HEADER = "name,company,email,mobile\n"
MAPPING = {"name": "full_name", "company": "company", "email": "emails", "mobile": "mobile"}


def _commit(app: Flask, monkeypatch: pytest.MonkeyPatch, import_id: str, *, per_row: bool) -> None:
    with monkeypatch.context() as m:
        if per_row:  # every row through the per-row path (as a chunk a service refused is applied again)
            rows_one_by_one(m)
        assert run_import(session_factory(app), import_id) == "committed"


def _planned_and_done(
    app: Flask, monkeypatch: pytest.MonkeyPatch, org: OrgClient, lines: list[str], *, per_row: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    body = upload(org, HEADER + "\n".join(lines) + "\n", mapping=MAPPING)
    planned = rows(org, body["id"])
    assert org.post(f"/api/v1/imports/{body['id']}/commit").status_code == 202
    _commit(app, monkeypatch, body["id"], per_row=per_row)
    done = rows(org, body["id"])
    assert [r["row"] for r in planned] == [r["row"] for r in done]
    return planned, done


def _planned_contact(planned: dict[str, Any], done: list[dict[str, Any]]) -> str | None:
    """The contact the plan names for a row: a contact of the base, or the one an earlier row makes."""
    earlier = planned["detail"].get("same_as_row")
    if earlier is not None:
        return next(r["contact_id"] for r in done if r["row"] == earlier)
    contact_id: str | None = planned["detail"].get("contact_id")
    return contact_id


def _twin(org: OrgClient) -> str:
    twin = factories.contact(
        org,
        full_name="山田 太郎",
        phones=[{"value": "090-1111-2222", "type": "mobile"}],
        company_name="アクメ",
    )
    return str(twin["id"])


@pytest.mark.parametrize("per_row", [False, True])
@pytest.mark.parametrize(
    ("second", "expected"),
    [
        # Another inbox at the domain of the inbox the twin took from row 1: a namesake's, says the engine.
        ("yamada2@home.example", ["merge", "create"]),
        ("yamada2@other.example", ["merge", "merge"]),
    ],
)
def test_a_second_row_for_one_twin_is_planned_as_the_twin_after_the_first_stands(
    app: Flask, monkeypatch: pytest.MonkeyPatch, per_row: bool, second: str, expected: list[str]
) -> None:
    org = make_org(app)
    twin = _twin(org)
    planned, done = _planned_and_done(
        app,
        monkeypatch,
        org,
        [
            "山田 太郎,アクメ,yamada1@home.example,090-1111-2222",
            f"山田 太郎,アクメ,{second},090-1111-2222",
        ],
        per_row=per_row,
    )
    assert [r["result"] for r in done] == expected
    assert [r["action"] for r in planned] == expected
    assert planned[0]["detail"]["contact_id"] == twin == done[0]["contact_id"]
    if expected[1] == "merge":
        assert _planned_contact(planned[1], done) == twin == done[1]["contact_id"]
    else:  # a new contact, the twin a candidate for a person to look at
        assert done[1]["contact_id"] != twin
        assert planned[1]["detail"]["candidates"] == [twin]
        assert "email:differ_same_domain" in planned[1]["detail"]["candidate_reasons"][0]


@pytest.mark.parametrize("per_row", [False, True])
def test_a_row_twin_of_a_contact_an_earlier_row_creates_is_planned_as_a_merge_into_it(
    app: Flask, monkeypatch: pytest.MonkeyPatch, per_row: bool
) -> None:
    org = make_org(app)
    planned, done = _planned_and_done(
        app,
        monkeypatch,
        org,
        [
            "田中 次郎,ガンマ,tanaka@gamma.co.jp,090-3333-4444",
            "田中 次郎,ガンマ,jiro@home.example,090-3333-4444",
            # then a third inbox at gamma.co.jp: not the same person as the contact of rows 1 and 2
            "田中 次郎,ガンマ,jiro.tanaka@gamma.co.jp,090-3333-4444",
        ],
        per_row=per_row,
    )
    assert [r["result"] for r in done] == ["create", "merge", "create"]
    assert [r["action"] for r in planned] == ["create", "merge", "create"]
    assert planned[1]["detail"]["same_as_row"] == 1
    assert _planned_contact(planned[1], done) == done[0]["contact_id"] == done[1]["contact_id"]


@pytest.mark.parametrize("chunk_rows", [500, 4])
def test_every_row_of_the_bulk_tests_file_is_planned_as_committed(
    app: Flask, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    # Merges into the base and into rows of the file, updates of both, skips, errors, new people.
    from tests.imports import test_bulk

    org = make_org(app)
    test_bulk._seed(org)
    body = upload(org, test_bulk.FILE, mapping=test_bulk.MAPPING)
    planned = rows(org, body["id"])
    assert org.post(f"/api/v1/imports/{body['id']}/commit").status_code == 202
    assert run_import(session_factory(app), body["id"], chunk_rows=chunk_rows) == "committed"
    done = rows(org, body["id"])
    assert [r["action"] for r in planned] == [r["result"] for r in done]
    for plan, result in zip(planned, done, strict=True):
        if plan["action"] in ("merge", "update", "skip"):
            assert _planned_contact(plan, done) == result["contact_id"], plan["row"]


@pytest.mark.parametrize("per_row", [False, True])
def test_a_row_with_a_broken_cell_is_an_error_at_commit_as_planned(
    app: Flask, monkeypatch: pytest.MonkeyPatch, per_row: bool
) -> None:
    org = make_org(app)
    planned, done = _planned_and_done(
        app,
        monkeypatch,
        org,
        # one cell too many: the row is refused as a whole, though its other cells would make a contact
        ["佐藤 花子,デルタ,hanako@delta.example,090-5555-6666,extra"],
        per_row=per_row,
    )
    assert [r["action"] for r in planned] == ["error"]
    assert [r["result"] for r in done] == ["error"]
    assert done[0]["errors"][0]["code"] == "extra_cells"
    assert done[0]["contact_id"] is None
    assert org.get("/api/v1/contacts?q=hanako").get_json()["items"] == []


def test_a_row_after_a_refused_row_is_planned_without_it(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    org = make_org(app)
    planned, done = _planned_and_done(
        app,
        monkeypatch,
        org,
        [
            "佐藤 花子,デルタ,hanako@delta.example,090-5555-6666,extra",
            "佐藤 花子,デルタ,hanako@delta.example,090-5555-6666",
        ],
        per_row=False,
    )
    # the second row creates the contact the refused first one would have made
    assert [r["action"] for r in planned] == ["error", "create"]
    assert [r["result"] for r in done] == ["error", "create"]


def test_the_cyclic_collector_is_paused_while_a_file_is_planned_and_runs_again_after(
    app: Flask, org: OrgClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = service.plan_rows

    def plan_rows(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "plan_rows", plan_rows)
    assert gc.isenabled()
    upload(org, HEADER + "田中 次郎,ガンマ,tanaka@gamma.co.jp,090-3333-4444\n", mapping=MAPPING)
    assert seen == [False]
    assert gc.isenabled()
