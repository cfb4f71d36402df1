"""Score predictions against a labelled folder (labels.json), with the cards-dev rules.

Rules (shared/data/cards-dev/README.md): both sides NFKC-normalised and stripped; phone,
fax, mobile, postal_code compare digits only; email lower case without spaces; url lower
case without scheme, ``www.`` and trailing slash; everything else with all whitespace
removed. Exact accuracy counts a field right when the normalised strings are equal
(an empty label is right only when nothing was extracted); character similarity is
1 - normalised Levenshtein distance; a false positive is a value extracted where the
label is empty.

The recognition ceiling of a field is the share of its non-empty labels found anywhere in
the recognised text (``found_in_text``): a label the text does not hold is a recognition
loss, a label it holds but the field missed is a parsing loss.
"""

from __future__ import annotations

import json
import re
import statistics
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from ocr.result import FIELD_NAMES

_DIGIT_FIELDS = {"phone", "fax", "mobile", "postal_code"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif"}


def normalize_for_compare(field_name: str, value: str | None) -> str:
    """Normalise a value the way cards-dev compares it."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if field_name in _DIGIT_FIELDS:
        return re.sub(r"\D", "", text)
    if field_name == "email":
        return re.sub(r"\s", "", text.lower())
    if field_name == "url":
        text = re.sub(r"\s", "", text.lower())
        text = re.sub(r"^[a-z]+://", "", text)
        text = text.removeprefix("www.")
        return text.rstrip("/")
    return re.sub(r"\s", "", text)


def similarity(a: str, b: str) -> float:
    """Return 1 - normalised Levenshtein distance (1.0 for two empty strings)."""
    if not a and not b:
        return 1.0
    return 1.0 - Levenshtein.normalized_distance(a, b)


def text_variants(field_name: str, text: str) -> list[str]:
    """Return the normalised strings of recognised text in which a label of ``field_name`` may be found.

    Each line on its own, and (except for digit fields, where joining lines would invent
    numbers) all lines joined with nothing and with ", " between them: labels join a value
    printed on several lines (a Japanese address by a space, an English one by ", ").
    """
    lines = [line for line in text.splitlines() if line.strip()]
    variants = [normalize_for_compare(field_name, line) for line in lines]
    if field_name not in _DIGIT_FIELDS:
        variants.append(normalize_for_compare(field_name, "".join(lines)))
        variants.append(normalize_for_compare(field_name, ", ".join(lines)))
    return variants


def found_in_text(field_name: str, label: str, text: str) -> bool:
    """Tell whether a (normalised) non-empty label appears anywhere in the recognised text."""
    return bool(label) and any(label in variant for variant in text_variants(field_name, text))


@dataclass
class FieldScore:
    """Counters for one field over a folder."""

    total: int = 0
    exact: int = 0
    similarity_sum: float = 0.0
    empty_labels: int = 0
    false_positives: int = 0
    with_text: int = 0  # non-empty labels whose card came with recognised text
    in_text: int = 0  # of those, labels found in the text (the recognition ceiling)

    def add_ceiling(self, label: str, text: str, field_name: str) -> None:
        """Count whether a non-empty label is in the recognised text."""
        if label:
            self.with_text += 1
            self.in_text += found_in_text(field_name, label, text)

    def add(self, label: str, predicted: str) -> bool:
        """Count one comparison; return whether it was exact."""
        self.total += 1
        ok = label == predicted
        self.exact += ok
        self.similarity_sum += similarity(label, predicted)
        if not label:
            self.empty_labels += 1
            self.false_positives += bool(predicted)
        return ok

    def to_dict(self) -> dict[str, Any]:
        """Return accuracy, similarity and false-positive rate."""
        return {
            "accuracy": round(self.exact / self.total, 4) if self.total else None,
            "similarity": round(self.similarity_sum / self.total, 4) if self.total else None,
            "false_positive_rate": round(self.false_positives / self.empty_labels, 4)
            if self.empty_labels
            else None,
            "n": self.total,
            "exact": self.exact,
            "empty_labels": self.empty_labels,
            "false_positives": self.false_positives,
            "ceiling": round(self.in_text / self.with_text, 4) if self.with_text else None,
        }


@dataclass
class Report:
    """Scores of a labelled folder."""

    fields: dict[str, FieldScore] = field(default_factory=lambda: {f: FieldScore() for f in FIELD_NAMES})
    seconds: list[float] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    mistakes: list[dict[str, str]] = field(default_factory=list)

    def add(
        self,
        file: str,
        labels: dict[str, str],
        predicted: dict[str, str],
        seconds: float,
        text: str | None = None,
    ) -> None:
        """Score one card (and, given its recognised text, the recognition ceiling)."""
        self.seconds.append(seconds)
        for name in FIELD_NAMES:
            if name not in labels:
                continue
            want = normalize_for_compare(name, labels[name])
            got = normalize_for_compare(name, predicted.get(name))
            if text is not None:
                self.fields[name].add_ceiling(want, text, name)
            if not self.fields[name].add(want, got):
                self.mistakes.append({"file": file, "field": name, "label": want, "predicted": got})

    @property
    def overall(self) -> float:
        """Exact accuracy over all compared fields."""
        total = sum(s.total for s in self.fields.values())
        return sum(s.exact for s in self.fields.values()) / total if total else 0.0

    @property
    def ceiling(self) -> float | None:
        """Share of non-empty labels found in the recognised text (None when no text was given)."""
        total = sum(s.with_text for s in self.fields.values())
        return sum(s.in_text for s in self.fields.values()) / total if total else None

    @property
    def false_positive_rate(self) -> float:
        """Share of empty labels where something was extracted."""
        empty = sum(s.empty_labels for s in self.fields.values())
        return sum(s.false_positives for s in self.fields.values()) / empty if empty else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON summary printed by ``eval-ocr --json``."""
        secs = sorted(self.seconds)
        return {
            "cards": len(self.seconds) + len(self.errors),
            "overall_accuracy": round(self.overall, 4),
            "overall_similarity": round(
                sum(s.similarity_sum for s in self.fields.values())
                / max(1, sum(s.total for s in self.fields.values())),
                4,
            ),
            "false_positive_rate": round(self.false_positive_rate, 4),
            "ceiling": None if self.ceiling is None else round(self.ceiling, 4),
            "fields": {name: score.to_dict() for name, score in self.fields.items() if score.total},
            "seconds": {
                "median": round(statistics.median(secs), 3) if secs else None,
                "p95": round(secs[min(len(secs) - 1, round(0.95 * (len(secs) - 1)))], 3) if secs else None,
                "mean": round(statistics.fmean(secs), 3) if secs else None,
            },
            "errors": dict(self.errors),
        }


def load_labels(folder: Path) -> dict[str, dict[str, str]]:
    """Read ``labels.json`` of a folder: ``{file name: {field: value}}``."""
    with (folder / "labels.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {str(k): {str(f): str(v) for f, v in fields.items()} for k, fields in data.items()}


def iter_labelled(folder: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """Yield (image path, labels) for each labelled image that exists, sorted by name."""
    labels = load_labels(folder)
    for name in sorted(labels):
        path = folder / name
        if path.suffix.lower() in IMAGE_SUFFIXES and path.exists():
            yield path, labels[name]


# What a predictor returns: field values and seconds, optionally the recognised text (for the ceiling).
Prediction = tuple[dict[str, str], float] | tuple[dict[str, str], float, str]


def evaluate_folder(
    folder: Path,
    predict: Callable[[bytes], Prediction],
    *,
    files: list[str] | None = None,
    progress: Callable[[Iterator[tuple[Path, dict[str, str]]]], Iterator[tuple[Path, dict[str, str]]]]
    | None = None,
) -> Report:
    """Run ``predict`` (bytes -> (field values, seconds[, text])) over a labelled folder and score it."""
    report = Report()
    items: Iterator[tuple[Path, dict[str, str]]] = iter_labelled(folder)
    if files is not None:
        wanted = set(files)
        items = (item for item in items if item[0].name in wanted)
    if progress is not None:
        items = progress(items)
    from ocr.errors import OcrError

    for path, labels in items:
        try:
            prediction = predict(path.read_bytes())
        except OcrError as e:
            report.errors[path.name] = f"{e.type}: {e.detail}"
            continue
        text = prediction[2] if len(prediction) == 3 else None
        report.add(path.name, labels, prediction[0], prediction[1], text)
    return report
