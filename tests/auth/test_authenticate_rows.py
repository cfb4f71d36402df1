"""Authentication reads the token and its user as plain columns: every API request runs it, and mapped rows
(identity map, instance state, every column) cost more than the check (bench_load, issue 15 item 11)."""

from __future__ import annotations

from flask import Flask

from contacts.auth.service import authenticate
from contacts.db import session_factory
from tests.conftest import OrgClient


def test_authenticating_maps_no_rows(app: Flask, org: OrgClient) -> None:
    assert org.get("/api/v1/contacts").status_code == 200  # the token's use is noted once a minute
    with app.app_context(), session_factory(app)() as session:
        principal = authenticate(session, org.token)
        assert list(session.identity_map.values()) == []
    assert (principal.organization_id, principal.user_id) == (org.organization_id, org.user_id)
