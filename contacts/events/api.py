"""Events and campaigns endpoints: /api/v1/events and /api/v1/campaigns."""

from __future__ import annotations

from flask import Blueprint, Response

from contacts.api.context import actor, org_id
from contacts.api.http import check_if_match, etag_for, json_response, no_content
from contacts.api.spec import operation
from contacts.db import get_session
from contacts.events import adding, members, service
from contacts.events.schemas import (
    CampaignCreate,
    CampaignListQuery,
    CampaignOut,
    CampaignPage,
    CampaignReport,
    CampaignUpdate,
    EventCreate,
    EventListQuery,
    EventOut,
    EventPage,
    EventUpdate,
    MemberListQuery,
    MemberOut,
    MemberPage,
    MembersIn,
    MembersRemove,
    MembersResult,
    MemberUpdate,
)
from contacts.people import service as people
from contacts.tags import service as tags

bp = Blueprint("events", __name__, url_prefix="/api/v1")


def _event(event_id: str, status: int = 200) -> Response:
    session = get_session()
    event = service.get_event(session, org_id(), event_id)
    return json_response(
        service.events_out(session, [event])[0],
        status,
        etag=etag_for(event.id, event.version),
        location=f"/api/v1/events/{event.id}" if status == 201 else None,
    )


@bp.post("/events")
@operation(
    summary="Create an event and its tag (sales may create events, not edit or delete them)",
    permission="events:create",
    body=EventCreate,
    response=EventOut,
    status=201,
    tag="events",
    idempotent=True,
)
def create_event(body: EventCreate) -> Response:
    event = service.create_event(get_session(), actor(), body)
    return _event(event.id, 201)


@bp.get("/events")
@operation(
    summary="List events", permission="events:read", query=EventListQuery, response=EventPage, tag="events"
)
def list_events(query: EventListQuery) -> Response:
    session = get_session()
    items, next_cursor = service.list_events(session, org_id(), query)
    return json_response(EventPage(items=service.events_out(session, items), next_cursor=next_cursor))


@bp.get("/events/<event_id>")
@operation(summary="Get an event", permission="events:read", response=EventOut, tag="events", etag=True)
def get_event(event_id: str) -> Response:
    return _event(event_id)


@bp.patch("/events/<event_id>")
@operation(
    summary="Update an event (a new name renames its tag)",
    permission="events:write",
    body=EventUpdate,
    response=EventOut,
    tag="events",
    if_match=True,
)
def update_event(event_id: str, body: EventUpdate) -> Response:
    session = get_session()
    event = service.get_event(session, org_id(), event_id)
    check_if_match(event.id, event.version)
    service.update_event(session, actor(), event, body)
    session.flush()
    return _event(event.id)


@bp.delete("/events/<event_id>")
@operation(
    summary="Delete an event (its tag stays on the contacts met there)",
    permission="events:write",
    status=204,
    tag="events",
    if_match=True,
)
def delete_event(event_id: str) -> Response:
    session = get_session()
    event = service.get_event(session, org_id(), event_id)
    check_if_match(event.id, event.version)
    service.delete_event(session, actor(), event)
    return no_content()


def _campaign(campaign_id: str, status: int = 200) -> Response:
    session = get_session()
    campaign = service.get_campaign(session, org_id(), campaign_id)
    return json_response(
        service.campaigns_out(session, [campaign])[0],
        status,
        etag=etag_for(campaign.id, service.campaign_version(campaign)),
        location=f"/api/v1/campaigns/{campaign.id}" if status == 201 else None,
    )


@bp.post("/campaigns")
@operation(
    summary="Create a campaign and its tag",
    permission="events:write",
    body=CampaignCreate,
    response=CampaignOut,
    status=201,
    tag="campaigns",
    idempotent=True,
)
def create_campaign(body: CampaignCreate) -> Response:
    campaign = service.create_campaign(get_session(), actor(), body)
    return _campaign(campaign.id, 201)


@bp.get("/campaigns")
@operation(
    summary="List campaigns",
    permission="events:read",
    query=CampaignListQuery,
    response=CampaignPage,
    tag="campaigns",
)
def list_campaigns(query: CampaignListQuery) -> Response:
    session = get_session()
    items, next_cursor = service.list_campaigns(session, org_id(), query)
    return json_response(CampaignPage(items=service.campaigns_out(session, items), next_cursor=next_cursor))


@bp.get("/campaigns/<campaign_id>")
@operation(
    summary="Get a campaign", permission="events:read", response=CampaignOut, tag="campaigns", etag=True
)
def get_campaign(campaign_id: str) -> Response:
    return _campaign(campaign_id)


@bp.patch("/campaigns/<campaign_id>")
@operation(
    summary="Update a campaign (a new name renames its tag)",
    permission="events:write",
    body=CampaignUpdate,
    response=CampaignOut,
    tag="campaigns",
    if_match=True,
)
def update_campaign(campaign_id: str, body: CampaignUpdate) -> Response:
    session = get_session()
    campaign = service.get_campaign(session, org_id(), campaign_id)
    check_if_match(campaign.id, service.campaign_version(campaign))
    service.update_campaign(session, actor(), campaign, body)
    session.flush()
    return _campaign(campaign.id)


@bp.delete("/campaigns/<campaign_id>")
@operation(
    summary="Delete a campaign (its tag stays on its contacts)",
    permission="events:write",
    status=204,
    tag="campaigns",
    if_match=True,
)
def delete_campaign(campaign_id: str) -> Response:
    session = get_session()
    campaign = service.get_campaign(session, org_id(), campaign_id)
    check_if_match(campaign.id, service.campaign_version(campaign))
    service.delete_campaign(session, actor(), campaign)
    return no_content()


def _selected(body: MembersIn | MembersRemove, *, adding: bool) -> list[str]:
    session = get_session()
    if body.contact_ids is not None:
        return tags.contacts_by_ids(
            session, org_id(), body.contact_ids, purpose="added to a campaign", active_only=adding
        )
    assert body.filter is not None
    return people.contacts_by_filter(session, org_id(), body.filter)


def _member(campaign_id: str, contact_id: str) -> Response:
    session = get_session()
    member = members.get_member(session, service.get_campaign(session, org_id(), campaign_id), contact_id)
    return json_response(
        members.members_out(session, [member])[0],
        etag=etag_for(members.member_entity_id(member), member.version),
    )


@bp.get("/campaigns/<campaign_id>/members")
@operation(
    summary="List a campaign's members (filter by status)",
    permission="events:read",
    query=MemberListQuery,
    response=MemberPage,
    tag="campaigns",
)
def list_members(campaign_id: str, query: MemberListQuery) -> Response:
    session = get_session()
    items, next_cursor = members.list_members(
        session, service.get_campaign(session, org_id(), campaign_id), query
    )
    return json_response(MemberPage(items=members.members_out(session, items), next_cursor=next_cursor))


@bp.post("/campaigns/<campaign_id>/members")
@operation(
    summary="Add contacts to a campaign by ids or by the filters of GET /contacts (opted-out contacts "
    "skipped for the campaign's channel); with a status, also move existing members to it, forward only "
    "unless force",
    permission="events:write",
    body=MembersIn,
    response=MembersResult,
    tag="campaigns",
)
def add_members(campaign_id: str, body: MembersIn) -> Response:
    session = get_session()
    campaign = service.get_campaign(session, org_id(), campaign_id)
    return json_response(
        adding.add_selected(
            session,
            actor(),
            campaign,
            _selected(body, adding=True),
            status=body.status,
            force=body.force,
            exclude_over_contacted=body.exclude_over_contacted,
            tag_members=body.tag_members,
        )
    )


@bp.delete("/campaigns/<campaign_id>/members")
@operation(
    summary="Remove contacts from a campaign, by ids or by the filters of GET /contacts",
    permission="events:write",
    body=MembersRemove,
    response=MembersResult,
    tag="campaigns",
)
def remove_members(campaign_id: str, body: MembersRemove) -> Response:
    session = get_session()
    campaign = service.get_campaign(session, org_id(), campaign_id)
    removed = members.remove_members(session, actor(), campaign, _selected(body, adding=False))
    return json_response(
        MembersResult(campaign_id=campaign.id, added_ids=[], updated_ids=[], removed_ids=removed)
    )


@bp.get("/campaigns/<campaign_id>/members/<contact_id>")
@operation(
    summary="Get one member of a campaign",
    permission="events:read",
    response=MemberOut,
    tag="campaigns",
    etag=True,
)
def get_member(campaign_id: str, contact_id: str) -> Response:
    return _member(campaign_id, contact_id)


@bp.patch("/campaigns/<campaign_id>/members/<contact_id>")
@operation(
    summary="Set a member's status",
    permission="events:write",
    body=MemberUpdate,
    response=MemberOut,
    tag="campaigns",
    if_match=True,
)
def update_member(campaign_id: str, contact_id: str, body: MemberUpdate) -> Response:
    session = get_session()
    member = members.get_member(session, service.get_campaign(session, org_id(), campaign_id), contact_id)
    check_if_match(members.member_entity_id(member), member.version)
    members.update_member(session, actor(), member, body.status, force=body.force)
    if "value" in body.model_fields_set:
        members.set_value(session, actor(), member, body.value)
    session.flush()
    return _member(campaign_id, contact_id)


@bp.delete("/campaigns/<campaign_id>/members/<contact_id>")
@operation(
    summary="Remove one member from a campaign",
    permission="events:write",
    status=204,
    tag="campaigns",
    if_match=True,
)
def delete_member(campaign_id: str, contact_id: str) -> Response:
    session = get_session()
    campaign = service.get_campaign(session, org_id(), campaign_id)
    member = members.get_member(session, campaign, contact_id)
    check_if_match(members.member_entity_id(member), member.version)
    members.remove_members(session, actor(), campaign, [contact_id])
    return no_content()


@bp.get("/campaigns/<campaign_id>/report")
@operation(
    summary="A campaign's results: members by status and along the funnel, touchpoints, new contacts, "
    "cost per response and per conversion",
    permission="events:read",
    response=CampaignReport,
    tag="campaigns",
)
def campaign_report(campaign_id: str) -> Response:
    session = get_session()
    return json_response(members.report(session, service.get_campaign(session, org_id(), campaign_id)))
