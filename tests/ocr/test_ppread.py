"""Reading a side with PP-OCR: rotation votes, quad rotation, vertical cue, text outside the quad, rows."""

from __future__ import annotations

from typing import cast

import numpy as np
import pytest

from ocr.pipeline import scan_card
from ocr.ppocr import PaddleEngine, TextLine
from ocr.ppread import (
    CONFIDENT,
    DroppedCharacters,
    PaddleReading,
    cjk_share,
    column_numbers,
    insert_dropped,
    looks_vertical,
    mend_name_by_email,
    mend_reading,
    mend_spelling,
    outside_share,
    reading_quality,
    reading_words,
    rotate_quad,
    row_keys,
    vote_rotation,
)
from ocr.preprocess import CardQuad, rotate
from ocr.result import Field
from tests.shared_data import require_shared_data


def line(
    text: str,
    *,
    score: float = 0.95,
    turned: bool = False,
    flipped: bool = False,
    box: tuple[int, int, int, int] = (0, 0, 100, 20),
) -> TextLine:
    x, y, w, h = box
    quad = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float32)
    return TextLine(quad=quad, text=text, score=score, upside_down=0.9 if flipped else 0.1, turned=turned)


def test_quality_counts_only_confident_characters() -> None:
    assert reading_quality([line("abcd", score=1.0), line("zzzzzzzz", score=CONFIDENT - 0.1)]) == 4.0


@pytest.mark.parametrize(
    ("turned", "flipped", "rotation"),
    [(False, False, 0), (False, True, 180), (True, False, 270), (True, True, 90)],
)
def test_rotation_is_voted_by_the_lines(turned: bool, flipped: bool, rotation: int) -> None:
    lines = [line("Example Trading Ltd.", turned=turned, flipped=flipped), line("x", turned=not turned)]
    assert vote_rotation(lines) == rotation


def test_no_lines_vote_for_no_rotation() -> None:
    assert vote_rotation([]) == 0


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_rotate_quad_follows_the_rotated_image(degrees: int) -> None:
    image = np.zeros((30, 50), dtype=np.uint8)
    image[5, 40] = 255
    point = np.array([[40, 5]] * 4, dtype=np.float32)
    moved = rotate_quad(point, degrees, image.shape[:2])[0]
    turned = rotate(image, degrees)
    y, x = np.argwhere(turned == 255)[0]
    # pixel centres: a point at pixel (40, 5) lands within one pixel of where the pixel went
    assert abs(moved[0] - x) <= 1 and abs(moved[1] - y) <= 1


def test_cjk_share_ignores_digits() -> None:
    assert cjk_share([line("東京都港区 03-1234-5678")]) == 1.0
    assert cjk_share([line("TEL 03")]) == 0.0


def test_a_flat_latin_line_among_columns_says_vertical() -> None:
    columns = [line("東洋精機株式会社", turned=True), line("佐藤健一", turned=True)]
    assert not looks_vertical(columns)
    assert looks_vertical([*columns, line("sato@toyo-seiki.co.jp")])


def test_text_outside_the_quad_is_measured_by_area() -> None:
    quad = CardQuad(points=np.array([[0, 0], [100, 0], [100, 100], [0, 100]], dtype=np.float32), score=1.0)
    inside = line("a", box=(10, 10, 50, 10))
    outside = line("b", box=(150, 10, 50, 10))
    found = [(inside.quad, 0.9), (outside.quad, 0.9)]
    assert outside_share(found, quad) == pytest.approx(0.5)
    assert outside_share([], quad) == 0.0


def test_pieces_of_a_split_row_share_a_key() -> None:
    keys = row_keys([(48, 138, 140, 70), (152, 128, 196, 82), (48, 231, 425, 38)])
    assert keys[0] == keys[1] != keys[2]


def test_far_apart_pieces_of_a_row_stay_apart() -> None:
    keys = row_keys([(0, 0, 100, 20), (400, 0, 100, 20)])
    assert keys[0] != keys[1]


def test_a_misread_postal_mark_is_restored() -> None:
    reading = PaddleReading(
        image=np.zeros((10, 10, 3), np.uint8),
        lines=[line("亍105-0011 東京都港区")],
        rotation=0,
        source="whole",
    )
    assert reading_words(reading)[0].text == "〒105-0011 東京都港区"


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("電話011:904,1337", "電話011-904-1337"),
        ("携帶070.4208.3334", "携帶070-4208-3334"),
        ("ファックス011〜799ー8831", "ファックス011-799-8831"),
        ("T501:5602", "〒501-5602"),
        ("デ958:7069", "〒958-7069"),
        ("ファクス06〜512ン3344", "ファクス06(512)3344"),
        ("TEL075〜881レ2290", "TEL075(881)2290"),
    ],
)
def test_hyphens_of_numbers_read_from_a_column_are_restored(read: str, printed: str) -> None:
    assert column_numbers(read) == printed


@pytest.mark.parametrize(
    "text",
    [
        "2026.11.25",
        "東上野3,25,19",
        "3〜5ノ10",
        "ビル12レストラン2F",
        "TEL 03-5432-1098",
        "〒105-0011 東京都港区芝公園4-2-8",
    ],
)
def test_other_numbers_stay(text: str) -> None:
    assert column_numbers(text) == text


def test_numbers_are_restored_on_japanese_cards_only() -> None:
    english = PaddleReading(
        image=np.zeros((10, 10, 3), np.uint8),
        lines=[line("T 650.462.9154"), line("Example Ltd.")],
        rotation=0,
        source="whole",
    )
    assert reading_words(english)[0].text == "T 650.462.9154"


def test_numbers_are_restored_on_a_japanese_card_with_a_long_web_address() -> None:
    # More Latin letters than kana and kanji (the e-mail and URL), still a Japanese card.
    japanese = PaddleReading(
        image=np.zeros((10, 10, 3), np.uint8),
        lines=[
            line("株式会社田中物産"),
            line("吉田里佳"),
            line("亍287:2341"),
            line("yoshida.r@tanakabussan.jp www.tanakabussan.jp"),
        ],
        rotation=0,
        source="whole",
    )
    assert reading_words(japanese)[2].text == "〒287-2341"


@pytest.mark.parametrize(
    "text", ["〒100-0001東京都千代田区千代田1-1", "株式会社山田製作所", "大阪府大阪市北区梅田3丁目"]
)
def test_japanese_address_and_company_lines_get_a_second_look(text: str) -> None:
    assert DroppedCharacters().wants(text)


@pytest.mark.parametrize("text", ["山田 太郎", "営業部 部長", "yamada@example.co.jp", "TEL 03-1234-5678"])
def test_other_lines_get_no_second_look_for_dropped_characters(text: str) -> None:
    assert not DroppedCharacters().wants(text)


def test_characters_another_framing_reads_between_the_first_reading_s_are_inserted() -> None:
    first = ("東京都東村市本町1-2", 0.9)
    got = DroppedCharacters().choose(first, [("東京都東村山市本町1-2", 0.8), ("東京都東村市本町1-2", 0.9)])
    assert got == ("東京都東村山市本町1-2", 0.9)


def test_a_character_the_readings_disagree_on_stays_as_first_read() -> None:
    assert insert_dropped("東京都東村市本町1-2", "東京都東材市本町1-3") == "東京都東村市本町1-2"


def test_a_character_another_framing_drops_stays() -> None:
    assert insert_dropped("東京都東村山市本町1-2", "東京都東村市本町1-2") == "東京都東村山市本町1-2"


def test_a_mark_another_framing_reads_is_not_inserted() -> None:
    assert insert_dropped("東京都東村市本町1-2", "□東京都東村市本町1-2") == "東京都東村市本町1-2"


def test_characters_each_framing_finds_are_all_inserted() -> None:
    first = ("本社場825-2056群馬県武蔵村市", 0.9)
    got = DroppedCharacters().choose(
        first, [("本社工場825-2056群馬県武蔵村市", 0.8), ("本社場825-2056群馬県武蔵村山市", 0.8)]
    )
    assert got[0] == "本社工場825-2056群馬県武蔵村山市"


def test_a_postal_code_read_in_full_width_forms_from_a_column_is_restored() -> None:
    reading = PaddleReading(
        image=np.zeros((10, 10, 3), np.uint8),
        lines=[line("鈴木運輸株式会社"), line("Ｔ501：5602"), line("群馬県前橋市")],
        rotation=0,
        source="whole",
    )
    assert reading_words(reading)[1].text == "〒501-5602"


class _Runners:
    """An engine whose recogniser reads ``text`` with the given runners-up of its character at ``index``."""

    def __init__(self, runners: dict[str, float], *, text: str = "高橋乾", index: int = 2) -> None:
        self.read = [(ch, runners if i == index else {}) for i, ch in enumerate(text)]

    def alternatives(self, crop: np.ndarray, floor: float) -> list[tuple[str, dict[str, float]]]:
        return self.read


def _named(name: str, email: str) -> tuple[PaddleReading, dict[str, Field]]:
    reading = PaddleReading(
        image=np.full((60, 200, 3), 255, dtype=np.uint8),
        lines=[line("高橋乾", box=(10, 10, 120, 30))],
        rotation=0,
        source="card",
    )
    fields = {
        "name": Field(value=name, confidence=0.9, box=(10, 10, 120, 30)),
        "email": Field(value=email, confidence=0.9, box=(10, 40, 120, 10)),
    }
    return reading, fields


def test_a_runner_up_the_email_spells_replaces_the_name_character() -> None:
    reading, fields = _named("高橋 乾", "miki.takahashi@example.jp")
    mended, warnings = mend_name_by_email(cast(PaddleEngine, _Runners({"幹": 0.39})), reading, fields)
    assert mended["name"].value == "高橋 幹"
    assert warnings == [
        "name: 高橋 乾 corrected to 高橋 幹 (the recogniser's runner-up, as the e-mail address spells it)"
    ]


def test_two_runners_up_the_email_spells_alike_keep_the_name() -> None:
    reading, fields = _named("高橋 乾", "m.takahashi@example.jp")  # 幹 miki, 実 minoru
    runners = cast(PaddleEngine, _Runners({"幹": 0.3, "実": 0.2}))
    assert mend_name_by_email(runners, reading, fields) == (fields, [])


def test_a_name_the_email_spells_is_not_read_again() -> None:
    reading, fields = _named("高橋 乾", "ken.takahashi@example.jp")
    assert mend_name_by_email(cast(PaddleEngine, _Runners({"幹": 0.39})), reading, fields) == (fields, [])


def test_a_misread_given_name_of_a_real_card_is_mended_from_its_email() -> None:
    # cards-hard 0004 prints 高橋 幹 and miki.takahashi@; the recogniser reads 乾, with 幹 as its runner-up
    folder = require_shared_data("cards-hard", "0004.jpg")
    result = scan_card((folder / "0004.jpg").read_bytes())
    assert result.fields["name"].value == "高橋 幹"


def _spelled(name: str, value: str, runners: dict[str, float], index: int, lang: str) -> dict[str, Field]:
    reading = PaddleReading(
        image=np.full((60, 400, 3), 255, dtype=np.uint8),
        lines=[line(value, box=(10, 10, 380, 30))],
        rotation=0,
        source="card",
    )
    fields = {name: Field(value=value, confidence=0.9, box=(10, 10, 380, 30))}
    engine = cast(PaddleEngine, _Runners(runners, text=value, index=index))
    return mend_spelling(engine, reading, fields, lang)[0]


def test_a_small_first_letter_whose_runner_up_is_its_capital_is_capitalised() -> None:
    mended = _spelled("company", "silverline Engineering Pte. Ltd.", {"S": 0.42}, 0, "en")
    assert mended["company"].value == "Silverline Engineering Pte. Ltd."


def test_a_full_size_kana_whose_runner_up_is_small_is_made_small() -> None:
    mended = _spelled("address", "卯の里シヤルム734", {"ャ": 0.33}, 4, "ja")
    assert mended["address"].value == "卯の里シャルム734"


def test_a_digit_runner_up_that_quiets_the_check_is_no_respelling() -> None:
    mended = _spelled("company", "silverline Engineering Pte. Ltd.", {"5": 0.2}, 0, "en")
    assert mended["company"].value == "silverline Engineering Pte. Ltd."


def test_a_runner_up_that_leaves_the_spelling_suspect_is_not_taken() -> None:
    mended = _spelled("address", "卯の里シヤルム734", {"ユ": 0.3}, 4, "ja")
    assert mended["address"].value == "卯の里シヤルム734"


def test_two_runners_up_that_both_mend_the_spelling_keep_it() -> None:
    mended = _spelled("address", "卯の里シヤルム734", {"ャ": 0.3, "ア": 0.2}, 4, "ja")
    assert mended["address"].value == "卯の里シヤルム734"


def test_a_small_capital_of_a_real_address_is_mended_from_its_runner_up() -> None:
    # cards-hard 0063 prints 3, Bd Sidi Mohammed Ben Abdallah; the recogniser reads sidi, with S as runner-up
    folder = require_shared_data("cards-hard", "0063.jpg")
    result = scan_card((folder / "0063.jpg").read_bytes())
    assert result.fields["address"].value.startswith("3, Bd Sidi Mohammed")


class _Reframed:
    """An engine whose recogniser reads every reframed crop as ``text``."""

    def __init__(self, text: str) -> None:
        self.text = text

    def recognize_crops(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return [(self.text, 0.9) for _ in crops]


def _reading_of(kana: str, again: str) -> tuple[dict[str, Field], list[str]]:
    reading = PaddleReading(
        image=np.full((80, 200, 3), 255, dtype=np.uint8),
        lines=[line(kana, box=(10, 5, 120, 15)), line("井上直樹", box=(10, 25, 120, 30))],
        rotation=0,
        source="card",
    )
    fields = {
        "name": Field(value="井上 直樹", confidence=0.9, box=(10, 25, 120, 30)),
        "name_kana": Field(value=kana, confidence=0.9, box=(10, 5, 120, 15)),
    }
    return mend_reading(cast(PaddleEngine, _Reframed(again)), reading, fields)


def test_a_reading_short_of_the_name_takes_what_a_wider_framing_reads_between_its_characters() -> None:
    mended, _ = _reading_of("のうえなおき", "いのうえなおき")
    assert mended["name_kana"].value == "いのうえなおき"


def test_a_reading_still_short_of_the_name_after_reading_again_is_kept() -> None:
    mended, warnings = _reading_of("のうえなおき", "のうえなおきさん")
    assert (mended["name_kana"].value, warnings) == ("のうえなおき", [])


def test_a_reading_short_of_a_real_cards_name_is_read_again_whole() -> None:
    # cards-hard 0033 prints いのうえなおき over 井上 直樹; read first, its small line loses the い
    folder = require_shared_data("cards-hard", "0033.jpg")
    result = scan_card((folder / "0033.jpg").read_bytes())
    assert result.fields["name_kana"].value == "いのうえなおき"


def test_a_particle_names_print_small_is_not_capitalised() -> None:
    assert _spelled("name", "van Dijk", {"V": 0.4}, 0, "en")["name"].value == "van Dijk"
