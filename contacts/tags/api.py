"""Tags endpoints: /api/v1/tags, and tagging contacts one by one or by a filter."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response
from sqlalchemy.orm import Session

from contacts.api.context import actor, org_id
from contacts.api.http import check_if_match, etag_for, json_response, no_content
from contacts.api.spec import operation
from contacts.db import get_session
from contacts.people import service as people
from contacts.provenance import Actor
from contacts.tags import service
from contacts.tags.models import Tag
from contacts.tags.schemas import (
    TagCompaniesIn,
    TagCompaniesResult,
    TagContactsIn,
    TagContactsResult,
    TagCreate,
    TagListQuery,
    TagOut,
    TagPage,
    TagUpdate,
)

bp = Blueprint("tags", __name__, url_prefix="/api/v1/tags")


def _out(tag: Tag) -> TagOut:
    return service.tags_out(get_session(), [tag])[0]


def _one(tag_id: str, status: int = 200) -> Response:
    tag = service.get_tag(get_session(), org_id(), tag_id)
    return json_response(
        _out(tag),
        status,
        etag=etag_for(tag.id, service.tag_version(tag)),
        location=f"/api/v1/tags/{tag.id}" if status == 201 else None,
    )


@bp.post("")
@operation(
    summary="Create a tag",
    permission="tags:write",
    body=TagCreate,
    response=TagOut,
    status=201,
    tag="tags",
    idempotent=True,
)
def create_tag(body: TagCreate) -> Response:
    tag = service.create_tag(get_session(), actor(), name=body.name, kind=body.kind)
    return _one(tag.id, 201)


@bp.get("")
@operation(
    summary="List tags with their contact counts",
    permission="tags:read",
    query=TagListQuery,
    response=TagPage,
    tag="tags",
)
def list_tags(query: TagListQuery) -> Response:
    session = get_session()
    items, next_cursor = service.list_tags(session, org_id(), query)
    return json_response(TagPage(items=service.tags_out(session, items), next_cursor=next_cursor))


@bp.get("/<tag_id>")
@operation(summary="Get a tag", permission="tags:read", response=TagOut, tag="tags", etag=True)
def get_tag(tag_id: str) -> Response:
    return _one(tag_id)


@bp.patch("/<tag_id>")
@operation(
    summary="Rename or re-kind a tag (links stay)",
    permission="tags:write",
    body=TagUpdate,
    response=TagOut,
    tag="tags",
    if_match=True,
)
def update_tag(tag_id: str, body: TagUpdate) -> Response:
    session = get_session()
    tag = service.get_tag(session, org_id(), tag_id)
    check_if_match(tag.id, service.tag_version(tag))
    service.update_tag(session, actor(), tag, name=body.name, kind=body.kind)
    return _one(tag.id)


@bp.delete("/<tag_id>")
@operation(
    summary="Delete a tag and its links (409 while an event or campaign owns it)",
    permission="tags:write",
    status=204,
    tag="tags",
    if_match=True,
)
def delete_tag(tag_id: str) -> Response:
    session = get_session()
    tag = service.get_tag(session, org_id(), tag_id)
    check_if_match(tag.id, service.tag_version(tag))
    service.delete_tag(session, actor(), tag)
    return no_content()


def _selected(body: TagContactsIn) -> list[str]:
    session = get_session()
    if body.contact_ids is not None:
        return service.contacts_by_ids(session, org_id(), body.contact_ids)
    assert body.filter is not None
    return people.contacts_by_filter(session, org_id(), body.filter)


@bp.post("/<tag_id>/contacts")
@operation(
    summary="Tag contacts, by ids or by the filters of GET /contacts",
    permission="tags:write",
    body=TagContactsIn,
    response=TagContactsResult,
    tag="tags",
)
def attach_contacts(tag_id: str, body: TagContactsIn) -> Response:
    session = get_session()
    tag = service.get_tag(session, org_id(), tag_id)
    changed = service.attach_contacts(session, actor(), tag, _selected(body))
    session.flush()
    return json_response(TagContactsResult(tag=_out(tag), changed_count=len(changed), changed_ids=changed))


@bp.delete("/<tag_id>/contacts")
@operation(
    summary="Untag contacts, by ids or by the filters of GET /contacts",
    permission="tags:write",
    body=TagContactsIn,
    response=TagContactsResult,
    tag="tags",
)
def detach_contacts(tag_id: str, body: TagContactsIn) -> Response:
    session = get_session()
    tag = service.get_tag(session, org_id(), tag_id)
    changed = service.detach_contacts(session, actor(), tag, _selected(body))
    session.flush()
    return json_response(TagContactsResult(tag=_out(tag), changed_count=len(changed), changed_ids=changed))


def _tag_companies(
    tag_id: str, body: TagCompaniesIn, change: Callable[[Session, Actor, Tag, list[str]], list[str]]
) -> Response:
    session = get_session()
    tag = service.get_tag(session, org_id(), tag_id)
    changed = change(session, actor(), tag, service.companies_by_ids(session, org_id(), body.company_ids))
    session.flush()
    return json_response(TagCompaniesResult(tag=_out(tag), changed_count=len(changed), changed_ids=changed))


@bp.post("/<tag_id>/companies")
@operation(
    summary="Tag companies",
    permission="tags:write",
    body=TagCompaniesIn,
    response=TagCompaniesResult,
    tag="tags",
)
def attach_companies(tag_id: str, body: TagCompaniesIn) -> Response:
    return _tag_companies(tag_id, body, service.attach_companies)


@bp.delete("/<tag_id>/companies")
@operation(
    summary="Untag companies",
    permission="tags:write",
    body=TagCompaniesIn,
    response=TagCompaniesResult,
    tag="tags",
)
def detach_companies(tag_id: str, body: TagCompaniesIn) -> Response:
    return _tag_companies(tag_id, body, service.detach_companies)
