"""Card confidence (``ocr.fields.confirm``): the validators, the features, the model and the shipped data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ocr.fields import confirm
from ocr.fields.calibration import wilson_lower
from ocr.fields.confirm import (
    FEATURES,
    MODEL_PATH,
    CardModel,
    card_confidence,
    card_features,
    email_spells_given_name,
    fit_model,
    name_disagrees_with_email,
    numbers_no_field_holds,
    offices_printed,
    reading_falls_short,
    shipped_model,
    suspect_fields,
    suspect_value,
    unused_lines,
)


def stored(**values: str) -> dict[str, dict[str, Any]]:
    """Fields as the service stores them, all read with confidence 0.95 (phones with a valid E.164 form)."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        out[name] = {"value": value, "confidence": 0.95}
        if name in ("phone", "mobile", "fax"):
            out[name]["e164"] = "+81312345678"
    return out


def test_a_small_kana_katakana_never_writes_after_that_kana_is_suspect() -> None:
    assert suspect_value("department", "セールスエンジニアリング部", "ja") is False
    assert suspect_value("department", "セールスエンジニアリンィグ部", "ja") is True


def test_a_full_size_ya_after_an_i_row_kana_in_an_address_is_suspect() -> None:
    assert suspect_value("address", "東京都港区芝1丁目2番3号 メゾンキヤッスル101", "ja") is True


def test_a_full_size_yu_in_a_kana_name_reading_is_two_names_not_a_misread() -> None:
    assert suspect_value("name_kana", "モリシユカ", "ja") is False


def test_a_company_spelt_the_old_way_with_a_full_size_ya_is_not_suspect() -> None:
    assert suspect_value("company", "シヤチ工業株式会社", "ja") is False


def test_a_kanji_look_alike_before_katakana_is_suspect() -> None:
    assert suspect_value("address", "大阪府堺市1番2号 工メラルド館", "ja") is True


def test_a_kanji_in_its_chinese_form_no_japanese_encoding_has_is_suspect() -> None:
    assert suspect_value("address", "神奈川県横浜市荣区本郷台1-2", "ja") is True


def test_kanji_of_windows_31j_and_accented_latin_letters_are_not_suspect() -> None:
    assert not suspect_value("name", "髙橋 﨑子", "ja") and not suspect_value("name", "Auguste RIVIÈRE", "en")


def test_a_kanji_before_kanji_or_a_small_ke_is_not_a_look_alike() -> None:
    assert suspect_value("address", "東京都八王子市八ヶ谷1-2-3", "ja") is False


def test_a_web_host_with_four_ws_is_suspect() -> None:
    assert suspect_value("url", "wwww.kawa-trading.com", "en") is True
    assert suspect_value("url", "https://www.kawa-trading.com/", "en") is False


def test_an_address_on_an_unusual_long_top_level_domain_is_suspect() -> None:
    assert suspect_value("email", "mori@mail.kawa", "ja") is True
    assert suspect_value("email", "mori@kawa.co.uk", "ja") is False


def test_an_english_company_starting_in_lower_case_is_suspect() -> None:
    assert suspect_value("company", "kestrel Holdings Ltd", "en") is True
    assert suspect_value("company", "Kestrel Holdings Ltd", "en") is False


def test_a_kana_reading_without_the_surname_reading_falls_short() -> None:
    assert reading_falls_short("田中 一郎", "なかいちろう") is True


def test_a_kana_reading_of_the_surname_only_falls_short() -> None:
    assert reading_falls_short("田中 一郎", "たなか") is True


def test_an_english_address_word_whose_capital_was_read_small_is_suspect() -> None:
    assert suspect_value("address", "3, Bd sidi Mohammed Ben Abdallah, 10180 Rabat", "en")


def test_small_particles_between_capitalised_words_are_not_suspect() -> None:
    assert not suspect_value("address", "Jan van Goyenlaan 12, 1075 Amsterdam", "en")
    assert not suspect_value("address", "4 Rue de Paris, 62200 Boulogne sur Mer", "en")


def test_a_small_word_whose_capital_looks_otherwise_is_not_suspect() -> None:
    assert not suspect_value(
        "address", "275 Rue de la Paix, 75002 Paris", "en"
    )  # d and l are no capitals made small


def test_an_email_and_a_web_address_a_letter_apart_are_both_suspect() -> None:
    fields = stored(email="fujiwara.a@fujii-bussan.com", url="https://fuji-bussan.com/")
    assert suspect_fields(fields, "ja") == ["email", "url"]


def test_a_field_suspect_for_two_reasons_is_named_once() -> None:
    fields = stored(
        email="a@fujii-bussan.tokyo", url="https://fuji-bussan.tokyo/"
    )  # an odd domain, a letter apart
    assert suspect_fields(fields, "ja") == ["email", "url"]


def test_an_email_domain_that_is_another_name_than_the_web_host_is_not_suspect() -> None:
    fields = stored(email="taro@group-mail.jp", url="https://www.kestrel.co.jp")
    assert suspect_fields(fields, "ja") == []


def test_an_email_domain_under_another_suffix_of_the_same_name_is_not_suspect() -> None:
    fields = stored(email="taro@mail.kestrel.co.jp", url="https://kestrel.jp/")
    assert suspect_fields(fields, "ja") == []


def test_an_email_initial_no_reading_of_the_given_name_starts_with_makes_the_name_suspect() -> None:
    # 乾 (ken, tsuyoshi) misread for 幹 (miki, kan, motoki)
    assert suspect_fields(stored(name="鈴木 乾", email="suzuki_m@example.co.jp"), "ja") == ["name"]


def test_an_email_given_name_no_reading_starts_like_makes_the_name_suspect() -> None:
    assert name_disagrees_with_email("高橋 乾", "miki.takahashi@example.jp")


def test_an_email_given_name_in_kunrei_spelling_agrees() -> None:
    assert not name_disagrees_with_email("前田 充", "mituru.maeda@example.com")


def test_an_email_given_name_read_otherwise_than_the_lists_but_starting_alike_agrees() -> None:
    assert not name_disagrees_with_email("遠藤 修平", "shohei.endo@example.jp")  # the lists know shuhei


def test_an_email_initial_of_a_reading_spelt_otherwise_in_kunrei_agrees() -> None:
    assert not name_disagrees_with_email("西村 千代", "nishimura.c@example.com")  # chiyo, tiyo


def test_an_email_without_the_surname_says_nothing_of_the_name() -> None:
    assert not name_disagrees_with_email("鈴木 乾", "info@example.co.jp")


def test_an_email_given_name_that_a_reading_starts_like_agrees() -> None:
    assert email_spells_given_name("高橋 幹", "miki.takahashi@example.jp") is True


def test_an_email_of_the_surname_alone_tells_nothing_of_the_given_name() -> None:
    assert email_spells_given_name("高橋 幹", "takahashi@example.jp") is None


def test_a_company_that_a_recognised_line_holds_with_more_words_is_suspect() -> None:
    fields = stored(company="Williams", name="Jeffrey Waters")
    text = "Williams\nWilliams, Campbell and Humphreys\nJeffrey Waters"
    assert suspect_fields(fields, "en", text) == ["company"]


def test_a_company_named_in_the_email_and_web_lines_is_not_cut_short() -> None:
    fields = stored(company="SABLE", email="khalid@sable.ae", url="www.sable.ae")
    text = "3 SABLE\nEmail khalid@sable.ae\nWeb www.sable.ae"
    assert suspect_fields(fields, "en", text) == []


def test_a_whole_kana_reading_does_not_fall_short() -> None:
    assert reading_falls_short("田中 一郎", "たなかいちろう") is False


def test_a_reading_that_falls_short_makes_the_kana_field_suspect() -> None:
    assert suspect_fields(stored(name="田中 一郎", name_kana="なかいちろう"), "ja") == ["name_kana"]


def test_a_title_line_no_field_took_is_unused() -> None:
    text = "Kestrel Holdings Ltd\nMary Hale\nHead of Sales\nEurope and Africa\nmary@kestrel.co.uk"
    assert unused_lines(
        text, ["Kestrel Holdings Ltd", "Mary Hale", "Head of Sales", "mary@kestrel.co.uk"]
    ) == ["Europe and Africa"]


def test_a_line_holding_a_phone_number_is_used() -> None:
    assert unused_lines("TEL 03-1234-5678 (代表)", ["03-1234-5678"]) == []


def test_an_expected_field_the_reading_lacks_counts_as_missing() -> None:
    features = card_features(stored(name="田中 一郎", company="株式会社カワ", phone="03-1234-5678"), "ja")
    assert features["missing"] == 3.0  # e-mail, postal code, address


def test_a_phone_without_a_valid_number_counts_as_a_bad_number() -> None:
    fields = stored(name="Mary Hale", phone="555 0100")
    fields["phone"]["e164"] = None
    assert card_features(fields, "en")["bad_number"] == 1.0


def test_an_email_domain_other_than_the_web_host_disagrees() -> None:
    fields = stored(email="mary@kestrel.co.uk", url="https://www.kestrel-group.com/")
    assert card_features(fields, "en")["domain_disagrees"] == 1.0


def test_the_weakest_field_sets_the_weakest_feature() -> None:
    fields = stored(name="Mary Hale", company="Kestrel Holdings Ltd")
    fields["company"]["confidence"] = 0.5
    assert card_features(fields, "en")["weakest"] == pytest.approx(0.0)


def _model() -> CardModel:
    """A model fitted on cards that are right when their fields are confident and nothing is missing."""
    samples = []
    for i in range(200):
        confidence = 0.5 + 0.5 * (i % 50) / 50
        fields = stored(
            name="Mary Hale", company="Kestrel Holdings Ltd", email="mary@kestrel.co.uk", address="1 Main St"
        )
        for f in fields.values():
            f["confidence"] = confidence
        samples.append((card_features(fields, "en"), confidence > 0.75 or i % 7 == 0))
    return fit_model(samples)


def test_a_card_of_confident_fields_scores_higher_than_one_of_doubtful_fields() -> None:
    model = _model()
    sure = stored(
        name="Mary Hale", company="Kestrel Holdings Ltd", email="mary@kestrel.co.uk", address="1 Main St"
    )
    doubtful = json.loads(json.dumps(sure))
    for f in doubtful.values():
        f["confidence"] = 0.55
    assert card_confidence(sure, "en", model=model) > card_confidence(doubtful, "en", model=model)


def test_a_card_with_a_suspect_field_has_no_confidence() -> None:
    fields = stored(name="Mary Hale", company="kestrel Holdings Ltd", email="mary@kestrel.co.uk")
    assert card_confidence(fields, "en", model=_model()) == 0.0


def test_without_a_model_no_card_is_confident(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(confirm, "shipped_model", lambda: None)
    assert card_confidence(stored(name="Mary Hale"), "en") == 0.0


def test_a_model_survives_its_json_form() -> None:
    model = _model()
    assert CardModel.from_json(json.loads(json.dumps(model.to_json()))) == model


def test_a_model_fitted_on_other_features_is_refused() -> None:
    data = _model().to_json()
    data["features"] = [*data["features"][:-1], "something_else"]
    with pytest.raises(ValueError):
        CardModel.from_json(data)


def test_the_shipped_model_was_written_by_the_benchmark_for_these_features() -> None:
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert data["source"].startswith("bench_confirm --fit on ")
    assert data["model"]["features"] == list(FEATURES) and shipped_model() is not None


def test_the_shipped_model_lets_its_surest_cards_clear_the_default_threshold() -> None:
    # A fit whose top step falls under the default threshold confirms no card at all: every card goes to review.
    from contacts.config import Settings

    model = shipped_model()
    assert model is not None and model.steps[-1][1] >= Settings().review_threshold


def test_a_stricter_interval_promises_less_from_the_same_cards() -> None:
    from ocr.fields.calibration import fit_field

    samples = [(0.9, True)] * 30
    assert fit_field(samples, z=2.326)[0][1] < fit_field(samples)[0][1]


def test_an_address_starting_like_a_prefecture_that_is_none_of_the_47_is_suspect() -> None:
    assert suspect_value("address", "靜岡県浜松市中区1-2-3", "ja") is True


def test_an_address_without_its_prefecture_is_not_suspect() -> None:
    assert suspect_value("address", "京都市中京区烏丸通1-2-3", "ja") is False


def test_a_step_promises_no_more_than_every_group_of_cards_shows_in_it() -> None:
    # One step of 40 cards: the 20 easy ones all right, the 20 hard ones 14 right.
    scores = [0.9] * 40
    right = [True] * 20 + [True] * 14 + [False] * 6
    groups = ["easy"] * 20 + ["hard"] * 20
    pooled = confirm.every_group([(0.0, 0.6)], scores, right, ["all"] * 40)
    split = confirm.every_group([(0.0, 0.6)], scores, right, groups)
    assert pooled == [(0.0, 0.6)] and split == [(0.0, round(wilson_lower(14, 20, confirm.CARD_Z), 4))]


def test_a_group_with_few_cards_in_a_step_does_not_bound_it() -> None:
    scores = [0.9] * 24
    right = [True] * 20 + [False] * 4
    groups = ["easy"] * 20 + ["few"] * 4
    assert confirm.every_group([(0.0, 0.6)], scores, right, groups) == [(0.0, 0.6)]


def test_a_group_all_right_in_a_step_does_not_lower_it() -> None:
    # 30 hard cards and 8 easy ones, all right: eight cards alone would bound the step under 0.85
    scores = [0.9] * 38
    right = [True] * 38
    groups = ["hard"] * 30 + ["easy"] * 8
    assert confirm.every_group([(0.0, 0.85)], scores, right, groups) == [(0.0, 0.85)]


def test_a_step_a_group_bounds_under_the_step_below_is_pooled_with_it() -> None:
    # 10 cards at 0.2, all right (group a); at 0.9 group a 5 of 10 right, group b 10 of 10
    scores = [0.2] * 10 + [0.9] * 20
    right = [True] * 10 + [True] * 5 + [False] * 5 + [True] * 10
    groups = ["a"] * 20 + ["b"] * 10
    steps = confirm.every_group([(0.0, 0.5), (0.5, 0.6)], scores, right, groups)
    # one step over all 30 cards, bounded by group a's 15 of 20
    assert steps == [(0.0, round(wilson_lower(15, 20, confirm.CARD_Z), 4))]


def test_one_wrong_card_in_a_top_step_does_not_lower_the_clean_step_under_it_to_its_bound() -> None:
    # 90 right cards at 0.95 (two groups), and at 0.99 group a 18 of 19 right, group b 17 of 17
    scores = [0.95] * 90 + [0.99] * 36
    right = [True] * 90 + [True] * 18 + [False] + [True] * 17
    groups = ["a"] * 33 + ["b"] * 57 + ["a"] * 19 + ["b"] * 17
    steps = confirm.every_group([(0.0, 0.9522), (0.98, 0.8742)], scores, right, groups)
    assert len(steps) == 1 and steps[0][1] > wilson_lower(18, 19, confirm.CARD_Z) + 0.05


def test_a_further_number_on_a_card_with_one_office_is_suspect() -> None:
    fields = stored(name="Laurence Marques", phone="+33 2 90 12 04 47", other_phones="+33 6 94 89 09 58")
    text = "Laurence Marques\n275, rue de Gaillard, 83286 Teixeiraboeuf\n+33 2 90 12 04 47\n+33 6 94 89 09 58"
    assert suspect_fields(fields, "en", text) == ["other_phones"]


def test_further_numbers_on_a_card_with_two_offices_are_the_other_offices() -> None:
    fields = stored(name="Nora Blake", phone="+44 1904 123456", other_phones="+44 113 496 0000")
    text = "Nora Blake\n8 Queen Road\n12 King Street\nYork YO1 7HH\nLeeds LS1 4DY\nT +44 1904 123456\nT +44 113 496 0000"
    assert suspect_fields(fields, "en", text) == []


def test_the_digits_of_a_phone_number_are_no_postal_code() -> None:
    assert offices_printed("〒388-7445 長野県渋谷区東上野14丁目\nTEL 092-573-7003", "ja") == 1


def test_a_label_printed_without_its_field_read_makes_that_field_suspect() -> None:
    fields = stored(name="山本 七夏", phone="092-573-7003")
    text = "山本七夏\nT092-573-7003\nURL"
    assert suspect_fields(fields, "ja", text) == ["url"]


def test_a_label_printed_with_its_field_read_is_no_suspicion() -> None:
    fields = stored(name="山本 七夏", phone="092-573-7003", url="https://sakura-systems.com/")
    text = "山本七夏\nT092-573-7003\nURL https://sakura-systems.com/"
    assert suspect_fields(fields, "ja", text) == []


_LOST = (
    "name: a mark is printed over E that the reading lacks (an accent such as È, Ü or Ñ); check the spelling"
)


def test_a_field_whose_warning_says_its_line_shows_more_is_suspect() -> None:
    fields = stored(name="Auguste RIVIERE", email="auguste@example.fr")
    assert suspect_fields(fields, "en", "", [_LOST]) == ["name"]


def test_a_field_a_reviewer_s_correction_set_since_the_warning_is_not_suspect() -> None:
    fields = stored(name="Auguste RIVIÈRE", email="auguste@example.fr")
    fields["name"].update(ocr_value="Auguste RIVIERE", correction_id="c1")
    assert suspect_fields(fields, "en", "", [_LOST]) == []


def test_a_warning_about_a_field_the_reading_lacks_holds_nothing() -> None:
    assert suspect_fields(stored(email="auguste@example.fr"), "en", "", [_LOST]) == []


def test_a_card_whose_name_lacks_a_printed_accent_has_no_confidence() -> None:
    fields = stored(
        name="Auguste RIVIERE", company="Nimbus Digital SARL", email="auguste@nimbus.fr", address="1 Main St"
    )
    model = _model()
    assert card_confidence(fields, "en", [], model=model) > 0.0
    assert card_confidence(fields, "en", [_LOST], model=model) == 0.0


def test_a_garbled_number_beside_a_phone_label_is_held_by_no_field() -> None:
    # cards-hard 0016: the first office's line read 話-526a5510; the phone was taken from the third office
    fields = stored(phone="075-552-6278", fax="03-3820-1108")
    text = (
        "東京本社〒321-5879三重県横浜市西区中川崎21丁目21番14号\n話-526a5510\n電話075-552-6278Fax03-3820-1108"
    )
    assert numbers_no_field_holds(fields, text) == ["526a5510"]
    assert "phone" in suspect_fields(fields, "ja", text)


def test_numbers_run_together_around_a_label_are_each_held() -> None:
    fields = stored(phone="092-648-4182", fax="092-280-5163")
    assert numbers_no_field_holds(fields, "TEL092-648-4182F092-280-5163") == []


def test_a_number_another_office_prints_is_held_by_other_phones() -> None:
    fields = stored(phone="03-1234-5678", other_phones="06-8765-4321")
    assert numbers_no_field_holds(fields, "TEL 03-1234-5678\n大阪支店 TEL 06-8765-4321") == []


def test_a_po_box_on_an_office_line_is_held_by_the_address() -> None:
    fields = stored(address="Office 1104, Platinum Tower, P.O. Box 941266, Dubai, UAE")
    assert numbers_no_field_holds(fields, "Office 1104, Platinum Tower, P.0. Box 941266, Dubai, UAE") == []


def test_another_office_s_postal_code_on_a_phone_line_is_no_number() -> None:
    fields = stored(phone="03-1234-5678", other_phones="06-8765-4321")
    text = "大阪支店 〒530-0001 大阪市北区梅田1-1-1 TEL 06-8765-4321\nTEL 03-1234-5678"
    assert numbers_no_field_holds(fields, text) == []


def test_another_office_s_po_box_on_an_office_line_is_no_number() -> None:
    fields = stored(phone="+971 4 448 7806", address="Office 3716, Platinum Tower, P.O. Box 173200, Dubai")
    assert (
        numbers_no_field_holds(fields, "Office 719, Gold Tower, P.O. Box 866298, Dubai\nOffice +97144487806")
        == []
    )
