"""Columns of vertical print read again with their glyphs upright (pipeline 2.7.0): the long-vowel mark and the two
digits set across a column (tate-chu-yoko) that a column read turned loses."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.pipeline import scan_card
from ocr.ppocr import column_lines, paddle_engine, upright_glyphs
from ocr.ppread import UprightColumns, insert_upright
from ocr.preprocess import rotate
from tests.ocr.synth import FONT, JAPANESE_FONT, encode

# What the upright reading may add


def test_a_long_vowel_mark_after_katakana_is_inserted() -> None:
    assert insert_upright("営業部 チフ", "営業部チーフ", address=False) == "営業部 チーフ"


def test_a_long_vowel_mark_ending_a_column_is_inserted() -> None:
    assert insert_upright("課長 マネジャ", "課長マネジャー", address=False) == "課長 マネジャー"


def test_a_digit_read_upright_beside_a_digit_comes_back_where_the_readings_marks_differ() -> None:
    # tate-chu-yoko 37 read turned as 3; the marks between the numbers read otherwise upright
    assert insert_upright("東上野3，25，19", "東上野37：25·19", address=True) == "東上野37，25，19"


def test_a_stroke_read_upright_after_katakana_is_the_long_vowel_mark() -> None:
    assert insert_upright("マネジャ", "マネＩジャー", address=False) == "マネージャー"


def test_a_mark_read_turned_where_the_upright_reading_has_the_long_vowel_mark_becomes_it() -> None:
    assert insert_upright("マネジャ」", "マネージャー", address=False) == "マネージャー"


def test_a_long_vowel_mark_after_a_kanji_is_not_inserted() -> None:
    assert insert_upright("本部長", "本ー部長", address=False) == "本部長"


def test_a_digit_beside_a_digit_of_an_address_is_inserted() -> None:
    assert (
        insert_upright("大阪府北区梅田5丁目2番", "大阪府北区梅田35丁目2番", address=True)
        == "大阪府北区梅田35丁目2番"
    )


def test_a_digit_outside_an_address_is_not_inserted() -> None:
    # an upright hyphen reads as 1 between the groups of a phone number
    assert insert_upright("携帯 070.5736.1701", "携帯070157361701", address=False) == "携帯 070.5736.1701"


def test_a_digit_before_a_column_is_not_inserted() -> None:
    assert insert_upright("5丁目2番", "35丁目2番", address=True) == "5丁目2番"


def test_kana_and_kanji_the_upright_reading_adds_are_not_inserted() -> None:
    # small kana read full size, a kanji of a neighbouring line
    assert insert_upright("ロジステクス", "ロジステイクス", address=False) == "ロジステクス"
    assert insert_upright("陽子", "小陽子", address=False) == "陽子"


def test_characters_the_readings_disagree_on_stay_as_first_read() -> None:
    assert insert_upright("シャルム押上", "シヤルム押上", address=True) == "シャルム押上"


def test_columns_with_katakana_or_an_address_s_digits_get_the_look() -> None:
    look = UprightColumns()
    assert look.wants("マネジャ") and look.wants("北区丸の内5丁目6番")
    assert not look.wants("佐藤裕太") and not look.wants("代表取締役")


# Which lines are columns


def test_japanese_lines_standing_across_a_flat_latin_line_are_columns() -> None:
    texts = ["テラ株式会社", "佐藤裕太", "sato@terra-logistics.com"]
    assert column_lines(texts, [True, True, False], [0.95, 0.95, 0.95]) == [True, True, False]


def test_flat_japanese_lines_across_a_standing_latin_line_are_columns() -> None:
    # a vertical card lying on its side on a table
    texts = ["テラ株式会社", "佐藤裕太", "sato@terra-logistics.com"]
    assert column_lines(texts, [False, False, True], [0.95, 0.95, 0.95]) == [True, True, False]


def test_a_card_of_horizontal_print_has_no_columns() -> None:
    texts = ["テラ株式会社", "佐藤裕太", "sato@terra-logistics.com"]
    assert column_lines(texts, [False, False, False], [0.95] * 3) == [False] * 3
    assert column_lines(texts, [True, True, True], [0.95] * 3) == [False] * 3  # turned a quarter


def test_a_doubtful_latin_line_says_nothing() -> None:
    texts = ["テラ株式会社", "佐藤裕太", "sato@terra-logistics.com"]
    assert column_lines(texts, [True, True, False], [0.95, 0.95, 0.5]) == [False] * 3


# Glyphs laid upright


def test_glyphs_of_a_turned_column_are_laid_upright_side_by_side() -> None:
    # two glyphs, each a bar on its left (the glyph's top, as a column read turned shows it) over a dot at its right
    crop = np.full((40, 120), 255, np.uint8)
    for left in (10, 60):
        crop[5:35, left : left + 6] = 0
        crop[18:22, left + 26 : left + 30] = 0
    row = upright_glyphs(crop)
    assert row is not None
    ink = row < 128
    rows_inked = np.flatnonzero(ink.any(axis=1))
    assert ink[rows_inked[0]].sum() > 2 * 20  # each bar now lies on top, a glyph wide
    assert ink[rows_inked[-1]].sum() == 2 * 4  # each dot at the bottom
    assert len(np.flatnonzero(np.diff(ink.any(axis=0).astype(np.int8)) == 1)) == 2  # two glyphs apart


def test_the_strokes_of_one_glyph_stay_one_glyph() -> None:
    # 三 turned: three short strokes one after the other, within one glyph's size
    crop = np.full((40, 120), 255, np.uint8)
    for x in (10, 22, 34):
        crop[5:35, x : x + 3] = 0
    crop[5:35, 70:100] = 0  # and a second glyph
    row = upright_glyphs(crop)
    assert row is not None
    assert row.shape[1] < 2 * (40 + 40)  # two glyph places, not four


def test_a_stroke_along_the_column_stays_lying_in_the_upright_row() -> None:
    # a glyph (a bar on its left, its top) and then ー as vertical print sets it: a thin stroke along the column
    crop = np.full((40, 120), 255, np.uint8)
    crop[5:35, 10:16] = 0
    crop[18:22, 60:90] = 0
    row = upright_glyphs(crop)
    assert row is not None
    ink = row < 128
    stroke = ink[:, row.shape[1] // 2 :]  # the second glyph place
    rows, cols = np.flatnonzero(stroke.any(axis=1)), np.flatnonzero(stroke.any(axis=0))
    assert len(rows) == 4 and len(cols) == 30  # lying across, as horizontal print sets ー


def test_a_dash_the_upright_row_reads_after_katakana_is_the_long_vowel_mark() -> None:
    assert (
        insert_upright("技術開発センタ部長", "技術開発センタ-部長", address=False) == "技術開発センター部長"
    )
    assert insert_upright("テクノロジ", "テクフロジ一", address=False) == "テクノロジー"


def test_a_blank_crop_has_no_glyphs() -> None:
    assert upright_glyphs(np.full((40, 120), 255, np.uint8)) is None


# Read by the real recogniser


def _column(text: str, px: int) -> np.ndarray:
    """Draw a column printed vertically, in the font's vertical forms, as a column is read turned (text left to
    right, glyph tops to the left); ``[35]`` stands for two digits set across the column in one glyph's place."""
    font = ImageFont.truetype(JAPANESE_FONT, px)
    across = ImageFont.truetype(JAPANESE_FONT, int(px * 0.7))
    glyphs = re.findall(r"\[\d+\]|.", text)
    column = Image.new("L", (px + 24, int(len(glyphs) * px * 1.05) + 24), 250)
    draw = ImageDraw.Draw(column)
    y = 12
    for glyph in glyphs:
        if glyph.startswith("["):
            digits = glyph[1:-1]
            draw.text(
                (12 + (px - draw.textlength(digits, font=across)) / 2, y + px * 0.15), digits, 20, across
            )
        else:
            draw.text((12, y), glyph, fill=20, font=font, direction="ttb", features=["vert"])
        y += int(px * 1.05)
    return np.rot90(np.asarray(column)).copy()


@pytest.mark.usefixtures("japanese_font")
def test_a_column_read_upright_keeps_its_long_vowel_marks() -> None:
    crop = _column("マネージャー", 40)
    row = upright_glyphs(np.dstack([crop] * 3))
    assert row is not None
    first = paddle_engine().recognize_crops([np.dstack([crop] * 3)])[0]
    upright = paddle_engine().recognize_crops([row])[0]
    assert UprightColumns().choose(first, upright)[0] == "マネージャー"


@pytest.mark.usefixtures("japanese_font")
@pytest.mark.parametrize(
    ("text", "px"), [("技術開発センター", 30), ("グリーンテクノロジー", 30), ("センター", 40)]
)
def test_a_column_s_long_vowel_marks_laid_across_come_back(text: str, px: int) -> None:
    # read turned, and read upright with ー left standing, these columns lost a long-vowel mark
    crop = np.dstack([_column(text, px)] * 3)
    row = upright_glyphs(crop)
    assert row is not None
    first, upright = paddle_engine().recognize_crops([crop, row])
    assert UprightColumns().choose(first, upright)[0] == text


@pytest.mark.usefixtures("japanese_font")
def test_a_column_read_upright_keeps_both_digits_set_across_it() -> None:
    crop = _column("丸の内[35]丁目", 40)
    row = upright_glyphs(np.dstack([crop] * 3))
    assert row is not None
    first = paddle_engine().recognize_crops([np.dstack([crop] * 3)])[0]
    upright = paddle_engine().recognize_crops([row])[0]
    assert UprightColumns().choose(first, upright)[0] == "丸の内35丁目"


def _vertical_card() -> np.ndarray:
    """A portrait card printed vertically, with its e-mail printed across the foot."""
    card = Image.new("RGB", (550, 910), (250, 250, 246))
    x = 550 - 70
    for text, px, top in (
        ("テラロジスティクス株式会社", 30, 60),
        ("営業部 チーフデザイナー", 30, 60),
        ("佐藤 裕太", 60, 200),
        ("東京都千代田区丸の内[35]丁目6番", 24, 90),
    ):
        column = Image.fromarray(np.rot90(_column(text, px), k=-1).copy()).convert("RGB")
        card.paste(column, (x - column.width // 2, top))
        x -= int(px * 1.9)
    draw = ImageDraw.Draw(card)
    draw.text((60, 820), "sato.y@terra-logistics.com", fill=(20, 20, 20), font=ImageFont.truetype(FONT, 24))
    return np.asarray(card).copy()


@pytest.mark.usefixtures("japanese_font")
def test_a_vertical_card_s_title_keeps_its_long_vowel_marks() -> None:
    fields = {k: v.value for k, v in scan_card(encode(_vertical_card())).fields.items()}
    assert fields.get("title") == "チーフデザイナー"


@pytest.mark.usefixtures("japanese_font")
def test_a_vertical_card_s_address_keeps_both_digits_set_across_a_column() -> None:
    fields = {k: v.value for k, v in scan_card(encode(_vertical_card())).fields.items()}
    assert "丸の内35丁目" in fields.get("address", "")


@pytest.mark.usefixtures("japanese_font")
def test_a_vertical_card_lying_on_its_side_is_said_to_be_vertical_print() -> None:
    result = scan_card(encode(rotate(_vertical_card(), 90)))
    assert any("vertical text (縦書き) lying on its side" in w for w in result.warnings)


@pytest.mark.usefixtures("japanese_font")
def test_a_turned_card_of_horizontal_print_is_not_said_to_be_vertical_print(english_card: np.ndarray) -> None:
    result = scan_card(encode(rotate(english_card, 90)))
    assert not any("vertical text" in w for w in result.warnings)
