"""Web test helpers: users with passwords, signed-in test clients, CSRF tokens, cards waiting for review."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageDraw

from contacts.auth import passwords
from contacts.auth import service as auth_service
from contacts.auth.models import User
from contacts.cards import service as cards
from contacts.cards.models import Card
from contacts.cards.schemas import CardUploadForm
from contacts.db import new_id, session_factory
from contacts.provenance import Actor
from contacts.storage import storage_of

PASSWORD = "correct horse battery"
CLEAR_FIELDS = {
    "name": ("山田 太郎", 0.95),
    "company": ("株式会社テスト", 0.93),
    "email": ("taro@test.example", 0.99),
}
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """Return the first CSRF token of a page."""
    found = _CSRF.search(html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1) or found.group(2)


def add_user(app: Flask, org_id: str, *, email: str, role: str = "admin", password: str = PASSWORD) -> str:
    """Add a user with a password to the organisation; return the user id."""
    with app.app_context(), session_factory(app)() as session:
        user = auth_service.create_user(session, org_id, email=email, name=email.split("@")[0], role=role)
        passwords.set_password(user, password)
        session.commit()
        return user.id


def set_password(app: Flask, user_id: str, password: str = PASSWORD) -> None:
    """Give an existing user a password."""
    with app.app_context(), session_factory(app)() as session:
        user = session.get(User, user_id)
        assert user is not None
        passwords.set_password(user, password)
        session.commit()


def sign_in(app: Flask, email: str, password: str = PASSWORD) -> FlaskClient:
    """Return a test client signed in as ``email``."""
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return client


def post_form(client: FlaskClient, page: str, action: str, data: dict[str, Any]) -> Any:
    """Open ``page`` for its CSRF token, then post ``data`` to ``action``."""
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(action, data={**data, "csrf_token": token})


def card_jpeg(width: int = 600, height: int = 360, text: str = "Meishi") -> bytes:
    """Draw a small card-like JPEG."""
    img = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(img).text((40, 40), text, fill="black")
    out = io.BytesIO()
    img.save(out, format="JPEG")
    return out.getvalue()


def review_card(
    app: Flask,
    org_id: str,
    user_id: str,
    fields: dict[str, tuple[str, float]],
    *,
    batch_id: str | None = None,
) -> str:
    """Create a card waiting for review with these (value, confidence) fields, as the worker leaves one."""
    with app.app_context(), session_factory(app)() as session:
        key = storage_of(app).put(card_jpeg(), extension="jpg")
        card = cards.create_cards(
            session,
            Actor(organization_id=org_id, user_id=user_id),
            images=[(key, None)],
            form=CardUploadForm(),
            batch_id=batch_id or new_id(),
            may_create_tags=True,
        )[0]
        y = 20
        stored = {}
        for name, (value, confidence) in fields.items():
            stored[name] = {
                "value": value,
                "confidence": confidence,
                "box": [30, y, 300, 30],
                "side": "front",
            }
            y += 40
        card.fields = stored
        card.front_normalized = key
        card.status = "needs_review"
        session.commit()
        return card.id


def card_row(app: Flask, card_id: str) -> Card:
    """Read a card row."""
    with app.app_context(), session_factory(app)() as session:
        card = session.get(Card, card_id)
        assert card is not None
        session.expunge(card)
        return card
