"""The change feed's retention: an index on change_log.occurred_at, so `meishi changes prune` reads no more
than it deletes. Feed reads use the unique (organization_id, seq) index already.

Revision ID: 0017_feed
Revises: 0014_analytics
Create Date: 2026-11-26 02:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017_feed"
down_revision: str | None = "0016_segments_exports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.create_index("ix_change_log_occurred_at", ["occurred_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index("ix_change_log_occurred_at")
