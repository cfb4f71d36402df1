"""jsonb values are read with json's C scanner on PostgreSQL (a page of contacts decodes fifty), and read
back exactly as ``json.loads`` reads them."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from psycopg.types.json import JsonbLoader
from sqlalchemy import text

from contacts.db import make_engine

VALUES = [
    {},
    [],
    {"type": "api", "id": None, "at": "2026-11-25T10:00:00+00:00", "user_id": "01KM"},
    {"名前": "小川 健", "emoji": "\U0001f600", "escaped": 'tab\there "quoted" \\ \u00e9'},
    {"int": 12345678901234567890, "float": 1.5e-7, "neg": -0.0, "true": True, "false": False},
    [1, [2, [3, {"deep": [None]}]]],
    "a string",
    42,
]


def _postgresql_url(app: Flask) -> str:
    url: str = app.extensions["meishi.settings"].database_url
    if not url.startswith("postgresql"):
        pytest.skip("jsonb is PostgreSQL's")
    return url


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_a_jsonb_value_reads_back_as_json_loads_reads_it(app: Flask, value: object) -> None:
    engine = make_engine(_postgresql_url(app))
    try:
        with engine.connect() as conn:
            read = conn.execute(text("SELECT CAST(:v AS jsonb)"), {"v": json.dumps(value)}).scalar_one()
            expected = json.loads(
                conn.execute(
                    text("SELECT CAST(CAST(:v AS jsonb) AS text)"), {"v": json.dumps(value)}
                ).scalar_one()
            )
    finally:
        engine.dispose()
    assert read == expected == value
    assert json.dumps(read) == json.dumps(expected)


def test_jsonb_is_not_read_with_psycopgs_json_loads(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(_postgresql_url(app))
    calls: list[object] = []

    def counting(data: bytes | str) -> object:
        calls.append(data)
        return json.loads(data)

    monkeypatch.setattr(JsonbLoader, "_loads", staticmethod(counting))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("""SELECT CAST('{"a": [1, 2]}' AS jsonb)""")).scalar_one() == {
                "a": [1, 2]
            }
    finally:
        engine.dispose()
    assert calls == []
