"""Alembic builds and removes the schema on each backend, and the models never drift from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from contacts import migrate
from contacts.app import create_app
from contacts.models import Base
from tests.conftest import make_org
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


def _on_migrated_postgres(*queries: str) -> list[Any]:
    """Run each query on a fresh PostgreSQL database at head and return its one value."""
    if "postgresql" not in backends():
        pytest.skip("PostgreSQL not selected")
    with temporary_database("postgresql", Path("/tmp")) as url:
        migrate.upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            values = [conn.execute(text(query)).scalar_one() for query in queries]
        engine.dispose()
    return values


def test_postgres_database_has_utf8_ctype_and_trigram_similarity_for_japanese() -> None:
    ctype, similarity = _on_migrated_postgres(
        "SELECT datctype FROM pg_database WHERE datname = current_database()",
        "SELECT similarity('株式会社アクメ商事', 'アクメ商事')",
    )
    assert "UTF-8" in ctype.upper().replace("UTF8", "UTF-8")
    assert similarity > 0.3


def _contact_grams(url: str, column: str) -> dict[str, list[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT full_name, {column} FROM contact")).all()
    finally:
        engine.dispose()
    return {
        name: sorted(json.loads(value) if isinstance(value, str) else value or []) for name, value in rows
    }


def test_0004_fills_search_grams_of_rows_written_before_it_and_downgrade_restores_bigrams(
    empty_db: str,
) -> None:
    migrate.upgrade(empty_db)
    app = create_app({"database_url": empty_db, "queue": "none"})
    org = make_org(app)
    for body in ({"full_name": "村田 Li", "phones": [{"value": "03-1234-5678"}]}, {"full_name": "林"}):
        assert org.post("/api/v1/contacts", json=body).status_code == 201
    app.extensions["meishi.engine"].dispose()
    migrate.downgrade(empty_db, "0003_contact_search_bigrams")
    assert _contact_grams(empty_db, "search_bigrams") == {"村田 Li": ["村田"], "林": []}
    engine = create_engine(empty_db)
    with engine.begin() as conn:  # as 0003 left the contacts that existed before it
        conn.execute(text("UPDATE contact SET search_bigrams = NULL"))
    engine.dispose()
    migrate.upgrade(empty_db)
    grams = _contact_grams(empty_db, "search_grams")
    assert {"村", "村田", "li", "56"} <= set(grams["村田 Li"]) and grams["林"] == ["林"]


def test_0004_gives_the_search_text_a_finer_histogram_on_postgresql() -> None:
    [target] = _on_migrated_postgres(
        "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'contact'::regclass"
        " AND attname = 'search_text'"
    )
    assert target == 2000


def test_0015_fills_seniority_and_prefecture_of_contacts_written_before_it(empty_db: str) -> None:
    migrate.upgrade(empty_db)
    app = create_app({"database_url": empty_db, "queue": "none"})
    org = make_org(app)
    body = {"full_name": "高橋 一郎", "title": "営業部長", "addresses": [{"value": "福岡県福岡市博多区"}]}
    created = org.post("/api/v1/contacts", json=body)
    assert created.status_code == 201
    assert org.post("/api/v1/contacts", json={"full_name": "無役"}).status_code == 201
    campaign = org.post("/api/v1/campaigns", json={"name": "Autumn"}).get_json()
    members = {"contact_ids": [created.get_json()["id"]]}
    assert org.post(f"/api/v1/campaigns/{campaign['id']}/members", json=members).status_code == 200
    app.extensions["meishi.engine"].dispose()
    migrate.downgrade(empty_db, "0014_analytics")
    migrate.upgrade(empty_db)
    engine = create_engine(empty_db)
    try:
        with engine.connect() as conn:
            rows = set(conn.execute(text("SELECT full_name, seniority, prefecture FROM contact")).tuples())
            members = conn.execute(text("SELECT count(*) FROM campaign_member")).scalar()
    finally:
        engine.dispose()
    # The downgrade and upgrade keep the rows that reference contacts and campaigns (no cascade).
    assert rows == {("高橋 一郎", "director", "福岡県"), ("無役", None, None)} and members == 1
