"""GET/PATCH /organization/settings: admins only, ETag and If-Match, problem+json, change log, used by cards."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from contacts.changelog.models import ChangeLogEntry
from contacts.db import session_factory
from tests.cards.conftest import image, upload_and_process
from tests.conftest import OrgClient

URL = "/api/v1/organization/settings"


def test_settings_start_at_the_deployment_default(org: OrgClient) -> None:
    resp = org.get(URL)
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["review_threshold"] is None and body["learn_corrections"] is True
    assert body["effective_review_threshold"] == body["default_review_threshold"] == 0.8
    assert resp.headers["ETag"] == f'"{org.organization_id}.0"'


def test_patch_sets_the_threshold_and_returns_a_new_etag(org: OrgClient) -> None:
    resp = org.patch(URL, json={"review_threshold": 0.65})
    assert resp.status_code == 200, resp.get_json()
    assert (
        resp.get_json()["effective_review_threshold"] == 0.65 and resp.get_json()["updated_by"] == org.user_id
    )
    assert resp.headers["ETag"] == f'"{org.organization_id}.1"'
    assert org.get(URL).get_json()["review_threshold"] == 0.65


def test_null_threshold_returns_to_the_default(org: OrgClient) -> None:
    org.patch(URL, json={"review_threshold": 0.3})
    body = org.patch(URL, json={"review_threshold": None}).get_json()
    assert body["review_threshold"] is None and body["effective_review_threshold"] == 0.8


def test_stale_if_match_is_412_and_changes_nothing(org: OrgClient) -> None:
    etag = org.get(URL).headers["ETag"]
    assert org.patch(URL, json={"review_threshold": 0.5}, headers={"If-Match": etag}).status_code == 200
    stale = org.patch(URL, json={"review_threshold": 0.9}, headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    assert org.get(URL).get_json()["review_threshold"] == 0.5


def test_out_of_range_threshold_is_422_problem(org: OrgClient) -> None:
    resp = org.patch(URL, json={"review_threshold": 1.5})
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert resp.get_json()["errors"][0]["field"] == "review_threshold"


def test_unknown_setting_is_422(org: OrgClient) -> None:
    assert org.patch(URL, json={"colour": "blue"}).status_code == 422


def test_managers_may_neither_read_nor_change_settings(org: OrgClient) -> None:
    manager = org.as_role("manager")
    assert manager.get(URL).status_code == 403
    assert manager.patch(URL, json={"review_threshold": 0.1}).status_code == 403
    assert org.get(URL).get_json()["review_threshold"] is None


def test_a_change_is_in_the_change_log(org: OrgClient) -> None:
    org.patch(URL, json={"learn_corrections": False})
    with session_factory(org.app)() as session:
        entry = session.scalars(
            select(ChangeLogEntry).where(
                ChangeLogEntry.organization_id == org.organization_id,
                ChangeLogEntry.entity == "organization_settings",
            )
        ).one()
    assert (entry.operation, entry.actor_id, entry.data) == (
        "updated",
        org.user_id,
        {"learn_corrections": False},
    )


def test_settings_of_one_organisation_do_not_touch_another(org: OrgClient, other_org: OrgClient) -> None:
    org.patch(URL, json={"review_threshold": 0.2})
    assert other_org.get(URL).get_json()["review_threshold"] is None


def test_the_threshold_set_through_the_api_decides_review(org: OrgClient) -> None:
    assert org.patch(URL, json={"review_threshold": 1.0}).status_code == 200
    held = upload_and_process(org, [("front", "c.jpg", image("scans/0004.jpg"))])
    assert held["status"] == "needs_review"
    assert org.patch(URL, json={"review_threshold": 0.0}).status_code == 200
    done = upload_and_process(org, [("front", "c.jpg", image("scans/0004.jpg"))])
    assert done["status"] == "completed" and done["contact_id"]


def test_the_openapi_document_describes_the_settings(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    ref = doc["paths"][URL]["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"review_threshold", "learn_corrections"} <= set(schema["properties"])
