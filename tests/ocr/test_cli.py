"""The scan and eval-ocr click commands: JSON Lines, per-file errors, exit codes, table output."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocr.cli import eval_ocr_command, scan_command


@pytest.fixture(scope="module")
def scan_file(cards_dev: Path) -> Path:
    return cards_dev / "scans" / "0000.jpg"


def test_scan_json_lines_with_a_failing_file(tmp_path: Path, scan_file: Path) -> None:
    bad = tmp_path / "notes.jpg"
    bad.write_text("this is not an image", encoding="utf-8")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    result = CliRunner().invoke(scan_command, [str(scan_file), str(bad), str(empty), "--json"])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 3
    ok, unsupported, zero = rows
    assert set(ok) == {"file", "lang", "fields", "text", "warnings", "seconds"}
    assert ok["file"] == str(scan_file)
    assert ok["fields"]["email"]["value"] == "mmituru@mit51-maeda.co.jp"
    assert unsupported == {
        "file": str(bad),
        "error": {"type": "unsupported_format", "detail": unsupported["error"]["detail"]},
    }
    assert zero["error"]["type"] == "empty_file"


def test_scan_table_output(scan_file: Path) -> None:
    result = CliRunner().invoke(scan_command, [str(scan_file)])
    assert result.exit_code == 0
    assert "email" in result.output and "mmituru@mit51-maeda.co.jp" in result.output


def test_scan_usage_errors_exit_2(scan_file: Path) -> None:
    assert CliRunner().invoke(scan_command, []).exit_code == 2
    both = CliRunner().invoke(scan_command, [str(scan_file), str(scan_file), "--back", str(scan_file)])
    assert both.exit_code == 2


def test_scan_missing_file_is_a_per_file_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(scan_command, [str(tmp_path / "nope.jpg"), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["error"]["type"] == "read_error"


def test_scan_debug_dir(tmp_path: Path, scan_file: Path) -> None:
    result = CliRunner().invoke(
        scan_command, [str(scan_file), "--debug-dir", str(tmp_path / "dbg"), "--json"]
    )
    assert result.exit_code == 0
    assert any(p.suffix == ".png" for p in (tmp_path / "dbg").iterdir())


def test_eval_ocr_json(tmp_path: Path, cards_dev: Path) -> None:
    labels = json.loads((cards_dev / "scans" / "labels.json").read_text(encoding="utf-8"))
    for name in ("0000.jpg", "0001.jpg"):
        shutil.copy(cards_dev / "scans" / name, tmp_path / name)
    (tmp_path / "labels.json").write_text(
        json.dumps({k: labels[k] for k in ("0000.jpg", "0001.jpg")}), encoding="utf-8"
    )
    result = CliRunner().invoke(eval_ocr_command, [str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["cards"] == 2
    assert report["fields"]["email"]["accuracy"] == 1.0
    assert {"accuracy", "similarity", "false_positive_rate", "n"} <= set(report["fields"]["name"])
    assert report["seconds"]["median"] > 0


def test_eval_ocr_needs_labels(tmp_path: Path) -> None:
    assert CliRunner().invoke(eval_ocr_command, [str(tmp_path)]).exit_code == 2


def test_scan_debug_dir_has_seconds_per_stage_and_engine(tmp_path: Path, scan_file: Path) -> None:
    result = CliRunner().invoke(
        scan_command, [str(scan_file), "--debug-dir", str(tmp_path), "--recognizer", "ppocr"]
    )
    assert result.exit_code == 0, result.output
    seconds = json.loads((tmp_path / "front-seconds.json").read_text(encoding="utf-8"))
    assert {"decode", "find_card", "ppocr_detect_whole", "fields"} <= set(seconds)
    assert all(value >= 0 for value in seconds.values())


def test_eval_ocr_prints_the_ceiling_per_folder(tmp_path: Path, cards_dev: Path) -> None:
    labels = json.loads((cards_dev / "scans" / "labels.json").read_text(encoding="utf-8"))
    for folder, name in (("a", "0000.jpg"), ("b", "0001.jpg")):
        (tmp_path / folder).mkdir()
        shutil.copy(cards_dev / "scans" / name, tmp_path / folder / name)
        (tmp_path / folder / "labels.json").write_text(json.dumps({name: labels[name]}), encoding="utf-8")
    result = CliRunner().invoke(eval_ocr_command, [str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    folders = json.loads(result.output)["folders"]
    assert set(folders) == {str(tmp_path / "a"), str(tmp_path / "b")}
    for report in folders.values():
        assert report["ceiling"] > 0.8
        assert report["fields"]["email"]["ceiling"] == 1.0
    table = CliRunner().invoke(eval_ocr_command, [str(tmp_path / "a")])
    assert "ceiling" in table.output.splitlines()[1]
