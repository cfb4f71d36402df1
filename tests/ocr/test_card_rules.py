"""One test per field rule added for whole cards right (pipeline 2.4.0): the classes that kept cards-hard cards
from being fully right, each with its own example (not a cards-hard card's text)."""

from __future__ import annotations

from ocr.fields import extract_fields
from tests.ocr.test_field_rules import card, placed


def values(lines: list) -> dict[str, str]:
    return {name: f.value for name, f in extract_fields(lines)[1].items()}


# Titles over two lines


def test_a_title_continues_on_a_line_whose_box_overlaps_it() -> None:
    lines = placed(
        ("Harbor Capital Ltd", 40, 40),
        ("Nadia Brooks", 40, 100),
        ("Head of Sales", 40, 140),
        ("Northern Europe", 40, 160),  # the detector's boxes overlap by two pixels
        height=22,
    )
    assert values(lines)["title"] == "Head of Sales Northern Europe"


def test_the_nearest_line_under_a_title_continues_it_not_a_later_one() -> None:
    lines = placed(
        ("Harbor Capital Ltd", 40, 40),
        ("Nadia Brooks", 40, 100),
        ("Lead Engineer,", 40, 140),
        ("Human Resources", 40, 178),  # read first by the detector, but a line further down
        ("Cloud Platforms", 40, 160),
        height=22,
    )
    assert values(lines)["title"] == "Lead Engineer, Cloud Platforms"


def test_a_second_title_line_with_one_word_that_is_also_a_surname_is_joined() -> None:
    got = card("Harbor Capital Ltd", "Nadia Brooks", "Senior Partner", "Field Operations")  # Field: a surname
    assert got["title"] == "Senior Partner Field Operations"


def test_a_name_under_a_title_is_not_joined_to_it() -> None:
    got = card("Harbor Capital Ltd", "Managing Partner", "Nadia Brooks")
    assert got["title"] == "Managing Partner"


# Company beside its logo


def test_a_hyphenated_company_name_wins_over_its_logo_word() -> None:
    got = card("HARRIS", "Harris-Okafor", "Dana Whitfield", "dana@harris.net")
    assert got["company"] == "Harris-Okafor"


def test_a_logo_read_as_one_capital_letter_before_the_company_is_dropped() -> None:
    got = card("K Kestrel Works", "Dana Whitfield", "dana@kestrel.co.uk")
    assert got["company"] == "Kestrel Works"


def test_a_one_letter_initial_the_domain_names_stays_in_the_company() -> None:
    got = card("J Walter Partners", "Dana Whitfield", "dana@jwalter.com")
    assert got["company"] == "J Walter Partners"


# Departments


def test_a_japanese_department_with_its_english_name_is_one_department() -> None:
    got = card("株式会社テスト", "国際事業部 International Business", "部長", "山田 太郎")
    assert (got["department"], got["title"]) == ("国際事業部 International Business", "部長")


def test_a_japanese_department_run_into_its_english_name_is_one_department() -> None:
    assert (
        card("株式会社テスト", "人事部Human Resources", "山田 太郎")["department"] == "人事部 Human Resources"
    )


def test_a_japanese_department_and_an_english_title_are_not_one_department() -> None:
    got = card("株式会社テスト", "営業部 Sales Manager", "山田 太郎")
    assert got.get("department") != "営業部 Sales Manager"


def test_an_acronym_and_katakana_department_alone_on_its_line_is_the_department() -> None:
    assert card("株式会社テスト", "DXセンター", "山田 太郎")["department"] == "DXセンター"


def test_a_business_function_with_a_scope_word_is_a_department() -> None:
    got = card("Harbor Capital Ltd", "Nadia Brooks", "International Sales", "nadia@harbor.com")
    assert got["department"] == "International Sales"


def test_supply_chain_under_a_title_is_the_department_not_the_title() -> None:
    got = card("Harbor Capital Ltd", "Nadia Brooks", "Regional Director", "Supply Chain Management")
    assert (got["title"], got["department"]) == ("Regional Director", "Supply Chain Management")


# Names


def test_a_number_after_the_name_with_an_icon_mark_before_it_is_cut() -> None:
    assert card("Harbor Capital Ltd", "Nadia Brooks ● (65) 6123 4567")["name"] == "Nadia Brooks"


def test_a_romaji_name_whose_space_was_lost_after_the_capitalised_surname_is_the_romaji() -> None:
    assert card("株式会社テスト", "山田 太郎", "YAMADATaro")["name_romaji"] == "YAMADA Taro"


def test_a_latin_line_starting_in_lower_case_is_no_title() -> None:
    got = card("Harbor Capital Ltd", "ur Partner in Growth", "Nadia Brooks", "CEO")
    assert got["title"] == "CEO"


# Numbers and web addresses


def test_a_fax_label_that_lost_its_small_a_still_types_the_number() -> None:
    got = card("株式会社テスト", "山田 太郎", "TEL 06-1234-5678", "フックス 06-1234-5679")
    assert got["fax"] == "06-1234-5679"


def test_a_fax_label_whose_small_a_reads_as_seven_still_types_the_number() -> None:
    got = card("株式会社テスト", "山田 太郎", "TEL 06-1234-5678", "フ7ックス 06-1234-5679")
    assert got["fax"] == "06-1234-5679"


def test_a_web_address_stops_where_japanese_text_runs_on_after_it() -> None:
    got = card("株式会社テスト", "山田 太郎", "http://www.example.jp/東京本社〒100-0001東京都千代田区")
    assert got["url"] == "http://www.example.jp/"


def test_the_label_w_run_into_www_is_dropped() -> None:
    assert card("Nadia Brooks", "Wwww.harbor.com")["url"] == "www.harbor.com"


# Addresses


def test_a_japanese_address_on_the_e_mail_s_line_is_still_the_address() -> None:
    got = card("株式会社テスト", "山田 太郎", "〒100-0001東京都千代田区千代田1-1 yamada@example.co.jp")
    assert (got["postal_code"], got["address"], got["email"]) == (
        "100-0001",
        "東京都千代田区千代田1-1",
        "yamada@example.co.jp",
    )
