"""What the events package publishes for other packages to react to."""

from __future__ import annotations

from dataclasses import dataclass

from contacts.bus import Event


@dataclass(frozen=True, kw_only=True)
class MembersUnsubscribed(Event):
    """Campaign members moved to ``unsubscribed`` (their change-log rows are the members' updates).

    The opt-outs package opts the contacts out of e-mail.
    """

    campaign_id: str
    contact_ids: tuple[str, ...]
