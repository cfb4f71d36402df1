"""Real Tesseract end to end on synthetic English cards: photo, rotations, dark card, HEIC."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.pipeline import scan_card
from ocr.preprocess import rotate
from tests.ocr.synth import draw_card, encode, place_on_desk

EXPECTED = {
    "name": "Jane Example",
    "title": "Sales Manager",
    "company": "Example Trading Ltd.",
    "phone": "03-1234-5678",
    "email": "jane@example.com",
}


def _values(data: bytes) -> dict[str, str]:
    return {name: field.value for name, field in scan_card(data).fields.items()}


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
def test_photo_at_any_quarter_turn(turn: int) -> None:
    photo, _ = place_on_desk(draw_card(), angle=7.0)
    got = _values(encode(rotate(photo, turn), quality=90))
    for name, value in EXPECTED.items():
        assert got.get(name) == value, (turn, name, got)


def test_dark_card_with_light_text() -> None:
    got = _values(encode(255 - draw_card()))
    assert got["name"] == "Jane Example"
    assert got["email"] == "jane@example.com"


def test_heic_upload() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    got = _values(encode(draw_card(), "HEIF", quality=90))
    assert got["email"] == "jane@example.com"


def test_blank_card_gives_no_fields_and_warns() -> None:
    blank = np.full((550, 910, 3), 245, dtype=np.uint8)
    result = scan_card(encode(blank))
    assert result.fields == {}
    assert "no name found" in result.warnings
