"""Engines: TSV parsing, real Tesseract through both engines, timeouts, thread limit."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.engine import TesseractEngine, TesserocrEngine, parse_osd, parse_tsv
from ocr.errors import EngineError, EngineTimeout
from ocr.preprocess import to_gray
from tests.ocr.synth import draw_card

TSV = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    "1\t1\t0\t0\t0\t0\t0\t0\t100\t50\t-1\t\n"
    "5\t1\t1\t1\t1\t1\t10\t5\t40\t20\t96.5\tTEL\n"
    "5\t1\t1\t1\t1\t2\t55\t5\t80\t20\t91\t03-1234-5678\n"
    "5\t1\t1\t1\t2\t1\t10\t30\t40\t20\t-1\t \n"
)


def test_parse_tsv_keeps_words_with_boxes_and_confidences() -> None:
    words = parse_tsv(TSV)
    assert [w.text for w in words] == ["TEL", "03-1234-5678"]
    assert words[0].box == (10, 5, 40, 20)
    assert words[0].confidence == pytest.approx(0.965)
    assert words[0].line_key == words[1].line_key == (1, 1, 1)


def test_parse_osd() -> None:
    osd = parse_osd(
        "Page number: 0\nOrientation in degrees: 180\nRotate: 180\nOrientation confidence: 6.2\nScript: Latin\n"
    )
    assert osd is not None and osd.rotate == 180 and osd.script == "Latin"


@pytest.fixture(scope="module")
def text_image() -> np.ndarray:
    return to_gray(draw_card([("TEL 03-1234-5678", 40), ("jane@example.com", 40)], size=(700, 240)))


@pytest.mark.parametrize("engine_class", [TesseractEngine, TesserocrEngine])
def test_real_tesseract_reads_words(engine_class: type, text_image: np.ndarray) -> None:
    if engine_class is TesserocrEngine:
        pytest.importorskip("tesserocr")
    engine = engine_class()
    words = engine.recognize(text_image, lang="eng", psm=3, dpi=300)
    text = " ".join(w.text for w in words)
    assert "03-1234-5678" in text
    assert "jane@example.com" in text
    assert all(0.0 <= w.confidence <= 1.0 for w in words)
    assert all(w.box[2] > 0 and w.box[3] > 0 for w in words)


def test_subprocess_engine_times_out(text_image: np.ndarray) -> None:
    with pytest.raises(EngineTimeout) as info:
        TesseractEngine(timeout=0.001).recognize(text_image, lang="jpn", psm=3)
    assert info.value.type == "engine_timeout"


def test_tesserocr_engine_times_out() -> None:
    pytest.importorskip("tesserocr")
    big = np.tile(to_gray(draw_card()), (3, 3))
    with pytest.raises(EngineTimeout):
        TesserocrEngine(timeout=0.001).recognize(big, lang="jpn", psm=3)


def test_missing_binary_is_an_engine_error(text_image: np.ndarray) -> None:
    with pytest.raises(EngineError):
        TesseractEngine(command="/nonexistent/tesseract").recognize(text_image, lang="eng")


def test_subprocess_gets_one_thread(monkeypatch: pytest.MonkeyPatch, text_image: np.ndarray) -> None:
    import subprocess

    seen: dict[str, str] = {}
    real_popen = subprocess.Popen

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.update(kwargs.get("env") or __import__("os").environ)
        return real_popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", spy)
    TesseractEngine(timeout=7.0).recognize(text_image, lang="eng")
    assert seen["OMP_THREAD_LIMIT"] == "1"


def test_default_engine_is_shared_within_a_thread_only() -> None:
    import threading

    from ocr.engine import default_engine

    first = default_engine()
    assert default_engine() is first
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(default_engine()))
    thread.start()
    thread.join()
    assert other[0] is not first
