"""One test per rule for real layouts found on cards-hard (pipeline 2.6.0), each with its own example (not a
cards-hard card's text): lines kept apart, the 〒 line, P.O. boxes, building words, domains, two-line titles."""

from __future__ import annotations

from ocr.fields import extract_fields
from ocr.ppread import row_keys
from tests.ocr.test_field_rules import card, placed

# Lines kept apart


def test_lines_printed_one_over_the_other_get_rows_of_their_own() -> None:
    # a short building line under the address, its detector box reaching up into the address's row
    keys = row_keys(
        [(370, 1040, 260, 40), (368, 1058, 95, 30)],
        ["〒150-0002 東京都渋谷区渋谷2丁目1番1号", "青山ハイツ302"],
    )
    assert keys[0] != keys[1]


def test_two_columns_side_by_side_get_rows_of_their_own() -> None:
    # two offices' address lines, the right column's edge shared by the lines under it
    keys = row_keys(
        [(780, 420, 262, 30), (1050, 421, 250, 30), (780, 455, 200, 30), (1050, 456, 70, 30)],
        ["Suite 1204, Harbour Tower", "Unit 7, Dock Road", "King Street West", "Leeds"],
    )
    assert keys[0] != keys[1]


def test_a_second_office_beside_the_first_is_not_part_of_its_address() -> None:
    # the widest line of the left office ends 15 px before the right office's column
    lines = placed(
        ("Northwind Trading Ltd", 40, 20),
        ("Maya Collins", 40, 60),
        ("Suite 1204, Harbour Tower", 40, 120),
        ("Unit 7, Dock Road", 382, 120),
        ("King Street West", 40, 150),
        ("Leeds LS1 4AP", 382, 150),
        ("Manchester M1 2AB", 40, 180),
        ("United Kingdom", 382, 180),
    )
    address = extract_fields(lines)[1]["address"].value
    assert address == "Suite 1204, Harbour Tower, King Street West, Manchester M1 2AB"


# Titles over two lines


def test_a_title_continues_in_its_own_column_not_the_one_beside_it() -> None:
    # the office column on the right starts a little higher than the title's second line
    lines = placed(
        ("Harbor Capital Ltd", 40, 20),
        ("Nadia Brooks", 40, 60),
        ("Head of Sales", 40, 120),
        ("Level 12, 8 Marina View", 420, 138),
        ("Northern Europe", 40, 146),
    )
    assert extract_fields(lines)[1]["title"].value == "Head of Sales Northern Europe"


# The postal code alone on its line


def test_a_postal_code_alone_takes_the_line_under_it_as_the_address() -> None:
    # an e-mail printed to the right sorts between the code and the address in reading order
    lines = placed(
        ("株式会社テスト", 40, 20),
        ("山田 太郎", 40, 60),
        ("〒150-0002", 40, 120),
        ("taro@test.co.jp", 600, 130),
        ("東京都渋谷区渋谷2丁目1番1号", 40, 146),
    )
    fields = extract_fields(lines)[1]
    assert (fields["postal_code"].value, fields["address"].value) == (
        "150-0002",
        "東京都渋谷区渋谷2丁目1番1号",
    )


def test_a_postal_code_whose_column_hyphen_reads_as_1_is_the_code() -> None:
    assert (
        card("株式会社テスト", "山田 太郎", "亍86716633", "東京都渋谷区渋谷2丁目1番1号")["postal_code"]
        == "867-6633"
    )


# English addresses


def test_a_po_box_read_with_a_zero_is_a_po_box() -> None:
    got = card("Sahara Logistics LLC", "Omar Haddad", "Building 4, Al Quoz", "P.0. Box 52110, Dubai, UAE")
    assert got["address"] == "Building 4, Al Quoz, P.O. Box 52110, Dubai, UAE"


# Company confirmed by the domain


def test_a_domain_that_lost_a_doubled_letter_still_names_the_company() -> None:
    # no legal form: only the domain says which line is the company
    assert card("Applewood Studio", "Dana Whitfield", "dana@aplewood.com")["company"] == "Applewood Studio"


# Japanese building words


def _jp_address(line: str) -> str:
    return card("株式会社テスト", "山田 太郎", line)["address"]


def test_a_building_word_read_with_a_kanji_look_alike_is_spelt_right() -> None:
    assert (
        _jp_address("〒105-0011 東京都港区芝公園4丁目2番8号芝八イツ101")
        == "東京都港区芝公園4丁目2番8号芝ハイツ101"
    )


def test_a_building_word_one_katakana_short_gets_it_back() -> None:
    assert (
        _jp_address("〒107-0062 東京都港区南青山2丁目1番3号青山アーバ302")
        == "東京都港区南青山2丁目1番3号青山アーバン302"
    )


def test_a_long_mark_between_a_building_word_and_kanji_numerals_is_one() -> None:
    # a room number in kanji numerals down a column: 一 and ー look alike there
    assert (
        _jp_address("〒105-0011 東京都港区芝公園四丁目二番八号芝シティー三〇")
        == "東京都港区芝公園四丁目二番八号芝シティ一三〇"
    )


def test_a_floor_number_after_a_building_word_that_lost_its_long_mark_keeps_its_digits() -> None:
    # タワ10F: the 1 is the floor's, not the long mark's
    assert (
        _jp_address("〒105-0011 東京都港区芝公園4丁目2番8号芝タワ10F")
        == "東京都港区芝公園4丁目2番8号芝タワー10F"
    )


def test_a_prefecture_read_in_an_old_form_is_spelt_as_today() -> None:
    # 靜 is one character from 静 (静岡) and from 福 (福岡): only its old form says which
    assert _jp_address("〒420-0853 靜岡県静岡市葵区追手町9番6号") == "静岡県静岡市葵区追手町9番6号"
