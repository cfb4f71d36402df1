"""Import tests run on an app of their own with small file limits, so the limits are cheap to cross."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from contacts.app import create_app
from tests.conftest import UNLIMITED

MAX_ROWS = 50
MAX_BYTES = 100_000


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        {
            "database_url": database_url,
            "storage_dir": tmp_path_factory.mktemp("images"),
            "queue": "none",
            "import_max_rows": MAX_ROWS,
            "import_max_bytes": MAX_BYTES,
            **UNLIMITED,
        }
    )
    app.config["TESTING"] = True
    yield app
    app.extensions["meishi.engine"].dispose()
