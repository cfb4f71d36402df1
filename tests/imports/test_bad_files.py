"""Files an import refuses or handles: wrong encoding, broken CSV, too big, too many rows, formulas."""

from __future__ import annotations

import io

from flask import Flask

from contacts.config import settings_of
from tests.conftest import OrgClient
from tests.imports.helpers import HUBSPOT, rows, upload


def _count_imports(org: OrgClient) -> int:
    return len(org.get("/api/v1/imports?limit=500").get_json()["items"])


def test_wrong_encoding_is_a_clear_error(org: OrgClient) -> None:
    data = (HUBSPOT + "1,花子,佐藤,h@beta.co.jp,,ベータ,部長\n").encode("cp932")
    body = upload(org, data, status=422, encoding="utf-8")
    assert body["errors"][0]["code"] == "wrong_encoding"
    assert "utf-8" in body["detail"]


def test_utf16_is_refused_as_wrong_encoding(org: OrgClient) -> None:
    body = upload(org, (HUBSPOT + "1,Hanako,Sato,h@beta.co.jp,,Beta,CTO\n").encode("utf-16"), status=422)
    assert body["errors"][0]["code"] == "wrong_encoding"


def test_broken_csv_is_refused_and_nothing_is_stored(org: OrgClient) -> None:
    before = _count_imports(org)
    body = upload(org, HUBSPOT + '1,"Hanako,Sato,h@b.jp\n2,Taro\n', status=422)
    assert body["errors"][0]["code"] == "broken_csv"
    assert body["type"].endswith("/validation")
    assert _count_imports(org) == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(org: OrgClient, app: Flask) -> None:
    limit = settings_of(app).import_max_bytes
    resp = org.post(
        "/api/v1/imports",
        data={"file": (io.BytesIO(b"x" * (limit + 70_000)), "big.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 413
    assert resp.mimetype == "application/problem+json"
    assert "MEISHI_IMPORT_MAX_BYTES" in resp.get_json()["detail"]


def test_a_file_over_the_row_limit_is_refused(org: OrgClient, app: Flask) -> None:
    limit = settings_of(app).import_max_rows
    body_rows = "".join(f"{i},A,B,a{i}@x.jp,,,\n" for i in range(limit + 1))
    before = _count_imports(org)
    body = upload(org, HUBSPOT + body_rows, status=422)
    assert body["errors"][0]["code"] == "too_many_rows"
    assert _count_imports(org) == before


def test_a_formula_cell_is_kept_as_text_and_flagged(org: OrgClient) -> None:
    body = upload(org, HUBSPOT + '1,=HYPERLINK("http://evil"),Sato,h@beta.co.jp,+81 3-1234-5678,Beta,CTO\n')
    assert body["warnings"] == 1
    row = rows(org, body["id"])[0]
    assert row["values"]["given_name"] == '=HYPERLINK("http://evil")'
    assert row["warnings"][0]["code"] == "formula" and row["warnings"][0]["column"] == "First Name"
    assert row["action"] == "create"


def test_a_row_with_a_bad_email_is_an_error_naming_the_column(org: OrgClient) -> None:
    body = upload(org, HUBSPOT + "1,Hanako,Sato,not-an-email,,Beta,CTO\n")
    row = rows(org, body["id"])[0]
    assert row["action"] == "error"
    assert row["errors"][0]["column"] == "Email"


def test_a_value_longer_than_a_contact_takes_is_an_error_in_the_dry_run(org: OrgClient) -> None:
    body = upload(org, HUBSPOT + f"1,Hanako,Sato,h@beta.co.jp,,Beta,{'T' * 500}\n")
    row = rows(org, body["id"])[0]
    assert row["action"] == "error"
    assert row["errors"] == [
        {"column": "Job Title", "message": "longer than 400 characters", "code": "too_long"}
    ]
