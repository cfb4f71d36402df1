"""What the OCR worker hands the cards service: a typed reading of one card, not a dict.

``ocr`` returns a :class:`ocr.result.CardResult`; the worker turns it into a :class:`CardReading` (with the
storage keys of the normalised images) outside any transaction, and :func:`contacts.cards.service.record_result`
stores it on the card in the JSON shape the API shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ocr.result import FIELD_NAMES, CardResult


@dataclass(frozen=True)
class FieldReading:
    """One field as read: the value as printed, its confidence and where it was (``e164`` for phones)."""

    value: str
    confidence: float
    box: tuple[int, int, int, int]
    side: str = "front"
    e164: str | None = None
    is_phone: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the stored shape ``{"value", "confidence", "box", "side"[, "e164"]}``."""
        out: dict[str, Any] = {
            "value": self.value,
            "confidence": round(float(self.confidence), 3),
            "box": [int(v) for v in self.box],
            "side": self.side,
        }
        if self.is_phone:
            out["e164"] = self.e164
        return out


@dataclass(frozen=True)
class CardReading:
    """A card's OCR result as the cards service stores it."""

    lang: str
    fields: Mapping[str, FieldReading]
    text: str
    warnings: tuple[str, ...]
    seconds: float
    pipeline_version: str
    normalized: Mapping[str, str] = field(default_factory=dict)  # side -> storage key of the normalised image

    @classmethod
    def from_result(
        cls, result: CardResult, *, normalized: Mapping[str, str], pipeline_version: str
    ) -> CardReading:
        """Take what the OCR library returned, fields in their canonical order."""
        fields = {
            name: FieldReading(
                value=f.value,
                confidence=f.confidence,
                box=f.box,
                side=f.side,
                e164=f.e164,
                is_phone=f.is_phone,
            )
            for name in FIELD_NAMES
            if (f := result.fields.get(name)) is not None
        }
        return cls(
            lang=result.lang,
            fields=fields,
            text=result.text,
            warnings=tuple(str(w) for w in result.warnings),
            seconds=round(result.seconds, 3),
            pipeline_version=pipeline_version,
            normalized=dict(normalized),
        )
