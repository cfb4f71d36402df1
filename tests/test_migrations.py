"""Alembic builds and removes the schema on each backend, and the models never drift from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from contacts import migrate
from contacts.models import Base
from tests.dbs import backends, temporary_database


@pytest.fixture(params=backends())
def empty_db(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    with temporary_database(request.param, tmp_path) as url:
        yield url


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_head_creates_every_model_table(empty_db: str) -> None:
    migrate.upgrade(empty_db)
    assert _tables(empty_db) == set(Base.metadata.tables)


def test_models_and_migrations_do_not_drift(empty_db: str) -> None:
    migrate.upgrade(empty_db)
    engine = create_engine(empty_db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_base_removes_everything(empty_db: str) -> None:
    migrate.upgrade(empty_db)
    migrate.downgrade(empty_db)
    assert _tables(empty_db) == set()


def test_upgrade_after_downgrade_works_again(empty_db: str) -> None:
    migrate.upgrade(empty_db)
    migrate.downgrade(empty_db)
    migrate.upgrade(empty_db)
    assert "contact" in _tables(empty_db)


def test_postgres_database_has_utf8_ctype_and_trigram_similarity_for_japanese() -> None:
    if "postgresql" not in backends():
        pytest.skip("PostgreSQL not selected")
    with temporary_database("postgresql", Path("/tmp")) as url:
        migrate.upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            ctype = conn.execute(text("SELECT datctype FROM pg_database WHERE datname = current_database()"
                                      )).scalar_one()
            similarity = conn.execute(text("SELECT similarity('株式会社アクメ商事', 'アクメ商事')")).scalar_one()
        engine.dispose()
    assert "UTF-8" in ctype.upper().replace("UTF8", "UTF-8")
    assert similarity > 0.3
