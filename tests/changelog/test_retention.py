"""Retention of the change feed: the setting, `meishi changes prune`, and 410 for a position pruned away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from contacts.changelog.cli import prune_command
from contacts.changelog.models import ChangeLogEntry
from contacts.config import ConfigError, Settings
from contacts.db import session_factory, utcnow
from tests import factories
from tests.conftest import OrgClient


def _age(org: OrgClient, days: int) -> None:
    """Make every entry of the organisation ``days`` old."""
    with org.app.app_context(), session_factory(org.app)() as session:
        session.execute(
            update(ChangeLogEntry)
            .where(ChangeLogEntry.organization_id == org.organization_id)
            .values(occurred_at=utcnow() - timedelta(days=days))
        )
        session.commit()


def _prune(org: OrgClient) -> str:
    result = org.app.test_cli_runner().invoke(prune_command, ["--json"])
    assert result.exit_code == 0, result.output
    return result.output


def test_retention_defaults_to_ninety_days() -> None:
    assert Settings.from_env({}).changes_retention_days == 90


@pytest.mark.parametrize("raw", ["7", "29", "-1"])
def test_retention_below_thirty_days_is_refused_in_one_line(raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"MEISHI_CHANGES_RETENTION_DAYS": raw})
    assert "MEISHI_CHANGES_RETENTION_DAYS must be at least 30" in str(info.value)
    assert "\n" not in str(info.value)


def test_retention_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ConfigError, match="MEISHI_CHANGES_RETENTION_DAYS must be an integer"):
        Settings.from_env({"MEISHI_CHANGES_RETENTION_DAYS": "ninety"})


def test_prune_deletes_entries_older_than_retention(org: OrgClient) -> None:
    factories.contact(org)
    _age(org, 91)
    _prune(org)
    assert org.get("/api/v1/changes/cursor").get_json()["last_seq"] == 1
    assert org.get("/api/v1/changes", query_string={"after": 1}).get_json()["items"] == []


def test_prune_keeps_entries_within_retention(org: OrgClient) -> None:
    factories.contact(org)
    _age(org, 89)
    _prune(org)
    assert len(org.get("/api/v1/changes").get_json()["items"]) == 1


def test_a_position_older_than_retention_answers_410_with_how_to_resync(org: OrgClient) -> None:
    factories.contact(org)
    _age(org, 100)
    _prune(org)
    factories.contact(org, full_name="Later")
    response = org.get("/api/v1/changes", query_string={"after": 0})
    assert response.status_code == 410 and response.content_type.startswith("application/problem+json")
    assert "/api/v1/changes/cursor" in response.get_json()["detail"]


def test_the_head_cursor_after_pruning_follows_the_feed(org: OrgClient) -> None:
    factories.contact(org)
    _age(org, 100)
    _prune(org)
    cursor = org.get("/api/v1/changes/cursor").get_json()["cursor"]
    factories.contact(org, full_name="Later")
    response = org.get("/api/v1/changes", query_string={"cursor": cursor})
    assert response.status_code == 200 and len(response.get_json()["items"]) == 1
