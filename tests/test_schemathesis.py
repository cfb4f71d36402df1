"""Property-based API tests: schemathesis generates requests for every operation of the OpenAPI document.

No request may answer 5xx, every answer must match the document (status, content type and schema), and a
request that breaks the document (a query parameter of the wrong type, say) must be refused.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from tests.conftest import make_org

EXAMPLES = 6
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _checks(mode: GenerationMode) -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    return [*checks, negative_data_rejection] if mode is GenerationMode.NEGATIVE else checks


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_operation_answers_5xx_or_off_schema(app: Flask, mode: GenerationMode) -> None:
    org = make_org(app, "Fuzzed Org")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {org.token}"}
    checks = _checks(mode)
    failures: list[str] = []
    calls = 0
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            failures.append(f"the OpenAPI document is invalid: {result.err()}")
            continue
        operation = result.ok()

        @SETTINGS
        @given(case=operation.as_strategy(mode))
        def run(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, checks=checks)

        try:
            run()
        except (Exception, BaseExceptionGroup) as e:  # collect every operation's failures, report them all
            failures.append(f"{operation.label}: {e}")
    assert calls > EXAMPLES, "schemathesis generated almost nothing"
    assert not failures, "\n\n".join(failures)
