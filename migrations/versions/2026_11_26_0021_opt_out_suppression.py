"""The suppression list: digests of an erased person's e-mail addresses and phone numbers with the channels they
opted out of, so that the objection outlives the person's data.

Revision ID: 0021_opt_out_suppression
Revises: 0020_contact_id_org_status
Create Date: 2026-11-26 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import contacts.db

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0021_opt_out_suppression"
down_revision: str | None = "0020_contact_id_org_status"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opt_out_suppression",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("channels", JSON, nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_by", sa.String(length=26), nullable=True),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_opt_out_suppression_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_opt_out_suppression_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opt_out_suppression")),
        sa.UniqueConstraint(
            "organization_id",
            "kind",
            "digest",
            name=op.f("uq_opt_out_suppression_organization_id_kind_digest"),
        ),
    )


def downgrade() -> None:
    op.drop_table("opt_out_suppression")
