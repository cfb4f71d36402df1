"""Web sign-in: password hashes, language and time zone per user, and one-time invitations.

Revision ID: 0008_web_users
Revises: 0007_company_tags
Create Date: 2026-11-25 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import contacts.db

revision: str = "0008_web_users"
down_revision: str | None = "0007_company_tags"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("user_account", sa.Column("password_hash", sa.String(length=255), nullable=True))
    op.add_column("user_account", sa.Column("locale", sa.String(length=10), nullable=True))
    op.add_column("user_account", sa.Column("time_zone", sa.String(length=64), nullable=True))
    op.create_table(
        "user_invitation",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("user_id", sa.String(length=26), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=26), nullable=True),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", contacts.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_user_invitation_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_invitation_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_user_invitation_created_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_invitation_token_hash")),
    )
    with op.batch_alter_table("user_invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_invitation_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_user_invitation_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_user_invitation_created_by"), ["created_by"], unique=False)


def downgrade() -> None:
    op.drop_table("user_invitation")
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of user_account would break the foreign
    # keys every other table holds to it.
    for column in ("time_zone", "locale", "password_hash"):
        op.drop_column("user_account", column)
