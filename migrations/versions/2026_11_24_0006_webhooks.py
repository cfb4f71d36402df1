"""Webhooks: subscriptions that receive the change feed, signed, in order, with retries.

Revision ID: 0006_webhooks
Revises: 0005_campaign_members
Create Date: 2026-11-24 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import contacts.db

revision: str = "0006_webhooks"
down_revision: str | None = "0005_campaign_members"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column(
            "entities",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=300), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lease_until", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=26), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_webhook_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_webhook_organization_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook")),
    )
    with op.batch_alter_table("webhook", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_created_by"), ["created_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_organization_id"), ["organization_id"], unique=False)


def downgrade() -> None:
    op.drop_table("webhook")
