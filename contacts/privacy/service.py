"""Personal-data requests: everything held about one person, and its erasure.

A person is a contact together with every record merged into it (a merge keeps the losers as ``merged``
rows that name the winner). An export lists all of it; an erasure deletes all of it: the contacts and
their values, touchpoints, cards with their OCR text and (once no other card uses them) their image files,
campaign memberships, duplicate candidates, the merge snapshots that hold copies of the values, and the
stored idempotent responses that repeat them. The change log keeps its sequence but records ``erased``
(and ``deleted`` for each touchpoint and card), so systems that synced the person learn to delete it too.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, delete, event, or_, select, update
from sqlalchemy.orm import Session

from contacts import ownership
from contacts.bus import publish
from contacts.cards.models import Card
from contacts.changelog import service as changelog
from contacts.changelog.models import ChangeLogEntry
from contacts.db import checkpoint_wal
from contacts.dedup.models import MergeOperation
from contacts.errors import Conflict
from contacts.events.models import Campaign, CampaignMember
from contacts.optouts import service as optouts
from contacts.ownership import Erasure
from contacts.people import service as people
from contacts.people.models import Contact
from contacts.privacy.events import PersonErased
from contacts.privacy.schemas import CardRecord, EraseResult, MembershipRecord, MergeRecord, PersonExport
from contacts.provenance import Actor
from contacts.status import RecordStatus
from contacts.touchpoints import service as touchpoints
from contacts.touchpoints.models import Touchpoint


def person_ids(session: Session, contact: Contact) -> list[str]:
    """The contact and every contact merged into it, directly or through another merged one."""
    if contact.status == RecordStatus.MERGED:
        raise Conflict(
            f"contact {contact.id} was merged into {contact.merged_into_id}; "
            f"a request about this person goes to that contact"
        )
    ids, frontier = [contact.id], [contact.id]
    while frontier:
        frontier = list(
            session.scalars(
                select(Contact.id).where(
                    Contact.organization_id == contact.organization_id, Contact.merged_into_id.in_(frontier)
                )
            )
        )
        ids += frontier
    return ids


def _cards(session: Session, org_id: str, ids: list[str]) -> list[Card]:
    return list(
        session.scalars(
            select(Card)
            .where(
                Card.organization_id == org_id, or_(Card.contact_id.in_(ids), Card.match_contact_id.in_(ids))
            )
            .order_by(Card.id)
        )
    )


def _merges(session: Session, org_id: str, ids: list[str]) -> list[tuple[str, str, list[str]]]:
    """(id, winner, losers) of the contact merges any of ``ids`` took part in (snapshots not loaded)."""
    wanted = set(ids)
    rows = session.execute(
        select(MergeOperation.id, MergeOperation.winner_id, MergeOperation.loser_ids).where(
            MergeOperation.organization_id == org_id, MergeOperation.entity == "contact"
        )
    )
    return [
        (op_id, winner, list(losers))
        for op_id, winner, losers in rows
        if winner in wanted or wanted.intersection(losers)
    ]


def export_person(session: Session, contact: Contact) -> PersonExport:
    """Everything held about the person ``contact`` is (the request of APPI art. 33 and GDPR art. 15)."""
    org_id = contact.organization_id
    ids = person_ids(session, contact)
    merged = list(session.scalars(select(Contact).where(Contact.id.in_(ids[1:])).order_by(Contact.id)))
    points = list(
        session.scalars(
            select(Touchpoint)
            .where(Touchpoint.organization_id == org_id, Touchpoint.contact_id.in_(ids))
            .order_by(Touchpoint.occurred_at)
        )
    )
    cards = _cards(session, org_id, ids)
    memberships = session.execute(
        select(CampaignMember, Campaign.name)
        .join(Campaign, Campaign.id == CampaignMember.campaign_id)
        .where(CampaignMember.contact_id.in_(ids))
        .order_by(CampaignMember.added_at)
    ).all()
    merge_ids = [m[0] for m in _merges(session, org_id, ids)]
    merges = (
        list(
            session.scalars(
                select(MergeOperation)
                .where(MergeOperation.id.in_(merge_ids))
                .order_by(MergeOperation.created_at)
            )
        )
        if merge_ids
        else []
    )
    related = ids + [t.id for t in points] + [c.id for c in cards]
    changes = session.scalars(
        select(ChangeLogEntry)
        .where(
            ChangeLogEntry.organization_id == org_id,
            or_(
                ChangeLogEntry.entity_id.in_(related),
                *(ChangeLogEntry.entity_id.endswith(f":{i}") for i in ids),
                *(ChangeLogEntry.entity_id.startswith(f"{i}:") for i in ids),  # opt-outs
            ),
        )
        .order_by(ChangeLogEntry.seq)
    )
    return PersonExport(
        contact=people.contact_out(session, contact),
        merged_contacts=people.contacts_out(session, merged),
        employment=[
            people.employment_out(e)
            for i in ids
            for e in people.list_employment(session, session.get(Contact, i) or contact)
        ],
        touchpoints=[touchpoints.touchpoint_out(t) for t in points],
        opt_outs=[optouts.out(row) for i in ids for row in optouts.opt_outs_of(session, i)],
        cards=[
            CardRecord(
                id=c.id,
                status=c.status,
                uploaded_by=c.uploaded_by,
                created_at=c.created_at,
                exchanged_at=c.exchanged_at,
                location=c.location,
                event_id=c.event_id,
                note=c.note,
                fields=c.fields or {},
                text=c.text,
                images=[
                    f"/api/v1/cards/{c.id}/image?side={side}&variant={variant}"
                    for side in ("front", "back")
                    for variant in ("original", "normalized")
                    if getattr(c, f"{side}_image" if variant == "original" else f"{side}_normalized")
                ],
            )
            for c in cards
        ],
        campaigns=[
            MembershipRecord(
                campaign_id=m.campaign_id,
                campaign_name=name,
                status=m.status,
                status_at=m.status_at,
                added_at=m.added_at,
            )
            for m, name in memberships
        ],
        merges=[
            MergeRecord(
                id=m.id,
                winner_id=m.winner_id,
                loser_ids=list(m.loser_ids),
                automatic=m.automatic,
                created_at=m.created_at,
                undone_at=m.undone_at,
            )
            for m in merges
        ],
        changes=[changelog.change_out(c) for c in changes],
    )


def erase_person(
    session: Session,
    actor: Actor,
    contact: Contact,
    *,
    delete_images: Callable[[list[str]], None],
    reason: str | None = None,
) -> EraseResult:
    """Delete everything held about the person ``contact`` is (APPI art. 35, GDPR art. 17).

    ``delete_images`` is called with the image keys no remaining card uses, once the transaction committed
    (a rollback keeps the files with the rows that name them).
    """
    ids = person_ids(session, contact)
    session.flush()
    erasure = Erasure(
        org_id=actor.organization_id, actor_id=actor.user_id, contact_ids=ids, delete_files=delete_images
    )
    counts: dict[str, int] = {}
    for owned in ownership.installed():  # every package deletes what it keeps about the person
        if owned.erase is not None:
            counts.update(owned.erase(session, erasure))
    session.execute(update(Contact).where(Contact.id.in_(ids)).values(merged_into_id=None))
    session.execute(delete(Contact).where(Contact.id.in_(ids)))  # owned rows without an eraser cascade
    session.expire_all()
    publish(
        session,
        PersonErased(
            org_id=actor.organization_id, actor_id=actor.user_id, contact_ids=tuple(ids), reason=reason
        ),
    )
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    event.listen(session, "after_commit", lambda _s: checkpoint_wal(engine), once=True)
    return EraseResult(erased_contact_ids=ids, **counts)
