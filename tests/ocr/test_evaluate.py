"""The scoring rules of cards-dev (README): normalisation, exact match, similarity, false positives."""

from __future__ import annotations

from ocr.evaluate import Report, normalize_for_compare, similarity


def test_normalisation_rules() -> None:
    assert normalize_for_compare("phone", "+44 (0)114 496 0109") == "4401144960109"
    assert normalize_for_compare("postal_code", "〒123-4567") == "1234567"
    assert normalize_for_compare("email", " Taro @Example.COM ") == "taro@example.com"
    assert normalize_for_compare("url", "https://www.Example.co.jp/") == "example.co.jp"
    assert normalize_for_compare("name", "林　知実") == "林知実"
    assert normalize_for_compare("company", "ＡＢＣ 株式会社") == "ABC株式会社"


def test_report_counts_exact_similarity_and_false_positives() -> None:
    report = Report()
    report.add("a.jpg", {"name": "林 知実", "fax": ""}, {"name": "林知実", "fax": "03-1111-2222"}, 0.5)
    report.add("b.jpg", {"name": "山田 翼", "fax": ""}, {"name": "山田深"}, 0.7)
    summary = report.to_dict()
    assert summary["fields"]["name"]["accuracy"] == 0.5
    assert 0.5 < summary["fields"]["name"]["similarity"] < 1.0
    assert summary["fields"]["fax"]["false_positive_rate"] == 0.5
    assert report.overall == 0.5
    assert summary["seconds"]["median"] == 0.6
    assert similarity("", "") == 1.0


def test_a_label_printed_on_two_lines_is_found_in_the_text() -> None:
    from ocr.evaluate import found_in_text, normalize_for_compare

    text = "Jane Example\n1 Main St\nSpringfield, IL 62704\nT 650.462.9154"
    address = normalize_for_compare("address", "1 Main St, Springfield, IL 62704")
    assert found_in_text("address", address, text)
    assert found_in_text("phone", normalize_for_compare("phone", "650-462-9154"), text)
    assert not found_in_text("phone", normalize_for_compare("phone", "62704 650"), text)  # never across lines
    assert not found_in_text("name", "", text)


def test_the_ceiling_counts_non_empty_labels_found_in_the_text() -> None:
    from ocr.evaluate import Report

    report = Report()
    report.add(
        "a.jpg",
        {"name": "Jane Example", "email": "jane@example.com", "fax": ""},
        {"name": "Jane"},
        0.1,
        "Jane Example\njane@example.con",
    )
    assert report.fields["name"].to_dict()["ceiling"] == 1.0
    assert report.fields["email"].to_dict()["ceiling"] == 0.0
    assert report.fields["fax"].to_dict()["ceiling"] is None
    assert report.ceiling == 0.5
