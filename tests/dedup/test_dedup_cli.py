"""Tests of ``meishi dedupe`` through click's CliRunner: output shapes and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from contacts.dedup.cli import dedupe_command

CSV = """id,name,company,email,mobile,address,favourite_colour
1,山田 太郎,株式会社アクメ,taro@acme.co.jp,090-1234-5678,東京都千代田区丸の内1-2-3,red
2,山田太郎,アクメ(株),taro@acme.co.jp,,東京都千代田区丸の内1丁目2番3号,blue
3,鈴木 花子,株式会社アクメ,hanako@acme.co.jp,,東京都千代田区丸の内1-2-3,green
4,山田 太郎,ベータ商事株式会社,yamada@beta.co.jp,,大阪市北区梅田1-1-1,
"""


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_json_output_has_pairs_and_clusters(csv_file: Path) -> None:
    result = CliRunner().invoke(dedupe_command, [str(csv_file), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"pairs", "clusters"}
    assert data["clusters"] == [["1", "2"]]


def test_json_pairs_have_the_documented_fields(csv_file: Path) -> None:
    data = json.loads(CliRunner().invoke(dedupe_command, [str(csv_file), "--json"]).stdout)
    merge = next(p for p in data["pairs"] if p["decision"] == "merge")
    assert set(merge) == {"a", "b", "score", "decision", "reasons"}
    assert (merge["a"], merge["b"]) == ("1", "2")
    assert 0.0 <= merge["score"] <= 1.0
    assert "email:same" in merge["reasons"]


def test_json_lists_job_change_as_review(csv_file: Path) -> None:
    data = json.loads(CliRunner().invoke(dedupe_command, [str(csv_file), "--json"]).stdout)
    assert {frozenset((p["a"], p["b"])): p["decision"] for p in data["pairs"]}.get(
        frozenset(("1", "4"))
    ) == "review"


def test_json_never_pairs_coworkers(csv_file: Path) -> None:
    data = json.loads(CliRunner().invoke(dedupe_command, [str(csv_file), "--json"]).stdout)
    assert all("3" not in (p["a"], p["b"]) for p in data["pairs"])


def test_summary_is_readable(csv_file: Path) -> None:
    result = CliRunner().invoke(dedupe_command, [str(csv_file)])
    assert result.exit_code == 0
    assert result.stdout.startswith("4 contacts: 1 merge pairs")
    assert "1 ~ 2" in result.stdout


def test_ids_default_to_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "noid.csv"
    path.write_text("name,mobile\n山田 太郎,090-1234-5678\n山田太郎,090-1234-5678\n", encoding="utf-8")
    data = json.loads(CliRunner().invoke(dedupe_command, [str(path), "--json"]).stdout)
    assert data["clusters"] == [["1", "2"]]


def test_missing_file_exits_1_with_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(dedupe_command, [str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: cannot open")


def test_binary_file_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x02\x80\x81")
    result = CliRunner().invoke(dedupe_command, [str(path)])
    assert result.exit_code == 1
    assert "not a UTF-8 CSV" in result.stderr


def test_file_without_known_column_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("colour,size\nred,1\n", encoding="utf-8")
    result = CliRunner().invoke(dedupe_command, [str(path)])
    assert result.exit_code == 1
    assert "no known column" in result.stderr


def test_missing_argument_is_a_usage_error() -> None:
    assert CliRunner().invoke(dedupe_command, []).exit_code == 2


def test_unknown_option_is_a_usage_error(csv_file: Path) -> None:
    assert CliRunner().invoke(dedupe_command, [str(csv_file), "--fast"]).exit_code == 2


def test_no_progress_bar_when_stderr_is_not_a_terminal(csv_file: Path) -> None:
    result = CliRunner().invoke(dedupe_command, [str(csv_file), "--json"])
    assert result.stderr == ""


def test_header_only_file_has_no_pairs(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("id,name\n", encoding="utf-8")
    result = CliRunner().invoke(dedupe_command, [str(path), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"pairs": [], "clusters": []}
