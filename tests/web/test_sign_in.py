"""Sign in and out: passwords, session cookie, CSRF, rate limits, invitations, bearer-only API."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from flask import Flask

from contacts.app import create_app
from contacts.auth import passwords
from contacts.auth.models import User, UserInvitation
from contacts.db import session_factory, utcnow
from tests.conftest import make_org
from tests.web.conftest import WebOrg
from tests.web.helpers import PASSWORD, add_user, csrf_of, sign_in


def test_signing_in_with_the_password_opens_the_review_queue(web_app: Flask, worg: WebOrg) -> None:
    resp = worg.web.get("/")
    assert resp.status_code == 302 and resp.headers["Location"] == "/review"


def test_a_wrong_password_answers_401_without_a_session(web_app: Flask, worg: WebOrg) -> None:
    client = web_app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    resp = client.post(
        "/login", data={"email": worg.email, "password": "not the password", "csrf_token": token}
    )
    assert resp.status_code == 401
    assert client.get("/people").status_code == 302  # still sent to sign in


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(web_app: Flask, worg: WebOrg) -> None:
    client = web_app.test_client()
    token = csrf_of(client.get("/login", base_url="https://meishi.example").get_data(as_text=True))
    resp = client.post(
        "/login",
        base_url="https://meishi.example",
        headers={"Referer": "https://meishi.example/login"},
        data={"email": worg.email, "password": worg.password, "csrf_token": token},
    )
    assert resp.status_code == 302
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_a_form_without_its_csrf_token_is_refused(web_app: Flask, worg: WebOrg) -> None:
    resp = worg.web.post("/people/tag", data={"new_tag": "VIP"})
    assert resp.status_code == 400
    assert "did not come from this site" in resp.get_data(as_text=True)


def test_the_session_cookie_does_not_authenticate_the_api(web_app: Flask, worg: WebOrg) -> None:
    assert worg.web.get("/api/v1/me").status_code == 401


def test_sign_out_ends_the_session(web_app: Flask, worg: WebOrg) -> None:
    token = csrf_of(worg.web.get("/settings").get_data(as_text=True))
    assert worg.web.post("/logout", data={"csrf_token": token}).status_code == 302
    assert worg.web.get("/settings").status_code == 302


def test_sign_in_attempts_are_limited_per_account(database_url: str, tmp_path: Path) -> None:
    app = create_app(
        {
            "database_url": database_url,
            "storage_dir": tmp_path,
            "queue": "none",
            "login_limit": "3 per minute",
        }
    )
    org = make_org(app, "Limited")
    email = f"limited-{org.organization_id}@example.com"
    add_user(app, org.organization_id, email=email)
    statuses = []
    for i in range(4):  # every attempt from another address: the account's own budget runs out
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"
        token = csrf_of(client.get("/login").get_data(as_text=True))
        statuses.append(
            client.post(
                "/login", data={"email": email, "password": "wrong one!", "csrf_token": token}
            ).status_code
        )
    assert statuses == [401, 401, 401, 429]


def test_sign_in_attempts_are_limited_per_address(database_url: str, tmp_path: Path) -> None:
    app = create_app(
        {
            "database_url": database_url,
            "storage_dir": tmp_path,
            "queue": "none",
            "login_limit": "3 per minute",
        }
    )
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    statuses = []
    for i in range(4):  # a different account each time, from one address
        token = csrf_of(client.get("/login").get_data(as_text=True))
        statuses.append(
            client.post(
                "/login", data={"email": f"nobody{i}@example.com", "password": "x", "csrf_token": token}
            ).status_code
        )
    assert statuses == [401, 401, 401, 429]


def _invite(worg: WebOrg, email: str) -> str:
    token = csrf_of(worg.web.get("/admin/users").get_data(as_text=True))
    resp = worg.web.post(
        "/admin/users", data={"email": email, "name": "New", "role": "sales", "csrf_token": token}
    )
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    start = html.index('id="invite-link" readonly value="') + len('id="invite-link" readonly value="')
    return html[start : html.index('"', start)].replace("http://localhost", "")


def test_an_invited_user_sets_a_password_once_and_signs_in(web_app: Flask, worg: WebOrg) -> None:
    email = f"invited-{worg.organization_id}@example.com"
    link = _invite(worg, email)
    guest = web_app.test_client()
    token = csrf_of(guest.get(link).get_data(as_text=True))
    resp = guest.post(link, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302
    assert guest.get("/people").status_code == 200
    assert web_app.test_client().get(link).status_code == 410  # used up


def test_an_invitation_expires_after_72_hours(web_app: Flask, worg: WebOrg) -> None:
    link = _invite(worg, f"late-{worg.organization_id}@example.com")
    with web_app.app_context(), session_factory(web_app)() as session:
        for row in session.query(UserInvitation).filter(
            UserInvitation.organization_id == worg.organization_id
        ):
            row.expires_at = utcnow() - timedelta(seconds=1)
        session.commit()
    assert web_app.test_client().get(link).status_code == 410


def test_a_deactivated_user_is_signed_out(web_app: Flask, worg: WebOrg) -> None:
    email = f"leaver-{worg.organization_id}@example.com"
    user_id = add_user(web_app, worg.organization_id, email=email, role="sales")
    client = sign_in(web_app, email)
    with web_app.app_context(), session_factory(web_app)() as session:
        user = session.get(User, user_id)
        assert user is not None
        user.active = False
        session.commit()
    assert client.get("/people").status_code == 302


def test_a_sales_rep_cannot_open_the_admin_pages(web_app: Flask, worg: WebOrg) -> None:
    email = f"rep-{worg.organization_id}@example.com"
    add_user(web_app, worg.organization_id, email=email, role="sales")
    assert sign_in(web_app, email).get("/admin/users").status_code == 403


def test_users_set_password_sets_a_password_that_signs_in(
    web_app: Flask, database_url: str, tmp_path: Path, worg: WebOrg
) -> None:
    email = f"cli-{worg.organization_id}@example.com"
    add_user(web_app, worg.organization_id, email=email, password="an old password")
    env = {"MEISHI_DATABASE_URL": database_url, "MEISHI_QUEUE": "none", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "contacts.cli", "users", "set-password", email, "--password-stdin"],
        input="a brand new password\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with web_app.app_context(), session_factory(web_app)() as session:
        assert passwords.sign_in(session, email, "a brand new password") is not None


def test_users_set_password_for_an_unknown_email_fails_with_one_line(database_url: str) -> None:
    env = {"MEISHI_DATABASE_URL": database_url, "MEISHI_QUEUE": "none", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "contacts.cli",
            "users",
            "set-password",
            "ghost@example.com",
            "--password-stdin",
        ],
        input="whatever password\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["Error: no user with e-mail 'ghost@example.com'"]
