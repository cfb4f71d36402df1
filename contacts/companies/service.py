"""Company lookups and writes shared by contacts, cards and the companies API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from contacts import normalize
from contacts.bus import publish
from contacts.changelog.vocabulary import Operation
from contacts.companies.events import CompanyRenamed, CompanyUnlinked, CompanyWritten
from contacts.companies.models import Company, CompanyDomain
from contacts.companies.schemas import (
    CompanyCreate,
    CompanyListQuery,
    CompanyOut,
    CompanyUpdate,
    normalize_corporate_number,
)
from contacts.db import batches, get_owned, utcnow
from contacts.errors import Conflict, ValidationFailed
from contacts.pagination import page_by_id
from contacts.people.models import Contact
from contacts.people.schemas import AddressIn, AddressOut, PhoneIn, PhoneOut
from contacts.provenance import Actor
from contacts.status import RecordStatus
from contacts.tags import service as tags
from contacts.tags.models import CompanyTag, Tag

DOMAIN_NAME_SIMILARITY = 80.0


def get_company(session: Session, org_id: str, company_id: str) -> Company:
    """Return the organisation's company or raise NotFound."""
    return get_owned(session, Company, org_id, company_id)


def referenced_company(
    session: Session, org_id: str, company_id: str, *, field: str = "company_id"
) -> Company:
    """Return a company named in a request body, or a 422 on that field."""
    company = session.get(Company, company_id)
    if company is None or company.organization_id != org_id or company.status == RecordStatus.DELETED:
        raise ValidationFailed(
            "unknown company",
            errors=[{"field": field, "message": "no such company in this organisation", "code": "not_found"}],
        )
    return company


def companies_by_name(session: Session, org_id: str, names: Iterable[str]) -> dict[str, Company]:
    """Return the oldest active company of each normalised name (as :func:`find_company` finds by name)."""
    keys = sorted({k for k in (normalize.normalize_company_name(n) for n in names) if k})
    found: dict[str, Company] = {}
    for batch in batches(keys):
        for company in session.scalars(
            select(Company)
            .where(
                Company.organization_id == org_id,
                Company.name_normalized.in_(batch),
                Company.status == RecordStatus.ACTIVE,
            )
            .order_by(Company.created_at)
        ):
            found.setdefault(company.name_normalized, company)
    return found


def find_company(
    session: Session, org_id: str, *, name: str | None = None, domain: str | None = None
) -> Company | None:
    """Find an active company by normalised name, else by registrable domain.

    A domain match counts only when no name was given or the names are close (an OCR typo), so a person
    who moved keeps their old email domain without dragging the new company into the old one.
    """
    key = normalize.normalize_company_name(name or "")
    if key:
        by_name = session.scalar(
            select(Company)
            .where(
                Company.organization_id == org_id,
                Company.name_normalized == key,
                Company.status == RecordStatus.ACTIVE,
            )
            .order_by(Company.created_at)
            .limit(1)
        )
        if by_name is not None:
            return by_name
    if not domain:
        return None
    by_domain = session.scalar(
        select(Company)
        .join(CompanyDomain)
        .where(
            CompanyDomain.organization_id == org_id,
            CompanyDomain.domain == domain,
            Company.status == RecordStatus.ACTIVE,
        )
        .order_by(Company.created_at)
        .limit(1)
    )
    if by_domain is None or not key:
        return by_domain
    similar = fuzz.ratio(key, by_domain.name_normalized) >= DOMAIN_NAME_SIMILARITY
    return by_domain if similar else None


def domain_holder(session: Session, org_id: str, domain: str) -> Company | None:
    """Return the active company that already holds ``domain``."""
    return session.scalar(
        select(Company)
        .join(CompanyDomain)
        .where(
            CompanyDomain.organization_id == org_id,
            CompanyDomain.domain == domain,
            Company.status == RecordStatus.ACTIVE,
        )
        .limit(1)
    )


def add_domain(session: Session, company: Company, domain: str) -> None:
    """Attach a registrable domain to a company unless it already has it."""
    if domain and domain not in company.domains:
        company.domain_rows.append(CompanyDomain(organization_id=company.organization_id, domain=domain))


def create_company(
    session: Session, actor: Actor, *, name: str, domains: list[str] | None = None, **values: object
) -> Company:
    """Create a company and log it."""
    company = Company(
        organization_id=actor.organization_id,
        name=name,
        name_normalized=normalize.normalize_company_name(name),
        **values,
    )
    session.add(company)
    for domain in domains or []:
        add_domain(session, company, domain)
    session.flush()
    publish(
        session,
        CompanyWritten(
            org_id=actor.organization_id, actor_id=actor.user_id, company=company, operation=Operation.CREATED
        ),
    )
    return company


def find_or_create_company(
    session: Session, actor: Actor, *, name: str | None, domain: str | None = None
) -> Company | None:
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


def bump_version(company: Company) -> None:
    """Bump a company's version and update time."""
    company.version += 1
    company.updated_at = utcnow()


def _phones_json(phones: list[PhoneIn]) -> list[dict[str, Any]]:
    out = []
    for phone in phones:
        e164 = normalize.to_e164(phone.value)
        kind = phone.type or ("mobile" if e164 and normalize.phone_type_of(e164) == "mobile" else "work")
        out.append({"value": phone.value, "e164": e164, "type": kind, "primary": phone.primary})
    return _one_primary(out)


def _addresses_json(addresses: list[AddressIn]) -> list[dict[str, Any]]:
    out = []
    for addr in addresses:
        postal = normalize.normalize_postal_code(addr.postal_code or "") or addr.postal_code
        out.append(
            {"value": addr.value, "postal_code": postal or None, "type": addr.type, "primary": addr.primary}
        )
    return _one_primary(out)


def _one_primary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen = False
    for row in rows:
        row["primary"] = bool(row["primary"]) and not seen
        seen = seen or row["primary"]
    if rows and not seen:
        rows[0]["primary"] = True
    return rows


def _check_corporate_number(session: Session, org_id: str, number: str | None, own_id: str | None) -> None:
    """Refuse a corporate number another active company of the organisation already carries."""
    if number is None:
        return
    holder = session.scalar(
        select(Company.id)
        .where(
            Company.organization_id == org_id,
            Company.corporate_number == number,
            Company.status == RecordStatus.ACTIVE,
            Company.id != (own_id or ""),
        )
        .limit(1)
    )
    if holder is not None:
        raise Conflict(
            f"company {holder} already has the corporate number {number}",
            errors=[
                {
                    "field": "corporate_number",
                    "message": f"already used by company {holder}",
                    "code": "duplicate",
                }
            ],
        )


def _set_domains(company: Company, domains: list[str]) -> None:
    wanted = list(dict.fromkeys(d for d in domains if d))
    company.domain_rows = [row for row in company.domain_rows if row.domain in wanted]
    for domain in wanted:
        if domain not in company.domains:
            company.domain_rows.append(CompanyDomain(organization_id=company.organization_id, domain=domain))


def create_company_from(session: Session, actor: Actor, data: CompanyCreate) -> Company:
    """Create a company from a POST body; the URL's registrable domain joins its domains."""
    _check_corporate_number(session, actor.organization_id, data.corporate_number, None)
    domains = list(data.domains or [])
    url_domain = normalize.domain_of_url(data.url) if data.url else None
    if url_domain:
        domains.append(url_domain)
    return create_company(
        session,
        actor,
        name=data.name,
        domains=list(dict.fromkeys(domains)),
        name_kana=data.name_kana or None,
        corporate_number=data.corporate_number,
        url=data.url or None,
        phones=_phones_json(data.phones or []),
        addresses=_addresses_json(data.addresses or []),
    )


def update_company(session: Session, actor: Actor, company: Company, data: CompanyUpdate) -> Company:
    """Apply a PATCH; a new name reaches the JSON and search text of the company's contacts."""
    if company.status != RecordStatus.ACTIVE:
        raise Conflict(f"company {company.id} is {company.status}")
    sent = data.model_fields_set
    changed: set[str] = set()
    if "name" in sent:
        if not data.name:
            raise ValidationFailed(
                "a company needs a name",
                errors=[{"field": "name", "message": "must not be empty", "code": "required"}],
            )
        if data.name != company.name:
            company.name = data.name
            company.name_normalized = normalize.normalize_company_name(data.name)
            changed.add("name")
    if "corporate_number" in sent and data.corporate_number != company.corporate_number:
        _check_corporate_number(session, company.organization_id, data.corporate_number, company.id)
        company.corporate_number = data.corporate_number
        changed.add("corporate_number")
    for name in ("name_kana", "url"):
        if name in sent and getattr(company, name) != (getattr(data, name) or None):
            setattr(company, name, getattr(data, name) or None)
            changed.add(name)
    if "phones" in sent:
        company.phones = _phones_json(data.phones or [])
        changed.add("phones")
    if "addresses" in sent:
        company.addresses = _addresses_json(data.addresses or [])
        changed.add("addresses")
    domains = list(data.domains or []) if "domains" in sent else list(company.domains)
    if "url" in changed and company.url:
        url_domain = normalize.domain_of_url(company.url)
        if url_domain:
            domains.append(url_domain)
    if list(dict.fromkeys(domains)) != company.domains:
        _set_domains(company, domains)
        changed.add("domains")
    if not changed:
        return company
    bump_version(company)
    if "name" in changed:
        publish(
            session,
            CompanyRenamed(
                org_id=actor.organization_id,
                actor_id=actor.user_id,
                company=company,
                contacts=tuple(active_contacts_of(session, company)),
            ),
        )
    publish(
        session,
        CompanyWritten(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            company=company,
            operation=Operation.UPDATED,
            fields=frozenset(changed),
            data={"fields": sorted(changed)},
        ),
    )
    return company


def active_contacts_of(session: Session, company: Company) -> list[Contact]:
    """Return the active contacts that work at ``company``."""
    return list(
        session.scalars(
            select(Contact)
            .where(
                Contact.organization_id == company.organization_id,
                Contact.company_id == company.id,
                Contact.status == RecordStatus.ACTIVE,
            )
            .order_by(Contact.id)
        )
    )


def delete_company(session: Session, actor: Actor, company: Company, *, force: bool = False) -> None:
    """Soft-delete a company; while active contacts work there it is a 409 unless ``force`` unlinks them."""
    if company.status == RecordStatus.DELETED:
        return
    if company.status != RecordStatus.ACTIVE:
        raise Conflict(f"company {company.id} is {company.status}")
    count = len(active_contacts_of(session, company))
    if count and not force:
        raise Conflict(
            f"{count} active contact(s) still work at this company; move them first or delete with "
            "force=true to unlink them"
        )
    if count:
        contacts = active_contacts_of(session, company)
        for contact in contacts:
            contact.company = None
            contact.company_id = None
        publish(
            session,
            CompanyUnlinked(
                org_id=actor.organization_id,
                actor_id=actor.user_id,
                company=company,
                contacts=tuple(contacts),
            ),
        )
    company.status = RecordStatus.DELETED
    bump_version(company)
    publish(
        session,
        CompanyWritten(
            org_id=actor.organization_id,
            actor_id=actor.user_id,
            company=company,
            operation=Operation.DELETED,
            data={"unlinked_contacts": count} if count else None,
        ),
    )


def _filtered(org_id: str, query: CompanyListQuery) -> Select[tuple[Company]]:
    stmt = select(Company).where(Company.organization_id == org_id, Company.status == query.status)
    if query.q and query.q.strip():
        raw = query.q.strip()
        folded = normalize.fold_text(raw)
        keys = {k for k in (normalize.normalize_company_name(raw), folded) if k}
        conditions = [Company.name_normalized.contains(k, autoescape=True) for k in keys]
        conditions += [Company.name_kana.contains(k, autoescape=True) for k in {raw, folded} if k]
        conditions.append(
            Company.id.in_(
                select(CompanyDomain.company_id).where(
                    CompanyDomain.organization_id == org_id,
                    CompanyDomain.domain.contains(raw.lower(), autoescape=True),
                )
            )
        )
        stmt = stmt.where(or_(*conditions))
    if query.domain:
        domain = normalize.domain_of_url(query.domain) or query.domain.strip().lower()
        stmt = stmt.where(
            Company.id.in_(
                select(CompanyDomain.company_id).where(
                    CompanyDomain.organization_id == org_id, CompanyDomain.domain == domain
                )
            )
        )
    if query.corporate_number:
        try:
            number = normalize_corporate_number(query.corporate_number)
        except ValueError as e:
            raise ValidationFailed(
                "invalid corporate number",
                errors=[{"field": "corporate_number", "message": str(e), "code": "invalid"}],
            ) from e
        stmt = stmt.where(Company.corporate_number == number)
    if query.updated_since:
        stmt = stmt.where(Company.updated_at >= query.updated_since)
    for name in query.tag:
        stmt = stmt.where(
            Company.id.in_(
                select(CompanyTag.company_id)
                .join(Tag, Tag.id == CompanyTag.tag_id)
                .where(Tag.organization_id == org_id, Tag.name == name)
            )
        )
    return stmt


def list_companies(
    session: Session, org_id: str, query: CompanyListQuery
) -> tuple[list[Company], str | None]:
    """Return one page of companies in creation order and the cursor of the next page."""
    stmt = _filtered(org_id, query).options(selectinload(Company.domain_rows))
    return page_by_id(session, stmt, Company.id, limit=query.limit, cursor=query.cursor)


def companies_out(session: Session, rows: list[Company]) -> list[CompanyOut]:
    """Serialise companies with one query for their tags."""
    names = tags.company_tag_names_for(session, [c.id for c in rows])
    return [company_out(c, names.get(c.id, [])) for c in rows]


def company_out(company: Company, tag_names: list[str]) -> CompanyOut:
    """Serialise a company to its public JSON shape."""
    return CompanyOut(
        tags=tag_names,
        id=company.id,
        name=company.name,
        name_normalized=company.name_normalized,
        name_kana=company.name_kana,
        domains=company.domains,
        corporate_number=company.corporate_number,
        url=company.url,
        addresses=[AddressOut.model_validate(a) for a in company.addresses or []],
        phones=[PhoneOut.model_validate(p) for p in company.phones or []],
        status=company.status,
        version=company.version,
        created_at=company.created_at,
        updated_at=company.updated_at,
    )
