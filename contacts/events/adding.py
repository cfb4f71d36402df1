"""Adding contacts to a campaign the way both the API and the web app do: opted-out contacts skipped for
the campaign's channel, over-contacted ones on request, the campaign's tag put on the added ones on request."""

from __future__ import annotations

from sqlalchemy.orm import Session

from contacts.events import members
from contacts.events.models import Campaign
from contacts.events.schemas import MembersResult
from contacts.people import service as people
from contacts.people.schemas import ContactListQuery
from contacts.provenance import Actor
from contacts.tags import service as tags

# The opt-out that holds a contact back from a campaign of each channel ("other" names no channel: only an
# opt-out of all channels holds a contact back from it).
OPT_OUT_OF = {"email": "email", "phone": "phone", "postal_mail": "postal_mail", "other": "all"}


def add_selected(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    contact_ids: list[str],
    *,
    status: str | None = None,
    force: bool = False,
    exclude_over_contacted: bool = False,
    tag_members: bool = False,
) -> MembersResult:
    """Add the contacts (and move existing members to ``status``) and report what happened to each."""
    org = actor.organization_id
    already = members.member_ids(session, campaign, contact_ids)
    # Only new members are held back: an opted-out or over-contacted member already there keeps its row.
    new = [c for c in contact_ids if c not in already]
    blocked = people.narrow_ids(session, org, new, ContactListQuery(opted_out=OPT_OUT_OF[campaign.channel]))
    over: set[str] = set()
    if exclude_over_contacted:
        over = people.narrow_ids(session, org, new, ContactListQuery(over_contacted=True)) - blocked
    chosen = [c for c in contact_ids if c not in blocked and c not in over]
    result = members.add_members(session, actor, campaign, chosen, status, force=force)
    if tag_members and chosen and campaign.tag_id is not None:
        # Every selected member (added now or already there) carries the campaign's tag.
        tags.attach_contacts(session, actor, tags.get_tag(session, org, campaign.tag_id), chosen)
    return MembersResult(
        campaign_id=campaign.id,
        added_ids=result.added,
        updated_ids=result.moved,
        removed_ids=[],
        moved=len(result.moved),
        kept=result.kept,
        skipped=result.skipped + len(blocked) + len(over),
        skipped_opted_out=len(blocked),
        skipped_over_contacted=len(over),
    )
