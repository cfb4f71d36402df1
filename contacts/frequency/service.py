"""Contact-frequency rules and the materialised ``contact.over_contacted_until``.

A contact breaks a rule when it has more than ``max`` touchpoints of the rule's kinds within the last ``days``
days. It stays over-contacted until the (max+1)-th most recent of those touchpoints is ``days`` old; that
moment is stored on the contact (``over_contacted_until``, with the rule in ``over_contacted_rule``), so the
``over_contacted`` filter compares an indexed column with now. It is recomputed whenever touchpoints of the
contact are written, deleted or moved (a merge and its undo) and, for every contact, when the rules change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import among, batches, utcnow
from contacts.frequency.schemas import ContactRule, ContactRules, ContactRulesOut
from contacts.orgsettings.models import OrganizationSettings
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.touchpoints.models import Touchpoint


def rules_of(session: Session, org_id: str) -> list[ContactRule]:
    """Return the organisation's contact-frequency rules (none unless set)."""
    row = session.get(OrganizationSettings, org_id)
    raw = row.contact_rules if row is not None and row.contact_rules else []
    return [ContactRule.model_validate(r) for r in raw]


def rules_out(session: Session, org_id: str) -> ContactRulesOut:
    """Serialise the rules with the settings' version."""
    row = session.get(OrganizationSettings, org_id)
    return ContactRulesOut(rules=rules_of(session, org_id), version=row.version if row is not None else 0)


def set_rules(session: Session, actor: Actor, body: ContactRules) -> None:
    """Replace the organisation's rules, log the change and recompute every contact's mark."""
    org_id = actor.organization_id
    row = session.get(OrganizationSettings, org_id)
    if row is None:
        row = OrganizationSettings(
            organization_id=org_id, review_threshold=None, learn_corrections=True, version=0
        )
        session.add(row)
    rules = [r.model_dump() for r in body.rules]
    if row.contact_rules == rules and row.version > 0:
        return
    row.contact_rules = rules
    row.version += 1
    row.updated_by = actor.user_id
    row.updated_at = utcnow()
    session.flush()
    publish(
        session,
        Recorded(
            org_id=org_id,
            actor_id=actor.user_id,
            entity=Entity.ORGANIZATION_SETTINGS,
            ids=(org_id,),
            operation=Operation.UPDATED,
            data={"contact_rules": rules},
        ),
    )
    recompute_all(session, org_id)


def _limits(
    session: Session, org_id: str, rules: list[ContactRule], contact_ids: Sequence[str] | None, now: datetime
) -> dict[str, tuple[datetime, ContactRule]]:
    """Return, per over-contacted contact, until when and by which rule (the one lasting longest)."""
    found: dict[str, tuple[datetime, ContactRule]] = {}
    for rule in rules:
        window = timedelta(days=rule.days)
        rank = (
            func.row_number()
            .over(
                partition_by=Touchpoint.contact_id,
                order_by=(Touchpoint.occurred_at.desc(), Touchpoint.id.desc()),
            )
            .label("rank")
        )
        ranked = select(Touchpoint.contact_id, Touchpoint.occurred_at, rank).where(
            Touchpoint.organization_id == org_id,
            Touchpoint.kind.in_(rule.kinds),
            Touchpoint.occurred_at > now - window,
        )
        if contact_ids is not None:
            ranked = ranked.where(Touchpoint.contact_id.in_(contact_ids))
        sub = ranked.subquery()
        for contact_id, occurred_at in session.execute(
            select(sub.c.contact_id, sub.c.occurred_at).where(sub.c.rank == rule.max + 1)
        ):
            until = occurred_at + window
            if until > now and (contact_id not in found or until > found[contact_id][0]):
                found[contact_id] = (until, rule)
    return found


def _store(session: Session, ids: Iterable[str], found: dict[str, tuple[datetime, ContactRule]]) -> None:
    """Write the marks of ``ids`` (of one organisation): the ones over a rule in one bulk UPDATE by primary
    key, and clear the others' in one UPDATE of the rows that have a mark.

    Most touchpoints leave their contact unmarked, as it was: rewriting a mark that is already empty made a
    new version of the contact row (and its WAL) for every touchpoint recorded, and reloading the mark of
    such a contact read its row again.
    """
    ids = list(ids)
    marked = [
        {"id": c, "over_contacted_until": found[c][0], "over_contacted_rule": found[c][1].model_dump()}
        for c in ids
        if c in found
    ]
    if marked:
        session.execute(update(Contact), marked)
    unmarked = [c for c in ids if c not in found]
    cleared: set[str] = set()
    if unmarked:
        cleared.update(
            session.scalars(
                update(Contact)
                .where(among(session, Contact.id, unmarked), Contact.over_contacted_until.is_not(None))
                .values(over_contacted_until=None, over_contacted_rule=None)
                .returning(Contact.id)
                .execution_options(synchronize_session=False)
            )
        )
    # A bulk UPDATE leaves loaded contacts as they were: reload the marks when next read, unless the contact
    # is loaded without a mark and the UPDATE found none to clear (the row has none: nothing to reload).
    written = set(ids)
    for state in list(session.identity_map.all_states()):
        # The id from the identity key: reading ``obj.id`` of an expired contact would load its row again.
        obj, contact_id = state.obj(), state.key[1][0] if state.key is not None else None
        if isinstance(obj, Contact) and contact_id in written:
            loaded = obj.__dict__
            unchanged = (
                contact_id not in found
                and contact_id not in cleared
                and "over_contacted_until" in loaded
                and loaded["over_contacted_until"] is None
                and "over_contacted_rule" in loaded
                and loaded["over_contacted_rule"] is None
            )
            if not unchanged:
                session.expire(obj, ["over_contacted_until", "over_contacted_rule"])


def recompute(session: Session, org_id: str, contact_ids: Iterable[str]) -> None:
    """Recompute the over-contacted mark of these contacts (after their touchpoints changed)."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    session.flush()
    rules = rules_of(session, org_id)
    now = utcnow()
    for chunk in batches(ids):
        _store(session, chunk, _limits(session, org_id, rules, chunk, now) if rules else {})


def recompute_all(session: Session, org_id: str) -> None:
    """Recompute every contact's mark (after the rules changed): clear them all, then mark the ones over."""
    session.execute(
        update(Contact)
        .where(Contact.organization_id == org_id, Contact.over_contacted_until.is_not(None))
        .values(over_contacted_until=None, over_contacted_rule=None)
        .execution_options(synchronize_session="fetch")
    )
    rules = rules_of(session, org_id)
    if not rules:
        return
    found = _limits(session, org_id, rules, None, utcnow())
    _store(session, list(found), found)
