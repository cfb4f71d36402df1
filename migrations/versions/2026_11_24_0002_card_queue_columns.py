"""Cards: when the id was last enqueued (for the sweeper) and the contact a reviewer matched the card to.

Revision ID: 0002_card_queue_columns
Revises: 0001_initial
Create Date: 2026-11-24 07:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import contacts.db

revision: str = "0002_card_queue_columns"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_contact_id", sa.String(length=26), nullable=True))
        batch_op.add_column(sa.Column("enqueued_at", contacts.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_card_match_contact_id_contact"), "contact", ["match_contact_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_card_match_contact_id"), ["match_contact_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("card", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_match_contact_id"))
        batch_op.drop_constraint(batch_op.f("fk_card_match_contact_id_contact"), type_="foreignkey")
        batch_op.drop_column("enqueued_at")
        batch_op.drop_column("match_contact_id")
