"""The suppression list: opt-outs that outlive the person's data.

An erasure deletes everything about a person, their opt-outs included; the same person handing over a card
again next year would then be a fresh contact anybody may e-mail. So when an opted-out person is erased, each
of their e-mail addresses and phone numbers is remembered with the channels they opted out of, as a keyed
digest only (HMAC-SHA-256 of the normalised identifier, keyed by the organisation): the suppression list
keeps no readable personal data, and the identifier can be checked but not recovered. An admin can also add
an identifier directly (someone asks not to be contacted before they are in the base).

A contact that is created, restored or given a new e-mail or phone is checked against the list, and is opted
out of the remembered channels (source ``suppression``, ``source_id`` the suppression). Withdrawing such an
opt-out is a new consent: the channel is lifted from the suppressions of the contact's identifiers, so the
opt-out does not come back at the next write.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, and_, event, exists, select
from sqlalchemy.orm import Session, SessionTransaction

from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import batches, get_owned, utcnow
from contacts.errors import ValidationFailed
from contacts.normalize.phone import to_e164
from contacts.optouts.models import OPT_OUT_CHANNELS, OptOut, Suppression
from contacts.people import inputs as people_inputs
from contacts.people.models import Contact, ContactEmail, ContactPhone
from contacts.provenance import Actor
from contacts.status import RecordStatus

#: Contact fields whose change may give the contact a suppressed identifier.
IDENTIFIER_FIELDS = frozenset({"emails", "phones"})
_KNOWN = "optouts.suppressions"  # session.info: organisations known to keep (True) or not (False) any


def digest(org_id: str, kind: str, normalized: str) -> str:
    """The stored form of an identifier: HMAC-SHA-256 of ``kind:normalized`` keyed by the organisation."""
    return hmac.new(org_id.encode(), f"{kind}:{normalized}".encode(), hashlib.sha256).hexdigest()


def normalized_identifier(kind: str, value: str) -> str:
    """The normalised e-mail address or E.164 number of ``value``; ValidationFailed when it is none."""
    found = people_inputs.email_key(value) if kind == "email" else to_e164(value)
    if not found:
        raise ValidationFailed(
            f"{value!r} is not {'an e-mail address' if kind == 'email' else 'a phone number'}"
        )
    return found


def of_identifier(org_id: str, kind: str, value: str) -> ColumnElement[bool]:
    """The condition a suppression of ``value`` (an e-mail address or phone number, as typed) meets; 422 when
    ``value`` is none."""
    return _of_digest(org_id, kind, digest(org_id, kind, normalized_identifier(kind, value)))


def _of_digest(org_id: str, kind: str, key: str) -> ColumnElement[bool]:
    """The condition the suppression stored as ``key`` meets."""
    return and_(Suppression.organization_id == org_id, Suppression.kind == kind, Suppression.digest == key)


def _stored(session: Session, org_id: str, keys: Iterable[str]) -> dict[str, Suppression]:
    """The organisation's suppressions stored under any of ``keys``, by digest."""
    rows: dict[str, Suppression] = {}
    for batch in batches(sorted(set(keys))):
        for row in session.scalars(
            select(Suppression).where(Suppression.organization_id == org_id, Suppression.digest.in_(batch))
        ):
            rows[row.digest] = row
    return rows


def _ordered(channels: Iterable[str]) -> list[str]:
    return sorted(set(channels), key=OPT_OUT_CHANNELS.index)


def any_kept(session: Session, org_id: str) -> bool:
    """Whether the organisation keeps any suppression: asked once per transaction, kept current by this module."""
    known = _known(session)
    if org_id not in known:
        known[org_id] = bool(session.scalar(select(exists().where(Suppression.organization_id == org_id))))
    return known[org_id]


def _known(session: Session) -> dict[str, bool]:
    """The transaction's answers of :func:`any_kept` (forgotten when it ends: another may add a suppression)."""
    known: dict[str, bool] | None = session.info.get(_KNOWN)
    if known is None:
        known = session.info[_KNOWN] = {}
        if not event.contains(session, "after_transaction_end", _forget_known):
            event.listen(session, "after_transaction_end", _forget_known)
    return known


def _forget_known(session: Session, transaction: SessionTransaction) -> None:
    """Forget :func:`any_kept`'s answers when the outermost transaction ends; a savepoint's end keeps them (an
    import's chunk ends one per merged row), which only errs towards asking again: what a rolled-back savepoint
    added stays known as kept, and a deletion forgets its organisation's answer."""
    if transaction.parent is None:
        session.info.pop(_KNOWN, None)


def _publish(session: Session, actor: Actor, row: Suppression, operation: Operation) -> None:
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.SUPPRESSION,
            ids=(row.id,),
            operation=operation,
            data={"kind": row.kind, "channels": list(row.channels)},
        ),
    )


def _set_channels(session: Session, actor: Actor, row: Suppression, channels: list[str]) -> None:
    row.channels = channels
    row.version += 1
    row.updated_at = utcnow()
    _publish(session, actor, row, Operation.UPDATED)


def suppress(
    session: Session,
    actor: Actor,
    kind: str,
    normalized: str,
    channels: Sequence[str],
    *,
    reason: str,
    note: str | None = None,
) -> tuple[Suppression, bool]:
    """Remember that ``normalized`` may not be contacted through ``channels``; return the row and whether it
    is new. An identifier already on the list gains the channels it lacked (its reason and note stay)."""
    org_id = actor.organization_id
    key = digest(org_id, kind, normalized)
    row = session.scalar(select(Suppression).where(_of_digest(org_id, kind, key)))
    if row is not None:
        wider = _ordered([*row.channels, *channels])
        if wider != list(row.channels):
            _set_channels(session, actor, row, wider)
        return row, False
    row = Suppression(
        organization_id=org_id,
        kind=kind,
        digest=key,
        channels=_ordered(channels),
        reason=reason,
        note=note,
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    _known(session)[org_id] = True
    _publish(session, actor, row, Operation.CREATED)
    return row, True


def _identifiers(session: Session, contact_ids: Sequence[str]) -> dict[str, set[tuple[str, str]]]:
    """The (kind, normalised value) pairs each contact holds."""
    found: dict[str, set[tuple[str, str]]] = {}
    for batch in batches(list(contact_ids)):
        for contact_id, value in session.execute(
            select(ContactEmail.contact_id, ContactEmail.value_normalized).where(
                ContactEmail.contact_id.in_(batch)
            )
        ):
            found.setdefault(contact_id, set()).add(("email", value))
        for contact_id, value in session.execute(
            select(ContactPhone.contact_id, ContactPhone.e164).where(
                ContactPhone.contact_id.in_(batch), ContactPhone.e164.is_not(None)
            )
        ):
            found.setdefault(contact_id, set()).add(("phone", value))
    return found


def holders(session: Session, org_id: str, kind: str, normalized: str) -> list[Contact]:
    """The organisation's active contacts that hold the identifier."""
    held = (
        select(ContactEmail.contact_id).where(
            ContactEmail.organization_id == org_id, ContactEmail.value_normalized == normalized
        )
        if kind == "email"
        else select(ContactPhone.contact_id).where(
            ContactPhone.organization_id == org_id, ContactPhone.e164 == normalized
        )
    )
    return list(
        session.scalars(
            select(Contact)
            .where(
                Contact.organization_id == org_id,
                Contact.status == RecordStatus.ACTIVE,
                Contact.id.in_(held),
            )
            .order_by(Contact.id)
        )
    )


def remember_erased(session: Session, actor: Actor, contact_ids: Sequence[str]) -> int:
    """Keep the opt-outs of a person about to be erased on the suppression list; count the identifiers kept.

    Nothing is kept for a person who never opted out: an erasure alone is no objection to a later exchange.
    """
    channels = _ordered(session.scalars(select(OptOut.channel).where(OptOut.contact_id.in_(contact_ids))))
    if not channels:
        return 0
    pairs = sorted({pair for held in _identifiers(session, contact_ids).values() for pair in held})
    for kind, normalized in pairs:
        suppress(session, actor, kind, normalized, channels, reason="erasure")
    return len(pairs)


def matches(session: Session, org_id: str, contacts: Sequence[Contact]) -> dict[str, list[tuple[str, str]]]:
    """For each active contact the list holds something against: the (channel, suppression id) to opt it
    out of, one per channel, in channel order."""
    active = [c for c in contacts if c.status == RecordStatus.ACTIVE]
    if not active or not any_kept(session, org_id):
        return {}
    session.flush()
    held = _identifiers(session, [c.id for c in active])
    digests = {pair: digest(org_id, *pair) for pairs in held.values() for pair in pairs}
    rows = _stored(session, org_id, digests.values())
    found: dict[str, list[tuple[str, str]]] = {}
    for contact in active:
        matched = [rows[d] for d in sorted(digests[p] for p in held.get(contact.id, ())) if d in rows]
        channels = _ordered(ch for row in matched for ch in row.channels)
        if channels:
            found[contact.id] = [
                (ch, next(row.id for row in matched if ch in row.channels)) for ch in channels
            ]
    return found


def lift(session: Session, actor: Actor, contact: Contact, channel: str) -> None:
    """A suppression-made opt-out of ``contact`` was withdrawn: lift ``channel`` from its identifiers'
    suppressions (deleting those left with no channel), so the consent given now is not overridden."""
    pairs = _identifiers(session, [contact.id]).get(contact.id, set())
    keys = [digest(contact.organization_id, *pair) for pair in pairs]
    for row in _stored(session, contact.organization_id, keys).values():
        if channel in row.channels:
            remaining = [c for c in row.channels if c != channel]
            if remaining:
                _set_channels(session, actor, row, remaining)
            else:
                delete(session, actor, row)


def get(session: Session, org_id: str, suppression_id: str) -> Suppression:
    """The organisation's suppression ``suppression_id`` (404 otherwise)."""
    return get_owned(session, Suppression, org_id, suppression_id, what="suppression")


def delete(session: Session, actor: Actor, row: Suppression) -> None:
    """Forget a suppression: the identifier may be contacted again (existing opt-outs stay)."""
    _publish(session, actor, row, Operation.DELETED)
    session.delete(row)
    session.flush()
    _known(session).pop(row.organization_id, None)
