"""Create and drop throw-away test databases on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

PG_ADMIN_URL = os.environ.get("MEISHI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def backends() -> list[str]:
    """Backends to test: MEISHI_TEST_BACKENDS (comma list), default both."""
    raw = os.environ.get("MEISHI_TEST_BACKENDS", "sqlite,postgresql")
    return [b.strip() for b in raw.split(",") if b.strip()]


def _pg_admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def require_postgres() -> None:
    """Skip when PostgreSQL is unreachable, except in CI, where that is a failure."""
    engine = _pg_admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as e:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required in CI but unreachable at {PG_ADMIN_URL}: {e}")
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}")
    finally:
        engine.dispose()


@contextmanager
def temporary_database(backend: str, tmp_dir: Path) -> Iterator[str]:
    """Yield the URL of a new empty database (UTF-8 ctype on PostgreSQL) and drop it afterwards."""
    if backend == "sqlite":
        path = tmp_dir / f"meishi-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        return
    if backend != "postgresql":
        raise ValueError(f"unknown backend {backend}")
    require_postgres()
    name = f"meishi_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(
            text(
                f"CREATE DATABASE {name} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
                f"LC_CTYPE 'C.UTF-8' TEMPLATE template0"
            )
        )
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
