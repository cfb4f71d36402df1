"""Run Alembic from code: upgrade, downgrade, current revision and drift check."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine


def migrations_dir() -> Path:
    """Locate the top-level migrations folder (MEISHI_MIGRATIONS_DIR overrides)."""
    override = os.environ.get("MEISHI_MIGRATIONS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """Build an Alembic config for ``database_url`` without reading alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database up to ``revision``."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Migrate the database down to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)


def head_revisions(database_url: str) -> set[str]:
    """Return the head revision ids of the migration scripts."""
    return set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def is_current(engine: Engine) -> bool:
    """Tell whether the database is migrated to the scripts' head."""
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current == head_revisions(engine.url.render_as_string(hide_password=False))
