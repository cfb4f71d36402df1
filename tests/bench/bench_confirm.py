"""Benchmark auto-confirmation: how many cards confirm by themselves, and how many of those are fully right.

Run: ``python -m tests.bench.bench_confirm [--fit] [--threshold T] [--json]``. Reads every labelled folder
(cards-dev photos, scans and real-en, cards-hard) with the real pipeline, then, for cards-dev photos and
cards-hard, prints the share of cards that auto-confirm at the default review threshold (a name, and every
field's calibrated confidence at or above the threshold: the service's own rule) and the share of those
that are fully right (every labelled field exact, nothing extracted where the label is empty).

Held out: cards are split in two folds (alternate files of each folder); each fold is scored with the
calibration fitted on the other one, so no card is judged by a table that saw it. ``--fit`` then fits the
table on all cards and writes it to ``ocr/fields/calibration.json``, the data the package ships.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.shared_data import shared_data_dir

FOLDERS = {
    "cards-dev/photos": ("cards-dev", "photos"),
    "cards-dev/scans": ("cards-dev", "scans"),
    "cards-dev/real-en": ("cards-dev", "real-en"),
    "cards-hard": ("cards-hard",),
}
REPORTED = ("cards-dev/photos", "cards-hard")


@dataclass
class CardRead:
    """One labelled card as the pipeline read it."""

    folder: str
    file: str
    fold: int
    raw: dict[str, float]  # field -> raw score
    values: dict[str, str]
    right: dict[str, bool]  # field -> exact (for every extracted field)
    fully_right: bool


def read_cards(engine: Any = None) -> list[CardRead]:
    """Run the pipeline (the product's default recognizer unless ``engine`` is given) over every labelled folder."""
    from ocr.evaluate import iter_labelled, normalize_for_compare
    from ocr.pipeline import scan_card
    from ocr.result import FIELD_NAMES

    cards = []
    for name, parts in FOLDERS.items():
        folder = shared_data_dir(parts[0]).joinpath(*parts[1:])
        if not (folder / "labels.json").exists():
            continue
        for index, (path, labels) in enumerate(iter_labelled(folder)):
            result = scan_card(path.read_bytes(), engine=engine)
            values = {k: f.value for k, f in result.fields.items()}
            raw = {
                k: float(f.raw_confidence if f.raw_confidence is not None else f.confidence)
                for k, f in result.fields.items()
            }

            def exact(field: str, labels: dict[str, str] = labels, values: dict[str, str] = values) -> bool:
                return normalize_for_compare(field, labels.get(field)) == normalize_for_compare(
                    field, values.get(field)
                )

            right = {k: exact(k) for k in values if k in labels}
            fully = all(exact(f) for f in FIELD_NAMES if f in labels)
            cards.append(
                CardRead(
                    folder=name,
                    file=path.name,
                    fold=index % 2,
                    raw=raw,
                    values=values,
                    right=right,
                    fully_right=fully,
                )
            )
            print(f"  {name}/{path.name}: {'right' if fully else 'wrong'}", file=sys.stderr, flush=True)
    return cards


def samples_of(cards: list[CardRead]) -> dict[str, list[tuple[float, bool]]]:
    """Collect (raw score, was right) per field."""
    out: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for card in cards:
        for field, ok in card.right.items():
            out[field].append((card.raw[field], ok))
    return out


def auto_confirms(card: CardRead, table: dict[str, list[tuple[float, float]]], threshold: float) -> bool:
    """Decide as the service does, with the card's fields calibrated through ``table``."""
    from contacts.cards.models import Card
    from contacts.cards.service import is_confident
    from ocr.fields.calibration import calibrate_with

    fields = {
        k: {"value": v, "confidence": calibrate_with(table, k, card.raw[k])} for k, v in card.values.items()
    }
    return is_confident(Card(fields=fields), threshold)


def held_out_figures(cards: list[CardRead], threshold: float) -> dict[str, dict[str, Any]]:
    """Score each fold with the table fitted on the other fold; return figures per reported folder."""
    from ocr.fields.calibration import fit

    tables = {fold: fit(samples_of([c for c in cards if c.fold != fold])) for fold in (0, 1)}
    out: dict[str, dict[str, Any]] = {}
    for name in REPORTED:
        mine = [c for c in cards if c.folder == name]
        if not mine:
            continue
        confirmed = [c for c in mine if auto_confirms(c, tables[c.fold], threshold)]
        right = sum(c.fully_right for c in confirmed)
        out[name] = {
            "cards": len(mine),
            "fully_right": sum(c.fully_right for c in mine),
            "auto_confirmed": len(confirmed),
            "auto_confirmed_share": round(len(confirmed) / len(mine), 4),
            "right_among_confirmed": right,
            "precision": round(right / len(confirmed), 4) if confirmed else None,
        }
    return out


def main() -> int:
    """Read the cards, print the held-out figures and optionally write the shipped calibration."""
    from contacts.config import Settings
    from ocr.fields.calibration import fit, save

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="write ocr/fields/calibration.json from all cards")
    parser.add_argument("--threshold", type=float, default=Settings().review_threshold)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not shared_data_dir("cards-hard").exists() and not shared_data_dir("cards-dev").exists():
        print("labelled cards not found; skipping", file=sys.stderr)
        return 0
    cards = read_cards()
    figures = held_out_figures(cards, args.threshold)
    if args.json:
        print(json.dumps({"threshold": args.threshold, "folders": figures}, indent=1))
    else:
        print(
            f"auto-confirm at threshold {args.threshold} (held out: each half scored with the other half's "
            f"calibration)"
        )
        print(
            f"{'folder':<18} {'cards':>5} {'fully right':>11} {'auto-confirmed':>15} {'right of those':>15}"
        )
        for name, f in figures.items():
            precision = f"{f['precision']:.1%}" if f["precision"] is not None else "-"
            print(
                f"{name:<18} {f['cards']:>5} {f['fully_right']:>11} "
                f"{f['auto_confirmed_share']:>14.1%} {precision:>15}"
            )
    if args.fit:
        folders = sorted({c.folder for c in cards})
        save(
            fit(samples_of(cards)), source=f"bench_confirm --fit on {len(cards)} cards: {', '.join(folders)}"
        )
        print(f"wrote {Path('ocr/fields/calibration.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
