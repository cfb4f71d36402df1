"""Imports of contact files: the import (status, lease, totals) and its rows (plan, result, undo state).

Revision ID: 0018_imports
Revises: 0014_analytics
Create Date: 2026-11-26 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import contacts.db

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0018_imports"
down_revision: str | None = "0017_feed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_import",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("created_by", sa.String(length=26), nullable=True),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("profile", sa.String(length=30), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=False),
        sa.Column("mapping", JSON, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("planned", JSON, nullable=False),
        sa.Column("results", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("committed_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rolled_back_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_contact_import_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_contact_import_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_import")),
    )
    with op.batch_alter_table("contact_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_import_created_by"), ["created_by"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contact_import_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "import_row",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("import_id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("values", JSON, nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("result", sa.String(length=10), nullable=True),
        sa.Column("contact_id", sa.String(length=26), nullable=True),
        sa.Column("created_contact_id", sa.String(length=26), nullable=True),
        sa.Column("merge_id", sa.String(length=26), nullable=True),
        sa.Column("touchpoint_id", sa.String(length=26), nullable=True),
        sa.Column("before", JSON, nullable=True),
        sa.Column("version_after", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["contact_import.id"],
            name=op.f("fk_import_row_import_id_contact_import"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_import_row_organization_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_row")),
        sa.UniqueConstraint("import_id", "row_number", name=op.f("uq_import_row_import_id_row_number")),
    )
    with op.batch_alter_table("import_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_row_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            "ix_import_row_import_result", ["import_id", "result", "row_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_import_row_organization_id"), ["organization_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_row_organization_id"))
        batch_op.drop_index("ix_import_row_import_result")
        batch_op.drop_index(batch_op.f("ix_import_row_contact_id"))

    op.drop_table("import_row")
    with op.batch_alter_table("contact_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_import_organization_id"))
        batch_op.drop_index(batch_op.f("ix_contact_import_created_by"))

    op.drop_table("contact_import")
