"""Lists and campaigns: tag a filtered list, add it to a campaign, members by status, the report's funnel."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from pydantic import ValidationError
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from contacts.api.problems import validation_errors
from contacts.db import get_session
from contacts.errors import ValidationFailed
from contacts.events import adding, members
from contacts.events import service as events
from contacts.events.models import MEMBER_STATUSES, Campaign, CampaignMember
from contacts.events.schemas import CampaignCreate, CampaignReport, MemberListQuery
from contacts.people import service as people
from contacts.tags import service as tags
from contacts.tags.models import Tag
from contacts.web import filters
from contacts.web.forms import EmptyForm
from contacts.web.pages import actor, bp, org_id, page

FUNNEL_WIDTH = 320  # the longest bar, in the SVG's user units
FUNNEL_BAR = 28
FUNNEL_GAP = 10


def tag_choices() -> list[Tag]:
    """Return the organisation's tags by name (for the tag-this-list form)."""
    return list(
        get_session().scalars(
            select(Tag).where(Tag.organization_id == org_id()).order_by(Tag.name).limit(500)
        )
    )


def campaign_choices() -> list[Campaign]:
    """Return the organisation's campaigns, newest first."""
    return list(
        get_session().scalars(
            select(Campaign)
            .where(Campaign.organization_id == org_id())
            .order_by(Campaign.id.desc())
            .limit(200)
        )
    )


def _back_to_list() -> str:
    return url_for("web.people_list", **filters.filter_args(request.form))


@bp.post("/people/tag")
@page("tags:write")
def people_tag() -> Response:
    """Tag every active contact of the filtered list (an existing tag, or a new one by name)."""
    db = get_session()
    contact_ids = people.contacts_by_filter(db, org_id(), filters.contact_filter(request.form))
    name = request.form.get("new_tag", "").strip()
    if name:
        tag = tags.tags_by_name(db, org_id(), [name]).get(name) or tags.create_tag(
            db, actor(), name=name, kind="segment"
        )
    else:
        tag = tags.get_tag(db, org_id(), request.form.get("tag_id", ""))
    attached = tags.attach_contacts(db, actor(), tag, contact_ids)
    flash(
        ngettext(
            "Tagged %(num)d contact with %(tag)s.",
            "Tagged %(num)d contacts with %(tag)s.",
            len(attached),
            tag=tag.name,
        )
    )
    return redirect(_back_to_list())


@bp.post("/people/campaign")
@page("events:write")
def people_campaign() -> Response:
    """Add every active contact of the filtered list to a campaign (as planned)."""
    db = get_session()
    campaign = events.get_campaign(db, org_id(), request.form.get("campaign_id", ""))
    contact_ids = people.contacts_by_filter(db, org_id(), filters.contact_filter(request.form))
    added = adding.add_selected(db, actor(), campaign, contact_ids).added_ids
    flash(
        ngettext(
            "Added %(num)d contact to %(name)s.",
            "Added %(num)d contacts to %(name)s.",
            len(added),
            name=campaign.name,
        )
    )
    return redirect(url_for("web.campaign_page", campaign_id=campaign.id))


@bp.route("/campaigns", methods=["GET", "POST"])
@page("events:read")
def campaigns() -> Response | str:
    """List campaigns with their member counts; create one."""
    db = get_session()
    if request.method == "POST":
        from contacts.web.pages import principal

        principal().require("events:write")
        try:
            data = CampaignCreate.model_validate({"name": request.form.get("name", "").strip()})
        except ValidationError as e:
            raise ValidationFailed("invalid campaign", errors=validation_errors(e)) from e
        campaign = events.create_campaign(db, actor(), data)
        return redirect(url_for("web.campaign_page", campaign_id=campaign.id))
    rows = campaign_choices()
    counts = dict(
        db.execute(
            select(CampaignMember.campaign_id, func.count())
            .where(CampaignMember.campaign_id.in_([c.id for c in rows]))
            .group_by(CampaignMember.campaign_id)
        )
        .tuples()
        .all()
    )
    return render_template("campaigns.html", rows=rows, counts=counts, form=EmptyForm())


@dataclass(frozen=True)
class FunnelBar:
    """One bar of the funnel chart."""

    label: str
    count: int
    width: int
    y: int


def funnel(report: CampaignReport) -> list[FunnelBar]:
    """Lay out the funnel as bars scaled to the members: members, reached, responded, attended, converted."""
    stages = [
        (_("Members"), report.members),
        (_("Reached"), report.reached),
        (_("Responded"), report.responded),
        (_("Attended"), report.attended),
        (_("Converted"), report.converted),
    ]
    top = max(1, report.members)
    return [
        FunnelBar(
            label=label,
            count=count,
            width=max(2, round(FUNNEL_WIDTH * count / top)) if count else 0,
            y=i * (FUNNEL_BAR + FUNNEL_GAP),
        )
        for i, (label, count) in enumerate(stages)
    ]


@bp.get("/campaigns/<campaign_id>")
@page("events:read")
def campaign_page(campaign_id: str) -> str:
    """Show a campaign: its report with the funnel, and its members by status."""
    db = get_session()
    campaign = events.get_campaign(db, org_id(), campaign_id)
    status = request.args.get("status") or None
    try:
        query = MemberListQuery.model_validate(
            {"status": [status] if status else [], "limit": 200, "cursor": request.args.get("cursor") or None}
        )
    except ValidationError as e:
        raise ValidationFailed("invalid filters", errors=validation_errors(e)) from e
    rows, next_cursor = members.list_members(db, campaign, query)
    report = members.report(db, campaign)
    bars = funnel(report)
    return render_template(
        "campaign.html",
        campaign=campaign,
        report=report,
        bars=bars,
        chart_height=len(bars) * (FUNNEL_BAR + FUNNEL_GAP),
        bar_height=FUNNEL_BAR,
        members=members.members_out(db, rows),
        next_cursor=next_cursor,
        status=status,
        statuses=MEMBER_STATUSES,
    )
