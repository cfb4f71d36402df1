"""Analytics endpoints: /api/v1/analytics/... (read-only; admins, managers and marketing)."""

from __future__ import annotations

from flask import Blueprint, Response

from contacts.analytics import service
from contacts.analytics.schemas import (
    Acquisition,
    AnalyticsWindow,
    Frequency,
    FrequencyQuery,
    TouchpointSeries,
    TouchpointSeriesQuery,
)
from contacts.api.context import org_id
from contacts.api.http import json_response
from contacts.api.spec import operation
from contacts.db import get_session

bp = Blueprint("analytics", __name__, url_prefix="/api/v1/analytics")
PERMISSION = "analytics:read"


@bp.get("/touchpoints")
@operation(
    summary="Touchpoints and distinct contacts per day, week or month (organisation's time zone), "
    "optionally split by channel, kind, event, campaign or user, for any contact filter",
    permission=PERMISSION,
    query=TouchpointSeriesQuery,
    response=TouchpointSeries,
    tag="analytics",
)
def touchpoints(query: TouchpointSeriesQuery) -> Response:
    session = get_session()
    out = service.touchpoint_series(session, org_id(), query)
    session.commit()  # keep the rollup the report refreshed
    return json_response(out.model_dump(mode="json", by_alias=True))


@bp.get("/touchpoints/frequency")
@operation(
    summary="How many contacts were touched 1, 2, 3 ... cap or more times in a window",
    permission=PERMISSION,
    query=FrequencyQuery,
    response=Frequency,
    tag="analytics",
)
def touch_frequency(query: FrequencyQuery) -> Response:
    out = service.frequency(get_session(), org_id(), query)
    return json_response(out.model_dump(mode="json", by_alias=True))


@bp.get("/acquisition")
@operation(
    summary="Per event and campaign: contacts reached, new contacts (first touch), cost per new contact, "
    "and campaigns' conversions, revenue and ROI",
    permission=PERMISSION,
    query=AnalyticsWindow,
    response=Acquisition,
    tag="analytics",
)
def acquisition(query: AnalyticsWindow) -> Response:
    out = service.acquisition(get_session(), org_id(), query)
    return json_response(out.model_dump(mode="json", by_alias=True))
