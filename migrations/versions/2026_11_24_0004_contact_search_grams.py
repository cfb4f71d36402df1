"""Contact search grams: every one- and two-character query is indexed; better LIKE estimates on PostgreSQL.

0003 stored only the two-character runs of Japanese text, so a short Latin or digit query (Li, Wu, a
two-digit extension) and any one-character query (林, 森) still scanned the whole table. The column now holds
every distinct one- and two-character run of the folded search pieces and is renamed to say so. 0003 also
left the bigrams of contacts that existed before it empty; this migration fills the column for every row.

On PostgreSQL the planner estimates ``search_text LIKE '%...%'`` from the column's histogram. With the
default 100 entries every rare query looked like 1 % of the table, so a phone number or a full name was
searched by walking the primary key until the page filled: the whole table when it matched a handful of
rows (50 ms at 100,000 contacts). A 2,000-entry histogram lets rare queries use the trigram index.

Revision ID: 0004_contact_search_grams
Revises: 0003_contact_search_bigrams
Create Date: 2026-11-24 12:30:00
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_contact_search_grams"
down_revision: str | None = "0003_contact_search_bigrams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_TEXT_STATISTICS = 2000
BATCH = 2000
_GRAMS_TYPE = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")


def _grams(search_text: str) -> list[str]:
    """Every distinct one- and two-character run of the folded pieces (frozen copy of people.service)."""
    pieces = [p for p in search_text.split("\x1f") if p]
    return sorted({p[i : i + n] for p in pieces for n in (1, 2) for i in range(len(p) - n + 1)})


def _wide_bigrams(search_text: str) -> list[str]:
    """The 0003 definition: two-character runs of Japanese (code point 0x3000 and up) text only."""
    pieces = [p for p in search_text.split("\x1f") if p]
    return sorted(
        {
            p[i : i + 2]
            for p in pieces
            for i in range(len(p) - 1)
            if ord(p[i]) >= 0x3000 and ord(p[i + 1]) >= 0x3000
        }
    )


def _fill(column: str, grams_of: Callable[[str], list[str]]) -> None:
    """Recompute ``column`` from ``search_text`` for every contact, in id order, a batch at a time."""
    conn = op.get_bind()
    contact = sa.table(
        "contact",
        sa.column("id", sa.String()),
        sa.column("search_text", sa.Text()),
        sa.column(column, _GRAMS_TYPE),
    )
    update = (
        sa.update(contact)
        .where(contact.c.id == sa.bindparam("row_id"))
        .values({column: sa.bindparam("grams")})
    )
    last = ""
    while True:
        rows = conn.execute(
            sa.select(contact.c.id, contact.c.search_text)
            .where(contact.c.id > last)
            .order_by(contact.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(update, [{"row_id": row_id, "grams": grams_of(text or "")} for row_id, text in rows])
        last = rows[-1][0]


def _set_statistics(target: int) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE contact ALTER COLUMN search_text SET STATISTICS {target}")
        op.execute("ANALYZE contact")


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_search_bigrams_gin", postgresql_using="gin")
        batch_op.alter_column(
            "search_bigrams",
            new_column_name="search_grams",
            existing_type=_GRAMS_TYPE,
            existing_nullable=True,
        )
    _fill("search_grams", _grams)
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_search_grams_gin", ["search_grams"], unique=False, postgresql_using="gin"
        )
    _set_statistics(SEARCH_TEXT_STATISTICS)


def downgrade() -> None:
    _set_statistics(-1)
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_search_grams_gin", postgresql_using="gin")
        batch_op.alter_column(
            "search_grams",
            new_column_name="search_bigrams",
            existing_type=_GRAMS_TYPE,
            existing_nullable=True,
        )
    _fill("search_bigrams", _wide_bigrams)
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contact_search_bigrams_gin", ["search_bigrams"], unique=False, postgresql_using="gin"
        )
