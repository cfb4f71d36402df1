"""PP-OCR engine pieces: CTC decoding, DB boxes, quad order, the session settings, the adapter to words."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.errors import EngineError
from ocr.ppocr import (
    Framing,
    PaddleEngine,
    TextLine,
    crop_quad,
    ctc_alternatives,
    ctc_decode,
    ctc_positions,
    db_boxes,
    lines_to_words,
    load_dictionary,
    model_dir,
    order_quad,
    paddle_engine,
)


def test_ctc_decode_drops_blanks_and_repeats() -> None:
    classes = ["", "a", "b", " "]
    steps = [1, 1, 0, 1, 2, 2, 0, 3, 2]
    probs = np.full((len(steps), 4), 0.01, dtype=np.float32)
    for t, k in enumerate(steps):
        probs[t, k] = 0.9
    text, score = ctc_decode(probs, classes)
    assert text == "aab b"
    assert score == pytest.approx(0.9)


def test_ctc_decode_of_blanks_only_is_empty() -> None:
    probs = np.zeros((5, 3), dtype=np.float32)
    probs[:, 0] = 1.0
    assert ctc_decode(probs, ["", "a", " "]) == ("", 0.0)


def _missed(probs: np.ndarray) -> float:
    from ocr.ppocr import missed_character  # (imported here: the module's other tests stand without it)

    return missed_character(probs)


def _steps(read: list[int], classes: int = 5) -> np.ndarray:
    probs = np.full((len(read), classes), 0.001, dtype=np.float32)
    for t, k in enumerate(read):
        probs[t, k] = 0.9
    return probs


def test_a_character_no_step_read_is_evidence_of_a_missed_one() -> None:
    probs = _steps([1, 0, 0, 2])  # "ab": the blanks between them hide a "c" at 0.3
    probs[1, 3] = 0.3
    assert _missed(probs) == pytest.approx(0.3)


def test_a_neighbour_s_own_character_is_no_evidence() -> None:
    probs = _steps([1, 0, 2])  # the blank beside "a" and "b" leans to those two letters only
    probs[1, 1] = 0.3
    probs[1, 2] = 0.3
    assert _missed(probs) == pytest.approx(0.001)


def test_db_boxes_grow_the_shrunk_region_back() -> None:
    prob = np.zeros((100, 200), dtype=np.float32)
    prob[40:60, 50:150] = 0.9  # a text kernel 100 x 20
    [(quad, score)] = db_boxes(prob)
    assert score == pytest.approx(0.9, abs=0.01)
    x0, y0 = quad.min(axis=0)
    x1, y1 = quad.max(axis=0)
    assert x0 < 50 and x1 > 149 and y0 < 40 and y1 > 59  # unclipped outwards on every side
    assert y1 - y0 < 60  # but not by more than a line height


def test_db_boxes_skip_weak_regions() -> None:
    prob = np.zeros((100, 200), dtype=np.float32)
    prob[40:60, 50:150] = 0.35  # above the pixel threshold, below the box threshold
    assert db_boxes(prob) == []


def test_order_quad_starts_top_left_clockwise() -> None:
    shuffled = np.array([[10, 50], [100, 0], [0, 0], [110, 50]], dtype=np.float32)
    assert order_quad(shuffled).tolist() == [[0, 0], [100, 0], [110, 50], [10, 50]]


def test_crop_quad_straightens_a_region() -> None:
    image = np.zeros((100, 200, 3), dtype=np.uint8)
    image[20:40, 30:130] = 255
    crop = crop_quad(image, np.array([[30, 20], [130, 20], [130, 40], [30, 40]], dtype=np.float32))
    assert crop.shape[:2] == (20, 100)
    assert crop.mean() > 200


def test_line_box_bounds_the_quad() -> None:
    line = TextLine(
        quad=np.array([[10.2, 5], [50, 6], [49, 20.5], [9, 19]], dtype=np.float32), text="x", score=1
    )
    assert line.box == (9, 5, 41, 16)


def test_lines_become_one_word_each_with_its_own_line_key() -> None:
    quad = np.array([[0, 0], [40, 0], [40, 10], [0, 10]], dtype=np.float32)
    words = lines_to_words(
        [TextLine(quad=quad, text="TEL 03", score=0.9), TextLine(quad=quad + 20, text="a", score=1)]
    )
    assert [(w.text, w.confidence, w.line_key) for w in words] == [
        ("TEL 03", 0.9, (1, 1, 1)),
        ("a", 1, (1, 1, 2)),
    ]


def test_ctc_alternatives_give_each_character_its_runners_up_over_its_steps() -> None:
    classes = ["", "a", "b", "c"]
    probs = np.array(
        [
            [0.1, 0.6, 0.3, 0.0],  # a, b runner-up
            [0.1, 0.5, 0.0, 0.4],  # a again: c runner-up in the same run
            [0.9, 0.05, 0.05, 0.0],  # blank
            [0.0, 0.08, 0.9, 0.02],  # b, a under the floor
        ],
        dtype=np.float32,
    )
    assert ctc_alternatives(probs, classes, 0.1) == [
        ("a", {"b": pytest.approx(0.3), "c": pytest.approx(0.4)}),
        ("b", {}),
    ]


def test_ctc_positions_place_each_character_in_the_middle_of_its_run() -> None:
    # a over steps 0-1, a blank, b over steps 3-5, a blank, a again at step 7
    assert ctc_positions(_steps([1, 1, 0, 2, 2, 2, 0, 1]), ["", "a", "b", "c", "d"]) == [
        ("a", 1.0),
        ("b", 4.5),
        ("a", 7.5),
    ]


def test_positions_map_the_recogniser_s_steps_back_onto_the_crop() -> None:
    from PIL import Image, ImageDraw, ImageFont

    from tests.ocr.synth import FONT

    font = ImageFont.truetype(FONT, 30)
    image = Image.new("RGB", (300, 48), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 6), "WIDE", font=font, fill="black")
    read = paddle_engine().positions(np.asarray(image)[:, :, ::-1].copy())
    assert [ch for ch, _ in read] == list("WIDE")
    for i, (ch, x) in enumerate(read):  # within half a letter of where it was drawn
        middle = 10 + draw.textlength("WIDE"[:i], font=font) + draw.textlength(ch, font=font) / 2
        assert abs(x - middle) < draw.textlength(ch, font=font) / 2


def test_dictionary_has_blank_first_and_space_last() -> None:
    classes = load_dictionary(model_dir() / "ppocrv5_dict.txt")
    assert classes[0] == "" and classes[-1] == " "
    assert {"山", "あ", "ア", "A", "@"} <= set(classes)


def test_sessions_run_with_one_intra_op_thread() -> None:
    engine = paddle_engine()
    for session in (engine._det, engine._rec, engine._cls):
        assert session.get_session_options().intra_op_num_threads == 1


def test_the_engine_is_loaded_once_per_process() -> None:
    assert paddle_engine() is paddle_engine()


def test_a_missing_model_folder_is_an_engine_error(tmp_path: object) -> None:
    with pytest.raises(EngineError):
        PaddleEngine(models=tmp_path)  # type: ignore[arg-type]


class _Look:
    """A second look that wants lines with "@" and keeps a widened reading ending in ".com"."""

    framings: tuple[Framing, ...] = (Framing(stretch=1.5),)
    doubt: float = 0.05

    def wants(self, text: str) -> bool:
        return "@" in text

    def choose(self, first: tuple[str, float], again: list[tuple[str, float]]) -> tuple[str, float]:
        return again[0] if again[0][0].endswith(".com") else first


def _stub_engine(answer: tuple[str, float], widths: list[int]) -> PaddleEngine:
    engine = PaddleEngine.__new__(PaddleEngine)  # no models: only the second reading is stubbed

    def recognize_crops(crops: list[np.ndarray]) -> list[tuple[str, float]]:
        widths.extend(c.shape[1] for c in crops)
        return [answer] * len(crops)

    engine.recognize_crops = recognize_crops  # type: ignore[method-assign]
    return engine


def test_a_wanted_line_is_read_again_from_a_widened_crop() -> None:
    widths: list[int] = []
    engine = _stub_engine(("ann@kawa.com", 0.9), widths)
    engine.read_again([np.zeros((20, 200, 3), np.uint8)], [("an@kawa.com", 0.95)], _Look())
    assert widths == [300]


def test_a_second_reading_that_validates_replaces_the_first() -> None:
    engine = _stub_engine(("ann@kawa.com", 0.9), [])
    out = engine.read_again([np.zeros((20, 200, 3), np.uint8)], [("an@kawa.co", 0.95)], _Look())
    assert out == [("ann@kawa.com", 0.9)]


def test_a_second_reading_that_does_not_validate_leaves_the_first() -> None:
    engine = _stub_engine(("ann@kawa.co", 0.99), [])
    out = engine.read_again([np.zeros((20, 200, 3), np.uint8)], [("an@kawa.com", 0.95)], _Look())
    assert out == [("an@kawa.com", 0.95)]


def test_a_line_the_second_look_does_not_want_is_read_once() -> None:
    widths: list[int] = []
    engine = _stub_engine(("x", 0.9), widths)
    out = engine.read_again([np.zeros((20, 200, 3), np.uint8)], [("営業部", 0.95)], _Look())
    assert out == [("営業部", 0.95)] and widths == []


def test_a_line_is_read_once_more_per_framing_of_its_look() -> None:
    class Twice(_Look):
        framings: tuple[Framing, ...] = (Framing(trim=0.125), Framing(pad=0.25))

    heights: list[int] = []
    engine = PaddleEngine.__new__(PaddleEngine)

    def recognize_crops(crops: list[np.ndarray]) -> list[tuple[str, float]]:
        heights.extend(c.shape[0] for c in crops)
        return [("x", 0.9)] * len(crops)

    engine.recognize_crops = recognize_crops  # type: ignore[method-assign]
    engine.read_again([np.zeros((40, 200, 3), np.uint8)], [("an@kawa.com", 0.95)], Twice())
    assert heights == [30, 60]


def test_a_line_under_its_look_s_doubt_is_read_once() -> None:
    widths: list[int] = []
    engine = _stub_engine(("ann@kawa.com", 0.9), widths)
    out = engine.read_again(
        [np.zeros((20, 200, 3), np.uint8)], [("an@kawa.co", 0.95)], _Look(), missed=[0.01]
    )
    assert out == [("an@kawa.co", 0.95)] and widths == []


def test_a_line_at_its_look_s_doubt_is_read_again() -> None:
    widths: list[int] = []
    engine = _stub_engine(("ann@kawa.com", 0.9), widths)
    out = engine.read_again(
        [np.zeros((20, 200, 3), np.uint8)], [("an@kawa.co", 0.95)], _Look(), missed=[0.05]
    )
    assert out == [("ann@kawa.com", 0.9)] and widths == [300]


def test_order_quad_keeps_a_tilted_column_standing() -> None:
    # a column 20 px wide and 100 px tall, turned 20 degrees clockwise: its top edge comes first, so its crop
    # stands tall and is read turned (sorting the corners by x started it at the bottom-left: a crop on its side)
    angle = np.radians(20)
    across, down = np.array([np.cos(angle), np.sin(angle)]), np.array([-np.sin(angle), np.cos(angle)])
    tl = np.array([200.0, 100.0])
    corners = [tl, tl + 20 * across, tl + 20 * across + 100 * down, tl + 100 * down]
    shuffled = np.array([corners[2], corners[0], corners[3], corners[1]], dtype=np.float32)
    assert np.allclose(order_quad(shuffled), np.array(corners, dtype=np.float32), atol=1e-3)
    assert crop_quad(np.zeros((400, 400, 3), dtype=np.uint8), order_quad(shuffled)).shape[:2] == (100, 20)
