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
from typing import Any, cast

from sqlalchemy import CursorResult, delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from contacts.cards.models import Card
from contacts.changelog import service as changelog
from contacts.changelog.models import ChangeLogEntry, IdempotencyRecord
from contacts.changelog.schemas import ChangeOut
from contacts.corrections import service as corrections
from contacts.dedup.models import DuplicateCandidate, MergeOperation
from contacts.errors import Conflict
from contacts.events.models import Campaign, CampaignMember
from contacts.people import service as people
from contacts.people.models import Contact
from contacts.privacy.schemas import CardRecord, EraseResult, MembershipRecord, MergeRecord, PersonExport
from contacts.provenance import Actor
from contacts.touchpoints import service as touchpoints
from contacts.touchpoints.models import Touchpoint

IMAGE_COLUMNS = ("front_image", "back_image", "front_normalized", "back_normalized")


def person_ids(session: Session, contact: Contact) -> list[str]:
    """The contact and every contact merged into it, directly or through another merged one."""
    if contact.status == "merged":
        raise Conflict(f"contact {contact.id} was merged into {contact.merged_into_id}; "
                       f"a request about this person goes to that contact")
    ids, frontier = [contact.id], [contact.id]
    while frontier:
        frontier = list(session.scalars(select(Contact.id).where(
            Contact.organization_id == contact.organization_id, Contact.merged_into_id.in_(frontier))))
        ids += frontier
    return ids


def _cards(session: Session, org_id: str, ids: list[str]) -> list[Card]:
    return list(session.scalars(select(Card).where(
        Card.organization_id == org_id, or_(Card.contact_id.in_(ids), Card.match_contact_id.in_(ids)))
        .order_by(Card.id)))


def _merges(session: Session, org_id: str, ids: list[str]) -> list[tuple[str, str, list[str]]]:
    """(id, winner, losers) of the contact merges any of ``ids`` took part in (snapshots not loaded)."""
    wanted = set(ids)
    rows = session.execute(select(MergeOperation.id, MergeOperation.winner_id, MergeOperation.loser_ids).where(
        MergeOperation.organization_id == org_id, MergeOperation.entity == "contact"))
    return [(op_id, winner, list(losers)) for op_id, winner, losers in rows
            if winner in wanted or wanted.intersection(losers)]


def export_person(session: Session, contact: Contact) -> PersonExport:
    """Everything held about the person ``contact`` is (the request of APPI art. 33 and GDPR art. 15)."""
    org_id = contact.organization_id
    ids = person_ids(session, contact)
    merged = list(session.scalars(select(Contact).where(Contact.id.in_(ids[1:])).order_by(Contact.id)))
    points = list(session.scalars(select(Touchpoint).where(
        Touchpoint.organization_id == org_id, Touchpoint.contact_id.in_(ids)).order_by(Touchpoint.occurred_at)))
    cards = _cards(session, org_id, ids)
    memberships = session.execute(select(CampaignMember, Campaign.name).join(
        Campaign, Campaign.id == CampaignMember.campaign_id).where(CampaignMember.contact_id.in_(ids))
        .order_by(CampaignMember.added_at)).all()
    merge_ids = [m[0] for m in _merges(session, org_id, ids)]
    merges = list(session.scalars(select(MergeOperation).where(MergeOperation.id.in_(merge_ids))
                                  .order_by(MergeOperation.created_at))) if merge_ids else []
    related = ids + [t.id for t in points] + [c.id for c in cards]
    changes = session.scalars(select(ChangeLogEntry).where(
        ChangeLogEntry.organization_id == org_id,
        or_(ChangeLogEntry.entity_id.in_(related),
            *(ChangeLogEntry.entity_id.endswith(f":{i}") for i in ids))).order_by(ChangeLogEntry.seq))
    return PersonExport(
        contact=people.contact_out(session, contact),
        merged_contacts=people.contacts_out(session, merged),
        employment=[people.employment_out(e) for i in ids
                    for e in people.list_employment(session, session.get(Contact, i) or contact)],
        touchpoints=[touchpoints.touchpoint_out(t) for t in points],
        cards=[CardRecord(id=c.id, status=c.status, uploaded_by=c.uploaded_by, created_at=c.created_at,
                          exchanged_at=c.exchanged_at, location=c.location, event_id=c.event_id, note=c.note,
                          fields=c.fields or {}, text=c.text,
                          images=[f"/api/v1/cards/{c.id}/image?side={side}&variant={variant}"
                                  for side in ("front", "back") for variant in ("original", "normalized")
                                  if getattr(c, f"{side}_image" if variant == "original" else f"{side}_normalized")])
              for c in cards],
        campaigns=[MembershipRecord(campaign_id=m.campaign_id, campaign_name=name, status=m.status,
                                    status_at=m.status_at, added_at=m.added_at) for m, name in memberships],
        merges=[MergeRecord(id=m.id, winner_id=m.winner_id, loser_ids=list(m.loser_ids), automatic=m.automatic,
                            created_at=m.created_at, undone_at=m.undone_at) for m in merges],
        changes=[ChangeOut.model_validate(c, from_attributes=True) for c in changes],
    )


def erase_person(session: Session, actor: Actor, contact: Contact, *,
                 delete_images: Callable[[list[str]], None], reason: str | None = None) -> EraseResult:
    """Delete everything held about the person ``contact`` is (APPI art. 35, GDPR art. 17).

    ``delete_images`` is called with the image keys no remaining card uses, once the transaction committed
    (a rollback keeps the files with the rows that name them).
    """
    org_id = actor.organization_id
    ids = person_ids(session, contact)
    cards = _cards(session, org_id, ids)
    card_ids = [c.id for c in cards]
    keys = {getattr(c, column) for c in cards for column in IMAGE_COLUMNS} - {None}
    point_ids = list(session.scalars(select(Touchpoint.id).where(
        Touchpoint.organization_id == org_id, Touchpoint.contact_id.in_(ids))))
    merge_ids = [m[0] for m in _merges(session, org_id, ids)]
    session.flush()
    counts: dict[str, int] = {}
    counts["touchpoints"] = _count(session, delete(Touchpoint).where(Touchpoint.id.in_(point_ids)))
    corrections.forget_names_learnt_from(session, card_ids)  # a corrected name is the person's data too
    counts["cards"] = _count(session, delete(Card).where(Card.id.in_(card_ids)))
    counts["duplicate_candidates"] = _count(session, delete(DuplicateCandidate).where(
        DuplicateCandidate.organization_id == org_id, DuplicateCandidate.entity == "contact",
        or_(DuplicateCandidate.a_id.in_(ids), DuplicateCandidate.b_id.in_(ids))))
    counts["merges"] = _count(session, delete(MergeOperation).where(MergeOperation.id.in_(merge_ids)))
    counts["idempotency_records"] = _count(session, delete(IdempotencyRecord).where(
        IdempotencyRecord.organization_id == org_id,
        or_(*(IdempotencyRecord.response_body.contains(i) for i in ids))))
    session.execute(update(Contact).where(Contact.id.in_(ids)).values(merged_into_id=None))
    session.execute(delete(Contact).where(Contact.id.in_(ids)))  # values, tags, memberships, keys cascade
    session.expire_all()
    changelog.record_many(session, org_id, "touchpoint", point_ids, "deleted", actor.user_id, {"erased": True})
    changelog.record_many(session, org_id, "card", card_ids, "deleted", actor.user_id, {"erased": True})
    changelog.record_many(session, org_id, "contact", ids, "erased", actor.user_id,
                          {"reason": reason} if reason else None)
    unused = sorted(k for k in keys if not _image_in_use(session, k))
    if unused:
        event.listen(session, "after_commit", lambda _s: delete_images(unused), once=True)
    return EraseResult(erased_contact_ids=ids, images=len(unused), **counts)


def _count(session: Session, statement: Any) -> int:
    """Run a DELETE and return how many rows it removed."""
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount)


def _image_in_use(session: Session, key: str) -> bool:
    """Whether any card (of any organisation: files are stored by content) still names ``key``."""
    return bool(session.scalar(select(func.count()).select_from(Card).where(
        or_(*(getattr(Card, column) == key for column in IMAGE_COLUMNS)))))
