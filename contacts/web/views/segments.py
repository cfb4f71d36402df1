"""Segments and CSV export from the people list: save the list's filters as a segment, export it as CSV."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from contacts.api.problems import validation_errors
from contacts.db import get_session
from contacts.errors import ValidationFailed
from contacts.people import service as people
from contacts.people.schemas import ContactListQuery
from contacts.segments import service as segments
from contacts.segments import streaming
from contacts.segments.models import Segment
from contacts.segments.schemas import ExportOptions, SegmentCreate
from contacts.web import filters
from contacts.web.pages import actor, bp, org_id, page


def segment_choices() -> list[Segment]:
    """Return the organisation's segments by name (for the people list's segment filter)."""
    return list(
        get_session().scalars(
            select(Segment).where(Segment.organization_id == org_id()).order_by(Segment.name).limit(500)
        )
    )


@bp.post("/people/segment")
@page("segments:write")
def people_segment() -> Response:
    """Save the people list's filters as a named segment and show the list through it."""
    contact_filter = filters.contact_filter(request.form)
    if contact_filter.segment_id:  # the list already shows a segment: save what it stands for, narrowed
        raise ValidationFailed(
            _("Clear the segment filter before saving the list as a new segment."),
            errors=[
                {"field": "segment_id", "message": _("a segment cannot name a segment"), "code": "nested"}
            ],
        )
    try:
        body = SegmentCreate(name=request.form.get("segment_name", "").strip(), filter=contact_filter)
    except ValidationError as e:
        raise ValidationFailed(_("Give the segment a name."), errors=validation_errors(e)) from e
    segment = segments.create_segment(get_session(), actor(), body)
    flash(_("Saved the segment %(name)s.", name=segment.name))
    return redirect(url_for("web.people_list", segment_id=segment.id))


@bp.get("/people/export.csv")
@page("contacts:export")
def people_csv() -> Response:
    """Export the filtered list as CSV (every match, streamed; cp932 on request), logged like the API's."""
    db = get_session()
    contact_filter = filters.contact_filter(request.args)
    stmt = people.contacts_query(db, org_id(), ContactListQuery(**contact_filter.model_dump()))
    encoding = "cp932" if request.args.get("encoding") == "cp932" else "utf-8"
    what = {"filter": segments.stored(contact_filter), "via": "web"}
    return streaming.csv_response(db, actor(), stmt, ExportOptions(encoding=encoding), what, "contacts")
