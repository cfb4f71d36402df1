"""Hostile inputs found by the red-team run: each answers a 4xx problem, never a 500, and nothing is stored."""

from __future__ import annotations

import base64
import json

import pytest

from tests import factories
from tests.cards.conftest import BOUNDARY, image, multipart, upload
from tests.conftest import OrgClient


def _cursor(values: list[object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _problem(resp: object, status: int) -> dict[str, object]:
    assert resp.status_code == status, resp.get_data(as_text=True)[:500]  # type: ignore[attr-defined]
    assert resp.mimetype == "application/problem+json"  # type: ignore[attr-defined]
    return dict(resp.get_json())  # type: ignore[attr-defined]


def test_deeply_nested_json_is_a_400_problem(org: OrgClient) -> None:
    body = "[" * 200_000 + "]" * 200_000
    _problem(org.post("/api/v1/contacts", data=body, content_type="application/json"), 400)


def test_timestamp_that_overflows_in_utc_is_422(org: OrgClient) -> None:
    resp = org.get("/api/v1/contacts", query_string={"updated_since": "0001-01-01T00:00:00+14:00"})
    assert _problem(resp, 422)["errors"][0]["field"] == "updated_since"  # type: ignore[index]


def test_a_number_is_not_a_timestamp(org: OrgClient) -> None:
    resp = org.get("/api/v1/contacts", query_string={"updated_since": "0.5"})
    assert _problem(resp, 422)["errors"][0]["field"] == "updated_since"  # type: ignore[index]


def test_change_feed_position_beyond_64_bits_is_422(org: OrgClient) -> None:
    _problem(org.get("/api/v1/changes", query_string={"after": "9999999999999999999"}), 422)


def test_change_feed_cursor_holding_text_is_422(org: OrgClient) -> None:
    _problem(org.get("/api/v1/changes", query_string={"cursor": _cursor(["abc"])}), 422)


def test_change_feed_cursor_beyond_64_bits_is_422(org: OrgClient) -> None:
    _problem(org.get("/api/v1/changes", query_string={"cursor": _cursor([2**70])}), 422)


def test_cursor_holding_a_nul_is_422(org: OrgClient) -> None:
    _problem(org.get("/api/v1/contacts", query_string={"cursor": _cursor(["a\u0000b"])}), 422)


def test_path_id_holding_a_nul_is_404(org: OrgClient) -> None:
    _problem(org.get("/api/v1/contacts/abc%00def"), 404)


def test_path_id_holding_a_nul_is_404_on_routes_without_a_registered_model(org: OrgClient) -> None:
    _problem(org.get("/api/v1/cards/abc%00def"), 404)


@pytest.mark.parametrize("field", ["event_id", "tags", "exchanged_at", "location", "note"])
@pytest.mark.parametrize("char", ["\u0000", "\u0007", "\u001b"])
def test_control_characters_in_upload_form_fields_are_422(org: OrgClient, field: str, char: str) -> None:
    resp = upload(org, [("front", "card.jpg", image("scans/0001.jpg"))], [(field, f"x{char}y")])
    problem = _problem(resp, 422)
    assert any(e["field"].split(".")[0] == field for e in problem["errors"])  # type: ignore[attr-defined]
    assert org.get("/api/v1/cards").get_json()["items"] == []


def test_nameless_part_next_to_an_unknown_field_is_422(org: OrgClient) -> None:
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nnameless\r\n").encode() + multipart(
        [("front", "card.jpg", image("scans/0001.jpg"))], [("colour", "blue")]
    )
    resp = org.post("/api/v1/cards", data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    _problem(resp, 422)


@pytest.mark.parametrize(("name", "value"), [("limit", "1.0"), ("limit", " 5"), ("limit", "ten")])
def test_an_integer_query_parameter_takes_only_digits(org: OrgClient, name: str, value: str) -> None:
    assert (
        _problem(org.get("/api/v1/contacts", query_string={name: value}), 422)["errors"][0]["field"] == name
    )  # type: ignore[index]


@pytest.mark.parametrize("value", ["yes", "on", "1", "t"])
def test_a_boolean_query_parameter_takes_only_true_or_false(org: OrgClient, value: str) -> None:
    company = factories.company(org, name="株式会社テスト")
    resp = org.delete(
        f"/api/v1/companies/{company['id']}",
        query_string={"force": value},
        headers={"If-Match": f'"{company["id"]}.{company["version"]}"'},
    )
    assert _problem(resp, 422)["errors"][0]["field"] == "force"  # type: ignore[index]
