"""Tags and tagging, shared by contacts, cards, events and the tags API."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import InstrumentedAttribute, Session

from contacts.bus import Recorded, publish
from contacts.changelog.vocabulary import Entity, Operation
from contacts.companies.models import Company
from contacts.db import among_bound, batches, get_owned, noted, transaction_notes, utcnow
from contacts.errors import Conflict, Forbidden, ValidationFailed
from contacts.events.models import Campaign, Event
from contacts.pagination import page_by_id
from contacts.people.models import Contact
from contacts.provenance import Actor
from contacts.status import RecordStatus
from contacts.tags.models import CompanyTag, ContactTag, Tag
from contacts.tags.schemas import TagListQuery, TagOut

BULK_FILTER_LIMIT = 10_000
BULK_CHUNK = 1000
_UNTAGGED = "tags.untagged"  # transaction_notes: contacts written in the transaction without a tag


@dataclass(frozen=True)
class _Links:
    """What carries tags (contacts or companies) and the table linking them to tags."""

    owner: type[Contact] | type[Company]
    owner_id: InstrumentedAttribute[str]  # the link table's column naming the owner
    tag_id: InstrumentedAttribute[str]
    entity: Entity  # in the change log and messages
    entities: str


_CONTACTS = _Links(Contact, ContactTag.contact_id, ContactTag.tag_id, Entity.CONTACT, "contacts")
_COMPANIES = _Links(Company, CompanyTag.company_id, CompanyTag.tag_id, Entity.COMPANY, "companies")


_LINKS = {links.entities: links for links in (_CONTACTS, _COMPANIES)}


@functools.cache
def _names_select(entities: str, postgresql: bool) -> Select[tuple[Any, ...]]:
    """Return the select of the owners (bound as ``owner_ids``) and their tag names, built once: every contact
    read runs it, and a built statement keeps its cache key (SQLAlchemy does not traverse it again)."""
    links = _LINKS[entities]
    return (
        select(links.owner_id, Tag.name)
        .join(Tag, Tag.id == links.tag_id)
        .where(among_bound(links.owner_id, "owner_ids", postgresql=postgresql))
        .order_by(Tag.name)
    )


def _names_by_owner(session: Session, links: _Links, owner_ids: list[str]) -> dict[str, list[str]]:
    """Map owners to their tag names, sorted, in one query (off PostgreSQL, one per batch of owners)."""
    out: dict[str, list[str]] = defaultdict(list)
    if not owner_ids:
        return out
    postgresql = session.get_bind().dialect.name == "postgresql"
    statement = _names_select(links.entities, postgresql)
    if postgresql:
        rows = session.execute(statement, {"owner_ids": owner_ids}).tuples().all()
    else:
        rows = [
            row
            for batch in batches(owner_ids)
            for row in session.execute(statement, {"owner_ids": list(batch)}).tuples().all()
        ]
    for owner_id, name in rows:
        out[owner_id].append(name)
    return out


def _active_counts(session: Session, links: _Links, tag_ids: list[str]) -> dict[str, int]:
    """Count the active owners of each tag in one query."""
    if not tag_ids:
        return {}
    owner = links.owner
    rows = session.execute(
        select(links.tag_id, func.count())
        .join(owner, owner.id == links.owner_id)
        .where(links.tag_id.in_(tag_ids), owner.status == RecordStatus.ACTIVE)
        .group_by(links.tag_id)
    )
    return {tag_id: int(count) for tag_id, count in rows}


def _linked_ids(session: Session, links: _Links, tag: Tag) -> list[str]:
    """The active owners carrying ``tag``, in id order."""
    owner = links.owner
    return list(
        session.scalars(
            select(owner.id)
            .where(
                owner.id.in_(select(links.owner_id).where(links.tag_id == tag.id)),
                owner.status == RecordStatus.ACTIVE,
            )
            .order_by(owner.id)
        )
    )


def _bump_versions(session: Session, actor: Actor, links: _Links, owner_ids: list[str]) -> None:
    """Bump and log owners whose tag list changed, since the tags are part of their JSON.

    Works on ids with set-based updates (the bulk form of ``people.touch``): bulk tagging reaches thousands of
    contacts, and loading them would make every change-log write scan them all in the session.
    """
    if not owner_ids:
        return
    owner, now = links.owner, utcnow()
    for i in range(0, len(owner_ids), BULK_CHUNK):
        session.execute(
            update(owner)
            .where(owner.id.in_(owner_ids[i : i + BULK_CHUNK]))
            .values(version=owner.version + 1, updated_at=now)
            .execution_options(synchronize_session="fetch")
        )
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=links.entity,
            ids=tuple(owner_ids),
            operation=Operation.UPDATED,
            data={"fields": ["tags"]},
        ),
    )


def get_tag(session: Session, org_id: str, tag_id: str) -> Tag:
    """Return the organisation's tag or raise NotFound."""
    return get_owned(session, Tag, org_id, tag_id)


def tags_by_name(session: Session, org_id: str, names: Iterable[str]) -> dict[str, Tag]:
    """Return the organisation's existing tags with these names."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    rows = session.scalars(select(Tag).where(Tag.organization_id == org_id, Tag.name.in_(wanted)))
    return {t.name: t for t in rows}


def ensure_tags(
    session: Session, org_id: str, names: Iterable[str], *, may_create: bool, kind: str = "custom"
) -> list[Tag]:
    """Return tags for ``names``, creating missing ones when allowed (else 403)."""
    wanted = [n for n in dict.fromkeys(n.strip() for n in names) if n]
    existing = tags_by_name(session, org_id, wanted)
    missing = [n for n in wanted if n not in existing]
    if missing and not may_create:
        raise Forbidden(f"creating tags needs the tags:write permission: {', '.join(missing)}")
    for name in missing:
        tag = Tag(organization_id=org_id, name=name, kind=kind)
        session.add(tag)
        existing[name] = tag
    if missing:
        session.flush()
    return [existing[n] for n in wanted]


def attach(
    session: Session, org_id: str, tag: Tag, contact_ids: Iterable[str], user_id: str | None
) -> list[str]:
    """Attach ``tag`` to contacts; return the ids that were not tagged before."""
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return []
    already = set(
        session.scalars(
            select(ContactTag.contact_id).where(ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(ids))
        )
    )
    added = [cid for cid in ids if cid not in already]
    untagged = noted(session, _UNTAGGED)
    for cid in added:
        untagged.pop(cid, None)
    session.add_all(
        ContactTag(contact_id=cid, tag_id=tag.id, organization_id=org_id, tagged_by=user_id) for cid in added
    )
    return added


def detach(session: Session, tag: Tag, contact_ids: Iterable[str]) -> list[str]:
    """Detach ``tag`` from contacts; return the ids that had it."""
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return []
    had = list(
        session.scalars(
            select(ContactTag.contact_id).where(ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(ids))
        )
    )
    if had:
        session.execute(delete(ContactTag).where(ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(had)))
    return had


def note_untagged(session: Session, contact_ids: Iterable[str]) -> None:
    """Note contacts just created without tags: their tag names are known until the transaction ends, or
    until a tag is attached to them or a statement writes tag links (a merge moving them, say)."""
    untagged = transaction_notes(session, _UNTAGGED, (ContactTag.__tablename__,))
    untagged.update(dict.fromkeys(contact_ids, True))


def tag_names_for(session: Session, contact_ids: list[str]) -> dict[str, list[str]]:
    """Map contact ids to their tag names, sorted, in one query (none for contacts noted untagged)."""
    untagged = noted(session, _UNTAGGED)
    return _names_by_owner(session, _CONTACTS, [c for c in contact_ids if c not in untagged])


def names_column(contact_id: Any) -> Any:
    """The tag names of the contact ``contact_id`` (a column), sorted as :func:`tag_names_for` sorts them, as a
    JSON array or null."""
    return (
        select(func.json_agg(aggregate_order_by(Tag.name, Tag.name)))
        .select_from(ContactTag)
        .join(Tag, Tag.id == ContactTag.tag_id)
        .where(ContactTag.contact_id == contact_id)
        .scalar_subquery()
    )


def tag_version(tag: Tag) -> int:
    """Return the number that versions a tag's ETag (tags carry no counter; their update time serves)."""
    return int(tag.updated_at.timestamp() * 1_000_000)


def _name_taken(session: Session, org_id: str, name: str, own_id: str | None = None) -> None:
    holder = session.scalar(select(Tag.id).where(Tag.organization_id == org_id, Tag.name == name))
    if holder is not None and holder != own_id:
        raise Conflict(
            f"a tag named {name!r} already exists: {holder}",
            errors=[{"field": "name", "message": f"already used by tag {holder}", "code": "duplicate"}],
        )


def create_tag(session: Session, actor: Actor, *, name: str, kind: str = "custom") -> Tag:
    """Create a tag; a name already used in the organisation is a 409."""
    _name_taken(session, actor.organization_id, name)
    now = utcnow()
    tag = Tag(organization_id=actor.organization_id, name=name, kind=kind, created_at=now, updated_at=now)
    session.add(tag)
    session.flush()
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.TAG,
            ids=(tag.id,),
            operation=Operation.CREATED,
        ),
    )
    return tag


def update_tag(
    session: Session, actor: Actor, tag: Tag, *, name: str | None = None, kind: str | None = None
) -> Tag:
    """Rename or re-kind a tag; links stay, and renamed tags bump the contacts that show the name."""
    changed = []
    if name is not None and name != tag.name:
        _name_taken(session, actor.organization_id, name, tag.id)
        tag.name = name
        changed.append("name")
    if kind is not None and kind != tag.kind:
        tag.kind = kind
        changed.append("kind")
    if not changed:
        return tag
    tag.updated_at = utcnow()
    session.flush()
    if "name" in changed:
        _bump_versions(session, actor, _CONTACTS, _linked_ids(session, _CONTACTS, tag))
        _bump_versions(session, actor, _COMPANIES, _linked_ids(session, _COMPANIES, tag))
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.TAG,
            ids=(tag.id,),
            operation=Operation.UPDATED,
            data={"fields": changed},
        ),
    )
    return tag


def delete_tag(session: Session, actor: Actor, tag: Tag) -> None:
    """Delete a tag and its links; a tag that stands for an event or a campaign is a 409."""
    for model, label in ((Event, "event"), (Campaign, "campaign")):
        owner = session.scalar(
            select(model.id)
            .where(model.organization_id == tag.organization_id, model.tag_id == tag.id)
            .limit(1)
        )
        if owner is not None:
            raise Conflict(f"the tag belongs to {label} {owner}; delete or change the {label} first")
    _bump_versions(session, actor, _CONTACTS, _linked_ids(session, _CONTACTS, tag))
    _bump_versions(session, actor, _COMPANIES, _linked_ids(session, _COMPANIES, tag))
    session.execute(delete(ContactTag).where(ContactTag.tag_id == tag.id))
    session.execute(delete(CompanyTag).where(CompanyTag.tag_id == tag.id))
    publish(
        session,
        Recorded(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            entity=Entity.TAG,
            ids=(tag.id,),
            operation=Operation.DELETED,
            data={"name": tag.name},
        ),
    )
    session.delete(tag)


def tags_out(session: Session, tags: list[Tag]) -> list[TagOut]:
    """Serialise tags with their contact and company counts."""
    ids = [t.id for t in tags]
    counts, companies = _active_counts(session, _CONTACTS, ids), _active_counts(session, _COMPANIES, ids)
    return [
        TagOut(
            id=t.id,
            name=t.name,
            kind=t.kind,
            contact_count=counts.get(t.id, 0),
            company_count=companies.get(t.id, 0),
            created_at=t.created_at,
            updated_at=t.updated_at,
        )
        for t in tags
    ]


def list_tags(session: Session, org_id: str, query: TagListQuery) -> tuple[list[Tag], str | None]:
    """Return one page of tags in creation order and the cursor of the next page."""
    stmt = select(Tag).where(Tag.organization_id == org_id)
    if query.q and query.q.strip():
        stmt = stmt.where(func.lower(Tag.name).contains(query.q.strip().lower(), autoescape=True))
    if query.kind:
        stmt = stmt.where(Tag.kind == query.kind)
    return page_by_id(session, stmt, Tag.id, limit=query.limit, cursor=query.cursor)


def _owners_by_ids(
    session: Session, org_id: str, links: _Links, owner_ids: list[str], *, purpose: str, active_only: bool
) -> list[str]:
    """Check that ``owner_ids`` are the organisation's (active) owners; unknown ids are a 422 naming them."""
    ids, owner = list(dict.fromkeys(owner_ids)), links.owner
    rows = session.execute(
        select(owner.id, owner.status).where(owner.organization_id == org_id, owner.id.in_(ids))
    )
    found = {oid: status for oid, status in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(
            f"no such {links.entity} in this organisation: {', '.join(missing[:20])}",
            errors=[
                {
                    "field": f"{links.entity}_ids",
                    "message": f"no such {links.entity} in this organisation: {oid}",
                    "code": "not_found",
                    "id": oid,
                }
                for oid in missing
            ],
        )
    inactive = (
        [(oid, status) for oid, status in found.items() if status != RecordStatus.ACTIVE]
        if active_only
        else []
    )
    if inactive:
        raise Conflict(
            f"only active {links.entities} can be {purpose}: "
            + ", ".join(f"{oid} is {status}" for oid, status in inactive[:20])
        )
    return ids


def contacts_by_ids(
    session: Session,
    org_id: str,
    contact_ids: list[str],
    *,
    purpose: str = "tagged",
    active_only: bool = True,
) -> list[str]:
    """Check that ``contact_ids`` are the organisation's (active) contacts; unknown ids are a 422 naming them."""
    return _owners_by_ids(session, org_id, _CONTACTS, contact_ids, purpose=purpose, active_only=active_only)


def attach_contacts(session: Session, actor: Actor, tag: Tag, contact_ids: list[str]) -> list[str]:
    """Tag contacts, bump and log the ones newly tagged; return their ids."""
    added: list[str] = []
    for i in range(0, len(contact_ids), BULK_CHUNK):
        added += attach(session, actor.organization_id, tag, contact_ids[i : i + BULK_CHUNK], actor.user_id)
    _bump_versions(session, actor, _CONTACTS, added)
    return added


def detach_contacts(session: Session, actor: Actor, tag: Tag, contact_ids: list[str]) -> list[str]:
    """Untag contacts, bump and log the ones that had the tag; return their ids."""
    had: set[str] = set()
    for i in range(0, len(contact_ids), BULK_CHUNK):
        had.update(detach(session, tag, contact_ids[i : i + BULK_CHUNK]))
    removed = [cid for cid in contact_ids if cid in had]
    _bump_versions(session, actor, _CONTACTS, removed)
    return removed


# Companies carry tags too (account segments, target lists); the same tags, linked through company_tag.


def company_tag_names_for(session: Session, company_ids: list[str]) -> dict[str, list[str]]:
    """Map company ids to their tag names, sorted, in one query."""
    return _names_by_owner(session, _COMPANIES, company_ids)


def companies_by_ids(session: Session, org_id: str, company_ids: list[str]) -> list[str]:
    """Check that ``company_ids`` are the organisation's active companies; unknown ids are a 422 naming them."""
    return _owners_by_ids(session, org_id, _COMPANIES, company_ids, purpose="tagged", active_only=True)


def attach_companies(session: Session, actor: Actor, tag: Tag, company_ids: list[str]) -> list[str]:
    """Tag companies, bump and log the ones newly tagged; return their ids."""
    already = set(
        session.scalars(
            select(CompanyTag.company_id).where(
                CompanyTag.tag_id == tag.id, CompanyTag.company_id.in_(company_ids)
            )
        )
    )
    added = [cid for cid in company_ids if cid not in already]
    session.add_all(
        CompanyTag(
            company_id=cid, tag_id=tag.id, organization_id=actor.organization_id, tagged_by=actor.user_id
        )
        for cid in added
    )
    session.flush()
    _bump_versions(session, actor, _COMPANIES, added)
    return added


def detach_companies(session: Session, actor: Actor, tag: Tag, company_ids: list[str]) -> list[str]:
    """Untag companies, bump and log the ones that had the tag; return their ids."""
    had = set(
        session.scalars(
            select(CompanyTag.company_id).where(
                CompanyTag.tag_id == tag.id, CompanyTag.company_id.in_(company_ids)
            )
        )
    )
    removed = [cid for cid in company_ids if cid in had]
    if removed:
        session.execute(
            delete(CompanyTag).where(CompanyTag.tag_id == tag.id, CompanyTag.company_id.in_(removed))
        )
    _bump_versions(session, actor, _COMPANIES, removed)
    return removed
