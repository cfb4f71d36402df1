"""`meishi analytics refresh` builds the rollup ahead of the reports."""

from __future__ import annotations

from sqlalchemy import func, select

from contacts.analytics.cli import refresh_command
from contacts.analytics.models import AnalyticsDay, AnalyticsDirty, AnalyticsState
from contacts.db import session_factory
from tests import factories
from tests.conftest import OrgClient


def _rollup(org: OrgClient) -> tuple[str | None, int, int]:
    """The rollup's time zone, its day rows and the marks still waiting, for the organisation."""
    with org.app.app_context(), session_factory(org.app)() as session:
        oid = org.organization_id
        zone = session.scalar(select(AnalyticsState.time_zone).where(AnalyticsState.organization_id == oid))
        days = session.scalar(select(func.count()).where(AnalyticsDay.organization_id == oid))
        marks = session.scalar(select(func.count()).where(AnalyticsDirty.organization_id == oid))
        return zone, int(days or 0), int(marks or 0)


def test_refresh_builds_the_rollup_of_the_named_organisation(org: OrgClient) -> None:
    contact = factories.contact(org, full_name="山田 太郎")
    factories.touchpoint(org, contact["id"])
    assert _rollup(org)[0] is None
    result = org.app.test_cli_runner().invoke(refresh_command, ["--org", org.organization_id, "--json"])
    assert result.exit_code == 0, result.output
    zone, days, marks = _rollup(org)
    assert (zone is not None, days > 0, marks) == (True, True, 0)


def test_refresh_without_org_covers_every_organisation(org: OrgClient) -> None:
    contact = factories.contact(org, full_name="佐藤 花子")
    factories.touchpoint(org, contact["id"])
    result = org.app.test_cli_runner().invoke(refresh_command, [])
    assert result.exit_code == 0, result.output
    assert org.organization_id in result.output and _rollup(org)[2] == 0


def test_refresh_of_an_unknown_organisation_is_a_one_line_usage_error(org: OrgClient) -> None:
    result = org.app.test_cli_runner().invoke(refresh_command, ["--org", "no-such-org"])
    assert result.exit_code == 2
    assert "no organisation with id or name 'no-such-org'" in result.output
