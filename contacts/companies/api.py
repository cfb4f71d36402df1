"""Companies endpoints: /api/v1/companies and a company's contacts."""

from __future__ import annotations

from flask import Blueprint, Response

from contacts.api.context import actor, org_id
from contacts.api.http import check_if_match, etag_for, json_response, no_content
from contacts.api.spec import operation
from contacts.companies import service
from contacts.companies.schemas import (
    CompanyContactsQuery,
    CompanyCreate,
    CompanyDeleteQuery,
    CompanyListQuery,
    CompanyOut,
    CompanyPage,
    CompanyUpdate,
)
from contacts.db import get_session
from contacts.people import service as people
from contacts.people.schemas import ContactListQuery, ContactPage

bp = Blueprint("companies", __name__, url_prefix="/api/v1/companies")


def _one(company_id: str, status: int = 200) -> Response:
    session = get_session()
    company = service.get_company(session, org_id(), company_id)
    return json_response(
        service.companies_out(session, [company])[0],
        status,
        etag=etag_for(company.id, company.version),
        location=f"/api/v1/companies/{company.id}" if status == 201 else None,
    )


@bp.post("")
@operation(
    summary="Create a company",
    permission="companies:write",
    body=CompanyCreate,
    response=CompanyOut,
    status=201,
    tag="companies",
    idempotent=True,
)
def create_company(body: CompanyCreate) -> Response:
    company = service.create_company_from(get_session(), actor(), body)
    return _one(company.id, 201)


@bp.get("")
@operation(
    summary="List companies",
    permission="companies:read",
    query=CompanyListQuery,
    response=CompanyPage,
    tag="companies",
)
def list_companies(query: CompanyListQuery) -> Response:
    session = get_session()
    items, next_cursor = service.list_companies(session, org_id(), query)
    return json_response(CompanyPage(items=service.companies_out(session, items), next_cursor=next_cursor))


@bp.get("/<company_id>")
@operation(
    summary="Get a company", permission="companies:read", response=CompanyOut, tag="companies", etag=True
)
def get_company(company_id: str) -> Response:
    return _one(company_id)


@bp.patch("/<company_id>")
@operation(
    summary="Update a company (a new name reaches its contacts)",
    permission="companies:write",
    body=CompanyUpdate,
    response=CompanyOut,
    tag="companies",
    if_match=True,
)
def update_company(company_id: str, body: CompanyUpdate) -> Response:
    session = get_session()
    company = service.get_company(session, org_id(), company_id)
    check_if_match(company.id, company.version)
    service.update_company(session, actor(), company, body)
    session.flush()
    return _one(company.id)


@bp.delete("/<company_id>")
@operation(
    summary="Delete a company (soft); 409 while active contacts work there unless force=true unlinks them",
    permission="companies:write",
    query=CompanyDeleteQuery,
    status=204,
    tag="companies",
    if_match=True,
)
def delete_company(company_id: str, query: CompanyDeleteQuery) -> Response:
    session = get_session()
    company = service.get_company(session, org_id(), company_id)
    check_if_match(company.id, company.version)
    service.delete_company(session, actor(), company, force=query.force)
    return no_content()


@bp.get("/<company_id>/contacts")
@operation(
    summary="A company's contacts",
    permission="contacts:read",
    query=CompanyContactsQuery,
    response=ContactPage,
    tag="companies",
)
def list_company_contacts(company_id: str, query: CompanyContactsQuery) -> Response:
    session = get_session()
    contact_query = ContactListQuery(
        company_id=company_id, limit=query.limit, cursor=query.cursor, status=query.status
    )
    page = people.list_contacts(session, org_id(), contact_query)
    return json_response(
        ContactPage(items=people.contacts_out(session, page.items), next_cursor=page.next_cursor)
    )
