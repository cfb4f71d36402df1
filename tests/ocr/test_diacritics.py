"""Marks over capitals that the recogniser leaves out: found in the line's ink, placed by the recogniser's steps."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr.diacritics import lost_marks, marks_over
from ocr.pipeline import scan_card
from ocr.ppocr import TextLine, paddle_engine
from ocr.ppread import LOST_MARK_FACTOR, PaddleReading, doubt_lost_marks
from ocr.result import Field
from tests.ocr.synth import FONT
from tests.shared_data import require_shared_data

SERIF = FONT.replace("DejaVuSans.ttf", "DejaVuSerif.ttf")


def _line(text: str, *, font: str = SERIF, ink: int = 20, ground: int = 250) -> np.ndarray:
    """Draw one line of text as a line crop (BGR)."""
    face = ImageFont.truetype(font, 28)
    image = Image.new(
        "RGB", (40 + int(ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(text, font=face)), 50)
    )
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, image.width, image.height), fill=(ground,) * 3)
    draw.text((20, 10), text, font=face, fill=(ink,) * 3)
    return np.asarray(image)[:, :, ::-1].copy()


@pytest.mark.parametrize("font", [SERIF, FONT])
def test_a_grave_accent_over_a_capital_is_a_mark(font: str) -> None:
    assert len(marks_over(_line("RIVIÈRE", font=font))) == 1


@pytest.mark.parametrize("font", [SERIF, FONT])
def test_capitals_without_accents_show_no_mark(font: str) -> None:
    assert marks_over(_line("Auguste RIVIERE", font=font)) == []


def test_a_mark_is_found_in_light_print_on_a_dark_card() -> None:
    assert len(marks_over(_line("GARCÍA", ink=235, ground=30))) == 1


def test_the_grain_of_a_textured_card_is_no_mark() -> None:
    crop = _line("NORTH AVENUE").astype(np.int16)
    rng = np.random.default_rng(0)
    specks = rng.random(crop.shape[:2]) < 0.01  # single dark pixels over the ground
    crop[specks] = 60
    assert marks_over(crop.astype(np.uint8)) == []


def test_a_capital_read_plain_under_a_mark_lost_it() -> None:
    assert lost_marks([("R", 10.0), ("E", 30.0), ("R", 50.0)], [31.0]) == ["E"]


def test_the_dot_of_an_i_is_not_lost() -> None:
    assert lost_marks([("L", 10.0), ("i", 25.0), ("n", 40.0)], [26.0]) == []


def test_a_capital_read_with_its_accent_lost_nothing() -> None:
    assert lost_marks([("R", 10.0), ("È", 30.0), ("R", 50.0)], [31.0]) == []


def test_the_recogniser_reads_accented_capitals_plain() -> None:
    # Why the check exists: if this starts failing, the recogniser reads accents and the check may go.
    read = paddle_engine().recognize_crops([_line("Auguste RIVIÈRE"), _line("Ana NUÑEZ")])
    assert [text for text, _ in read] == ["Auguste RIVIERE", "Ana NUNEZ"]


def _reading(printed: str, read: str, field: str = "name") -> tuple[PaddleReading, dict[str, Field]]:
    """A reading of one line drawn as ``printed`` and read as ``read``, taken by ``field``."""
    crop = _line(printed)
    h, w = crop.shape[:2]
    quad = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    reading = PaddleReading(
        image=crop[:, :, ::-1].copy(),  # the reading's image is RGB
        lines=[TextLine(quad=quad, text=read, score=0.95, upside_down=0.1, turned=False)],
        rotation=0,
        source="card",
    )
    return reading, {field: Field(value=read, confidence=0.9, box=(0, 0, w, h))}


def test_a_name_whose_line_lost_an_accent_is_doubted() -> None:
    reading, fields = _reading("Auguste RIVIÈRE", "Auguste RIVIERE")
    doubted, warnings = doubt_lost_marks(paddle_engine(), reading, fields)
    assert doubted["name"].confidence == pytest.approx(0.9 * LOST_MARK_FACTOR)
    assert warnings == [
        "name: a mark is printed over E that the reading lacks (an accent such as È, Ü or Ñ); check the spelling"
    ]


def test_a_name_printed_without_accents_is_not_doubted() -> None:
    reading, fields = _reading("Judith MILLER", "Judith MILLER")
    assert doubt_lost_marks(paddle_engine(), reading, fields) == (fields, [])


def test_a_romaji_name_whose_line_lost_a_macron_over_a_capital_is_doubted() -> None:
    reading, fields = _reading("ŌNO Taro", "ONO Taro", "name_romaji")
    _, warnings = doubt_lost_marks(paddle_engine(), reading, fields)
    assert [w.split(" that")[0] for w in warnings] == ["name_romaji: a mark is printed over O"]


def test_a_real_card_s_accent_lost_in_the_name_holds_it_for_review() -> None:
    # cards-hard 0018 prints Auguste RIVIÈRE; the recogniser reads RIVIERE
    folder = require_shared_data("cards-hard", "0018.jpg")
    result = scan_card((folder / "0018.jpg").read_bytes())
    assert any(w.startswith("name: a mark is printed over E") for w in result.warnings)
    assert result.fields["name"].confidence < 0.5
