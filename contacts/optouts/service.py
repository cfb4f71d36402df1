"""Opt-outs: record, list and undo (only explicitly); what the contact filters and contact JSON read."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.db import IN_LIST_BATCH, among_bound, batches, noted, transaction_notes
from contacts.errors import NotFound
from contacts.optouts import suppression
from contacts.optouts.models import OPT_OUT_CHANNELS, OptOut, Suppression
from contacts.optouts.schemas import OptOutOut
from contacts.people import service as people
from contacts.people.models import Contact
from contacts.provenance import Actor

_NEW = "optouts.new"  # transaction_notes: contacts created in the transaction -> their opt-outs


def entity_id(contact_id: str, channel: str) -> str:
    """The change log's id of an opt-out: contact id and channel."""
    return f"{contact_id}:{channel}"


def opt_outs_of(session: Session, contact_id: str) -> list[OptOut]:
    """Return the contact's opt-outs in channel order."""
    rows = session.scalars(select(OptOut).where(OptOut.contact_id == contact_id))
    return sorted(rows, key=lambda r: OPT_OUT_CHANNELS.index(r.channel))


def opt_out(
    session: Session,
    actor: Actor,
    contact: Contact,
    channel: str,
    *,
    source: str,
    source_id: str | None = None,
    note: str | None = None,
) -> tuple[OptOut, bool]:
    """Opt the contact out of ``channel``; return the opt-out and whether it is new (an existing one stays)."""
    existing = session.scalar(
        select(OptOut).where(OptOut.contact_id == contact.id, OptOut.channel == channel)
    )
    if existing is not None:
        return existing, False
    row = OptOut(
        organization_id=contact.organization_id,
        contact_id=contact.id,
        channel=channel,
        source=source,
        source_id=source_id,
        note=note,
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    new = noted(session, _NEW)
    if contact.id in new:
        new[contact.id] = [*new[contact.id], channel]
    people.bump_version(contact)
    publish(
        session,
        Recorded(
            org_id=contact.organization_id,
            actor_id=actor.user_id,
            entity=Entity.OPT_OUT,
            ids=(entity_id(contact.id, channel),),
            operation=Operation.CREATED,
            data={"source": source, **({"campaign_id": source_id} if source_id else {})},
        ),
    )
    _log_contact(session, actor, contact)
    return row, True


def note_created(session: Session, contacts: list[Contact]) -> None:
    """Note contacts just created, so far without opt-outs: :func:`opt_out` notes the ones they get, and
    :func:`contact_fields` reads none for them until the transaction ends or a statement writes opt-outs."""
    new = transaction_notes(session, _NEW, (OptOut.__tablename__,))
    new.update({contact.id: [] for contact in contacts})


def opt_out_suppressed(session: Session, actor: Actor, contacts: list[Contact]) -> None:
    """Opt each of ``contacts`` out of the channels the suppression list holds against its identifiers."""
    by_id = {c.id: c for c in contacts}
    for contact_id, outs in suppression.matches(session, actor.organization_id, contacts).items():
        for channel, suppression_id in outs:
            opt_out(
                session, actor, by_id[contact_id], channel, source="suppression", source_id=suppression_id
            )


def suppress_identifier(
    session: Session, actor: Actor, kind: str, value: str, channels: list[str], *, note: str | None = None
) -> tuple[Suppression, bool]:
    """Put an e-mail address or phone number on the suppression list at someone's request, and opt out the
    contacts holding it now; return the suppression and whether it is new (422 for a malformed identifier)."""
    normalized = suppression.normalized_identifier(kind, value)
    row, new = suppression.suppress(session, actor, kind, normalized, channels, reason="request", note=note)
    opt_out_suppressed(session, actor, suppression.holders(session, actor.organization_id, kind, normalized))
    return row, new


def _log_contact(session: Session, actor: Actor, contact: Contact) -> None:
    """Log the contact's update: its JSON lists the channels it opted out of (its version is bumped already)."""
    publish(
        session,
        Recorded(
            org_id=contact.organization_id,
            actor_id=actor.user_id,
            entity=Entity.CONTACT,
            ids=(contact.id,),
            operation=Operation.UPDATED,
            data={"fields": ["opted_out"]},
        ),
    )


def undo(session: Session, actor: Actor, contact: Contact, channel: str) -> None:
    """Withdraw the contact's opt-out of ``channel`` (404 when there is none): the only way one ends."""
    row = session.scalar(select(OptOut).where(OptOut.contact_id == contact.id, OptOut.channel == channel))
    if row is None:
        raise NotFound(f"the contact has not opted out of {channel}")
    if row.source == "suppression":  # a new consent: the remembered objection no longer holds
        suppression.lift(session, actor, contact, channel)
    session.delete(row)
    noted(session, _NEW).pop(contact.id, None)
    people.bump_version(contact)
    publish(
        session,
        Recorded(
            org_id=contact.organization_id,
            actor_id=actor.user_id,
            entity=Entity.OPT_OUT,
            ids=(entity_id(contact.id, channel),),
            operation=Operation.DELETED,
        ),
    )
    _log_contact(session, actor, contact)


def blocked_channels(channel: str) -> tuple[str, ...]:
    """The opt-outs that stop reaching a contact through ``channel``: itself and all ("all": only all)."""
    return ("all",) if channel == "all" else (channel, "all")


def filter_clauses(session: Session, query: Any, org_id: str) -> list[ColumnElement[bool]]:
    """The contact filters ``opted_out`` and ``not_opted_out``."""

    def opted(channel: str) -> Any:
        return select(OptOut.contact_id).where(
            OptOut.organization_id == org_id, OptOut.channel.in_(blocked_channels(channel))
        )

    clauses: list[ColumnElement[bool]] = []
    if getattr(query, "opted_out", None):
        clauses.append(Contact.id.in_(opted(query.opted_out)))
    if getattr(query, "not_opted_out", None):
        clauses.append(~Contact.id.in_(opted(query.not_opted_out)))
    return clauses


@functools.cache
def _channels_select(postgresql: bool) -> Select[tuple[str, str]]:
    """Return the select of the opt-outs of the contacts bound as ``contact_ids``, built once: every contact
    read runs it, and a built statement keeps its cache key (SQLAlchemy does not traverse it again)."""
    return select(OptOut.contact_id, OptOut.channel).where(
        among_bound(OptOut.contact_id, "contact_ids", postgresql=postgresql)
    )


def contact_fields(session: Session, contact_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The contact JSON's ``opted_out``: the channels each contact opted out of (read for all but the contacts
    created in the transaction, whose opt-outs are noted)."""
    new = noted(session, _NEW)
    found: dict[str, list[str]] = {c: list(new[c]) for c in contact_ids if new.get(c)}
    unknown = [c for c in contact_ids if c not in new]
    if unknown:
        postgresql = session.get_bind().dialect.name == "postgresql"
        statement = _channels_select(postgresql)
        # one array on PostgreSQL; elsewhere an IN list per batch, within SQLite's parameter limit
        for batch in batches(unknown, len(unknown) if postgresql else IN_LIST_BATCH):
            for contact_id, channel in (
                session.execute(statement, {"contact_ids": list(batch)}).tuples().all()
            ):
                found.setdefault(contact_id, []).append(channel)
    return {c: {"opted_out": sorted(chs, key=OPT_OUT_CHANNELS.index)} for c, chs in found.items()}


def channels_column(contact_id: Any) -> ColumnElement[Any]:
    """The channels the contact ``contact_id`` (a column) opted out of, as a JSON array or null."""
    return select(func.json_agg(OptOut.channel)).where(OptOut.contact_id == contact_id).scalar_subquery()


def channel_fields(channels: list[str] | None) -> dict[str, Any] | None:
    """The contact JSON's ``opted_out`` from what :func:`channels_column` read."""
    return {"opted_out": sorted(channels, key=OPT_OUT_CHANNELS.index)} if channels else None


def out(row: OptOut) -> OptOutOut:
    """Serialise an opt-out."""
    return OptOutOut.model_validate(row, from_attributes=True)
