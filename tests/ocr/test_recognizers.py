"""Real engines on drawn cards: a clean small scan, a clean Japanese card, dark, turned and small cards.

Each card is read with the default (combined) recognizer; the clean ones with PP-OCR alone too.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.pipeline import scan_card
from tests.ocr.synth import draw_card, encode, place_on_desk

JAPANESE = [
    ("株式会社みなと商事", 34),
    ("営業部 課長", 30),
    ("山本 一郎", 64),
    ("〒105-0011 東京都港区芝公園4-2-8", 26),
    ("TEL 03-5432-1098", 26),
    ("ichiro.yamamoto@minato-shoji.co.jp", 26),
]
JAPANESE_FIELDS = {
    "name": "山本一郎",
    "company": "株式会社みなと商事",
    "postal_code": "105-0011",
    "phone": "03-5432-1098",
    "email": "ichiro.yamamoto@minato-shoji.co.jp",
}
ENGLISH_FIELDS = {"name": "Jane Example", "email": "jane@example.com", "phone": "03-1234-5678"}


def draw_japanese(
    font: str, *, background: tuple[int, int, int] = (250, 250, 246), ink: tuple[int, int, int] = (20, 20, 20)
) -> np.ndarray:
    """Draw a horizontal Japanese card (91 x 55 at 10 px/mm) with IPA Gothic."""
    card = Image.new("RGB", (910, 550), background)
    draw = ImageDraw.Draw(card)
    y = 40
    for text, px in JAPANESE:
        draw.text((50, y), text, fill=ink, font=ImageFont.truetype(font, px))
        y += int(px * 1.55)
    return np.asarray(card).copy()


def fields_of(pixels: np.ndarray, recognizer: str | None = None) -> dict[str, str]:
    result = scan_card(encode(pixels), recognizer=recognizer)
    return {name: field.value.replace(" ", "") for name, field in result.fields.items()}


def assert_fields(got: dict[str, str], want: dict[str, str]) -> None:
    assert {k: got.get(k) for k in want} == {k: v.replace(" ", "") for k, v in want.items()}


@pytest.mark.parametrize("recognizer", [None, "ppocr"])
def test_a_clean_upright_485_px_scan_gives_its_fields(recognizer: str | None) -> None:
    small = cv2.resize(draw_card(), (485, 303), interpolation=cv2.INTER_AREA)
    assert_fields(fields_of(small, recognizer), ENGLISH_FIELDS)


@pytest.mark.parametrize("recognizer", [None, "ppocr"])
def test_a_clean_rendered_japanese_card_gives_its_fields(japanese_font: str, recognizer: str | None) -> None:
    assert_fields(fields_of(draw_japanese(japanese_font), recognizer), JAPANESE_FIELDS)


def test_light_text_on_a_dark_card_gives_its_fields(japanese_font: str) -> None:
    dark = draw_japanese(japanese_font, background=(18, 28, 64), ink=(235, 235, 235))
    assert_fields(fields_of(dark), JAPANESE_FIELDS)


@pytest.mark.parametrize("turn", [cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180])
def test_a_turned_japanese_card_gives_its_fields(japanese_font: str, turn: int) -> None:
    assert_fields(fields_of(cv2.rotate(draw_japanese(japanese_font), turn)), JAPANESE_FIELDS)


def test_a_small_card_on_a_desk_gives_its_fields() -> None:
    photo, _ = place_on_desk(cv2.resize(draw_card(), (640, 387)), canvas=(1600, 1200), angle=8.0)
    assert_fields(fields_of(photo), ENGLISH_FIELDS)
