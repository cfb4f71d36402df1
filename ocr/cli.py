"""Click commands ``scan`` and ``eval-ocr`` (plain click; the service registers them in ``meishi``).

Exit codes: 0 ok, 1 a file failed (the others are still processed), 2 usage error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from ocr.errors import OcrError
from ocr.result import FIELD_NAMES

RECOGNIZER_CHOICES = ("tesseract", "ppocr", "combined")  # ocr.pipeline.RECOGNIZERS, without importing it

T = TypeVar("T")


def _progress(items: Iterable[T], total: int | None, label: str) -> Iterator[T]:
    """Wrap with a tqdm bar on stderr, only when stderr is a terminal."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        yield from tqdm(items, total=total, desc=label, file=sys.stderr, leave=False)
    else:
        yield from items


def _error_object(file: str, error: Exception) -> dict[str, Any]:
    if isinstance(error, OcrError):
        return {"file": file, "error": error.to_dict()}
    if isinstance(error, OSError):
        return {"file": file, "error": {"type": "read_error", "detail": str(error)}}
    return {"file": file, "error": {"type": "internal_error", "detail": f"{type(error).__name__}: {error}"}}


def _print_table(file: str, result: dict[str, Any]) -> None:
    click.echo(f"== {file}  ({result['lang']}, {result['seconds']:.2f} s)")
    fields = result["fields"]
    for name in FIELD_NAMES:
        if name in fields:
            f = fields[name]
            flag = "" if f["confidence"] >= 0.6 else "  (review)"
            click.echo(f"  {name:<12} {f['value']}  [{f['confidence']:.2f}, {f['side']}]{flag}")
    for warning in result["warnings"]:
        click.echo(f"  ! {warning}")


@click.command("scan")
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--back",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Back side of the card (with one IMAGE).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per image (JSON Lines).")
@click.option(
    "--debug-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each stage's image, the text and seconds per stage and engine (seconds.json) here.",
)
@click.option(
    "--recognizer",
    type=click.Choice(RECOGNIZER_CHOICES),
    help="Recognizer to use (default: MEISHI_OCR_RECOGNIZER, else combined when PP-OCR is installed).",
)
def scan_command(
    images: tuple[Path, ...], back: Path | None, as_json: bool, debug_dir: Path | None, recognizer: str | None
) -> None:
    """Read business-card IMAGES and print their fields (no database)."""
    from ocr.pipeline import scan_card

    if back is not None and len(images) != 1:
        raise click.UsageError("--back needs exactly one front IMAGE")
    failed = False
    back_bytes = back.read_bytes() if back is not None else None
    for path in _progress(images, len(images), "scan"):
        file = str(path)
        try:
            target = debug_dir / path.stem if debug_dir is not None and len(images) > 1 else debug_dir
            result = scan_card(
                path.read_bytes(), back_bytes, debug_dir=target, recognizer=recognizer
            ).to_dict()
        except (OcrError, OSError) as e:
            failed = True
            obj = _error_object(file, e)
            if as_json:
                click.echo(json.dumps(obj, ensure_ascii=False))
            else:
                click.echo(f"== {file}\n  error: {obj['error']['type']}: {obj['error']['detail']}")
            continue
        if as_json:
            click.echo(json.dumps({"file": file, **result}, ensure_ascii=False))
        else:
            _print_table(file, result)
    if failed:
        sys.exit(1)


def _labelled_folders(folder: Path) -> list[Path]:
    """The folder itself when it holds labels.json, else its subfolders that do (cards-dev/photos, ...)."""
    if (folder / "labels.json").exists():
        return [folder]
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / "labels.json").exists())


def _print_report(folder: Path, summary: dict[str, Any], report: Any, mistakes: bool) -> None:
    click.echo(f"{folder}: {summary['cards']} cards")
    click.echo(f"{'field':<12} {'exact':>7} {'ceiling':>8} {'similar':>8} {'false+':>7} {'n':>4}")
    for name, score in summary["fields"].items():
        fp = "-" if score["false_positive_rate"] is None else f"{score['false_positive_rate']:.3f}"
        ceiling = "-" if score["ceiling"] is None else f"{score['ceiling']:.3f}"
        click.echo(
            f"{name:<12} {score['accuracy']:>7.3f} {ceiling:>8} {score['similarity']:>8.3f} {fp:>7} {score['n']:>4}"
        )
    ceiling = "-" if summary["ceiling"] is None else f"{summary['ceiling']:.3f}"
    click.echo(
        f"{'overall':<12} {summary['overall_accuracy']:>7.3f} {ceiling:>8} {summary['overall_similarity']:>8.3f} "
        f"{summary['false_positive_rate']:>7.3f}"
    )
    secs = summary["seconds"]
    click.echo(f"seconds per card: median {secs['median']}, p95 {secs['p95']}, mean {secs['mean']}")
    for name, error in summary["errors"].items():
        click.echo(f"error {name}: {error}")
    if mistakes:
        for m in report.mistakes:
            click.echo(f"  {m['file']} {m['field']}: want {m['label']!r} got {m['predicted']!r}")


@click.command("eval-ocr")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--mistakes", is_flag=True, help="Also list every wrong field.")
@click.option(
    "--recognizer",
    type=click.Choice(RECOGNIZER_CHOICES),
    help="Recognizer to use (default: MEISHI_OCR_RECOGNIZER, else combined when PP-OCR is installed).",
)
def eval_ocr_command(folder: Path, as_json: bool, mistakes: bool, recognizer: str | None) -> None:
    """Score the pipeline on a labelled FOLDER (labels.json as in cards-dev, or subfolders that have one).

    Beside exact accuracy, the ceiling is the share of labelled values found anywhere in the
    recognised text: what a perfect field parser could reach with this recognition.
    """
    from ocr.evaluate import Prediction, evaluate_folder, load_labels
    from ocr.pipeline import scan_card

    folders = _labelled_folders(folder)
    if not folders:
        raise click.UsageError(f"{folder} has no labels.json (nor a subfolder with one)")

    def predict(data: bytes) -> Prediction:
        result = scan_card(data, recognizer=recognizer)
        return {k: v.value for k, v in result.fields.items()}, result.seconds, result.text

    summaries: dict[str, dict[str, Any]] = {}
    for labelled in folders:
        total = len(load_labels(labelled))

        def progress(items: Iterator[Any], n: int = total) -> Iterator[Any]:
            return _progress(items, n, "eval")

        report = evaluate_folder(labelled, predict, progress=progress)
        summary = report.to_dict()
        if mistakes:
            summary["mistakes"] = report.mistakes
        summaries[str(labelled)] = summary
        if not as_json:
            _print_report(labelled, summary, report, mistakes)
    if as_json:
        out = summaries[str(folders[0])] if folders == [folder] else {"folders": summaries}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
