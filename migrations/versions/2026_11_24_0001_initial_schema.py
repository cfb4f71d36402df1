"""Initial schema: organisations, users, tokens, contacts, companies, tags, events, touchpoints,
cards, dedup and the change log.

Revision ID: 0001_initial
Revises: (none)
Create Date: 2026-11-24 07:15:32.462373
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import contacts.db

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Trigram indexes on normalised names and search text; needs a UTF-8 ctype database.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "organization",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("change_seq", sa.Integer(), nullable=False),
        sa.Column("review_threshold", sa.Float(), nullable=True),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
    )
    op.create_table(
        "change_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.String(length=26), nullable=True),
        sa.Column(
            "data", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=True
        ),
        sa.Column("occurred_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_change_log_organization_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
        sa.UniqueConstraint("organization_id", "seq", name=op.f("uq_change_log_organization_id_seq")),
    )
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_change_log_entity", ["organization_id", "entity", "entity_id"], unique=False
        )

    op.create_table(
        "company",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("name_normalized", sa.String(length=300), nullable=False),
        sa.Column("name_kana", sa.String(length=300), nullable=True),
        sa.Column("corporate_number", sa.String(length=13), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column(
            "addresses",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "phones",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("merged_into_id", sa.String(length=26), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["company.id"], name=op.f("fk_company_merged_into_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_company_organization_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company")),
    )
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_company_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_index(
            "ix_company_name_normalized_trgm",
            ["name_normalized"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"name_normalized": "gin_trgm_ops"},
        )
        batch_op.create_index(
            "ix_company_org_corporate_number", ["organization_id", "corporate_number"], unique=False
        )
        batch_op.create_index(
            "ix_company_org_name_normalized", ["organization_id", "name_normalized"], unique=False
        )
        batch_op.create_index("ix_company_org_updated", ["organization_id", "updated_at", "id"], unique=False)

    op.create_table(
        "tag",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_tag_organization_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
        sa.UniqueConstraint("organization_id", "name", name=op.f("uq_tag_organization_id_name")),
    )
    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tag_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "user_account",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_user_account_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("organization_id", "email", name=op.f("uq_user_account_organization_id_email")),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_account_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "api_token",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "scopes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_api_token_organization_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index("ix_api_token_org_user", ["organization_id", "user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "campaign",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("starts_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("tag_id", sa.String(length=26), nullable=True),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_campaign_organization_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_campaign_tag_id_tag"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "company_domain",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("company_id", sa.String(length=26), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_company_domain_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_company_domain_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_domain")),
        sa.UniqueConstraint("company_id", "domain", name=op.f("uq_company_domain_company_id_domain")),
    )
    with op.batch_alter_table("company_domain", schema=None) as batch_op:
        batch_op.create_index("ix_company_domain_org_domain", ["organization_id", "domain"], unique=False)

    op.create_table(
        "contact",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("full_name", sa.String(length=400), nullable=False),
        sa.Column("name_kana", sa.String(length=400), nullable=True),
        sa.Column("name_romaji", sa.String(length=400), nullable=True),
        sa.Column("company_id", sa.String(length=26), nullable=True),
        sa.Column("department", sa.String(length=400), nullable=True),
        sa.Column("title", sa.String(length=400), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.String(length=26), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("merged_into_id", sa.String(length=26), nullable=True),
        sa.Column(
            "field_sources",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_contact_company_id_company")),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["contact.id"], name=op.f("fk_contact_merged_into_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_contact_organization_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_contact_owner_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint("uid", name=op.f("uq_contact_uid")),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_index("ix_contact_org_company", ["organization_id", "company_id"], unique=False)
        batch_op.create_index("ix_contact_org_owner", ["organization_id", "owner_id"], unique=False)
        batch_op.create_index("ix_contact_org_status_id", ["organization_id", "status", "id"], unique=False)
        batch_op.create_index("ix_contact_org_updated", ["organization_id", "updated_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            "ix_contact_search_text_trgm",
            ["search_text"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )

    op.create_table(
        "duplicate_candidate",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("entity", sa.String(length=10), nullable=False),
        sa.Column("a_id", sa.String(length=26), nullable=False),
        sa.Column("b_id", sa.String(length=26), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=26), nullable=True),
        sa.Column("decided_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["user_account.id"], name=op.f("fk_duplicate_candidate_decided_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_duplicate_candidate_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_candidate")),
        sa.UniqueConstraint(
            "organization_id",
            "entity",
            "a_id",
            "b_id",
            name=op.f("uq_duplicate_candidate_organization_id_entity_a_id_b_id"),
        ),
    )
    with op.batch_alter_table("duplicate_candidate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duplicate_candidate_a_id"), ["a_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_duplicate_candidate_b_id"), ["b_id"], unique=False)
        batch_op.create_index(
            "ix_duplicate_candidate_org_status", ["organization_id", "status", "score"], unique=False
        )

    op.create_table(
        "event",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("venue", sa.String(length=500), nullable=True),
        sa.Column("tag_id", sa.String(length=26), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_event_organization_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_event_tag_id_tag"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "idempotency_key",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.String(), nullable=False),
        sa.Column(
            "response_headers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_idempotency_key_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_idempotency_key_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_key")),
        sa.UniqueConstraint(
            "organization_id", "user_id", "key", name=op.f("uq_idempotency_key_organization_id_user_id_key")
        ),
    )
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_key_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_idempotency_key_user_id"), ["user_id"], unique=False)

    op.create_table(
        "merge_operation",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("entity", sa.String(length=10), nullable=False),
        sa.Column("winner_id", sa.String(length=26), nullable=False),
        sa.Column(
            "loser_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "field_choices",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=26), nullable=True),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=26), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_merge_operation_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_merge_operation_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["undone_by"], ["user_account.id"], name=op.f("fk_merge_operation_undone_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_operation")),
    )
    with op.batch_alter_table("merge_operation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_merge_operation_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_merge_operation_winner_id"), ["winner_id"], unique=False)

    op.create_table(
        "card",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("batch_id", sa.String(length=26), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=26), nullable=False),
        sa.Column("event_id", sa.String(length=26), nullable=True),
        sa.Column("exchanged_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "requested_tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("front_image", sa.String(length=100), nullable=False),
        sa.Column("back_image", sa.String(length=100), nullable=True),
        sa.Column("front_normalized", sa.String(length=100), nullable=True),
        sa.Column("back_normalized", sa.String(length=100), nullable=True),
        sa.Column("lang", sa.String(length=10), nullable=True),
        sa.Column(
            "fields",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column(
            "warnings",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("contact_id", sa.String(length=26), nullable=True),
        sa.Column("pipeline_version", sa.String(length=40), nullable=True),
        sa.Column("worker_id", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=26), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["user_account.id"], name=op.f("fk_card_confirmed_by_user_account")
        ),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], name=op.f("fk_card_contact_id_contact")),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_card_event_id_event"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_card_organization_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["user_account.id"], name=op.f("fk_card_uploaded_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card")),
    )
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_card_event_id"), ["event_id"], unique=False)
        batch_op.create_index("ix_card_org_batch", ["organization_id", "batch_id"], unique=False)
        batch_op.create_index(
            "ix_card_org_status_created", ["organization_id", "status", "created_at"], unique=False
        )
        batch_op.create_index("ix_card_status_lease", ["status", "lease_expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_card_uploaded_by"), ["uploaded_by"], unique=False)

    op.create_table(
        "contact_address",
        sa.Column("contact_id", sa.String(length=26), nullable=False),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.Column("value_normalized", sa.String(length=1000), nullable=False),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("primary", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=10), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_address_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_contact_address_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_address")),
    )
    with op.batch_alter_table("contact_address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_address_contact_id"), ["contact_id"], unique=False)

    op.create_table(
        "contact_email",
        sa.Column("contact_id", sa.String(length=26), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column("value_normalized", sa.String(length=320), nullable=False),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("primary", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=10), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_email_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_contact_email_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_email")),
    )
    with op.batch_alter_table("contact_email", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_email_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            "ix_contact_email_org_normalized", ["organization_id", "value_normalized"], unique=False
        )

    op.create_table(
        "contact_phone",
        sa.Column("contact_id", sa.String(length=26), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("e164", sa.String(length=20), nullable=True),
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("primary", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=10), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_contact_phone_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_contact_phone_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_phone")),
    )
    with op.batch_alter_table("contact_phone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_phone_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_contact_phone_org_e164", ["organization_id", "e164"], unique=False)

    op.create_table(
        "contact_tag",
        sa.Column("contact_id", sa.String(length=26), nullable=False),
        sa.Column("tag_id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("tagged_by", sa.String(length=26), nullable=True),
        sa.Column("tagged_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_contact_tag_contact_id_contact"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_contact_tag_organization_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_contact_tag_tag_id_tag"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tagged_by"], ["user_account.id"], name=op.f("fk_contact_tag_tagged_by_user_account")
        ),
        sa.PrimaryKeyConstraint("contact_id", "tag_id", name=op.f("pk_contact_tag")),
    )
    with op.batch_alter_table("contact_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_tag_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index("ix_contact_tag_tag_contact", ["tag_id", "contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_tag_tagged_by"), ["tagged_by"], unique=False)

    op.create_table(
        "employment",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("contact_id", sa.String(length=26), nullable=False),
        sa.Column("company_id", sa.String(length=26), nullable=True),
        sa.Column("department", sa.String(length=400), nullable=True),
        sa.Column("title", sa.String(length=400), nullable=True),
        sa.Column("started_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("source_type", sa.String(length=10), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_employment_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_employment_contact_id_contact"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_employment_organization_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment")),
    )
    with op.batch_alter_table("employment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employment_company_id"), ["company_id"], unique=False)
        batch_op.create_index("ix_employment_contact_started", ["contact_id", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_employment_organization_id"), ["organization_id"], unique=False)

    op.create_table(
        "match_key",
        sa.Column("contact_id", sa.String(length=26), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_match_key_contact_id_contact"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_match_key_organization_id_organization")
        ),
        sa.PrimaryKeyConstraint("contact_id", "key", name=op.f("pk_match_key")),
    )
    with op.batch_alter_table("match_key", schema=None) as batch_op:
        batch_op.create_index("ix_match_key_org_key", ["organization_id", "key"], unique=False)

    op.create_table(
        "match_profile",
        sa.Column("contact_id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column(
            "keys", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_match_profile_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_match_profile_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_match_profile")),
    )
    with op.batch_alter_table("match_profile", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_profile_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "touchpoint",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("contact_id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=True),
        sa.Column("company_id", sa.String(length=26), nullable=True),
        sa.Column("occurred_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("event_id", sa.String(length=26), nullable=True),
        sa.Column("campaign_id", sa.String(length=26), nullable=True),
        sa.Column("card_id", sa.String(length=26), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("company_name_at_time", sa.String(length=300), nullable=True),
        sa.Column("title_at_time", sa.String(length=400), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_touchpoint_campaign_id_campaign"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_touchpoint_company_id_company")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_touchpoint_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_touchpoint_event_id_event"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_touchpoint_organization_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_touchpoint_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touchpoint")),
        sa.UniqueConstraint(
            "organization_id", "external_id", name=op.f("uq_touchpoint_organization_id_external_id")
        ),
    )
    with op.batch_alter_table("touchpoint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_touchpoint_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_touchpoint_card_id"), ["card_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_touchpoint_company_id"), ["company_id"], unique=False)
        batch_op.create_index(
            "ix_touchpoint_contact_occurred", ["contact_id", "occurred_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_touchpoint_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "ix_touchpoint_org_occurred", ["organization_id", "occurred_at", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_touchpoint_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("touchpoint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_touchpoint_user_id"))
        batch_op.drop_index("ix_touchpoint_org_occurred")
        batch_op.drop_index(batch_op.f("ix_touchpoint_event_id"))
        batch_op.drop_index("ix_touchpoint_contact_occurred")
        batch_op.drop_index(batch_op.f("ix_touchpoint_company_id"))
        batch_op.drop_index(batch_op.f("ix_touchpoint_card_id"))
        batch_op.drop_index(batch_op.f("ix_touchpoint_campaign_id"))

    op.drop_table("touchpoint")
    with op.batch_alter_table("match_profile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_profile_organization_id"))

    op.drop_table("match_profile")
    with op.batch_alter_table("match_key", schema=None) as batch_op:
        batch_op.drop_index("ix_match_key_org_key")

    op.drop_table("match_key")
    with op.batch_alter_table("employment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employment_organization_id"))
        batch_op.drop_index("ix_employment_contact_started")
        batch_op.drop_index(batch_op.f("ix_employment_company_id"))

    op.drop_table("employment")
    with op.batch_alter_table("contact_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_tag_tagged_by"))
        batch_op.drop_index("ix_contact_tag_tag_contact")
        batch_op.drop_index(batch_op.f("ix_contact_tag_organization_id"))

    op.drop_table("contact_tag")
    with op.batch_alter_table("contact_phone", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_phone_org_e164")
        batch_op.drop_index(batch_op.f("ix_contact_phone_contact_id"))

    op.drop_table("contact_phone")
    with op.batch_alter_table("contact_email", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_email_org_normalized")
        batch_op.drop_index(batch_op.f("ix_contact_email_contact_id"))

    op.drop_table("contact_email")
    with op.batch_alter_table("contact_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_address_contact_id"))

    op.drop_table("contact_address")
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_uploaded_by"))
        batch_op.drop_index("ix_card_status_lease")
        batch_op.drop_index("ix_card_org_status_created")
        batch_op.drop_index("ix_card_org_batch")
        batch_op.drop_index(batch_op.f("ix_card_event_id"))
        batch_op.drop_index(batch_op.f("ix_card_contact_id"))

    op.drop_table("card")
    with op.batch_alter_table("merge_operation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merge_operation_winner_id"))
        batch_op.drop_index(batch_op.f("ix_merge_operation_organization_id"))

    op.drop_table("merge_operation")
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_key_user_id"))
        batch_op.drop_index(batch_op.f("ix_idempotency_key_created_at"))

    op.drop_table("idempotency_key")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_tag_id"))
        batch_op.drop_index(batch_op.f("ix_event_organization_id"))

    op.drop_table("event")
    with op.batch_alter_table("duplicate_candidate", schema=None) as batch_op:
        batch_op.drop_index("ix_duplicate_candidate_org_status")
        batch_op.drop_index(batch_op.f("ix_duplicate_candidate_b_id"))
        batch_op.drop_index(batch_op.f("ix_duplicate_candidate_a_id"))

    op.drop_table("duplicate_candidate")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_contact_search_text_trgm",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
        batch_op.drop_index(batch_op.f("ix_contact_owner_id"))
        batch_op.drop_index("ix_contact_org_updated")
        batch_op.drop_index("ix_contact_org_status_id")
        batch_op.drop_index("ix_contact_org_owner")
        batch_op.drop_index("ix_contact_org_company")
        batch_op.drop_index(batch_op.f("ix_contact_merged_into_id"))
        batch_op.drop_index(batch_op.f("ix_contact_company_id"))

    op.drop_table("contact")
    with op.batch_alter_table("company_domain", schema=None) as batch_op:
        batch_op.drop_index("ix_company_domain_org_domain")

    op.drop_table("company_domain")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_tag_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_organization_id"))

    op.drop_table("campaign")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
        batch_op.drop_index("ix_api_token_org_user")

    op.drop_table("api_token")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_organization_id"))

    op.drop_table("user_account")
    with op.batch_alter_table("tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tag_organization_id"))

    op.drop_table("tag")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_index("ix_company_org_updated")
        batch_op.drop_index("ix_company_org_name_normalized")
        batch_op.drop_index("ix_company_org_corporate_number")
        batch_op.drop_index(
            "ix_company_name_normalized_trgm",
            postgresql_using="gin",
            postgresql_ops={"name_normalized": "gin_trgm_ops"},
        )
        batch_op.drop_index(batch_op.f("ix_company_merged_into_id"))

    op.drop_table("company")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index("ix_change_log_entity")

    op.drop_table("change_log")
    op.drop_table("organization")
