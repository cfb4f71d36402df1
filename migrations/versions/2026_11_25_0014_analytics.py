"""Touchpoint analytics: the organisation's time zone, event costs, conversion values, a covering index.

Revision ID: 0014_analytics
Revises: 0011_org_settings_corrections
Create Date: 2026-11-25 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_analytics"
down_revision: str | None = "0011_org_settings_corrections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organization_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=False, server_default="JPY"))
    with op.batch_alter_table("campaign_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value", sa.Integer(), nullable=True))
    with op.batch_alter_table("touchpoint", schema=None) as batch_op:
        batch_op.create_index(
            "ix_touchpoint_org_occurred_channel",
            ["organization_id", "occurred_at", "channel", "contact_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("touchpoint", schema=None) as batch_op:
        batch_op.drop_index("ix_touchpoint_org_occurred_channel")
    with op.batch_alter_table("campaign_member", schema=None) as batch_op:
        batch_op.drop_column("value")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("currency")
        batch_op.drop_column("cost")
    with op.batch_alter_table("organization_settings", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
