"""People: search and filters, the contact page (sources, career, timeline, つながり, duplicates), companies."""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from contacts.api.problems import validation_errors
from contacts.auth.models import User
from contacts.companies import service as companies
from contacts.db import get_session
from contacts.dedup import service as dedup
from contacts.dedup.models import MergeOperation
from contacts.errors import ValidationFailed
from contacts.people import service as people
from contacts.people import vcard
from contacts.people.models import Contact, Employment
from contacts.touchpoints import relationships
from contacts.touchpoints import service as touchpoints
from contacts.touchpoints.schemas import RelationshipQuery, TimelineQuery
from contacts.web import filters, locale
from contacts.web.forms import EmptyForm, TouchpointForm
from contacts.web.pages import actor, bp, can, org_id, page, principal

VCARD_LIMIT = 500


def _users() -> list[User]:
    return list(
        get_session().scalars(select(User).where(User.organization_id == org_id()).order_by(User.email))
    )


@bp.get("/people")
@page("contacts:read")
def people_list() -> str:
    """Search people (the API's q) and filter them by tags, company, owner and when we last reached them."""
    db = get_session()
    query = filters.list_query(request.args)
    result = people.list_contacts(db, org_id(), query)
    rows = people.contacts_out(db, result.items)
    company = companies.get_company(db, org_id(), query.company_id) if query.company_id else None
    from contacts.web.views.lists import campaign_choices, tag_choices
    from contacts.web.views.segments import segment_choices

    return render_template(
        "people.html",
        rows=rows,
        next_cursor=result.next_cursor,
        args=request.args,
        carried=filters.filter_args(request.args),
        users=_users(),
        company=company,
        form=EmptyForm(),
        tags=tag_choices() if can("tags:write") else [],
        campaigns=campaign_choices() if can("events:write") else [],
        segments=segment_choices(),
    )


@bp.get("/people/export.vcf")
@page("contacts:read")
def people_vcard() -> Response:
    """Export the filtered list (up to 500 people) as one vCard file."""
    db = get_session()
    result = people.list_contacts(db, org_id(), filters.list_query(request.args, limit=VCARD_LIMIT))
    resp = Response(vcard.to_vcards(people.contacts_out(db, result.items)), mimetype="text/vcard")
    resp.headers["Content-Disposition"] = 'attachment; filename="contacts.vcf"'
    return resp


def _merges(contact: Contact) -> list[MergeOperation]:
    return list(
        get_session().scalars(
            select(MergeOperation)
            .where(
                MergeOperation.organization_id == org_id(),
                MergeOperation.entity == "contact",
                MergeOperation.winner_id == contact.id,
            )
            .order_by(MergeOperation.created_at.desc())
            .limit(20)
        )
    )


def _duplicates(contact: Contact) -> list[tuple[str, Contact, float, list[str]]]:
    db = get_session()
    rows, _cursor = dedup.list_candidates(
        db, org_id(), dedup.CandidateFilter(record_id=contact.id), limit=20, cursor=None
    )
    out = []
    for row in rows:
        other = db.get(Contact, row.b_id if row.a_id == contact.id else row.a_id)
        if other is not None and other.status == "active":
            out.append((row.id, other, row.score, list(row.reasons)))
    return out


@bp.get("/people/<contact_id>")
@page("contacts:read")
def contact_page(contact_id: str) -> Response | str:
    """Show a contact: fields with their sources, career, touchpoints, つながり, duplicates and merges."""
    db = get_session()
    contact = people.get_contact(db, org_id(), contact_id)
    if contact.status == "merged" and contact.merged_into_id:
        return redirect(url_for("web.contact_page", contact_id=contact.merged_into_id))
    timeline, _cursor = touchpoints.list_touchpoints(
        db, org_id(), TimelineQuery(limit=50), contact_id=contact.id
    )
    users = {u.id: u for u in _users()}
    form = TouchpointForm()
    form.occurred_at.data = datetime.now(locale.user_zone()).replace(second=0, microsecond=0, tzinfo=None)
    return render_template(
        "contact.html",
        contact=people.contact_out(db, contact),
        row=contact,
        employment=[people.employment_out(e) for e in people.list_employment(db, contact)],
        timeline=timeline,
        users=users,
        relationship=relationships.contact_relationship(db, org_id(), contact.id, RelationshipQuery()),
        duplicates=_duplicates(contact) if can("duplicates:read") else [],
        merges=_merges(contact) if can("duplicates:read") else [],
        touch_form=form,
        form=EmptyForm(),
    )


@bp.post("/people/<contact_id>/touchpoints")
@page("touchpoints:write")
def contact_touchpoint(contact_id: str) -> Response:
    """Record a touchpoint (meeting, call, e-mail …) with the contact."""
    db = get_session()
    contact = people.get_active_contact(db, org_id(), contact_id)
    form = TouchpointForm()
    if not form.validate_on_submit() or form.occurred_at.data is None:
        raise ValidationFailed(
            "invalid touchpoint",
            errors=[
                {"field": name, "message": str(errors[0]), "code": "invalid"}
                for name, errors in form.errors.items()
            ],
        )
    occurred = form.occurred_at.data.replace(tzinfo=locale.user_zone())
    touchpoints.record_touchpoint(
        db,
        actor(),
        contact=contact,
        kind=form.kind.data or "other",
        occurred_at=occurred,
        source="manual",
        channel=touchpoints.default_channel(form.kind.data or "other"),
        location=(form.location.data or "").strip() or None,
        summary=(form.summary.data or "").strip() or None,
        user_id=principal().user_id,
    )
    flash(_("Touchpoint recorded."))
    return redirect(url_for("web.contact_page", contact_id=contact.id))


@bp.post("/people/<contact_id>/merge")
@page("duplicates:write")
def contact_merge(contact_id: str) -> Response:
    """Merge a duplicate into this contact (this one wins; the merge can be undone)."""
    db = get_session()
    contact = people.get_active_contact(db, org_id(), contact_id)
    other = people.get_active_contact(db, org_id(), request.form.get("other_id", ""))
    dedup.merge_records(
        db, actor(), entity="contact", winner_id=contact.id, loser_ids=[other.id], field_choices={}
    )
    flash(_("Merged. You can undo the merge below."))
    return redirect(url_for("web.contact_page", contact_id=contact.id))


@bp.post("/people/<contact_id>/duplicates/<candidate_id>/dismiss")
@page("duplicates:write")
def contact_dismiss(contact_id: str, candidate_id: str) -> Response:
    """Mark a proposed duplicate as a different person (never proposed again)."""
    db = get_session()
    dedup.dismiss(db, actor(), dedup.get_candidate(db, org_id(), candidate_id))
    flash(_("Marked as a different person."))
    return redirect(url_for("web.contact_page", contact_id=contact_id))


@bp.post("/merges/<merge_id>/undo")
@page("duplicates:write")
def merge_undo(merge_id: str) -> Response:
    """Undo a past merge exactly (refused when a record changed since)."""
    db = get_session()
    op = dedup.get_merge(db, org_id(), merge_id)
    dedup.undo(db, actor(), op)
    flash(_("The merge is undone."))
    return redirect(url_for("web.contact_page", contact_id=op.winner_id))


@bp.get("/companies")
@page("companies:read")
def companies_list() -> str:
    """Search companies by name."""
    from contacts.companies.schemas import CompanyListQuery

    q = request.args.get("q", "").strip()
    try:
        query = CompanyListQuery.model_validate({"q": q or None, "limit": 50})
    except ValidationError as e:
        raise ValidationFailed("invalid search", errors=validation_errors(e)) from e
    rows, _cursor = companies.list_companies(get_session(), org_id(), query)
    return render_template("companies.html", rows=rows, q=q)


@bp.get("/companies/<company_id>")
@page("companies:read")
def company_page(company_id: str) -> str:
    """Show a company: its people past and present, and who on our side knows it."""
    db = get_session()
    company = companies.get_company(db, org_id(), company_id)
    current = list(
        db.scalars(
            select(Contact)
            .where(
                Contact.organization_id == org_id(),
                Contact.company_id == company.id,
                Contact.status == "active",
            )
            .order_by(Contact.full_name)
            .limit(200)
        )
    )
    past = list(
        db.execute(
            select(Contact, Employment)
            .join(Employment, Employment.contact_id == Contact.id)
            .where(
                Employment.company_id == company.id,
                Employment.ended_at.is_not(None),
                Contact.status == "active",
                Contact.organization_id == org_id(),
            )
            .order_by(Employment.ended_at.desc())
            .limit(200)
        ).tuples()
    )
    return render_template(
        "company.html",
        company=companies.companies_out(db, [company])[0],
        current=current,
        past=past,
        relationship=relationships.company_relationship(db, org_id(), company.id, RelationshipQuery()),
    )
