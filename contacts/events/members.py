"""Campaign members: who a campaign targets and how far it got with each of them; the campaign report."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.companies.models import Company
from contacts.db import batches, utcnow
from contacts.errors import Conflict, NotFound, ValidationFailed
from contacts.events.events import MembersUnsubscribed
from contacts.events.models import MEMBER_FUNNEL, MEMBER_STATUSES, Campaign, CampaignMember
from contacts.events.schemas import CampaignReport, FunnelCounts, MemberListQuery, MemberOut
from contacts.ownership import Erasure, Merge
from contacts.pagination import page_by_id
from contacts.people.models import Contact
from contacts.people.schemas import CompanyRef
from contacts.provenance import Actor
from contacts.touchpoints.models import Touchpoint

ENTITY = Entity.CAMPAIGN_MEMBER


def member_entity_id(member: CampaignMember) -> str:
    """The change log's id of a membership: campaign id and contact id."""
    return f"{member.campaign_id}:{member.contact_id}"


def get_member(session: Session, campaign: Campaign, contact_id: str) -> CampaignMember:
    """Return the contact's membership of the campaign or raise NotFound."""
    member = session.get(CampaignMember, (campaign.id, contact_id))
    if member is None:
        raise NotFound("this contact is not a member of the campaign")
    return member


def member_ids(session: Session, campaign: Campaign, contact_ids: list[str]) -> set[str]:
    """Return which of ``contact_ids`` are members of the campaign."""
    return set(_existing(session, campaign, contact_ids))


def _existing(session: Session, campaign: Campaign, contact_ids: list[str]) -> dict[str, CampaignMember]:
    found: dict[str, CampaignMember] = {}
    for batch in batches(contact_ids):
        for member in session.scalars(
            select(CampaignMember).where(
                CampaignMember.campaign_id == campaign.id,
                CampaignMember.contact_id.in_(batch),
            )
        ):
            found[member.contact_id] = member
    return found


def _set_status(member: CampaignMember, status: str) -> bool:
    if member.status == status:
        return False
    member.status = status
    member.status_at = utcnow()
    member.version += 1
    return True


MOVED, KEPT, SKIPPED = "moved", "kept", "skipped"


def transition(current: str, status: str, *, force: bool) -> str:
    """Judge a status change: moved, kept (already there) or skipped.

    A status moves only forward along the funnel unless ``force``; ``unsubscribed`` may always be set and
    always stands: nothing moves a member out of it, not even ``force`` (re-subscribing is a new opt-in, not a
    status change).
    """
    if current == status:
        return KEPT
    if current == "unsubscribed":
        return SKIPPED
    if status == "unsubscribed" or force:
        return MOVED
    return MOVED if MEMBER_FUNNEL.index(status) > MEMBER_FUNNEL.index(current) else SKIPPED


@dataclass
class Added:
    """What adding members did: ids added, ids moved, and counts of kept and skipped members."""

    added: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    kept: int = 0
    skipped: int = 0


def add_members(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    contact_ids: list[str],
    status: str | None,
    *,
    force: bool = False,
) -> Added:
    """Add contacts (status ``status`` or planned); move existing members to ``status`` when one is given,
    forward only unless ``force`` (see :func:`transition`). Each change is logged."""
    existing = _existing(session, campaign, contact_ids)
    now = utcnow()
    result = Added()
    for contact_id in contact_ids:
        member = existing.get(contact_id)
        if member is None:
            session.add(
                CampaignMember(
                    campaign_id=campaign.id,
                    contact_id=contact_id,
                    organization_id=actor.organization_id,
                    status=status or "planned",
                    status_at=now,
                    added_by=actor.user_id,
                    added_at=now,
                    version=1,
                )
            )
            result.added.append(contact_id)
        elif status is None:
            result.kept += 1
        else:
            verdict = transition(member.status, status, force=force)
            if verdict == MOVED:
                _set_status(member, status)
                result.moved.append(contact_id)
            elif verdict == KEPT:
                result.kept += 1
            else:
                result.skipped += 1
    session.flush()
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=ENTITY,
            ids=tuple([f"{campaign.id}:{c}" for c in result.added]),
            operation=Operation.CREATED,
            data={"status": status or "planned"},
        ),
    )
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=ENTITY,
            ids=tuple([f"{campaign.id}:{c}" for c in result.moved]),
            operation=Operation.UPDATED,
            data={"status": status},
        ),
    )
    if status == "unsubscribed" and (result.added or result.moved):
        _unsubscribed(session, actor, campaign.id, [*result.added, *result.moved])
    return result


def _unsubscribed(session: Session, actor: Actor, campaign_id: str, contact_ids: list[str]) -> None:
    publish(
        session,
        MembersUnsubscribed(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            campaign_id=campaign_id,
            contact_ids=tuple(contact_ids),
        ),
    )


def remove_members(session: Session, actor: Actor, campaign: Campaign, contact_ids: list[str]) -> list[str]:
    """Take contacts out of the campaign; return (and log) the ids that were members."""
    removed = list(_existing(session, campaign, contact_ids))
    for batch in batches(removed):
        session.execute(
            delete(CampaignMember).where(
                CampaignMember.campaign_id == campaign.id,
                CampaignMember.contact_id.in_(batch),
            )
        )
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=ENTITY,
            ids=tuple([f"{campaign.id}:{c}" for c in removed]),
            operation=Operation.DELETED,
        ),
    )
    return removed


def update_member(
    session: Session, actor: Actor, member: CampaignMember, status: str, *, force: bool = False
) -> CampaignMember:
    """Set one member's status (a no-op when it is already that); backwards only with ``force``, and never
    out of ``unsubscribed`` (409)."""
    verdict = transition(member.status, status, force=force)
    if verdict == SKIPPED:
        if member.status == "unsubscribed":
            raise Conflict("the member unsubscribed: that status always stands")
        raise Conflict(
            f"status moves forward along the funnel ({' -> '.join(MEMBER_FUNNEL)}): "
            f'send "force": true to move from {member.status} back to {status}'
        )
    if _set_status(member, status):
        publish(
            session,
            Recorded(
                org_id=actor.organization_id,
                actor_id=actor.user_id,
                entity=ENTITY,
                ids=(member_entity_id(member),),
                operation=Operation.UPDATED,
                data={"status": status},
            ),
        )
        if status == "unsubscribed":
            _unsubscribed(session, actor, member.campaign_id, [member.contact_id])
    return member


def list_members(
    session: Session, campaign: Campaign, query: MemberListQuery
) -> tuple[list[CampaignMember], str | None]:
    """Return one page of the campaign's members in contact id order."""
    stmt = select(CampaignMember).where(CampaignMember.campaign_id == campaign.id)
    if query.status:
        stmt = stmt.where(CampaignMember.status.in_(query.status))
    return page_by_id(session, stmt, CampaignMember.contact_id, limit=query.limit, cursor=query.cursor)


def members_out(session: Session, members: list[CampaignMember]) -> list[MemberOut]:
    """Serialise members with their contacts' names and companies in one query."""
    people = (
        {
            row.id: row
            for row in session.execute(
                select(
                    Contact.id,
                    Contact.full_name,
                    Company.id.label("company_id"),
                    Company.name.label("company_name"),
                )
                .outerjoin(Company, Company.id == Contact.company_id)
                .where(Contact.id.in_([m.contact_id for m in members]))
            )
        }
        if members
        else {}
    )
    out = []
    for m in members:
        person = people[m.contact_id]
        company = CompanyRef(id=person.company_id, name=person.company_name) if person.company_id else None
        out.append(
            MemberOut(
                campaign_id=m.campaign_id,
                contact_id=m.contact_id,
                full_name=person.full_name,
                company=company,
                status=m.status,
                status_at=m.status_at,
                added_at=m.added_at,
                added_by=m.added_by,
                version=m.version,
                value=m.value,
            )
        )
    return out


def stronger_status(a: str, b: str) -> str:
    """The status a merged contact keeps: an unsubscribe always stands, else the one further down the funnel."""
    if "unsubscribed" in (a, b):
        return "unsubscribed"
    return max(a, b, key=MEMBER_FUNNEL.index)


def move_memberships(session: Session, winner_id: str, loser_ids: Iterable[str]) -> None:
    """A contact merge: the losers' memberships become the winner's; where both were members the winner keeps
    the stronger status (and when it was reached) and the earlier ``added_at``."""
    session.flush()
    table = cast(Table, CampaignMember.__table__)
    rows = (
        session.execute(
            select(table).where(table.c.contact_id.in_([winner_id, *loser_ids])).order_by(table.c.added_at)
        )
        .mappings()
        .all()
    )
    kept = {row["campaign_id"]: dict(row) for row in rows if row["contact_id"] == winner_id}

    def where(campaign_id: str, contact_id: str) -> Any:
        return (table.c.campaign_id == campaign_id) & (table.c.contact_id == contact_id)

    for row in rows:
        campaign_id = row["campaign_id"]
        if row["contact_id"] == winner_id:
            continue
        mine = kept.get(campaign_id)
        if mine is None:
            session.execute(
                update(table).where(where(campaign_id, row["contact_id"])).values(contact_id=winner_id)
            )
            kept[campaign_id] = {**row, "contact_id": winner_id}
            continue
        values: dict[str, Any] = {}
        status = stronger_status(mine["status"], row["status"])
        if status != mine["status"]:
            values |= {"status": status, "status_at": row["status_at"], "version": mine["version"] + 1}
        if mine["value"] is None and row["value"] is not None:
            values["value"] = row["value"]
        if row["added_at"] < mine["added_at"]:
            values |= {"added_at": row["added_at"], "added_by": row["added_by"]}
        if values:
            session.execute(update(table).where(where(campaign_id, winner_id)).values(values))
            mine.update(values)
        session.execute(delete(table).where(where(campaign_id, row["contact_id"])))


def report(session: Session, campaign: Campaign) -> CampaignReport:
    """Count the campaign's members by status and along its funnel, its touchpoints, new contacts and costs."""
    by_status = dict.fromkeys(MEMBER_STATUSES, 0)
    by_status.update(
        session.execute(
            select(CampaignMember.status, func.count())
            .where(CampaignMember.campaign_id == campaign.id)
            .group_by(CampaignMember.status)
        )
        .tuples()
        .all()
    )
    funnel = {status: sum(by_status[s] for s in MEMBER_FUNNEL[i:]) for i, status in enumerate(MEMBER_FUNNEL)}
    reached = funnel["sent"] + by_status["unsubscribed"]
    touchpoints, touchpoint_contacts = session.execute(
        select(func.count(), func.count(Touchpoint.contact_id.distinct())).where(
            Touchpoint.organization_id == campaign.organization_id, Touchpoint.campaign_id == campaign.id
        )
    ).one()
    new_contacts = None
    if campaign.starts_at is not None:
        period = [Contact.created_at >= campaign.starts_at.astimezone(UTC)]
        if campaign.ends_at is not None:
            period.append(Contact.created_at <= campaign.ends_at.astimezone(UTC))
        new_contacts = session.scalar(
            select(func.count())
            .select_from(CampaignMember)
            .join(Contact, Contact.id == CampaignMember.contact_id)
            .where(CampaignMember.campaign_id == campaign.id, *period)
        )

    def rate(n: int) -> float | None:
        return round(n / reached, 4) if reached else None

    revenue = session.scalar(
        select(func.coalesce(func.sum(CampaignMember.value), 0)).where(
            CampaignMember.campaign_id == campaign.id
        )
    )

    def per(n: int) -> float | None:
        return round(campaign.cost / n, 2) if campaign.cost is not None and n else None

    return CampaignReport(
        campaign_id=campaign.id,
        members=sum(by_status.values()),
        by_status=FunnelCounts(**by_status),
        reached=reached,
        responded=funnel["responded"],
        attended=funnel["attended"],
        converted=funnel["converted"],
        response_rate=rate(funnel["responded"]),
        conversion_rate=rate(funnel["converted"]),
        touchpoints=touchpoints,
        touchpoint_contacts=touchpoint_contacts,
        new_contacts=new_contacts,
        cost=campaign.cost,
        currency=campaign.currency,
        cost_per_response=per(funnel["responded"]),
        cost_per_conversion=per(funnel["converted"]),
        revenue=int(revenue or 0),
        roi=roi(int(revenue or 0), campaign.cost),
    )


def roi(revenue: int, cost: int | None) -> float | None:
    """Return (revenue - cost) / cost, rounded to 4 places; None without a cost above 0."""
    return round((revenue - cost) / cost, 4) if cost else None


def set_value(session: Session, actor: Actor, member: CampaignMember, value: int | None) -> None:
    """Record what a conversion was worth (null clears it); only a converted member carries a value."""
    if value is not None and member.status != "converted":
        raise ValidationFailed(
            "value is what a conversion was worth: the member must be (or move to) converted",
            errors=[{"field": "value", "message": "only with status converted", "code": "not_converted"}],
        )
    if member.value == value:
        return
    member.value = value
    member.version += 1
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=ENTITY,
            ids=(member_entity_id(member),),
            operation=Operation.UPDATED,
            data={"value": value},
        ),
    )


def _key(row: dict[str, Any]) -> tuple[str, str]:
    return (row["campaign_id"], row["contact_id"])


def log_moved(
    session: Session, merge: Merge, before: list[dict[str, Any]], after: list[dict[str, Any]], *, undone: bool
) -> None:
    """Log the memberships a merge (or its undo) removed, added or changed; a changed one gets a new version.

    ``before`` and ``after`` are dumps of the memberships of every contact of the merge.
    """
    was, now = {_key(r): r for r in before}, {_key(r): r for r in after}
    data: dict[str, Any] = {"merge_id": merge.merge_id, **({"undone": True} if undone else {})}
    changed = sorted(k for k in now if k in was and was[k] != now[k])
    for campaign_id, contact_id in changed:
        version = max(
            int(was[(campaign_id, contact_id)]["version"]) + 1, int(now[(campaign_id, contact_id)]["version"])
        )
        session.execute(
            update(CampaignMember)
            .where(CampaignMember.campaign_id == campaign_id, CampaignMember.contact_id == contact_id)
            .values(version=version)
            .execution_options(synchronize_session=False)
        )
    for keys, operation in (
        (sorted(k for k in was if k not in now), Operation.DELETED),
        (sorted(k for k in now if k not in was), Operation.CREATED),
        (changed, Operation.UPDATED),
    ):
        publish(
            session,
            Recorded(
                org_id=merge.org_id,
                actor_id=merge.actor_id,
                entity=ENTITY,
                ids=tuple(f"{a}:{b}" for a, b in keys),
                operation=operation,
                data=data,
            ),
        )


def erase_memberships(session: Session, erasure: Erasure) -> dict[str, int]:
    """Delete the person's memberships; the change log records each as deleted by an erasure."""
    keys = session.execute(
        select(CampaignMember.campaign_id, CampaignMember.contact_id).where(
            CampaignMember.organization_id == erasure.org_id,
            CampaignMember.contact_id.in_(erasure.contact_ids),
        )
    ).all()
    if keys:
        session.execute(delete(CampaignMember).where(CampaignMember.contact_id.in_(erasure.contact_ids)))
    publish(
        session,
        Recorded(
            org_id=erasure.org_id,
            actor_id=erasure.actor_id,
            entity=ENTITY,
            ids=tuple(f"{a}:{b}" for a, b in keys),
            operation=Operation.DELETED,
            data={"erased": True},
        ),
    )
    return {"campaign_members": len(keys)}
