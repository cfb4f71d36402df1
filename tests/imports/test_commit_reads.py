"""The commit job refreshes the planner's statistics as the tables it grows grow, not as its own rows do."""

from __future__ import annotations

import pytest

from contacts.db import session_factory
from contacts.imports.commit import run_import
from tests.conftest import OrgClient
from tests.imports.helpers import HUBSPOT, imported, statements_sent, upload


def _people(prefix: str, count: int) -> str:
    return "".join(f"{i},N{i},{prefix},{prefix.lower()}{i}@beta.co.jp,,Beta,\n" for i in range(count))


def _statements(org: OrgClient, import_id: str) -> list[str]:
    """Commit the import in chunks of two rows; return the statements the job sent."""
    assert org.post(f"/api/v1/imports/{import_id}/commit").status_code == 202
    with statements_sent(org.app) as sent:
        assert run_import(session_factory(org.app), import_id, chunk_rows=2) == "committed"
    return sent


def test_an_import_smaller_than_the_base_refreshes_the_statistics_once(org: OrgClient) -> None:
    if session_factory(org.app).kw["bind"].dialect.name != "postgresql":
        pytest.skip("the planner's statistics are PostgreSQL's")
    imported(org, HUBSPOT + _people("Base", 30))
    body = upload(org, HUBSPOT + _people("New", 12))
    analyzed = [s for s in _statements(org, body["id"]) if s.startswith("ANALYZE")]
    # Once per doubling of its own rows it would be three times (at 0, 4 and 8 rows of 12).
    assert len(analyzed) == 1
