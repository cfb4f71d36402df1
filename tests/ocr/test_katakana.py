"""Katakana words mended by the dictionary (ocr.fields.katakana), with the real SudachiDict."""

from __future__ import annotations

from ocr.fields.katakana import mend_katakana, mend_run, mend_text, split_words
from ocr.result import Field


def _field(value: str) -> Field:
    return Field(value=value, confidence=0.9, box=(0, 0, 10, 10))


def test_a_lost_long_vowel_mark_is_restored() -> None:
    assert mend_text("マケティング本部") == "マーケティング本部"


def test_a_lost_long_vowel_mark_after_a_small_kana_is_restored() -> None:
    assert mend_text("ハーモニーソリュションズ株式会社") == "ハーモニーソリューションズ株式会社"


def test_a_lost_small_kana_is_restored() -> None:
    assert mend_run("マーケテング") == "マーケティング"


def test_a_full_size_kana_read_for_a_small_one_is_made_small() -> None:
    assert mend_run("メデイカル") == "メディカル"


def test_a_small_kana_its_kana_cannot_take_is_read_full_size() -> None:
    assert mend_text("株式会社テラデザィン") == "株式会社テラデザイン"


def test_a_kana_lost_before_a_small_kana_is_restored() -> None:
    assert mend_run("マーケィング") == "マーケティング"


def test_a_compound_is_mended_where_its_word_is_misspelt() -> None:
    assert mend_run("ネクストロジステクス") == "ネクストロジスティクス"


def test_a_full_size_ya_after_an_i_row_kana_is_made_small() -> None:
    assert mend_run("マネジヤー") == "マネジャー"


def test_a_spelling_the_dictionary_knows_is_kept() -> None:
    assert mend_run("センタ") is None  # センター's JIS spelling
    assert mend_run("キヤノン") is None  # a company's own old spelling


def test_a_coined_name_is_not_made_into_short_words() -> None:
    assert mend_run("ドミール") is None  # not ドー・ミール


def test_two_equally_good_mends_change_nothing() -> None:
    assert mend_run("チフ") is None  # チーフ or チャフ


def test_a_run_is_split_into_words_leaving_fewest_characters_out() -> None:
    assert split_words("ミライメディカル") == (0, ((0, 3), (3, 8)))


def test_names_and_addresses_are_left_alone() -> None:
    fields = {"name": _field("マケティング 太郎"), "address": _field("東京都千代田区 シヤルム101")}
    assert mend_katakana(fields) == (fields, [])


def test_a_mended_field_says_so_in_a_warning() -> None:
    fields, warnings = mend_katakana({"department": _field("マケティング本部")})
    assert fields["department"].value == "マーケティング本部"
    assert fields["department"].confidence == 0.9
    assert warnings == ["department: マケティング本部 corrected to マーケティング本部 (dictionary)"]
