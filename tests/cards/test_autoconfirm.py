"""Auto-confirmation needs a name: a card read without one waits for a reviewer, whatever the threshold."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from tests.cards.conftest import set_threshold, upload_and_process
from tests.conftest import OrgClient


def _card_without_name() -> bytes:
    """A flat white card printing a company, an e-mail address and a phone number, but nobody's name."""
    image = Image.new("RGB", (1000, 600), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=44)
    for y, text in (
        (80, "Acme Widgets Ltd"),
        (300, "orders@acme-widgets.com"),
        (400, "Tel +44 20 7946 0958"),
    ):
        draw.text((70, y), text, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_card_with_an_email_but_no_name_waits_for_review(org: OrgClient) -> None:
    set_threshold(org.app, org.organization_id, 0.0)
    card = upload_and_process(org, [("front", "c.png", _card_without_name())])
    assert card["fields"]["email"]["value"] == "orders@acme-widgets.com" and "name" not in card["fields"]
    assert card["status"] == "needs_review" and card["contact_id"] is None
