"""Import every model so that Base.metadata is complete (Alembic and the drift check use it)."""

import contacts.packages  # noqa: F401  (every registered package's models, through its registration)
from contacts.auth.models import ApiToken, Organization, User, UserInvitation
from contacts.cards.models import Card
from contacts.changelog.models import ChangeLogEntry, IdempotencyRecord
from contacts.companies.models import Company, CompanyDomain
from contacts.db import Base
from contacts.dedup.models import DuplicateCandidate, MatchKey, MatchProfile, MergeOperation
from contacts.events.models import Campaign, CampaignMember, Event
from contacts.people.models import Contact, ContactAddress, ContactEmail, ContactPhone, Employment
from contacts.tags.models import CompanyTag, ContactTag, Tag
from contacts.touchpoints.models import Touchpoint
from contacts.webhooks.models import Webhook

__all__ = [
    "ApiToken",
    "Base",
    "Campaign",
    "CampaignMember",
    "Card",
    "ChangeLogEntry",
    "Company",
    "CompanyDomain",
    "CompanyTag",
    "Contact",
    "ContactAddress",
    "ContactEmail",
    "ContactPhone",
    "ContactTag",
    "DuplicateCandidate",
    "Employment",
    "Event",
    "IdempotencyRecord",
    "MatchKey",
    "MatchProfile",
    "MergeOperation",
    "Organization",
    "Tag",
    "Touchpoint",
    "User",
    "UserInvitation",
    "Webhook",
]
