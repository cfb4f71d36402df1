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
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from tests.conftest import make_org

EXAMPLES = 3
STATEFUL_SCENARIOS = 8
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _checks(mode: GenerationMode) -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
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
        except Unsatisfiable:  # nothing to break in an operation without parameters or body
            continue
        except (Exception, BaseExceptionGroup) as e:  # collect every operation's failures, report them all
            failures.append(f"{operation.label}: {e}")
    assert calls > EXAMPLES, "schemathesis generated almost nothing"
    assert not failures, "\n\n".join(failures)


def test_stateful_sequences_answer_no_5xx_or_off_schema(app: Flask) -> None:
    org = make_org(app, "Stateful Org")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {org.token}"}
    checks = _checks(GenerationMode.POSITIVE)
    calls: list[str] = []

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        """Chains operations through the links schemathesis infers (POST /contacts -> GET /contacts/{id} ...)."""

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            calls.append(f"{case.method} {case.path}")
            return {"headers": headers}

        def validate_response(
            self, response: Any, case: schemathesis.Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=checks, transport_kwargs=kwargs or None)

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    assert len(set(calls)) > 5, f"the state machine chained almost nothing: {sorted(set(calls))}"
