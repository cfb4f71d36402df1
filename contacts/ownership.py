"""Who keeps which rows per contact, and how a merge moves them, an undo restores them and erasure deletes them.

Each package registers an :class:`OwnedRows` for every table that hangs off a contact (``registry.owns``).
``contacts.dedup.merge`` dumps and moves them, the undo puts them back, and ``contacts.privacy`` erases them,
all by iterating :func:`installed`, so a new package with rows per contact edits none of those modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from contacts import snapshot
from contacts.db import Base

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Merge:
    """A contact merge in progress (or its undo): the losers' rows go to the winner (or back).

    ``merge_id`` names the merge operation, so that change-log rows written for moved rows can name it.
    """

    org_id: str
    actor_id: str | None
    winner_id: str
    loser_ids: list[str]
    merge_id: str | None = None


@dataclass(frozen=True)
class Erasure:
    """A person's erasure: everything kept about ``contact_ids`` goes (the contacts themselves last).

    ``delete_files`` is handed the stored files no row names any more, to delete once the transaction commits.
    """

    org_id: str
    actor_id: str | None
    contact_ids: list[str]
    delete_files: Callable[[list[str]], None]


@dataclass(frozen=True)
class OwnedRows:
    """One table's rows per contact.

    ``key`` names the rows in a merge's undo snapshot; ``dump``/``restore`` take and put back the rows of the
    given contacts exactly; ``move`` hands the losers' rows to the winner (None: the merge of the contact's
    own values moves them, or a merge drops them); ``erase`` deletes them and returns counts by name (None: they
    go with the contact, by foreign-key cascade). Rows that are resources of their own (with their own JSON,
    version and change-log entity) log what ``move`` and ``erase`` did to them; ``undone`` logs what an undo
    did, given the rows dumped before and after the undo put the snapshot back. A ``dump`` holds every row its
    ``move`` may change: a merge whose contacts hold no row in the dump does not call the move.
    """

    key: str
    dump: Callable[[Session, list[str]], Rows] | None = None
    restore: Callable[[Session, Rows, list[str]], None] | None = None
    move: Callable[[Session, Merge], None] | None = None
    erase: Callable[[Session, Erasure], dict[str, int]] | None = None
    undone: Callable[[Session, Merge, Rows, Rows], None] | None = None
    move_many: Callable[[Session, list[Merge]], None] | None = None


@dataclass
class Owners:
    """The registered owned rows, in registration order."""

    _rows: list[OwnedRows] = field(default_factory=list)

    def add(self, rows: OwnedRows) -> None:
        """Register ``rows`` (a second registration of one key replaces the first)."""
        self._rows = [r for r in self._rows if r.key != rows.key] + [rows]

    def __iter__(self) -> Iterator[OwnedRows]:
        """Iterate in registration order."""
        return iter(list(self._rows))

    def table(self) -> list[tuple[str, str, str, str, str]]:
        """Return (key, dump, move, restore, erase) rows naming the functions, for documentation and tests."""

        def name(fn: Callable[..., Any] | None) -> str:
            return f"{fn.__module__}.{fn.__qualname__}" if fn is not None else "-"

        return [(r.key, name(r.dump), name(r.move), name(r.restore), name(r.erase)) for r in self._rows]


_installed: Owners | None = None


def install(owners: Owners) -> None:
    """Make ``owners`` the registry merge, undo and erasure use (``create_app`` does this)."""
    global _installed
    _installed = owners


def installed() -> Owners:
    """Return the installed owners; merging or erasing before ``create_app`` is a programming error."""
    if _installed is None:
        raise RuntimeError("no owned rows installed: create the app (contacts.app.create_app) first")
    return _installed


def contact_rows(
    model: type[Base],
    *,
    move: Callable[[Session, Merge], None] | None = None,
    erase: Callable[[Session, Erasure], dict[str, int]] | None = None,
    undone: Callable[[Session, Merge, Rows, Rows], None] | None = None,
    move_many: Callable[[Session, list[Merge]], None] | None = None,
) -> OwnedRows:
    """Owned rows of a table with a ``contact_id`` column, dumped whole and restored by replacing them."""
    column = model.contact_id  # type: ignore[attr-defined]

    def dump(session: Session, ids: list[str]) -> Rows:
        return snapshot.dump(session, model, column.in_(ids))

    def restore(session: Session, rows: Rows, ids: list[str]) -> None:
        snapshot.replace(session, model, column.in_(ids), rows)

    dump.__qualname__ = f"contact_rows({model.__name__}).dump"
    restore.__qualname__ = f"contact_rows({model.__name__}).restore"
    return OwnedRows(
        key=str(model.__tablename__),
        dump=dump,
        restore=restore,
        move=move,
        erase=erase,
        undone=undone,
        move_many=move_many,
    )


def moved_ids(before: Rows, after: Rows, columns: tuple[str, ...] = ("contact_id",)) -> list[str]:
    """Return the ids of rows (dumped with an ``id``) whose ``columns`` differ between two dumps."""
    was = {row["id"]: tuple(row.get(c) for c in columns) for row in before}
    return sorted(row["id"] for row in after if was.get(row["id"]) != tuple(row.get(c) for c in columns))
