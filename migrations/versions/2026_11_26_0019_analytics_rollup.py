"""The touchpoint rollup: per organisation and local day, touchpoints by kind and channel and the contacts
touched (a bit array over a per-organisation contact ordinal), the contacts whose touchpoints changed since,
and the time zone the days were cut in.

Revision ID: 0019_analytics_rollup
Revises: 0018_imports
Create Date: 2026-11-26 03:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import contacts.db

revision: str = "0019_analytics_rollup"
down_revision: str | None = "0018_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization_id"], ["organization.id"], name=op.f(f"fk_{table}_organization_id_organization")
    )


def upgrade() -> None:
    op.create_table(
        "analytics_state",
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("refreshed_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        _org_fk("analytics_state"),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_analytics_state")),
    )
    op.create_table(
        "analytics_dirty",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("contact_id", sa.String(length=26), nullable=True),
        sa.Column("occurred_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_analytics_dirty_contact_id_contact"),
            ondelete="CASCADE",
        ),
        _org_fk("analytics_dirty"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_dirty")),
    )
    op.create_index(op.f("ix_analytics_dirty_contact_id"), "analytics_dirty", ["contact_id"], unique=False)
    op.create_index(
        op.f("ix_analytics_dirty_organization_id"), "analytics_dirty", ["organization_id"], unique=False
    )
    op.create_table(
        "analytics_day",
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("touchpoints", sa.Integer(), nullable=False),
        _org_fk("analytics_day"),
        sa.PrimaryKeyConstraint("organization_id", "day", "kind", "channel", name=op.f("pk_analytics_day")),
    )
    op.create_table(
        "analytics_day_contacts",
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("bits", sa.LargeBinary(), nullable=False),
        _org_fk("analytics_day_contacts"),
        sa.PrimaryKeyConstraint("organization_id", "day", name=op.f("pk_analytics_day_contacts")),
    )
    op.create_table(
        "analytics_contact_ordinal",
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("contact_id", sa.String(length=26), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contact.id"],
            name=op.f("fk_analytics_contact_ordinal_contact_id_contact"),
            ondelete="CASCADE",
        ),
        _org_fk("analytics_contact_ordinal"),
        sa.PrimaryKeyConstraint("organization_id", "contact_id", name=op.f("pk_analytics_contact_ordinal")),
        sa.UniqueConstraint(
            "organization_id", "ordinal", name=op.f("uq_analytics_contact_ordinal_organization_id_ordinal")
        ),
    )
    op.create_index(
        "ix_analytics_contact_ordinal_contact_id", "analytics_contact_ordinal", ["contact_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_analytics_contact_ordinal_contact_id", table_name="analytics_contact_ordinal")
    op.drop_table("analytics_contact_ordinal")
    op.drop_table("analytics_day_contacts")
    op.drop_table("analytics_day")
    op.drop_index(op.f("ix_analytics_dirty_organization_id"), table_name="analytics_dirty")
    op.drop_index(op.f("ix_analytics_dirty_contact_id"), table_name="analytics_dirty")
    op.drop_table("analytics_dirty")
    op.drop_table("analytics_state")
