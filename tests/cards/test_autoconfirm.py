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


def _card_with_an_accented_capital() -> bytes:
    """A flat card whose name prints Ñ in capitals, which the recogniser reads as N."""
    from tests.ocr.synth import draw_card, encode

    return encode(
        draw_card(
            [
                ("José NUÑEZ", 64),
                ("Regional Director", 34),
                ("Nimbus Digital SARL", 34),
                ("T +33 5 84 88 75 42", 30),
                ("E-mail: jose@nimbus-digital.fr", 30),
            ]
        )
    )


def test_a_name_that_lost_a_printed_accent_waits_for_review_until_a_reviewer_corrects_it(
    org: OrgClient,
) -> None:
    # Under the shipped model's lowest step, so only a hold stops a card (0 would confirm even a held one)
    set_threshold(org.app, org.organization_id, 0.05)
    card = upload_and_process(org, [("front", "n.jpg", _card_with_an_accented_capital())])
    assert card["fields"]["name"]["value"] == "José NUNEZ"
    assert any(w.startswith("name: a mark is printed over N") for w in card["warnings"])
    assert card["status"] == "needs_review" and card["contact_id"] is None
    resp = org.patch(f"/api/v1/cards/{card['id']}", json={"fields": {"name": "José NUÑEZ"}})
    assert resp.status_code == 200, resp.get_json()
    assert org.post(f"/api/v1/cards/{card['id']}/confirm").status_code == 200
    # The same card again: the learnt correction sets the name, so the warning no longer holds it.
    again = upload_and_process(org, [("front", "n2.jpg", _card_with_an_accented_capital())])
    assert again["fields"]["name"]["value"] == "José NUÑEZ"
    assert again["status"] == "completed" and again["contact_id"] == card_contact(org, card["id"])


def card_contact(org: OrgClient, card_id: str) -> str:
    """Return the contact a confirmed card made."""
    return str(org.get(f"/api/v1/cards/{card_id}").get_json()["contact_id"])
