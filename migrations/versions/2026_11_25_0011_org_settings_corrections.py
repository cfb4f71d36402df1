"""Organisation settings (review threshold, learning from corrections) and remembered field corrections.

Revision ID: 0011_org_settings_corrections
Revises: 0008_web_users
Create Date: 2026-11-25 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import contacts.db

revision: str = "0011_org_settings_corrections"
down_revision: str | None = "0008_web_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organization_settings",
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("review_threshold", sa.Float(), nullable=True),
        sa.Column("learn_corrections", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=26), nullable=True),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_organization_settings_organization_id_organization"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["user_account.id"], name=op.f("fk_organization_settings_updated_by_user_account")
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_organization_settings")),
    )
    with op.batch_alter_table("organization_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organization_settings_updated_by"), ["updated_by"], unique=False)

    op.create_table(
        "field_correction",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("read_key", sa.String(length=400), nullable=False),
        sa.Column("read_value", sa.String(length=400), nullable=False),
        sa.Column("value", sa.String(length=400), nullable=False),
        sa.Column("applied_count", sa.Integer(), nullable=False),
        sa.Column("source_card_id", sa.String(length=26), nullable=True),
        sa.Column("created_by", sa.String(length=26), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_field_correction_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_field_correction_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["source_card_id"],
            ["card.id"],
            name=op.f("fk_field_correction_source_card_id_card"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_correction")),
        sa.UniqueConstraint(
            "organization_id",
            "field",
            "read_key",
            name=op.f("uq_field_correction_organization_id_field_read_key"),
        ),
    )
    with op.batch_alter_table("field_correction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_field_correction_created_by"), ["created_by"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_field_correction_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_field_correction_source_card_id"), ["source_card_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("field_correction")
    op.drop_table("organization_settings")
