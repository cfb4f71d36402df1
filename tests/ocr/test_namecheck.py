"""Name cross-check: second readings of the name line, confirmed by the printed reading."""

from __future__ import annotations

import numpy as np

from ocr.engine import Word
from ocr.layout import Line, make_line
from ocr.namecheck import DISPUTED_CONFIDENCE, check_name, find_missing_name, reading_agrees
from ocr.result import Field


class ScriptedEngine:
    """Answers each psm 7 call with the next scripted reading (one word per character)."""

    def __init__(self, readings: list[str], confidence: float = 0.9) -> None:
        self.readings = list(readings)
        self.confidence = confidence
        self.calls = 0

    def recognize(self, image: np.ndarray, *, lang: str, psm: int = 3, dpi: int | None = None) -> list[Word]:
        assert psm == 7
        self.calls += 1
        if not self.readings:
            return []
        text = self.readings.pop(0)
        return [
            Word(text=ch, confidence=self.confidence, box=(20 + 40 * i, 20, 36, 40), line_key=(1, 1, 1))
            for i, ch in enumerate(text)
        ]


def _fields(name: str, **readings: str) -> dict[str, Field]:
    fields = {"name": Field(value=name, confidence=0.8, box=(100, 100, 300, 70))}
    for key, value in readings.items():
        fields[key] = Field(value=value, confidence=0.8, box=(100, 180, 200, 20))
    return fields


GRAY = np.full((600, 1000), 255, dtype=np.uint8)


def test_reading_agrees_with_kana_and_with_romaji_in_either_order() -> None:
    assert reading_agrees("加藤裕太", kana=None, romaji="Yuta Kato")
    assert reading_agrees("加藤裕太", kana=None, romaji="KATO YUTA")
    assert reading_agrees("松田和也", kana="マツダ カズヤ", romaji=None)
    assert not reading_agrees("加藤俗太", kana=None, romaji="Yuta Kato")
    assert not reading_agrees("松田和志", kana="マツダカズヤ", romaji=None)


def test_second_reading_confirmed_by_romaji_replaces_a_misread_kanji() -> None:
    fields = check_name(
        _fields("加藤 俗太", name_romaji="Yuta Kato"), GRAY, ScriptedEngine(["加藤裕太", "加藤俗太"]), dpi=280
    )
    assert fields["name"].value == "加藤 裕太"


def test_characters_of_different_readings_combine_when_the_kana_confirms_them() -> None:
    # The surname is right in the first reading, the given name in a second one.
    fields = check_name(
        _fields("斎藤 和世", name_kana="サイトウ カズヤ"),
        GRAY,
        ScriptedEngine(["詠懇和也", "六腰和志"]),
        dpi=280,
    )
    assert fields["name"].value == "斎藤 和也"


def test_name_confirmed_by_its_reading_is_kept() -> None:
    original = _fields("松田 和也", name_kana="マツダカズヤ")
    fields = check_name(original, GRAY, ScriptedEngine(["松田和志", "松田和志"]), dpi=280)
    assert fields["name"] == original["name"]


def test_no_printed_reading_never_replaces_the_name_but_disputed_name_goes_to_review() -> None:
    fields = check_name(_fields("林 真凌"), GRAY, ScriptedEngine(["林真綾", "林真絞"]), dpi=280)
    assert fields["name"].value == "林 真凌"
    assert fields["name"].confidence <= DISPUTED_CONFIDENCE


def test_no_alternative_that_agrees_is_never_invented() -> None:
    fields = check_name(
        _fields("山田 深", name_romaji="Tsubasa Yamada"), GRAY, ScriptedEngine(["山田連", "山田深"]), dpi=280
    )
    assert fields["name"].value == "山田 深"
    assert fields["name"].confidence <= DISPUTED_CONFIDENCE


def test_readings_of_another_length_or_script_are_ignored() -> None:
    original = _fields("加藤 俗太", name_romaji="Yuta Kato")
    fields = check_name(original, GRAY, ScriptedEngine(["加藤裕太郎", "Kato Yuta"]), dpi=280)
    assert fields["name"] == original["name"]


def test_latin_names_and_missing_names_are_left_alone() -> None:
    engine = ScriptedEngine(["X"])
    latin = {"name": Field(value="Jane Example", confidence=0.9, box=(1, 1, 100, 30))}
    assert check_name(latin, GRAY, engine, dpi=280) == latin
    assert check_name({}, GRAY, engine, dpi=280) == {}
    assert engine.calls == 0


def test_box_at_the_image_edge_is_cropped_safely() -> None:
    fields = {"name": Field(value="山田 太郎", confidence=0.8, box=(990, 590, 300, 70))}
    assert check_name(fields, GRAY, ScriptedEngine([]), dpi=280)["name"].value == "山田 太郎"


def test_loose_kana_comparison_folds_look_alikes_the_engine_confuses() -> None:
    assert not reading_agrees("林真綾", kana="ハヤンマアヤ", romaji=None)
    assert reading_agrees("林真綾", kana="ハヤンマアヤ", romaji=None, loose=True)
    assert not reading_agrees("林真凌", kana="ハヤンマアヤ", romaji=None, loose=True)


def test_two_readings_that_both_match_the_reading_leave_the_name_for_review() -> None:
    # 太郎 and 太朗 both read たろう: the romaji cannot tell them apart.
    fields = check_name(
        _fields("橋本 太朗", name_romaji="Taro Hashimoto"),
        GRAY,
        ScriptedEngine(["橋本太郎", "橋本太朗"]),
        dpi=280,
    )
    assert fields["name"].value == "橋本 太朗"
    assert fields["name"].confidence <= DISPUTED_CONFIDENCE


def test_kana_line_under_the_name_is_read_again_to_confirm_it() -> None:
    lines = [
        make_line([Word(text="林真凌", confidence=0.5, box=(100, 100, 300, 70), line_key=(1, 1, 1))]),
        make_line([Word(text="ハルポン)", confidence=0.4, box=(100, 190, 120, 22), line_key=(1, 1, 2))]),
    ]
    engine = ScriptedEngine(["林真綾", "林真絞", "ハヤシ マアヤ"])
    fields = check_name(_fields("林 真凌"), GRAY, engine, dpi=280, lines=lines)
    assert fields["name"].value == "林 真綾"
    assert fields["name_kana"].value == "ハヤシ マアヤ"
    assert engine.calls == 3


def test_non_kana_line_under_the_name_is_not_taken_as_a_reading() -> None:
    lines = [
        make_line([Word(text="林真凌", confidence=0.5, box=(100, 100, 300, 70), line_key=(1, 1, 1))]),
        make_line([Word(text="営業部", confidence=0.9, box=(100, 190, 120, 22), line_key=(1, 1, 2))]),
    ]
    fields = check_name(
        _fields("林 真凌"), GRAY, ScriptedEngine(["林真綾", "林真絞", "営業部"]), dpi=280, lines=lines
    )
    assert fields["name"].value == "林 真凌"
    assert "name_kana" not in fields


def _card_lines(name_pieces: list[tuple[str, tuple[int, int, int, int]]]) -> list[Line]:
    small = [
        ("小林水産株式会社", (80, 40, 300, 24)),
        ("営業部", (80, 80, 100, 24)),
        ("TEL 03-1234-5678", (80, 400, 300, 24)),
    ]
    return [
        make_line([Word(text=t, confidence=0.9, box=b, line_key=(1, 1, i))])
        for i, (t, b) in enumerate([*small, *name_pieces])
    ]


def test_name_broken_into_pieces_is_read_again_from_its_row() -> None:
    lines = _card_lines([("遠", (80, 250, 60, 68)), ("本", (300, 252, 60, 66))])
    fields = find_missing_name({}, GRAY, lines, ScriptedEngine(["遠藤康弘", "速藤康弘"]), dpi=280)
    assert fields["name"].value == "遠藤 康弘"
    assert fields["name"].box == (80, 250, 280, 68)
    assert fields["name"].confidence <= DISPUTED_CONFIDENCE  # nothing confirms it: review


def test_row_that_does_not_read_as_a_name_gives_no_name() -> None:
    lines = _card_lines([("遠", (80, 250, 60, 68))])
    fields = find_missing_name({}, GRAY, lines, ScriptedEngine(["Creating Value", "営業本部"]), dpi=280)
    assert "name" not in fields


def test_found_name_is_never_searched_again() -> None:
    engine = ScriptedEngine(["遠藤康弘"])
    fields = {"name": Field(value="山田 太郎", confidence=0.9, box=(80, 250, 300, 68))}
    assert find_missing_name(fields, GRAY, _card_lines([]), engine, dpi=280) == fields
    assert engine.calls == 0
