"""Stored Idempotency-Key responses expire after MEISHI_IDEMPOTENCY_TTL_HOURS."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from contacts.changelog.models import IdempotencyRecord
from contacts.config import settings_of
from contacts.db import session_factory, utcnow
from tests.conftest import OrgClient


def _age_records(org: OrgClient, hours: int) -> None:
    with org.app.app_context(), session_factory(org.app)() as session:
        session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.organization_id == org.organization_id)
            .values(created_at=utcnow() - timedelta(hours=hours))
        )
        session.commit()


def _records(org: OrgClient) -> int:
    with org.app.app_context(), session_factory(org.app)() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(IdempotencyRecord)
                .where(IdempotencyRecord.organization_id == org.organization_id)
            )
            or 0
        )


def test_an_expired_key_no_longer_replays(org: OrgClient) -> None:
    first = org.post("/api/v1/contacts", json={"full_name": "Once"}, headers={"Idempotency-Key": "old"})
    _age_records(org, settings_of(org.app).idempotency_ttl_hours + 1)
    again = org.post("/api/v1/contacts", json={"full_name": "Once"}, headers={"Idempotency-Key": "old"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.get_json()["id"] != first.get_json()["id"]


def test_storing_a_response_sweeps_the_expired_ones(org: OrgClient) -> None:
    for key in ("a", "b"):
        org.post("/api/v1/contacts", json={"full_name": key}, headers={"Idempotency-Key": key})
    _age_records(org, settings_of(org.app).idempotency_ttl_hours + 1)
    org.post("/api/v1/contacts", json={"full_name": "c"}, headers={"Idempotency-Key": "c"})
    assert _records(org) == 1
