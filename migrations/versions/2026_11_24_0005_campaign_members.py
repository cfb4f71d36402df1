"""Campaign members with a status, and a campaign's cost.

Campaigns grouped marketing activities but had no members: who was sent an invitation, who opened,
responded, attended or converted, and who unsubscribed. A member row is keyed by campaign and contact; a
contact merge moves it (and its undo restores it). ``cost`` (whole units of ``currency``) makes the
campaign report's cost per response and per conversion.

Revision ID: 0005_campaign_members
Revises: 0004_contact_search_grams
Create Date: 2026-11-24 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import contacts.db

revision: str = "0005_campaign_members"
down_revision: str | None = "0004_contact_search_grams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=False, server_default="JPY"))
    op.create_table(
        "campaign_member",
        sa.Column("campaign_id", sa.String(length=26), nullable=False),
        sa.Column("contact_id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=26), nullable=True),
        sa.Column("added_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"], ["user_account.id"], name=op.f("fk_campaign_member_added_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaign.id"],
            name=op.f("fk_campaign_member_campaign_id_campaign"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_campaign_member_contact_id_contact"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_campaign_member_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("campaign_id", "contact_id", name=op.f("pk_campaign_member")),
    )
    with op.batch_alter_table("campaign_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_member_added_by"), ["added_by"], unique=False)
        batch_op.create_index("ix_campaign_member_campaign_status", ["campaign_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_member_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_campaign_member_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("campaign_member")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("currency")
        batch_op.drop_column("cost")
