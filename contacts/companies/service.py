"""Company lookups and writes shared by contacts, cards and the companies API."""

from __future__ import annotations

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from contacts import normalize
from contacts.changelog import service as changelog
from contacts.companies.models import Company, CompanyDomain
from contacts.db import utcnow
from contacts.errors import NotFound, ValidationFailed
from contacts.provenance import Actor

DOMAIN_NAME_SIMILARITY = 80.0


def get_company(session: Session, org_id: str, company_id: str) -> Company:
    """Return the organisation's company or raise NotFound."""
    company = session.get(Company, company_id)
    if company is None or company.organization_id != org_id:
        raise NotFound("no such company")
    return company


def referenced_company(session: Session, org_id: str, company_id: str, *, field: str = "company_id") -> Company:
    """Return a company named in a request body, or a 422 on that field."""
    company = session.get(Company, company_id)
    if company is None or company.organization_id != org_id or company.status == "deleted":
        raise ValidationFailed("unknown company", errors=[
            {"field": field, "message": "no such company in this organisation", "code": "not_found"}])
    return company


def find_company(session: Session, org_id: str, *, name: str | None = None,
                 domain: str | None = None) -> Company | None:
    """Find an active company by normalised name, else by registrable domain.

    A domain match counts only when no name was given or the names are close (an OCR typo), so a person
    who moved keeps their old email domain without dragging the new company into the old one.
    """
    key = normalize.normalize_company_name(name or "")
    if key:
        by_name = session.scalar(select(Company).where(
            Company.organization_id == org_id, Company.name_normalized == key,
            Company.status == "active").order_by(Company.created_at).limit(1))
        if by_name is not None:
            return by_name
    if not domain:
        return None
    by_domain = session.scalar(
        select(Company).join(CompanyDomain).where(
            CompanyDomain.organization_id == org_id, CompanyDomain.domain == domain,
            Company.status == "active").order_by(Company.created_at).limit(1))
    if by_domain is None or not key:
        return by_domain
    similar = fuzz.ratio(key, by_domain.name_normalized) >= DOMAIN_NAME_SIMILARITY
    return by_domain if similar else None


def domain_holder(session: Session, org_id: str, domain: str) -> Company | None:
    """Return the active company that already holds ``domain``."""
    return session.scalar(select(Company).join(CompanyDomain).where(
        CompanyDomain.organization_id == org_id, CompanyDomain.domain == domain,
        Company.status == "active").limit(1))


def add_domain(session: Session, company: Company, domain: str) -> None:
    """Attach a registrable domain to a company unless it already has it."""
    if domain and domain not in company.domains:
        company.domain_rows.append(CompanyDomain(organization_id=company.organization_id, domain=domain))


def create_company(session: Session, actor: Actor, *, name: str, domains: list[str] | None = None,
                   **values: object) -> Company:
    """Create a company and log it."""
    company = Company(organization_id=actor.organization_id, name=name,
                      name_normalized=normalize.normalize_company_name(name), **values)
    session.add(company)
    for domain in domains or []:
        add_domain(session, company, domain)
    session.flush()
    changelog.record(session, actor.organization_id, "company", company.id, "created", actor.user_id)
    return company


def find_or_create_company(session: Session, actor: Actor, *, name: str | None,
                           domain: str | None = None) -> Company | None:
    """Resolve a printed company name (and email/URL domain) to one company, creating it if new."""
    company = find_company(session, actor.organization_id, name=name, domain=domain)
    if company is not None:
        if domain and domain_holder(session, actor.organization_id, domain) is None:
            add_domain(session, company, domain)
        return company
    if not name:
        return None
    free = domain and domain_holder(session, actor.organization_id, domain) is None
    return create_company(session, actor, name=name, domains=[domain] if free and domain else [])


def touch(company: Company) -> None:
    """Bump a company's version and update time."""
    company.version += 1
    company.updated_at = utcnow()
