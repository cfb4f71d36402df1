"""Kana and kanji look-alikes are read by their neighbours (both engines confuse them)."""

from __future__ import annotations

import pytest

from ocr.layout import fix_kana_kanji


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("五味ヶ谷コ一ポ004", "五味ヶ谷コーポ004"),  # a kanji one among katakana is the long-vowel mark
        ("コ-ト浅草橋", "コート浅草橋"),
        ("芝浦コ一卜811", "芝浦コート811"),  # 卜 beside katakana is ト
        ("八イツ松石", "ハイツ松石"),  # 八 starting a katakana word is ハ
        ("口ーソン", "ローソン"),
        ("南郷屋6丁日14番", "南郷屋6丁目14番"),
    ],
)
def test_lookalikes_among_katakana_become_katakana(read: str, printed: str) -> None:
    assert fix_kana_kanji(read) == printed


@pytest.mark.parametrize(
    "text", ["八王子市", "工藤", "健一", "一郎", "二子玉川", "ニコニコ", "ABC-DEF", "ミナト-1"]
)
def test_kanji_words_and_latin_stay(text: str) -> None:
    assert fix_kana_kanji(text) == text


def test_a_hyphen_ending_a_word_after_a_kanji_is_one() -> None:
    from ocr.engine import Word
    from ocr.layout import make_line

    words = [
        Word(text="佐藤", confidence=0.9, box=(0, 0, 80, 40)),
        Word(text="健-", confidence=0.9, box=(120, 0, 80, 40)),
    ]
    assert make_line(words).text == "佐藤 健一"
    assert make_line([Word(text="東京-大阪", confidence=0.9, box=(0, 0, 200, 40))]).text == "東京-大阪"
