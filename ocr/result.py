"""Result types shared by the pipeline, the CLI and the web service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FIELD_NAMES = (
    "name",
    "name_kana",
    "name_romaji",
    "company",
    "department",
    "title",
    "email",
    "phone",
    "mobile",
    "fax",
    "postal_code",
    "address",
    "url",
    "other_phones",  # numbers of further offices, "; "-separated
)
PHONE_FIELDS = ("phone", "mobile", "fax")


@dataclass
class Field:
    """One extracted field: the value as printed (NFKC), an honest confidence and where it was."""

    value: str
    confidence: float
    box: tuple[int, int, int, int]
    side: str = "front"
    e164: str | None = None
    is_phone: bool = False  # phones carry "e164" in JSON (null when not parseable)
    raw_confidence: float | None = None  # the rule-times-OCR score before calibration (not in JSON)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape ``{"value", "confidence", "box", "side"[, "e164"]}``."""
        out: dict[str, Any] = {
            "value": self.value,
            "confidence": round(float(self.confidence), 3),
            "box": [int(v) for v in self.box],
            "side": self.side,
        }
        if self.is_phone:
            out["e164"] = self.e164
        return out


@dataclass
class SideResult:
    """What one side of a card produced: fields, text and the normalised image."""

    side: str
    lang: str
    fields: dict[str, Field]
    text: str
    image: bytes  # the normalised card (JPEG), what box coordinates refer to
    rotation: int
    found_card: bool
    mean_confidence: float
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # per stage and engine, for --debug-dir and bench


@dataclass
class CardResult:
    """The merged result of one card (front and optional back)."""

    lang: str
    fields: dict[str, Field]
    text: str
    warnings: list[str]
    seconds: float
    sides: list[SideResult]
    pipeline_version: str = ""

    @property
    def normalized_images(self) -> dict[str, bytes]:
        """Return the normalised card image of each side as JPEG bytes, keyed by side."""
        return {s.side: s.image for s in self.sides}

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape of the issue: lang, fields, text, warnings, seconds."""
        return {
            "lang": self.lang,
            "fields": {name: self.fields[name].to_dict() for name in FIELD_NAMES if name in self.fields},
            "text": self.text,
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
        }
