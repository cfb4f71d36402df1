"""MEISHI_CARD_POOL=process: the serving app runs no OCR threads; a `meishi worker` process polls instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from contacts import migrate
from contacts.app import create_app
from contacts.cards.queue import PolledByWorker, queue_of
from contacts.config import ConfigError


def test_a_serving_app_with_the_pool_in_a_process_starts_no_card_threads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    migrate.upgrade(url)
    app = create_app(
        {
            "database_url": url,
            "storage_dir": tmp_path / "images",
            "queue": "embedded",
            "card_pool": "process",
            "webhooks": "off",
            "imports": "off",
        }
    )
    try:
        assert isinstance(queue_of(app), PolledByWorker)
        assert app.extensions.get("meishi.serving_threads", []) == []
    finally:
        app.extensions["meishi.engine"].dispose()


def test_an_unknown_card_pool_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MEISHI_CARD_POOL"):
        create_app({"database_url": f"sqlite:///{tmp_path / 'x.db'}", "card_pool": "fibres"})
