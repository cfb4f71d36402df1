"""How the tags package (tags) plugs into the app; listed in ``contacts.packages``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.orm import Session

from contacts.changelog.render import as_json, by_ids
from contacts.changelog.vocabulary import Entity
from contacts.ownership import Merge, contact_rows
from contacts.registry import Registry
from contacts.tags import service
from contacts.tags.api import bp
from contacts.tags.models import ContactTag, Tag


def register(registry: Registry) -> None:
    """Declare the blueprint, the path ids and the contacts' tag links."""
    registry.blueprint(bp)
    registry.path_model("tag_id", Tag)
    registry.owns(contact_rows(ContactTag, move=move_contact_tags))
    registry.renders(Entity.TAG, render)


def render(session: Session, org_id: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The tags' JSON, as GET /tags/{id} shows it."""
    return as_json(service.tags_out(session, by_ids(session, Tag, org_id, ids)))


def move_contact_tags(session: Session, merge: Merge) -> None:
    """The winner gets every tag of the losers once (the earliest link of each tag moves, the rest go)."""
    have = set(session.scalars(select(ContactTag.tag_id).where(ContactTag.contact_id == merge.winner_id)))
    for tag_id, contact_id in session.execute(
        select(ContactTag.tag_id, ContactTag.contact_id)
        .where(ContactTag.contact_id.in_(merge.loser_ids))
        .order_by(ContactTag.tagged_at)
    ).all():
        cond = and_(ContactTag.contact_id == contact_id, ContactTag.tag_id == tag_id)
        if tag_id in have:
            session.execute(delete(ContactTag).where(cond))
        else:
            session.execute(update(ContactTag).where(cond).values(contact_id=merge.winner_id))
            have.add(tag_id)
