"""The people page reads the marketing filters from its query string, as GET /contacts does."""

from __future__ import annotations

from flask import Flask

from tests import factories
from tests.web.conftest import WebOrg


def test_the_people_page_filters_by_seniority_and_region(web_app: Flask, worg: WebOrg) -> None:
    factories.contact(worg.api, full_name="東京の部長", title="部長", addresses=[{"value": "東京都港区"}])
    factories.contact(worg.api, full_name="大阪の部長", title="部長", addresses=[{"value": "大阪府大阪市"}])
    factories.contact(worg.api, full_name="東京の担当", title="担当", addresses=[{"value": "東京都港区"}])
    html = worg.web.get("/people?seniority=部長&region=関東").get_data(as_text=True)
    assert "東京の部長" in html and "大阪の部長" not in html and "東京の担当" not in html


def test_the_people_page_offers_the_seniority_region_and_frequency_filters(
    web_app: Flask, worg: WebOrg
) -> None:
    html = worg.web.get("/people?seniority=director").get_data(as_text=True)
    assert '<option value="director" selected>' in html
    assert 'name="region"' in html and 'name="over_contacted"' in html and 'name="title"' in html
