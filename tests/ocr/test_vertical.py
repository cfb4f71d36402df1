"""Vertical cards (縦書き): columns read right to left, top to bottom, and real Tesseract on drawn cards."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.engine import Word
from ocr.layout import group_columns, make_line
from ocr.pipeline import scan_card
from ocr.preprocess import rotate
from tests.ocr.synth import draw_vertical_card, encode

SATO = [
    ("東洋精機株式会社", 28, 70),
    ("代表取締役社長", 28, 70),
    ("佐藤 健一", 60, 180),
    ("〒530-0001", 22, 90),
    ("大阪府大阪市北区梅田2-4-9", 22, 90),
    ("TEL 06-6345-7890", 22, 90),
]
SATO_FIELDS = {
    "name": "佐藤 健一",
    "company": "東洋精機株式会社",
    "title": "代表取締役社長",
    "postal_code": "530-0001",
    "phone": "06-6345-7890",
}
NAKAMURA = [
    ("日本海運株式会社", 30, 60),
    ("総務部 課長", 28, 60),
    ("中村 美咲", 62, 170),
    ("〒231-0023", 22, 80),
    ("神奈川県横浜市中区山下町10", 22, 80),
    ("電話 045-123-4567", 22, 80),
]
NAKAMURA_FIELDS = {
    "name": "中村 美咲",
    "company": "日本海運株式会社",
    "department": "総務部",
    "title": "課長",
    "postal_code": "231-0023",
    "phone": "045-123-4567",
}


def word(text: str, x: int, y: int, column: int, size: int = 20, confidence: float = 0.9) -> Word:
    return Word(text=text, confidence=confidence, box=(x, y, size, size * len(text)), line_key=(1, 1, column))


def test_columns_are_ordered_right_to_left_and_read_top_to_bottom() -> None:
    words = [word("部長", 100, 40, 2), word("営業", 300, 60, 1), word("株式", 300, 10, 1)]
    assert [c.text for c in group_columns(words)] == ["株式営業", "部長"]


def test_a_tall_gap_splits_a_column() -> None:
    words = [word("東京", 100, 10, 1), word("電話", 100, 200, 1)]
    assert [c.text for c in group_columns(words)] == ["東京", "電話"]


def test_a_word_beside_the_column_axis_is_not_part_of_it() -> None:
    words = [word("課長", 300, 10, 1), word("王", 260, 60, 1, confidence=0.0)]
    assert [c.text for c in group_columns(words)] == ["課長", "王"]


def test_pieces_of_one_large_character_join_their_column() -> None:
    words = [
        word("山田", 300, 10, 1, size=50),
        word("太良", 300, 115, 1, size=50),
        word("白い", 305, 200, 2, size=40),
    ]
    assert [c.text for c in group_columns(words)] == ["山田太良白い"]


def test_a_flat_stroke_after_a_kanji_in_a_column_is_one() -> None:
    stroke = [word("健", 10, 10, 1), Word(text="-", confidence=0.8, box=(10, 35, 20, 3), line_key=(1, 1, 1))]
    assert make_line(stroke, vertical=True).text == "健一"
    between = [
        word("健", 10, 10, 1),
        Word(text="-", confidence=0.8, box=(10, 35, 20, 3), line_key=(1, 1, 1)),
        word("康", 10, 40, 1),
    ]
    assert make_line(between, vertical=True).text == "健一康"
    assert make_line(between).text == "健-康"  # across, a hyphen between kanji stays


def _fields(pixels: np.ndarray) -> dict[str, str]:
    result = scan_card(encode(pixels), recognizer="tesseract")
    assert any("vertical" in w for w in result.warnings)
    return {k: v.value for k, v in result.fields.items()}


@pytest.mark.usefixtures("japanese_font")
@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_the_default_recognizer_reads_a_vertical_card_at_any_quarter_turn(degrees: int) -> None:
    # Standing up, PP-OCR's tall lines send the card to Tesseract's jpn_vert reader; lying on its
    # side, PP-OCR reads the columns as turned lines, in the same order.
    result = scan_card(encode(rotate(draw_vertical_card(SATO), degrees)))
    fields = {k: v.value for k, v in result.fields.items()}
    assert {k: fields.get(k) for k in SATO_FIELDS} == SATO_FIELDS


@pytest.mark.usefixtures("japanese_font")
def test_vertical_card_fields_are_read_with_real_tesseract() -> None:
    fields = _fields(draw_vertical_card(SATO))
    assert {k: fields.get(k) for k in SATO_FIELDS} == SATO_FIELDS


@pytest.mark.usefixtures("japanese_font")
def test_vertical_card_with_department_and_title_in_one_column() -> None:
    fields = _fields(draw_vertical_card(NAKAMURA))
    assert {k: fields.get(k) for k in NAKAMURA_FIELDS} == NAKAMURA_FIELDS


@pytest.mark.usefixtures("japanese_font")
def test_upside_down_vertical_card_is_read_the_right_way_up() -> None:
    fields = _fields(rotate(draw_vertical_card(SATO), 180))
    assert {k: fields.get(k) for k in SATO_FIELDS} == SATO_FIELDS


@pytest.mark.usefixtures("japanese_font")
def test_vertical_card_photographed_sideways_is_stood_up() -> None:
    fields = _fields(rotate(draw_vertical_card(NAKAMURA), 90))
    assert {k: fields.get(k) for k in NAKAMURA_FIELDS} == NAKAMURA_FIELDS
