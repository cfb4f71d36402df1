"""A new domain package plugs in through its own register(): no module of the other packages changes.

The package below is registered only in this test's app: its route is served, its subscriber sees contact
writes, and its rows per contact are moved by a merge, put back by the undo and erased with the person.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask, Response, jsonify
from sqlalchemy.orm import Session

from contacts.app import create_app
from contacts.ownership import Erasure, Merge, OwnedRows
from contacts.people.events import ContactWritten
from contacts.registry import Registry, activate
from tests import factories
from tests.conftest import OrgClient, make_org

bp = Blueprint("throwaway", __name__, url_prefix="/api/v1/throwaway")
# The package's "rows": contact id -> notes, kept in memory for the test.
_notes: dict[str, list[str]] = {}
_erased: list[str] = []


@bp.get("/<contact_id>")
def notes_of(contact_id: str) -> Response:
    """Return the notes kept for a contact."""
    return jsonify(_notes.get(contact_id, []))


def contact_written(session: Session, event: ContactWritten) -> None:
    """Keep a note of every write of a contact."""
    _notes.setdefault(event.contact.id, []).append(str(event.operation))


def dump(session: Session, ids: list[str]) -> list[dict[str, Any]]:
    """Dump the notes of ``ids``."""
    return [{"contact_id": i, "notes": list(_notes.get(i, []))} for i in ids]


def restore(session: Session, rows: list[dict[str, Any]], ids: list[str]) -> None:
    """Put the dumped notes back."""
    for row in rows:
        _notes[row["contact_id"]] = list(row["notes"])


def move(session: Session, merge: Merge) -> None:
    """The losers' notes become the winner's."""
    for loser in merge.loser_ids:
        _notes.setdefault(merge.winner_id, []).extend(_notes.pop(loser, []))


def erase(session: Session, erasure: Erasure) -> dict[str, int]:
    """Forget the person's notes (no count in the erasure result: only the counts it declares)."""
    for contact_id in erasure.contact_ids:
        _notes.pop(contact_id, None)
        _erased.append(contact_id)
    return {}


def register(registry: Registry) -> None:
    """The throw-away package's registration, all of it."""
    registry.blueprint(bp)
    registry.subscribe(ContactWritten, contact_written)
    registry.owns(OwnedRows(key="throwaway_note", dump=dump, restore=restore, move=move, erase=erase))


@pytest.fixture
def extended(app: Flask, database_url: str, tmp_path: Path) -> Iterator[OrgClient]:
    extra = create_app(
        {"database_url": database_url, "storage_dir": tmp_path, "queue": "none"}, extra_packages=[register]
    )
    extra.config["TESTING"] = True
    _notes.clear()
    _erased.clear()
    try:
        yield make_org(extra)
    finally:
        extra.extensions["meishi.engine"].dispose()
        activate(app.extensions["meishi.registry"])  # the session's app wires the process again


def _contact(org: OrgClient, name: str) -> str:
    body = {"full_name": name, "emails": [{"value": "same.person@example.com"}]}
    return str(factories.contact(org, body)["id"])


def test_its_route_is_served_and_its_subscriber_runs(extended: OrgClient) -> None:
    contact_id = _contact(extended, "A")
    extended.patch(f"/api/v1/contacts/{contact_id}", json={"title": "部長"})
    assert extended.get(f"/api/v1/throwaway/{contact_id}").get_json() == ["created", "updated"]


def test_a_merge_moves_its_rows_and_the_undo_puts_them_back(extended: OrgClient) -> None:
    winner, loser = _contact(extended, "A"), _contact(extended, "B")
    merge = extended.post(
        "/api/v1/merges", json={"entity": "contact", "winner_id": winner, "loser_ids": [loser]}
    ).get_json()
    assert _notes == {winner: ["created", "created"]}
    extended.post(f"/api/v1/merges/{merge['id']}/undo")
    assert _notes == {winner: ["created"], loser: ["created"]}


def test_an_erasure_erases_its_rows(extended: OrgClient) -> None:
    contact_id = _contact(extended, "A")
    assert extended.post(f"/api/v1/contacts/{contact_id}/erase", json={"confirm": True}).status_code == 200
    assert _erased == [contact_id] and contact_id not in _notes
