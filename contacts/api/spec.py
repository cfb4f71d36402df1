"""Declared API operations: one decorator validates input, enforces permissions, commits once, honours
Idempotency-Key (``contacts.api.idempotency``) and records what ``contacts.api.openapi`` documents."""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import Response, request
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError

from contacts.api import idempotency
from contacts.api.principal import current_principal
from contacts.api.problems import validation_errors
from contacts.db import get_owned, get_session, hold
from contacts.errors import (
    BadRequest,
    Conflict,
    UnsupportedMediaType,
    ValidationFailed,
)

F = TypeVar("F", bound=Callable[..., Response])


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
    """Answer 404 for an id of another organisation (or none) before anything else is looked at.

    The rows found stay held for the request, so the view's own lookup of them needs no query.
    """
    org_id = current_principal().organization_id
    session = get_session()
    for arg, value in path_args.items():
        model = _PATH_MODELS.get(arg)
        if model is None:
            continue
        hold(session, get_owned(session, model, org_id, value, what=arg.removesuffix("_id")))


def _query_dict(model: type[BaseModel]) -> dict[str, Any]:
    known = model.model_fields
    unknown = sorted(set(request.args) - set(known) - {n.alias for n in known.values() if n.alias})
    if unknown:
        raise ValidationFailed(
            "unknown query parameters",
            errors=[
                {"field": name, "message": "unknown query parameter", "code": "unknown"} for name in unknown
            ],
        )
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
        return (
            [
                {
                    "field": path or "body",
                    "message": "NUL characters and unpaired surrogates are not allowed",
                    "code": "invalid_characters",
                }
            ]
            if _UNSTORABLE.search(data)
            else []
        )
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
            errors.append(
                {
                    "field": model.model_fields[name].alias or name,
                    "message": message,
                    "code": f"{kind.__name__}_type",
                }
            )
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
        raise ValidationFailed(
            "the body must be a JSON object",
            errors=[{"field": "body", "message": "expected an object", "code": "object_type"}],
        )
    bad = unstorable_strings(data)
    if bad:
        raise ValidationFailed("invalid characters in the body", errors=bad)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise ValidationFailed("invalid request body", errors=validation_errors(e)) from e


def operation(
    *,
    summary: str,
    permission: str | None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    tag: str = "api",
    idempotent: bool = False,
    etag: bool = False,
    if_match: bool = False,
    extra_responses: dict[str, str] | None = None,
    request_content: dict[str, Any] | None = None,
    response_content: dict[str, Any] | None = None,
) -> Callable[[F], F]:
    """Declare an endpoint: the view receives ``body=`` and ``query=`` already validated."""
    op = Operation(
        summary=summary,
        permission=permission,
        body=body,
        query=query,
        response=response,
        status=status,
        tag=tag,
        idempotent=idempotent,
        etag=etag,
        if_match=if_match,
        extra_responses=extra_responses or {},
        request_content=request_content,
        response_content=response_content,
    )

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
                    raise ValidationFailed(
                        "invalid Idempotency-Key",
                        errors=[
                            {"field": "Idempotency-Key", "message": "1 to 200 characters", "code": "length"}
                        ],
                    )
                # Hash before the view runs: a form parser would consume the body.
                request_hash = idempotency.request_hash()
                replay = idempotency.replay_or_none(key, request_hash)
                if replay is not None:
                    return replay
            session = get_session()
            try:
                resp = fn(**kwargs)
                if request.method != "GET":
                    if key is not None and resp.status_code < 500:
                        idempotency.remember(key, request_hash, resp)
                    session.commit()
            except IntegrityError as e:
                session.rollback()
                raise Conflict(
                    "the change conflicts with a concurrent one or with existing data; retry"
                ) from e
            except BaseException:
                session.rollback()
                raise
            return resp

        _OPERATIONS[view] = op
        return typing.cast(F, view)

    return decorate


def declared_operations() -> dict[Any, Operation]:
    """Return every declared view and what it declared (the OpenAPI document is built from them)."""
    return dict(_OPERATIONS)
