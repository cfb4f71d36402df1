"""The target store: a SQLite database with one row per Meishi record, plus the CRM's own activities."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Json = dict[str, Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS record (
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER,
    body TEXT NOT NULL,
    PRIMARY KEY (entity, id)
);
CREATE TABLE IF NOT EXISTS crm_activity (
    id INTEGER PRIMARY KEY,
    contact_id TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_crm_activity_contact ON crm_activity (contact_id);
CREATE TABLE IF NOT EXISTS sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    """The CRM's database. ``record`` mirrors Meishi; ``crm_activity`` is data only the CRM has (notes its users
    wrote against a contact), which must follow the contact through merges and go with it on erasure."""

    def __init__(self, path: str | Path) -> None:
        self.db = sqlite3.connect(str(path), isolation_level=None)
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Apply a page of changes and the cursor after it together, or nothing (a crash resumes the page)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def cursor(self) -> str | None:
        """Return the stored feed cursor (None before the first sync)."""
        row = self.db.execute("SELECT value FROM sync_state WHERE key = 'cursor'").fetchone()
        return str(row[0]) if row else None

    def set_cursor(self, cursor: str) -> None:
        """Remember where the feed continues."""
        self.db.execute("INSERT OR REPLACE INTO sync_state (key, value) VALUES ('cursor', ?)", (cursor,))

    def upsert(self, entity: str, record_id: str, body: Json) -> None:
        """Store a record unless the store already has a newer version of it (deliveries repeat)."""
        version = body.get("version")
        self.db.execute(
            "INSERT INTO record (entity, id, version, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version, body = excluded.body "
            "WHERE record.version IS NULL OR excluded.version IS NULL OR excluded.version >= record.version",
            (entity, record_id, version, json.dumps(body, sort_keys=True, ensure_ascii=False)),
        )

    def delete(self, entity: str, record_id: str) -> None:
        """Forget a record (deleting what is already gone is a no-op)."""
        self.db.execute("DELETE FROM record WHERE entity = ? AND id = ?", (entity, record_id))

    def clear(self) -> None:
        """Forget every mirrored record (before a full resync; the CRM's own activities stay)."""
        self.db.execute("DELETE FROM record")

    def repoint_activities(self, from_contact: str, to_contact: str) -> None:
        """A merge: the loser's CRM activities belong to the surviving contact."""
        self.db.execute(
            "UPDATE crm_activity SET contact_id = ? WHERE contact_id = ?", (to_contact, from_contact)
        )

    def erase_activities(self, contact_id: str) -> None:
        """An erasure: nothing about the person stays in the CRM either."""
        self.db.execute("DELETE FROM crm_activity WHERE contact_id = ?", (contact_id,))

    def add_activity(self, contact_id: str, note: str) -> None:
        """Record a CRM-only activity against a contact."""
        self.db.execute("INSERT INTO crm_activity (contact_id, note) VALUES (?, ?)", (contact_id, note))

    def activities(self) -> list[tuple[str, str]]:
        """Return (contact id, note) of every CRM activity, in insertion order."""
        return [
            (str(c), str(n))
            for c, n in self.db.execute("SELECT contact_id, note FROM crm_activity ORDER BY id")
        ]

    def records(self) -> dict[tuple[str, str], Json]:
        """Return every mirrored record by (entity, id)."""
        rows = self.db.execute("SELECT entity, id, body FROM record")
        return {(str(e), str(i)): json.loads(b) for e, i, b in rows}
