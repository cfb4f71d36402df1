"""Health, readiness and the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from contacts.app import create_app


def test_healthz_answers(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_ok_when_migrated(client: FlaskClient) -> None:
    resp = client.get("/readyz")
    assert resp.status_code == 200 and resp.get_json()["migrations"] == "current"


def test_readyz_503_when_not_migrated(tmp_path: Path) -> None:
    app = create_app({"database_url": f"sqlite:///{tmp_path / 'empty.db'}", "queue": "none"})
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503 and resp.get_json()["migrations"] == "pending"


def test_openapi_is_31_and_public(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    assert "/api/v1/contacts" in doc["paths"]
    assert "post" in doc["paths"]["/api/v1/contacts"]


def test_openapi_request_schema_is_the_validating_schema(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    body = doc["paths"]["/api/v1/contacts"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[1]
    schema = doc["components"]["schemas"][ref]
    assert schema["additionalProperties"] is False
    assert "emails" in schema["properties"]
