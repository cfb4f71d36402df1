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
