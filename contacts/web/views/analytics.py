"""The analytics page: touchpoints over time by channel (stacked bars), contact frequency, and per campaign and
event the funnel, new contacts, cost per new contact, revenue and ROI. Charts are SVG laid out here, in Python:
no script, nothing fetched, and a test can read the bars as XML."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from flask import render_template, request
from flask_babel import gettext as _
from pydantic import ValidationError

from contacts.analytics import service as analytics
from contacts.analytics.schemas import (
    AnalyticsWindow,
    Frequency,
    FrequencyQuery,
    TouchpointSeries,
    TouchpointSeriesQuery,
)
from contacts.api.problems import validation_errors
from contacts.db import get_session
from contacts.errors import ValidationFailed
from contacts.events import members
from contacts.events import service as events
from contacts.web.pages import bp, org_id, page

CHART_WIDTH = 720
CHART_HEIGHT = 240
PLOT_LEFT = 48  # room for the y axis' labels
PLOT_BOTTOM = 28  # room for the buckets' dates
PLOT_TOP = 8
MAX_X_LABELS = 12


@dataclass(frozen=True)
class Rect:
    """One bar (or one stacked segment) of a chart, in the SVG's user units."""

    x: float
    y: float
    width: float
    height: float
    css: str
    title: str
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Tick:
    """A label on an axis."""

    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: list[Rect]
    x_labels: list[Tick]
    y_labels: list[Tick]
    baseline: float
    plot_left: int


def nice_top(value: int) -> int:
    """Round the largest value up to 1 or to 2, 4, 6, 8 or 10 times a power of ten, so that the axis' middle
    label is a whole number."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 6, 8, 10):
        if value <= step * power and (step * power) % 2 == 0:
            return step * power
    return 10 * power


def _y_axis(top: int, plot_height: float) -> list[Tick]:
    values = [0, top // 2, top] if top % 2 == 0 else [0, top]
    return [
        Tick(x=PLOT_LEFT - 6, y=round(PLOT_TOP + plot_height * (1 - v / top) + 4, 2), text=str(v))
        for v in values
    ]


def _date_label(start: date, interval: str) -> str:
    return start.strftime("%Y-%m") if interval == "month" else start.strftime("%m-%d")


def stacked_bars(series: TouchpointSeries) -> Chart:
    """Lay out one stacked bar per bucket, one segment per series (channel) with touchpoints."""
    n = max(1, len(series.buckets))
    plot_width = CHART_WIDTH - PLOT_LEFT - 8
    plot_height = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    slot = plot_width / n
    bar = max(1.0, slot * 0.8)
    top = nice_top(max((b.touchpoints for b in series.buckets), default=0))
    rects: list[Rect] = []
    x_labels: list[Tick] = []
    every = math.ceil(n / MAX_X_LABELS)
    for i, bucket in enumerate(series.buckets):
        x = PLOT_LEFT + i * slot + (slot - bar) / 2
        y: float = PLOT_TOP + plot_height
        for s, count in zip(series.series, bucket.counts, strict=True):
            if not count:
                continue
            height = plot_height * count / top
            y -= height
            key = s.key or "none"
            rects.append(
                Rect(
                    x=round(x, 2),
                    y=round(y, 2),
                    width=round(bar, 2),
                    height=round(height, 2),
                    css=f"s-{key}",
                    title=f"{bucket.start.isoformat()} {s.label}: {count}",
                    key=key,
                    label=bucket.start.isoformat(),
                    count=count,
                )
            )
        if i % every == 0:
            x_labels.append(
                Tick(
                    x=round(x + bar / 2, 2),
                    y=CHART_HEIGHT - 8,
                    text=_date_label(bucket.start, series.interval),
                )
            )
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        rects=rects,
        x_labels=x_labels,
        y_labels=_y_axis(top, plot_height),
        baseline=PLOT_TOP + plot_height,
        plot_left=PLOT_LEFT,
    )


def frequency_bars(freq: Frequency) -> Chart:
    """Lay out one bar per frequency class: how many contacts were touched that many times."""
    n = len(freq.classes)
    plot_width = CHART_WIDTH - PLOT_LEFT - 8
    plot_height = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    slot = plot_width / n
    bar = slot * 0.7
    top = nice_top(max((c.contacts for c in freq.classes), default=0))
    rects = []
    x_labels = []
    for i, cls in enumerate(freq.classes):
        x = PLOT_LEFT + i * slot + (slot - bar) / 2
        height = plot_height * cls.contacts / top
        rects.append(
            Rect(
                x=round(x, 2),
                y=round(PLOT_TOP + plot_height - height, 2),
                width=round(bar, 2),
                height=round(height, 2),
                css="freq",
                title=_("%(times)s times: %(count)d contacts", times=cls.touches, count=cls.contacts),
                key=cls.touches,
                label=cls.touches,
                count=cls.contacts,
            )
        )
        x_labels.append(Tick(x=round(x + bar / 2, 2), y=CHART_HEIGHT - 8, text=cls.touches))
    return Chart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        rects=rects,
        x_labels=x_labels,
        y_labels=_y_axis(top, plot_height),
        baseline=PLOT_TOP + plot_height,
        plot_left=PLOT_LEFT,
    )


def _window() -> dict[str, str]:
    """The window the page's form sent (empty values dropped: the API's defaults apply)."""
    return {k: v for k in ("from", "to") if (v := request.args.get(k, "").strip())}


@bp.get("/analytics")
@page("analytics:read")
def analytics_page() -> str:
    """Touchpoints over time by channel, contact frequency, and campaign and event results for a window."""
    db = get_session()
    interval = request.args.get("interval") or "week"
    window = _window()
    try:
        series_query = TouchpointSeriesQuery.model_validate(
            {**window, "interval": interval, "split_by": "channel"}
        )
        freq_query = FrequencyQuery.model_validate(window)
        sources_query = AnalyticsWindow.model_validate(window)
    except ValidationError as e:
        raise ValidationFailed(_("Invalid dates."), errors=validation_errors(e)) from e
    series = analytics.touchpoint_series(db, org_id(), series_query)
    db.commit()  # keep the rollup the report refreshed
    freq = analytics.frequency(
        db, org_id(), freq_query.model_copy(update={"date_from": series.date_from, "date_to": series.date_to})
    )
    sources = analytics.acquisition(
        db,
        org_id(),
        sources_query.model_copy(update={"date_from": series.date_from, "date_to": series.date_to}),
    )
    reports = {c.id: members.report(db, events.get_campaign(db, org_id(), c.id)) for c in sources.campaigns}
    return render_template(
        "analytics.html",
        series=series,
        chart=stacked_bars(series),
        freq=freq,
        freq_chart=frequency_bars(freq),
        sources=sources,
        reports=reports,
        interval=interval,
        intervals=("day", "week", "month"),
    )
