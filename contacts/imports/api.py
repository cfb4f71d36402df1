"""Import endpoints: /api/v1/imports (plan a file, read the plan, commit, roll back)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select

from contacts.api.context import actor, org_id
from contacts.api.http import etag_for, json_response
from contacts.api.spec import operation
from contacts.config import settings_of
from contacts.db import get_session
from contacts.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from contacts.imports import rollback, service
from contacts.imports.models import ContactImport
from contacts.imports.profiles import FIELDS, PROFILE_NAMES
from contacts.imports.schemas import (
    ImportListQuery,
    ImportOut,
    ImportPage,
    ImportRowPage,
    ImportRowQuery,
)
from contacts.pagination import page_by_id

bp = Blueprint("imports", __name__, url_prefix="/api/v1/imports")

MULTIPART_OVERHEAD = 64 * 1024
FORM_FIELDS = {"encoding", "profile", "mapping"}
UPLOAD_SCHEMA = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {
                    "type": "string",
                    "format": "binary",
                    "description": "CSV (UTF-8 with or without BOM, or cp932) or vCard, up to MEISHI_IMPORT_MAX_BYTES",
                },
                "encoding": {"type": "string", "enum": ["utf-8", "utf-8-sig", "cp932"]},
                "profile": {"type": "string", "enum": list(PROFILE_NAMES)},
                "mapping": {
                    "type": "string",
                    "description": "JSON object of column name to field: " + ", ".join(FIELDS),
                },
            },
        }
    }
}


@bp.before_request
def _upload_body_limit() -> None:
    """Let the upload take a whole file, and refuse a larger one before reading it."""
    if request.endpoint == "imports.create_import":
        limit = settings_of(current_app).import_max_bytes + MULTIPART_OVERHEAD
        if request.content_length is not None and request.content_length > limit:
            raise PayloadTooLarge(
                f"the file is larger than {settings_of(current_app).import_max_bytes} bytes "
                "(MEISHI_IMPORT_MAX_BYTES); split it",
                errors=[{"field": "file", "message": "too large", "code": "too_large"}],
            )
        request.max_content_length = limit


def _one(imp: ContactImport, status: int = 200) -> Response:
    return json_response(
        service.import_out(get_session(), imp),
        status,
        etag=etag_for(imp.id, imp.version),
        location=f"/api/v1/imports/{imp.id}" if status == 201 else None,
    )


def _mapping() -> dict[str, str] | None:
    raw = request.form.get("mapping")
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise ValidationFailed(
            "mapping is not JSON",
            errors=[{"field": "mapping", "message": f"malformed JSON: {e}", "code": "json"}],
        ) from e
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValidationFailed(
            "mapping must be an object of column name to field name",
            errors=[{"field": "mapping", "message": "expected {column: field}", "code": "object_type"}],
        )
    return data


def _form_value(name: str, allowed: tuple[str, ...] | None = None) -> str | None:
    value = request.form.get(name) or request.args.get(name)
    if value and allowed is not None and value not in allowed:
        raise ValidationFailed(
            f"unknown {name}",
            errors=[{"field": name, "message": f"one of {', '.join(allowed)}", "code": "enum"}],
        )
    return value or None


@bp.post("")
@operation(
    summary="Upload a CSV or vCard file and plan its import (a dry-run: nothing is written to contacts)",
    permission="imports:write",
    response=ImportOut,
    status=201,
    tag="imports",
    idempotent=True,
    request_content=UPLOAD_SCHEMA,
    extra_responses={
        "413": "The file is larger than MEISHI_IMPORT_MAX_BYTES",
        "415": "Not multipart/form-data",
        "422": "Wrong encoding, broken CSV, unrecognised header without a mapping, too many rows",
    },
)
def create_import() -> Response:
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("send the file as multipart/form-data in the part 'file'")
    unknown = sorted(name or "" for name in set(request.form) - FORM_FIELDS) + sorted(
        name or "" for name in set(request.files) - {"file"}
    )
    if unknown:
        raise ValidationFailed(
            "unknown form fields",
            errors=[{"field": n, "message": "unknown form field", "code": "unknown"} for n in unknown],
        )
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(
            "no file",
            errors=[{"field": "file", "message": "send the file in the part 'file'", "code": "missing"}],
        )
    settings = settings_of(current_app)
    parsed = service.read_file(
        upload.stream.read(settings.import_max_bytes + 1),
        filename=upload.filename,
        max_bytes=settings.import_max_bytes,
        max_rows=settings.import_max_rows,
        encoding=_form_value("encoding"),
        profile=_form_value("profile", PROFILE_NAMES),
        mapping=_mapping(),
    )
    imp = service.plan_import(get_session(), actor(), parsed, filename=upload.filename)
    return _one(imp, 201)


@bp.get("")
@operation(
    summary="List imports, newest last",
    permission="imports:write",
    query=ImportListQuery,
    response=ImportPage,
    tag="imports",
)
def list_imports(query: ImportListQuery) -> Response:
    session = get_session()
    rows, next_cursor = page_by_id(
        session,
        select(ContactImport).where(ContactImport.organization_id == org_id()),
        ContactImport.id,
        limit=query.limit,
        cursor=query.cursor,
    )
    return json_response(
        ImportPage(items=[service.import_out(session, i) for i in rows], next_cursor=next_cursor)
    )


@bp.get("/<import_id>")
@operation(
    summary="Get an import: status, progress, planned and committed totals",
    permission="imports:write",
    response=ImportOut,
    tag="imports",
    etag=True,
)
def get_import(import_id: str) -> Response:
    return _one(service.get_import(get_session(), org_id(), import_id))


@bp.get("/<import_id>/rows")
@operation(
    summary="List an import's rows: the plan (create, update, merge, skip, error, and why) and the result",
    permission="imports:write",
    query=ImportRowQuery,
    response=ImportRowPage,
    tag="imports",
)
def list_rows(import_id: str, query: ImportRowQuery) -> Response:
    session = get_session()
    imp = service.get_import(session, org_id(), import_id)
    rows, next_cursor = service.rows_page(
        session, imp, limit=query.limit, cursor=query.cursor, action=query.action
    )
    return json_response(ImportRowPage(items=[service.row_out(r) for r in rows], next_cursor=next_cursor))


@bp.post("/<import_id>/commit")
@operation(
    summary="Commit a planned import: a background job applies it in chunks (poll GET /imports/{id})",
    permission="imports:write",
    response=ImportOut,
    status=202,
    tag="imports",
    extra_responses={"409": "The import is not planned (committed or rolled back already)"},
)
def commit_import(import_id: str) -> Response:
    session = get_session()
    imp = service.start_commit(session, actor(), service.get_import(session, org_id(), import_id))
    current_app.extensions["meishi.import_worker"].wake()
    return _one(imp, 202)


@bp.post("/<import_id>/rollback")
@operation(
    summary="Roll back a committed import: created contacts deleted, updated ones restored, merges undone",
    permission="imports:write",
    response=ImportOut,
    tag="imports",
    extra_responses={"409": "Contacts changed since the import (named), or the import is not committed"},
)
def rollback_import(import_id: str) -> Response:
    session = get_session()
    imp = rollback.rollback_import(session, actor(), service.get_import(session, org_id(), import_id))
    return _one(imp)
