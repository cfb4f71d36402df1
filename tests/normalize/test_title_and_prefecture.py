"""The pure normalisers behind the seniority and prefecture/region filters."""

from __future__ import annotations

import pytest

from contacts.normalize import prefecture_of, region_of, seniority_of
from contacts.normalize.prefecture import REGIONS, prefecture_name, prefectures
from contacts.normalize.title import seniority_level


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("代表取締役社長", "executive"),
        ("執行役員 営業本部長", "executive"),
        ("営業部 部長", "director"),
        ("部長代理", "director"),
        ("大阪支店長", "director"),
        ("第一営業課 課長", "manager"),
        ("マネージャー", "manager"),
        ("主任", "chief"),
        ("営業", "staff"),
        ("CTO", "executive"),
        ("ＣＥＯ", "executive"),
        ("Director of Sales", "director"),
        ("Sales Manager", "manager"),
        ("Team Lead", "chief"),
        ("Software Engineer", "staff"),
    ],
)
def test_a_title_prints_its_seniority(title: str, level: str) -> None:
    assert seniority_of(title) == level


def test_latin_words_match_whole_words_only() -> None:
    assert seniority_of("Director") == "director"  # "cto" inside "director" is not a CTO


def test_no_title_has_no_seniority() -> None:
    assert (seniority_of(None), seniority_of("  ")) == (None, None)


def test_japanese_level_names_name_the_levels() -> None:
    assert [seniority_level(n) for n in ("役員", "部長", "課長", "係長", "一般", "Manager", "boss")] == [
        "executive",
        "director",
        "manager",
        "chief",
        "staff",
        "manager",
        None,
    ]


def test_the_data_file_has_the_47_prefectures_in_the_8_regions() -> None:
    assert len(prefectures()) == 47
    assert {p.region for p in prefectures()} == set(REGIONS)


@pytest.mark.parametrize(
    ("address", "prefecture", "region"),
    [
        ("〒100-0001 東京都千代田区千代田1-1", "東京都", "関東"),
        ("京都府京都市中京区", "京都府", "近畿"),
        ("北海道札幌市中央区", "北海道", "北海道"),
        ("沖縄県那覇市", "沖縄県", "九州・沖縄"),
        ("1-1 Chiyoda, Chiyoda-ku, Tokyo 100-0001", "東京都", "関東"),
        ("Nakagyo-ku, Kyoto-fu", "京都府", "近畿"),
    ],
)
def test_an_address_names_its_prefecture_and_region(address: str, prefecture: str, region: str) -> None:
    assert (prefecture_of(address), region_of(prefecture_of(address))) == (prefecture, region)


def test_an_address_without_a_prefecture_has_none() -> None:
    assert prefecture_of("大阪市北区梅田") is None


def test_filter_values_name_prefectures_with_or_without_suffix_and_in_romaji() -> None:
    assert [prefecture_name(v) for v in ("東京都", "東京", "osaka", "北海道", "Atlantis")] == [
        "東京都",
        "東京都",
        "大阪府",
        "北海道",
        None,
    ]
