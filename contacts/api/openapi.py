"""The OpenAPI 3.1 document, generated from the declared operations and their pydantic schemas."""

from __future__ import annotations

import re
import typing
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from contacts.api.problems import PROBLEM_MIMETYPE
from contacts.api.spec import Operation, declared_operations

PROBLEM_STATUSES = {
    "400": "Malformed request",
    "401": "Missing or invalid token",
    "403": "Role or token scope forbids this",
    "404": "Not found (or in another organisation)",
    "413": "Body too large",
    "415": "Unsupported media type",
    "422": "Validation failed",
}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def build_openapi(app: Flask, *, title: str, version: str) -> dict[str, Any]:
    """Generate the OpenAPI 3.1 document from the declared operations and their pydantic schemas."""
    models: list[tuple[type[BaseModel], typing.Literal["validation", "serialization"]]] = []
    operations = declared_operations()
    for op in operations.values():
        for m, mode in ((op.body, "validation"), (op.query, "validation"), (op.response, "serialization")):
            if m is not None and (m, mode) not in models:
                models.append((m, mode))  # type: ignore[arg-type]
    keyed, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Problem"] = {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": {"type": "string"},
                        "message": {"type": "string"},
                        "code": {"type": "string"},
                    },
                },
            },
        },
    }
    paths: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        declared = operations.get(view) if view is not None else None
        if declared is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(_openapi_path(rule.rule), {})[method.lower()] = _operation_doc(
                rule.endpoint, method, rule.arguments, declared, keyed, schemas
            )
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _operation_doc(
    endpoint: str,
    method: str,
    path_args: typing.Iterable[str],
    op: Operation,
    keyed: dict[Any, Any],
    schemas: dict[str, Any],
) -> dict[str, Any]:
    problem = {"content": {PROBLEM_MIMETYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    doc: dict[str, Any] = {"operationId": endpoint.replace(".", "_"), "summary": op.summary, "tags": [op.tag]}
    params: list[dict[str, Any]] = [
        {"name": a, "in": "path", "required": True, "schema": {"type": "string"}} for a in sorted(path_args)
    ]
    if op.query is not None:
        qschema = keyed[(op.query, "validation")]
        qschema = schemas.get(qschema["$ref"].rsplit("/", 1)[1], qschema) if "$ref" in qschema else qschema
        required = set(qschema.get("required", []))
        for name, prop in qschema.get("properties", {}).items():
            param: dict[str, Any] = {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": prop,
            }
            if prop.get("type") == "array" or any(p.get("type") == "array" for p in prop.get("anyOf", [])):
                param["style"], param["explode"] = "form", True
            params.append(param)
    if op.if_match:
        params.append({"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}})
    if op.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            }
        )
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": keyed[(op.body, "validation")]}},
        }
    elif op.request_content is not None:
        doc["requestBody"] = {"required": True, "content": op.request_content}
    ok: dict[str, Any] = {"description": "OK"}
    if op.response is not None:
        ok["content"] = {"application/json": {"schema": keyed[(op.response, "serialization")]}}
    elif op.response_content is not None:
        ok["content"] = op.response_content
    responses: dict[str, Any] = {str(op.status): ok}
    statuses = dict(PROBLEM_STATUSES)
    if op.if_match:
        statuses["412"] = "If-Match does not match the current ETag"
    if op.body is None and op.request_content is None:
        statuses.pop("415", None)
    if method != "GET":
        statuses["409"] = "Conflicts with existing data or a concurrent change"
    statuses.update(op.extra_responses)
    for code, text in statuses.items():
        responses[code] = {"description": text, **problem}
    doc["responses"] = responses
    if op.permission is None:
        doc["security"] = []
    return doc
