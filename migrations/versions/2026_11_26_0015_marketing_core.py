"""Marketing core: seniority and prefecture of contacts, over-contacted marks, opt-outs, campaign channels,
bulk touchpoints and contact-frequency rules.

Revision ID: 0015_marketing_core
Revises: 0014_analytics
Create Date: 2026-11-26 02:40:00

The seniority (from the title) and the prefecture (from the primary address) of existing contacts are
backfilled with the same pure normalisers the service uses on every write.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import contacts.db
from contacts.normalize.prefecture import prefecture_of
from contacts.normalize.title import seniority_of

revision: str = "0015_marketing_core"
down_revision: str | None = "0014_analytics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seniority", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("prefecture", sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column("over_contacted_until", contacts.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("over_contacted_rule", contacts.db.JSONType, nullable=True))
        batch_op.create_index("ix_contact_org_seniority", ["organization_id", "seniority"], unique=False)
        batch_op.create_index("ix_contact_org_prefecture", ["organization_id", "prefecture"], unique=False)
        batch_op.create_index(
            "ix_contact_org_over_contacted", ["organization_id", "over_contacted_until"], unique=False
        )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(length=20), server_default="other", nullable=False)
        )
    with op.batch_alter_table("touchpoint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bulk", sa.Boolean(), server_default="false", nullable=False))
    with op.batch_alter_table("organization_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_rules", contacts.db.JSONType, nullable=True))
    op.create_table(
        "opt_out",
        sa.Column("id", sa.String(length=26), nullable=False),
        sa.Column("organization_id", sa.String(length=26), nullable=False),
        sa.Column("contact_id", sa.String(length=26), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_by", sa.String(length=26), nullable=True),
        sa.Column("created_at", contacts.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_opt_out_contact_id_contact"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_opt_out_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"], name=op.f("fk_opt_out_organization_id_organization")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opt_out")),
        sa.UniqueConstraint("contact_id", "channel", name=op.f("uq_opt_out_contact_id_channel")),
    )
    with op.batch_alter_table("opt_out", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opt_out_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opt_out_created_by"), ["created_by"], unique=False)
        batch_op.create_index(
            "ix_opt_out_org_channel_contact", ["organization_id", "channel", "contact_id"], unique=False
        )
    _backfill()


def _backfill() -> None:
    """Fill the seniority and prefecture of existing contacts, a batch at a time."""
    bind = op.get_bind()
    contact = sa.table(
        "contact",
        sa.column("id", sa.String),
        sa.column("title", sa.String),
        sa.column("seniority", sa.String),
        sa.column("prefecture", sa.String),
    )
    address = sa.table(
        "contact_address",
        sa.column("contact_id", sa.String),
        sa.column("value", sa.String),
        sa.column("primary", sa.Boolean),
        sa.column("position", sa.Integer),
    )
    after = ""
    while True:
        rows = bind.execute(
            sa.select(contact.c.id, contact.c.title)
            .where(contact.c.id > after)
            .order_by(contact.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        ids = [r.id for r in rows]
        first: dict[str, str] = {}
        for row in bind.execute(
            sa.select(address.c.contact_id, address.c.value)
            .where(address.c.contact_id.in_(ids))
            .order_by(address.c.contact_id, address.c.primary.desc(), address.c.position)
        ):
            first.setdefault(row.contact_id, row.value)
        for row in rows:
            seniority, prefecture = seniority_of(row.title), prefecture_of(first.get(row.id))
            if seniority is not None or prefecture is not None:
                bind.execute(
                    sa.update(contact)
                    .where(contact.c.id == row.id)
                    .values(seniority=seniority, prefecture=prefecture)
                )
        after = ids[-1]


def _drop_columns(table: str, *columns: str) -> None:
    # ALTER TABLE ... DROP COLUMN on both backends (SQLite 3.35+): a batch "move and copy" would drop and
    # re-create the table, and with foreign keys on, dropping contact or campaign cascades to every row that
    # references them (addresses, e-mails, tags, memberships).
    for column in columns:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def downgrade() -> None:
    with op.batch_alter_table("opt_out", schema=None) as batch_op:
        batch_op.drop_index("ix_opt_out_org_channel_contact")
        batch_op.drop_index(batch_op.f("ix_opt_out_created_by"))
        batch_op.drop_index(batch_op.f("ix_opt_out_contact_id"))
    op.drop_table("opt_out")
    _drop_columns("organization_settings", "contact_rules")
    _drop_columns("touchpoint", "bulk")
    _drop_columns("campaign", "channel")
    op.drop_index("ix_contact_org_over_contacted", table_name="contact")
    op.drop_index("ix_contact_org_prefecture", table_name="contact")
    op.drop_index("ix_contact_org_seniority", table_name="contact")
    _drop_columns("contact", "over_contacted_rule", "over_contacted_until", "prefecture", "seniority")
