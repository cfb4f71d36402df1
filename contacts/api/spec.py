"""Declared API operations: one decorator validates input, enforces permissions, commits once,
honours Idempotency-Key, and records the schemas from which the OpenAPI document is generated."""

from __future__ import annotations

import hashlib
import json
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contacts.api.principal import current_principal
from contacts.api.problems import PROBLEM_MIMETYPE, validation_errors
from contacts.changelog.models import IdempotencyRecord
from contacts.db import get_session
from contacts.errors import (
    BadRequest,
    Conflict,
    IdempotencyMismatch,
    NotFound,
    UnsupportedMediaType,
    ValidationFailed,
)

F = TypeVar("F", bound=Callable[..., Response])

PROBLEM_STATUSES = {
    "400": "Malformed request", "401": "Missing or invalid token", "403": "Role or token scope forbids this",
    "404": "Not found (or in another organisation)", "413": "Body too large",
    "415": "Unsupported media type", "422": "Validation failed",
}


@dataclass
class Operation:
    """What the OpenAPI document says about one endpoint."""

    summary: str
    permission: str | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    tag: str = "api"
    idempotent: bool = False
    etag: bool = False
    if_match: bool = False
    extra_responses: dict[str, str] = field(default_factory=dict)
    request_content: dict[str, Any] | None = None
    response_content: dict[str, Any] | None = None


_OPERATIONS: dict[Callable[..., Any], Operation] = {}
_PATH_MODELS: dict[str, type[Any]] = {}


def register_path_model(arg: str, model: type[Any]) -> None:
    """Declare that path argument ``arg`` names a row of ``model`` (which has organization_id)."""
    _PATH_MODELS[arg] = model


def path_models() -> dict[str, type[Any]]:
    """Return the registered path arguments and their models."""
    return dict(_PATH_MODELS)


def _check_path_args(path_args: dict[str, Any]) -> None:
    """Answer 404 for an id of another organisation (or none) before anything else is looked at."""
    org_id = current_principal().organization_id
    session = get_session()
    for arg, value in path_args.items():
        model = _PATH_MODELS.get(arg)
        if model is None:
            continue
        row = session.get(model, value)
        if row is None or row.organization_id != org_id:
            raise NotFound(f"no such {arg.removesuffix('_id')}")


def _query_dict(model: type[BaseModel]) -> dict[str, Any]:
    known = model.model_fields
    unknown = sorted(set(request.args) - set(known) - {n.alias for n in known.values() if n.alias})
    if unknown:
        raise ValidationFailed("unknown query parameters", errors=[
            {"field": name, "message": "unknown query parameter", "code": "unknown"} for name in unknown])
    data: dict[str, Any] = {}
    for name, info in known.items():
        key = info.alias or name
        if key not in request.args:
            continue
        origin = typing.get_origin(info.annotation)
        args = typing.get_args(info.annotation)
        is_list = origin is list or any(typing.get_origin(a) is list for a in args)
        data[name] = request.args.getlist(key) if is_list else request.args.get(key)
    return data


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_strings(data: Any, path: str = "") -> list[dict[str, Any]]:
    """Find strings no database can store as text: NUL characters and lone surrogates."""
    if isinstance(data, str):
        return [{"field": path or "body", "message": "NUL characters and unpaired surrogates are not allowed",
                 "code": "invalid_characters"}] if _UNSTORABLE.search(data) else []
    found: list[dict[str, Any]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            found += unstorable_strings(key, f"{path}.{key}" if path else str(key))
            found += unstorable_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += unstorable_strings(value, f"{path}.{i}" if path else str(i))
    return found


_QUERY_SCALARS: dict[type, tuple[re.Pattern[str], str]] = {
    bool: (re.compile(r"true|false"), "expected true or false"),
    int: (re.compile(r"[+-]?\d+"), "expected an integer"),
}


def _scalar_kind(annotation: Any) -> type | None:
    """Return bool or int when a query field holds one (optional or not); None for anything else."""
    kinds = {a for a in (typing.get_args(annotation) or (annotation,)) if a is not type(None)}
    return next(iter(kinds)) if len(kinds) == 1 and next(iter(kinds)) in _QUERY_SCALARS else None


def _loose_scalars(model: type[BaseModel], raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Refuse query values pydantic's lax mode would take but the OpenAPI document does not: ``yes`` or ``1``
    for a boolean, ``1.0`` for an integer."""
    errors = []
    for name, value in raw.items():
        kind = _scalar_kind(model.model_fields[name].annotation)
        if kind is None or not isinstance(value, str):
            continue
        pattern, message = _QUERY_SCALARS[kind]
        if not pattern.fullmatch(value):
            errors.append({"field": model.model_fields[name].alias or name, "message": message,
                           "code": f"{kind.__name__}_type"})
    return errors


def parse_query(model: type[BaseModel]) -> BaseModel:
    """Validate the query string against ``model``."""
    raw = _query_dict(model)
    bad = unstorable_strings(raw) + _loose_scalars(model, raw)
    if bad:
        raise ValidationFailed("invalid query parameters", errors=bad)
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        raise ValidationFailed("invalid query parameters", errors=validation_errors(e)) from e


def parse_body(model: type[BaseModel]) -> BaseModel:
    """Validate a JSON body against ``model``: 415 if not JSON, 400 if malformed, 422 if invalid."""
    if not request.is_json:
        raise UnsupportedMediaType("send the body as application/json")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest(f"malformed JSON: {e}") from e
    except RecursionError as e:
        raise BadRequest("malformed JSON: nested too deeply") from e
    if not isinstance(data, dict):
        raise ValidationFailed("the body must be a JSON object", errors=[
            {"field": "body", "message": "expected an object", "code": "object_type"}])
    bad = unstorable_strings(data)
    if bad:
        raise ValidationFailed("invalid characters in the body", errors=bad)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ValidationFailed("invalid request body", errors=validation_errors(e)) from e


def _request_hash() -> str:
    h = hashlib.sha256()
    h.update(request.method.encode())
    h.update(b"\0" + request.path.encode() + b"\0")
    h.update(request.query_string + b"\0")
    if request.mimetype == "multipart/form-data":
        h.update(_multipart_fingerprint().encode())
    else:
        h.update(request.get_data(cache=True))
    return h.hexdigest()


def _multipart_fingerprint() -> str:
    """Fingerprint a form by its fields and the SHA-256 of each file, in order, not by its raw bytes.

    A client that retries builds a new multipart boundary each time; the same fields and files are the same
    request.
    """
    fields = [[name or "", value] for name, value in request.form.items(multi=True)]
    files = []
    for name, file in request.files.items(multi=True):
        file.stream.seek(0)
        digest = hashlib.sha256()
        while block := file.stream.read(1 << 16):
            digest.update(block)
        file.stream.seek(0)
        files.append([name or "", digest.hexdigest()])
    return json.dumps({"fields": fields, "files": files}, ensure_ascii=False)


def _replay_or_none(key: str, request_hash: str) -> Response | None:
    principal = current_principal()
    record = get_session().scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.organization_id == principal.organization_id,
        IdempotencyRecord.user_id == principal.user_id, IdempotencyRecord.key == key))
    if record is None:
        return None
    if record.request_hash != request_hash or record.method != request.method or record.path != request.path:
        raise IdempotencyMismatch(f"Idempotency-Key {key!r} was already used with a different request")
    resp = Response(record.response_body, status=record.status_code)
    for name, value in record.response_headers.items():
        resp.headers[name] = value
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _remember(key: str, request_hash: str, resp: Response) -> None:
    principal = current_principal()
    headers = {k: v for k, v in resp.headers.items() if k in ("Content-Type", "Location", "ETag")}
    get_session().add(IdempotencyRecord(
        organization_id=principal.organization_id, user_id=principal.user_id, key=key, method=request.method,
        path=request.path, request_hash=request_hash, status_code=resp.status_code,
        response_body=resp.get_data(as_text=True), response_headers=headers))


def operation(*, summary: str, permission: str | None, body: type[BaseModel] | None = None,
              query: type[BaseModel] | None = None, response: type[BaseModel] | None = None,
              status: int = 200, tag: str = "api", idempotent: bool = False, etag: bool = False,
              if_match: bool = False, extra_responses: dict[str, str] | None = None,
              request_content: dict[str, Any] | None = None,
              response_content: dict[str, Any] | None = None) -> Callable[[F], F]:
    """Declare an endpoint: the view receives ``body=`` and ``query=`` already validated."""
    op = Operation(summary=summary, permission=permission, body=body, query=query, response=response,
                   status=status, tag=tag, idempotent=idempotent, etag=etag, if_match=if_match,
                   extra_responses=extra_responses or {}, request_content=request_content,
                   response_content=response_content)

    def decorate(fn: F) -> F:
        @wraps(fn)
        def view(**path_args: Any) -> Response:
            if permission is not None:
                current_principal().require(permission)
            _check_path_args(path_args)
            kwargs: dict[str, Any] = dict(path_args)
            if query is not None:
                kwargs["query"] = parse_query(query)
            if body is not None:
                kwargs["body"] = parse_body(body)
            key = request.headers.get("Idempotency-Key") if idempotent else None
            request_hash = ""
            if key is not None:
                if not 1 <= len(key) <= 200:
                    raise ValidationFailed("invalid Idempotency-Key", errors=[
                        {"field": "Idempotency-Key", "message": "1 to 200 characters", "code": "length"}])
                # Hash before the view runs: a form parser would consume the body.
                request_hash = _request_hash()
                replay = _replay_or_none(key, request_hash)
                if replay is not None:
                    return replay
            session = get_session()
            try:
                resp = fn(**kwargs)
                if request.method != "GET":
                    if key is not None and resp.status_code < 500:
                        _remember(key, request_hash, resp)
                    session.commit()
            except IntegrityError as e:
                session.rollback()
                raise Conflict("the change conflicts with a concurrent one or with existing data; retry") from e
            except BaseException:
                session.rollback()
                raise
            return resp

        _OPERATIONS[view] = op
        return typing.cast(F, view)

    return decorate


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def build_openapi(app: Flask, *, title: str, version: str) -> dict[str, Any]:
    """Generate the OpenAPI 3.1 document from the declared operations and their pydantic schemas."""
    models: list[tuple[type[BaseModel], typing.Literal["validation", "serialization"]]] = []
    for op in _OPERATIONS.values():
        for m, mode in ((op.body, "validation"), (op.query, "validation"), (op.response, "serialization")):
            if m is not None and (m, mode) not in models:
                models.append((m, mode))  # type: ignore[arg-type]
    keyed, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Problem"] = {
        "type": "object", "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "properties": {
                "field": {"type": "string"}, "message": {"type": "string"}, "code": {"type": "string"}}}},
        },
    }
    paths: dict[str, Any] = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        declared = _OPERATIONS.get(view) if view is not None else None
        if declared is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(_openapi_path(rule.rule), {})[method.lower()] = _operation_doc(
                rule.endpoint, method, rule.arguments, declared, keyed, schemas)
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


def _operation_doc(endpoint: str, method: str, path_args: typing.Iterable[str], op: Operation,
                   keyed: dict[Any, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    problem = {"content": {PROBLEM_MIMETYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    doc: dict[str, Any] = {"operationId": endpoint.replace(".", "_"), "summary": op.summary, "tags": [op.tag]}
    params: list[dict[str, Any]] = [
        {"name": a, "in": "path", "required": True, "schema": {"type": "string"}} for a in sorted(path_args)]
    if op.query is not None:
        qschema = keyed[(op.query, "validation")]
        qschema = schemas.get(qschema["$ref"].rsplit("/", 1)[1], qschema) if "$ref" in qschema else qschema
        required = set(qschema.get("required", []))
        for name, prop in qschema.get("properties", {}).items():
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
            if prop.get("type") == "array" or any(p.get("type") == "array" for p in prop.get("anyOf", [])):
                param["style"], param["explode"] = "form", True
            params.append(param)
    if op.if_match:
        params.append({"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}})
    if op.idempotent:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "schema": {"type": "string", "minLength": 1, "maxLength": 200}})
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": keyed[(op.body, "validation")]}}}
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
