"""Contact search bigrams: two-character Japanese queries (most family names) use a GIN index.

pg_trgm cannot index a LIKE pattern shorter than three characters, so a query such as 村田 fell back to a
sequential scan. The bigrams of the folded Japanese text are stored as an array (JSON on SQLite, where
search stays a LIKE scan) and a two-character query becomes an indexed containment test on PostgreSQL.

Revision ID: 0003_contact_search_bigrams
Revises: 0002_card_queue_columns
Create Date: 2026-11-24 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_contact_search_bigrams"
down_revision: str | None = "0002_card_queue_columns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "search_bigrams",
                sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"),
                nullable=True,
            )
        )
        batch_op.create_index(
            "ix_contact_search_bigrams_gin", ["search_bigrams"], unique=False, postgresql_using="gin"
        )


def downgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_search_bigrams_gin", postgresql_using="gin")
        batch_op.drop_column("search_bigrams")
