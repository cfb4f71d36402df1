"""Read and change an organisation's settings; every change is in the change log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from contacts.auth.models import Organization
from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import utcnow
from contacts.orgsettings.models import OrganizationSettings
from contacts.orgsettings.schemas import DEFAULT_TIME_ZONE, OrgSettingsOut, OrgSettingsUpdate
from contacts.provenance import Actor


def get_settings(session: Session, org_id: str) -> OrganizationSettings | None:
    """Return the organisation's settings row, or None while every setting is the default."""
    return session.get(OrganizationSettings, org_id)


def review_threshold(session: Session, org_id: str, default: float) -> float:
    """Return the confidence threshold the organisation's cards are held to."""
    row = get_settings(session, org_id)
    if row is not None and row.review_threshold is not None:
        return float(row.review_threshold)
    # Set before this API existed (and by operators directly in the database).
    legacy = session.scalar(select(Organization.review_threshold).where(Organization.id == org_id))
    return float(legacy) if legacy is not None else default


def learns_corrections(session: Session, org_id: str) -> bool:
    """Tell whether the organisation remembers reviewers' corrections (on unless turned off)."""
    row = get_settings(session, org_id)
    return row is None or bool(row.learn_corrections)


def time_zone(session: Session, org_id: str) -> str:
    """Return the IANA time zone the organisation's reports are in (Asia/Tokyo unless set)."""
    row = get_settings(session, org_id)
    return row.time_zone if row is not None and row.time_zone else DEFAULT_TIME_ZONE


def version_of(row: OrganizationSettings | None) -> int:
    """Return the version the settings' ETag names (0 while no setting was ever changed)."""
    return row.version if row is not None else 0


def settings_out(session: Session, org_id: str, default: float) -> OrgSettingsOut:
    """Serialise the organisation's settings with the default and effective threshold."""
    row = get_settings(session, org_id)
    return OrgSettingsOut(
        review_threshold=row.review_threshold if row is not None else None,
        default_review_threshold=default,
        effective_review_threshold=review_threshold(session, org_id, default),
        learn_corrections=row.learn_corrections if row is not None else True,
        time_zone=time_zone(session, org_id),
        version=version_of(row),
        updated_by=row.updated_by if row is not None else None,
        updated_at=row.updated_at if row is not None else None,
    )


def update_settings(session: Session, actor: Actor, body: OrgSettingsUpdate) -> OrganizationSettings:
    """Apply the fields sent (``null`` threshold: back to the default) and record the change."""
    org_id = actor.organization_id
    # Lock the organisation row so that two admins' changes are ordered (its change log takes it anyway).
    session.execute(select(Organization.id).where(Organization.id == org_id).with_for_update())
    row = get_settings(session, org_id)
    if row is None:
        row = OrganizationSettings(
            organization_id=org_id, review_threshold=None, learn_corrections=True, version=0
        )
        session.add(row)
    sent = body.model_fields_set
    changed: dict[str, object] = {}
    if "review_threshold" in sent and body.review_threshold != row.review_threshold:
        row.review_threshold = body.review_threshold
        changed["review_threshold"] = body.review_threshold
    if (
        "learn_corrections" in sent
        and body.learn_corrections is not None
        and body.learn_corrections != row.learn_corrections
    ):
        row.learn_corrections = body.learn_corrections
        changed["learn_corrections"] = body.learn_corrections
    if "time_zone" in sent and body.time_zone != row.time_zone:
        row.time_zone = body.time_zone
        changed["time_zone"] = body.time_zone or DEFAULT_TIME_ZONE
    if changed or row.version == 0:
        row.version += 1
        row.updated_by = actor.user_id
        row.updated_at = utcnow()
    if changed:
        publish(
            session,
            Recorded(
                org_id=org_id,
                actor_id=actor.user_id,
                entity=Entity.ORGANIZATION_SETTINGS,
                ids=(org_id,),
                operation=Operation.UPDATED,
                data=changed,
            ),
        )
    return row
