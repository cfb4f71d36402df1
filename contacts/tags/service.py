"""Tags and tagging, shared by contacts, cards, events and the tags API."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from contacts.errors import Forbidden, NotFound
from contacts.tags.models import ContactTag, Tag


def get_tag(session: Session, org_id: str, tag_id: str) -> Tag:
    """Return the organisation's tag or raise NotFound."""
    tag = session.get(Tag, tag_id)
    if tag is None or tag.organization_id != org_id:
        raise NotFound("no such tag")
    return tag


def tags_by_name(session: Session, org_id: str, names: Iterable[str]) -> dict[str, Tag]:
    """Return the organisation's existing tags with these names."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    rows = session.scalars(select(Tag).where(Tag.organization_id == org_id, Tag.name.in_(wanted)))
    return {t.name: t for t in rows}


def ensure_tags(session: Session, org_id: str, names: Iterable[str], *, may_create: bool,
                kind: str = "custom") -> list[Tag]:
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


def attach(session: Session, org_id: str, tag: Tag, contact_ids: Iterable[str], user_id: str | None) -> list[str]:
    """Attach ``tag`` to contacts; return the ids that were not tagged before."""
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return []
    already = set(session.scalars(select(ContactTag.contact_id).where(
        ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(ids))))
    added = [cid for cid in ids if cid not in already]
    session.add_all(ContactTag(contact_id=cid, tag_id=tag.id, organization_id=org_id, tagged_by=user_id)
                    for cid in added)
    return added


def detach(session: Session, tag: Tag, contact_ids: Iterable[str]) -> list[str]:
    """Detach ``tag`` from contacts; return the ids that had it."""
    ids = list(dict.fromkeys(contact_ids))
    if not ids:
        return []
    had = list(session.scalars(select(ContactTag.contact_id).where(
        ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(ids))))
    if had:
        session.execute(delete(ContactTag).where(ContactTag.tag_id == tag.id, ContactTag.contact_id.in_(had)))
    return had


def tag_names_for(session: Session, contact_ids: list[str]) -> dict[str, list[str]]:
    """Map contact ids to their tag names, sorted, in one query."""
    out: dict[str, list[str]] = defaultdict(list)
    if not contact_ids:
        return out
    rows = session.execute(select(ContactTag.contact_id, Tag.name).join(Tag, Tag.id == ContactTag.tag_id)
                           .where(ContactTag.contact_id.in_(contact_ids)).order_by(Tag.name))
    for contact_id, name in rows:
        out[contact_id].append(name)
    return out
