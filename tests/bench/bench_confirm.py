"""Benchmark auto-confirmation: how many cards confirm by themselves, and how many of those are fully right.

Run: ``python -m tests.bench.bench_confirm [--fit] [--threshold T] [--save-reads F | --from-reads F] [--deals N]
[--json]`` (``make bench`` runs it with the defaults: one deal of the folds, then the sum over 20 random deals).
Reads every labelled folder (cards-dev photos, scans and real-en, cards-hard) with the real pipeline, then, for
cards-dev photos and cards-hard, prints at the default review threshold (and 0.6, 0.7, 0.9) the share of cards
that auto-confirm by the service's own rule (``contacts.cards.service.is_confident``: a name, no suspect field,
and the card confidence of ``ocr.fields.confirm`` at or above the threshold) and the share of those that are
fully right (every labelled field exact, nothing extracted where the label is empty).

Held out: the cards of each folder are dealt in turn to five folds; each fold is judged by the field calibration
and the card model fitted on the other four, so no card is judged by a table or model that saw it. ``--fit``
then fits both on all cards (each card-calibration step bounded by what cards-dev and cards-hard each show in it: ``confirm.every_group``) and writes ``ocr/fields/calibration.json`` and ``ocr/fields/confirm.json``, the data
the package ships. ``--save-reads`` keeps the readings; ``--from-reads`` refits from them without reading the
images again (the same pipeline version only).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
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
FOLDS = 5  # cards of each folder dealt in turn to five folds


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
    # the fields as the service stores them (calibrated with the shipped table)
    stored: dict[str, dict[str, Any]]
    lang: str
    warnings: list[str]
    text: str


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
                    fold=index % FOLDS,
                    raw=raw,
                    values=values,
                    right=right,
                    fully_right=fully,
                    stored={k: f.to_dict() for k, f in result.fields.items()},
                    lang=result.lang,
                    warnings=list(result.warnings),
                    text=result.text,
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


def calibrated(card: CardRead, table: Mapping[str, list[tuple[float, float]]]) -> dict[str, dict[str, Any]]:
    """Return the card's stored fields with confidences calibrated through ``table`` (not the shipped one)."""
    from ocr.fields.calibration import calibrate_with

    return {
        k: {**f, "confidence": calibrate_with(table, k, card.raw[k]) if k in card.raw else f["confidence"]}
        for k, f in card.stored.items()
    }


def features_of(card: CardRead, table: Mapping[str, list[tuple[float, float]]]) -> dict[str, float]:
    """Describe a card for the card model, its fields calibrated through ``table``."""
    from ocr.fields.confirm import card_features

    return card_features(calibrated(card, table), card.lang, card.warnings, card.text)


def fit_card_model(cards: list[CardRead]) -> Any:
    """Fit the card model on labelled cards.

    Each card's features come from field confidences calibrated by a table fitted on the other half of the
    cards (cross-fitting), so the model learns from confidences like those it will see on new cards. Cards with a
    suspect field are left out: the service holds them for review whatever the model says.
    """
    from ocr.fields.calibration import fit
    from ocr.fields.confirm import fit_model, suspect_fields

    samples = []
    groups = []
    for half in (0, 1):
        others = [c for i, c in enumerate(cards) if i % 2 != half]
        table = fit(samples_of(others))
        mine = [
            c
            for i, c in enumerate(cards)
            if i % 2 == half and not suspect_fields(c.stored, c.lang, c.text, c.warnings)
        ]
        samples += [(features_of(c, table), c.fully_right) for c in mine]
        groups += [c.folder.split("/")[0] for c in mine]  # cards-dev or cards-hard
    return fit_model(samples, groups=groups)


def auto_confirms(
    card: CardRead, table: Mapping[str, list[tuple[float, float]]], model: Any, threshold: float
) -> bool:
    """Decide as the service does, with the card's fields calibrated through ``table`` and judged by ``model``."""
    from contacts.cards.models import Card
    from contacts.cards.service import is_confident

    stored = Card(fields=calibrated(card, table), lang=card.lang, warnings=card.warnings, text=card.text)
    return is_confident(stored, threshold, model=model)


def held_out_figures(cards: list[CardRead], thresholds: list[float]) -> dict[str, dict[str, Any]]:
    """Score each fold with the field table and card model fitted on the other folds; figures per folder."""
    from ocr.fields.calibration import fit

    decisions: dict[tuple[str, str], dict[float, bool]] = {}
    for fold in range(FOLDS):
        train = [c for c in cards if c.fold != fold]
        table = fit(samples_of(train))
        model = fit_card_model(train)
        for c in cards:
            if c.fold == fold:
                decisions[(c.folder, c.file)] = {t: auto_confirms(c, table, model, t) for t in thresholds}
    out: dict[str, dict[str, Any]] = {}
    for name in REPORTED:
        mine = [c for c in cards if c.folder == name]
        if not mine:
            continue
        out[name] = {"cards": len(mine), "fully_right": sum(c.fully_right for c in mine), "thresholds": {}}
        for t in thresholds:
            confirmed = [c for c in mine if decisions[(c.folder, c.file)][t]]
            right = sum(c.fully_right for c in confirmed)
            out[name]["thresholds"][t] = {
                "auto_confirmed": len(confirmed),
                "auto_confirmed_share": round(len(confirmed) / len(mine), 4),
                "right_among_confirmed": right,
                "precision": round(right / len(confirmed), 4) if confirmed else None,
            }
    return out


def random_deals(
    cards: list[CardRead], thresholds: list[float], deals: int
) -> dict[str, dict[float, list[int]]]:
    """Deal each folder's cards to the folds at random ``deals`` times (seeds 0, 1, ...) and sum, per folder and
    threshold, the cards auto-confirmed and the right ones among them: one deal of 120 cards moves by several cards
    either way, so a change is judged over many."""
    import random

    totals: dict[str, dict[float, list[int]]] = {name: {t: [0, 0] for t in thresholds} for name in REPORTED}
    dealt = [CardRead(**asdict(c)) for c in cards]
    for seed in range(deals):
        rng = random.Random(seed)
        for name in sorted({c.folder for c in dealt}):  # (a set's order changes between processes)
            mine = [c for c in dealt if c.folder == name]
            for position, card in enumerate(rng.sample(mine, len(mine))):
                card.fold = position % FOLDS
        for name, figures in held_out_figures(dealt, thresholds).items():
            for t, g in figures["thresholds"].items():
                totals[name][t][0] += g["auto_confirmed"]
                totals[name][t][1] += g["right_among_confirmed"]
    return totals


def save_reads(cards: list[CardRead], path: Path) -> None:
    """Write the readings (what the fit needs) to a JSON file."""
    path.write_text(json.dumps([asdict(c) for c in cards], ensure_ascii=False), encoding="utf-8")


def load_reads(path: Path) -> list[CardRead]:
    """Read readings written by ``save_reads`` (folds dealt again, in file order within each folder)."""
    cards = [CardRead(**c) for c in json.loads(path.read_text(encoding="utf-8"))]
    seen: dict[str, int] = defaultdict(int)
    for card in cards:
        card.fold = seen[card.folder] % FOLDS
        seen[card.folder] += 1
    return cards


def main() -> int:
    """Read the cards, print the held-out figures and optionally write the shipped calibration and card model."""
    from contacts.config import Settings
    from ocr import PIPELINE_VERSION
    from ocr.fields import confirm
    from ocr.fields.calibration import fit, save

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fit", action="store_true", help="write ocr/fields/calibration.json and confirm.json from all cards"
    )
    parser.add_argument("--threshold", type=float, default=Settings().review_threshold)
    parser.add_argument("--save-reads", type=Path, help="also write the readings to this JSON file")
    parser.add_argument(
        "--from-reads", type=Path, help="use readings written by --save-reads instead of running the pipeline"
    )
    parser.add_argument(
        "--deals",
        type=int,
        default=20,
        help="also sum the figures over this many random deals of the folds (default 20, as the README quotes; 0: none)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.from_reads:
        cards = load_reads(args.from_reads)
    elif not shared_data_dir("cards-hard").exists() and not shared_data_dir("cards-dev").exists():
        print("labelled cards not found; skipping", file=sys.stderr)
        return 0
    else:
        cards = read_cards()
    if args.save_reads:
        save_reads(cards, args.save_reads)
    thresholds = sorted({args.threshold, 0.6, 0.7, 0.8, 0.9})
    figures = held_out_figures(cards, thresholds)
    if args.json:
        print(json.dumps({"threshold": args.threshold, "folders": figures}, indent=1))
    else:
        print(
            f"auto-confirm held out ({FOLDS} folds: each card judged by the field calibration and card model "
            f"fitted on the other folds)"
        )
        print(
            f"{'folder':<18} {'cards':>5} {'fully right':>11} {'threshold':>9} {'auto-confirmed':>15} {'right of those':>15}"
        )
        for name, f in figures.items():
            for t, g in f["thresholds"].items():
                precision = f"{g['precision']:.1%}" if g["precision"] is not None else "-"
                mark = " (default)" if t == args.threshold else ""
                print(
                    f"{name:<18} {f['cards']:>5} {f['fully_right']:>11} {t:>9} "
                    f"{g['auto_confirmed_share']:>14.1%} {precision:>15}{mark}"
                )
    if args.deals:
        totals = random_deals(cards, thresholds, args.deals)
        if args.json:
            print(
                json.dumps(
                    {
                        "deals": args.deals,
                        "folders": {n: {str(t): v for t, v in f.items()} for n, f in totals.items()},
                    }
                )
            )
        else:
            print(
                f"over {args.deals} random deals of the folds (summed): auto-confirmed of the cards judged, "
                "right of those"
            )
            for name, per_threshold in totals.items():
                judged = args.deals * sum(c.folder == name for c in cards)
                for t, (confirmed, right) in per_threshold.items():
                    precision = f"{right / confirmed:.1%}" if confirmed else "-"
                    mark = " (default)" if t == args.threshold else ""
                    print(
                        f"{name:<18} {t:>9} {confirmed:>7} of {judged:<5} ({confirmed / judged:6.1%}) "
                        f"{precision:>8}{mark}"
                    )
    if args.fit:
        folders = ", ".join(sorted({c.folder for c in cards}))
        source = f"bench_confirm --fit on {len(cards)} cards read by pipeline {PIPELINE_VERSION}: {folders}"
        save(fit(samples_of(cards)), source=source)
        model = fit_card_model(cards)
        confirm.save(model, source=source)
        print(f"wrote {Path('ocr/fields/calibration.json')} and {Path('ocr/fields/confirm.json')}")
        if model.steps[-1][1] < args.threshold:
            print(
                f"warning: the model's top step ({model.steps[-1][1]}) is under the threshold {args.threshold}: "
                "no card would confirm by itself",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
