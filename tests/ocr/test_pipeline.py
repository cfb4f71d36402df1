"""The pipeline with a fake engine: orientation search, result shape, sides, debug images."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from ocr import PIPELINE_VERSION
from ocr.pipeline import OCR_LONG_SIDE, ScanLimits, scan_card
from ocr.preprocess import fit_scan, rotate
from tests.ocr.fake import FakeEngine
from tests.ocr.synth import draw_card, encode, place_on_desk
from tests.ocr.test_fields import ENGLISH_CARD, JAPANESE_CARD

JAPANESE_BACK = [("Satomi Hayashi", 60), ("Marketing Division", 26), ("satomi.hayashi@sat85-hayashi.jp", 22)]


def test_result_has_the_issue_json_shape() -> None:
    card = draw_card()
    result = scan_card(encode(card), engine=FakeEngine(JAPANESE_CARD))
    d = result.to_dict()
    assert set(d) == {"lang", "fields", "text", "warnings", "seconds"}
    assert d["lang"] == "ja"
    assert d["fields"]["name"]["value"] == "林 知実"
    for field in d["fields"].values():
        assert set(field) >= {"value", "confidence", "box", "side"}
        assert 0.0 <= field["confidence"] <= 1.0
        assert len(field["box"]) == 4
    assert d["fields"]["phone"]["e164"] == "+81455974479"
    assert "林 知実" in d["text"]
    assert result.pipeline_version == PIPELINE_VERSION


def test_normalised_image_is_the_upright_card() -> None:
    photo, _ = place_on_desk(draw_card(), angle=10.0)
    result = scan_card(encode(photo), engine=FakeEngine(ENGLISH_CARD))
    image = Image.open(io.BytesIO(result.normalized_images["front"]))
    assert image.format == "JPEG"
    w, h = image.size
    assert max(w, h) == 1000 and 1.5 < w / h < 1.8
    assert result.sides[0].found_card


def test_orientation_search_stops_at_the_reading_that_makes_sense() -> None:
    upright = draw_card()
    sideways = rotate(upright, 90)
    engine = FakeEngine(ENGLISH_CARD, upright_shape=fit_scan(upright, long_side=OCR_LONG_SIDE).shape[:2])
    result = scan_card(encode(sideways), engine=engine)
    assert result.sides[0].rotation in (90, 270)
    assert result.fields["name"].value == "Rebekah Jackson"
    assert result.sides[0].mean_confidence > 0.9


def test_unreadable_card_warns_and_keeps_confidence_low() -> None:
    engine = FakeEngine(ENGLISH_CARD, upright_shape=(1, 1))  # never upright
    result = scan_card(encode(draw_card()), engine=engine)
    assert any("low recognition confidence" in w for w in result.warnings)
    assert "no name found" in result.warnings


def test_front_and_back_merge_into_one_result() -> None:
    front_engine = FakeEngine(JAPANESE_CARD[:5])  # no phones or e-mail on the front

    class TwoSided:
        def __init__(self) -> None:
            self.back = FakeEngine([*JAPANESE_BACK, ("TEL +81 45 597 4479", 22)])
            self.side = 0

        def recognize(self, image: np.ndarray, *, lang: str, psm: int = 3, dpi: int | None = None):  # type: ignore[no-untyped-def]
            return (front_engine if self.side == 0 else self.back).recognize(
                image, lang=lang, psm=psm, dpi=dpi
            )

    engine = TwoSided()
    front, back = encode(draw_card()), encode(draw_card())
    from ocr import pipeline

    original = pipeline.scan_side

    def scan_side(data: bytes, **kwargs):  # type: ignore[no-untyped-def]
        engine.side = 0 if kwargs["side"] == "front" else 1
        return original(data, **kwargs)

    pipeline.scan_side = scan_side  # type: ignore[assignment]
    try:
        result = scan_card(front, back, engine=engine)
    finally:
        pipeline.scan_side = original  # type: ignore[assignment]
    assert result.fields["name"].value == "林 知実"
    assert result.fields["name"].side == "front"
    assert result.fields["email"].side == "back"
    assert result.fields["phone"].side == "back"
    assert result.fields["company"].value == "山田運輸株式会社"  # the English back does not override
    assert set(result.normalized_images) == {"front", "back"}


def test_debug_dir_gets_each_stage(tmp_path: Path) -> None:
    photo, _ = place_on_desk(draw_card(), angle=5.0)
    scan_card(encode(photo), engine=FakeEngine(ENGLISH_CARD), debug_dir=tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    for stage in ("decoded", "detected", "card", "flattened", "upright", "lines"):
        assert any(stage in n for n in names), (stage, names)
    assert (tmp_path / "front-text.txt").read_text(encoding="utf-8").strip()


def test_limits_are_applied_to_each_side() -> None:
    import pytest

    from ocr.errors import FileTooLarge

    with pytest.raises(FileTooLarge):
        scan_card(encode(draw_card()), engine=FakeEngine(ENGLISH_CARD), limits=ScanLimits(max_bytes=100))


def test_portrait_card_that_reads_badly_sideways_is_tried_as_vertical_text() -> None:
    class VerticalEngine:
        def __init__(self) -> None:
            self.langs: list[str] = []

        def recognize(self, image: np.ndarray, *, lang: str, psm: int = 3, dpi: int | None = None):  # type: ignore[no-untyped-def]
            self.langs.append(lang)
            if lang == "jpn_vert":
                return FakeEngine(JAPANESE_CARD).recognize(image, lang=lang, psm=3)
            return []

    portrait = rotate(draw_card(), 90)
    engine = VerticalEngine()
    result = scan_card(encode(portrait), engine=engine)
    assert "jpn_vert" in engine.langs
    assert any("vertical" in w for w in result.warnings)


def test_english_card_the_japanese_model_reads_badly_is_read_in_english() -> None:
    class LatinOnly:
        def __init__(self) -> None:
            self.langs: list[str] = []

        def recognize(self, image: np.ndarray, *, lang: str, psm: int = 3, dpi: int | None = None):  # type: ignore[no-untyped-def]
            self.langs.append(lang)
            words = FakeEngine(ENGLISH_CARD).recognize(image, lang=lang, psm=psm)
            if lang == "eng":
                return words
            return [w.__class__(text=w.text, confidence=0.2, box=w.box, line_key=w.line_key) for w in words]

    engine = LatinOnly()
    result = scan_card(encode(draw_card()), engine=engine)
    assert "eng" in engine.langs
    assert result.lang == "en"
    assert result.fields["name"].value == "Rebekah Jackson"
    assert result.sides[0].mean_confidence > 0.9


def test_a_side_tesseract_does_not_read_as_vertical_stops_after_the_rotation_search() -> None:
    from ocr.pipeline import _Debug, _tesseract_side

    engine = FakeEngine(JAPANESE_CARD)  # reads well at the first rotation, horizontally
    pixels = np.asarray(Image.open(io.BytesIO(encode(draw_card()))).convert("RGB"))
    out = _tesseract_side(
        pixels, side="front", engine=engine, debug=_Debug(None, "front"), seconds={}, vertical_only=True
    )
    assert out is None and len(engine.calls) == 1  # no second readings, no name check


def test_a_side_tesseract_reads_as_vertical_is_read_in_full() -> None:
    from ocr.pipeline import _Debug, _tesseract_side

    class VerticalEngine:
        def recognize(self, image: np.ndarray, *, lang: str, psm: int = 3, dpi: int | None = None):  # type: ignore[no-untyped-def]
            return FakeEngine(JAPANESE_CARD).recognize(image, lang=lang, psm=3) if lang == "jpn_vert" else []

    pixels = np.asarray(Image.open(io.BytesIO(encode(rotate(draw_card(), 90)))).convert("RGB"))
    out = _tesseract_side(
        pixels,
        side="front",
        engine=VerticalEngine(),
        debug=_Debug(None, "front"),
        seconds={},
        vertical_only=True,
    )
    assert out is not None and any("vertical" in w for w in out.warnings)


def test_a_misread_municipality_comes_back_corrected_with_a_warning_that_names_it() -> None:
    lines = [
        (text.replace("山武郡横芝光町", "山武郡横芝先町"), size) if text.startswith("〒") else (text, size)
        for text, size in JAPANESE_CARD
    ]
    result = scan_card(encode(draw_card()), engine=FakeEngine(lines))
    assert result.fields["address"].value == "高知県山武郡横芝光町鶴ヶ丘32丁目23番7号"
    assert "address: 山武郡横芝先町 corrected to 山武郡横芝光町 (postal dictionary)" in result.warnings
