"""Company tags: account segments and target lists on companies, as on contacts.

Revision ID: 0007_company_tags
Revises: 0006_webhooks
Create Date: 2026-11-24 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import contacts.db

revision: str = "0007_company_tags"
down_revision: str | None = "0006_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "company_tag",
        sa.Column("company_id", sa.String(length=26), nullable=False),
        sa.Column("tag_id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("tagged_by", sa.String(length=26), nullable=True),
        sa.Column("tagged_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["company.id"], name=op.f("fk_company_tag_company_id_company"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_company_tag_organization_id_organization")
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_company_tag_tag_id_tag"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tagged_by"], ["user_account.id"], name=op.f("fk_company_tag_tagged_by_user_account")
        ),
        sa.PrimaryKeyConstraint("company_id", "tag_id", name=op.f("pk_company_tag")),
    )
    with op.batch_alter_table("company_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_company_tag_organization_id"), ["organization_id"], unique=False)
        batch_op.create_index("ix_company_tag_tag_company", ["tag_id", "company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_company_tag_tagged_by"), ["tagged_by"], unique=False)


def downgrade() -> None:
    op.drop_table("company_tag")
