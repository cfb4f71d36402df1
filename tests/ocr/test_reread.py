"""Second readings: stacked crops map back to their lines; large rows are found."""

from __future__ import annotations

from itertools import pairwise

from ocr.engine import default_engine
from ocr.layout import group_lines
from ocr.preprocess import to_gray
from ocr.reread import prominent_rows, reread_lines, text_blobs
from tests.ocr.fake import lines_for
from tests.ocr.synth import draw_card


def test_stacked_reread_returns_each_line_in_card_coordinates() -> None:
    gray = to_gray(
        draw_card([("Jane Example", 64), ("TEL 03-1234-5678", 30), ("E-mail: jane@example.com", 30)])
    )
    engine = default_engine()
    first = group_lines(engine.recognize(gray, lang="eng", psm=3, dpi=300))
    readings = reread_lines(gray, [ln.box for ln in first], engine, lang="eng", dpi=300)
    assert [r.text if r else "" for r in readings] == [
        "Jane Example",
        "TEL 03-1234-5678",
        "E-mail: jane@example.com",
    ]
    for old, new in zip(first, readings, strict=True):
        assert new is not None
        assert abs(new.box[0] - old.box[0]) < 12 and abs(new.box[1] - old.box[1]) < 12  # mapped back


def test_text_blobs_find_every_printed_line() -> None:
    gray = to_gray(
        draw_card([("Jane Example", 64), ("TEL 03-1234-5678", 30), ("E-mail: jane@example.com", 30)])
    )
    tops = sorted(b[1] for b in text_blobs(gray))
    rows = 1 + sum(1 for a, b in pairwise(tops) if b - a > 20)
    assert rows == 3


def test_prominent_rows_are_the_large_type() -> None:
    lines = lines_for(
        [("株式会社テスト", 30), ("佐藤 花子", 64), ("TEL 03-1234-5678", 20), ("E-mail: a@b.jp", 20)]
    )
    rows = prominent_rows(lines)
    assert len(rows) == 1
    name_line = next(ln for ln in lines if ln.height == 64)
    assert rows[0][1] <= name_line.box[1] and rows[0][3] >= name_line.box[3]
