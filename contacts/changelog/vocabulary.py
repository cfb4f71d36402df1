"""The one vocabulary of the change log: what changed (``Entity``) and how (``Operation``).

The change feed's ``?entity=`` filter and a webhook's ``entities`` offer exactly ``Entity``; every change-log
row is written with members of both enums, so the filter can select everything that is written and nothing
that is not.
"""

from __future__ import annotations

from enum import StrEnum


class Entity(StrEnum):
    """The kinds of record the change log speaks about."""

    CONTACT = "contact"
    COMPANY = "company"
    TAG = "tag"
    EVENT = "event"
    CAMPAIGN = "campaign"
    CAMPAIGN_MEMBER = "campaign_member"
    TOUCHPOINT = "touchpoint"
    CARD = "card"
    USER = "user"
    TOKEN = "token"
    ORGANIZATION = "organization"
    DUPLICATE_CANDIDATE = "duplicate_candidate"
    WEBHOOK = "webhook"
    CORRECTION = "correction"
    ORGANIZATION_SETTINGS = "organization_settings"
    SEGMENT = "segment"
    EXPORT = "export"
    OPT_OUT = "opt_out"
    IMPORT = "import"
    SUPPRESSION = "suppression"


class Operation(StrEnum):
    """What happened to the record."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    RESTORED = "restored"
    ERASED = "erased"
    REVOKED = "revoked"
    DISMISSED = "dismissed"
    CONFIRMED = "confirmed"
    PROCESSED = "processed"
    FAILED = "failed"
    RETRY_SCHEDULED = "retry_scheduled"
    REPROCESS_REQUESTED = "reprocess_requested"
    DISCARDED = "discarded"
    CONTACT_MERGED = "contact.merged"
    CONTACT_MERGE_UNDONE = "contact.merge_undone"
    CONTACT_JOB_CHANGED = "contact.job_changed"
    COMPANY_MERGED = "company.merged"
    COMPANY_MERGE_UNDONE = "company.merge_undone"
