"""Schemathesis against a live server: no 5xx and no response that breaks the OpenAPI document."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from tests.conftest import OrgClient, make_org


@pytest.fixture(scope="module")
def live_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def fuzz_org(app: Flask) -> OrgClient:
    org = make_org(app, "Fuzz Org")
    org.post(
        "/api/v1/contacts",
        json={"full_name": "Seed Person", "emails": [{"value": "seed@example.com"}], "tags": ["seed"]},
    )
    return org


@pytest.fixture(scope="module")
def live_schema(live_url: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{live_url}/api/v1/openapi.json")


def test_api_honours_its_schema(live_schema: schemathesis.BaseSchema, fuzz_org: OrgClient) -> None:
    headers = {"Authorization": f"Bearer {fuzz_org.token}"}
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    failures: list[str] = []
    operations = [result.ok() for result in live_schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def exercise(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=checks, timeout=30)

        try:
            exercise()
        except Exception as e:  # collect every operation's failure, report them together
            failures.append(f"{operation.label}: {str(e)[:1500]}")
    assert not failures, "\n\n".join(failures)
