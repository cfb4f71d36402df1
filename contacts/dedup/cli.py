"""``meishi dedupe FILE.csv [--json]``: run the matching engine on a CSV file, without the app or a database.

Exit codes: 0 on success, 1 when the file cannot be used (missing, not CSV, no known column), 2 on usage
errors (click's own).
"""

from __future__ import annotations

import itertools
import json
import sys
from collections.abc import Iterator
from typing import IO, Any

import click
from tqdm import tqdm

from contacts.dedup.engine import DedupeResult, find_duplicates
from contacts.dedup.records import ContactRecord, CsvError, iter_csv_records

__all__ = ["dedupe_command"]

_STAGE_LABELS = {
    "keys": "normalising",
    "blocking": "blocking",
    "scoring": "scoring pairs",
    "clustering": "clustering",
}


class _TqdmProgress:
    """Show one progress bar per stage on stderr."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.stage = ""
        self.bar: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = tqdm(total=total, desc=_STAGE_LABELS.get(stage, stage), file=self.stream, unit="")
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _json_chunks(result: DedupeResult) -> Iterator[str]:
    yield '{"pairs": ['
    for n, pair in enumerate(result.pairs):
        yield ("" if n == 0 else ", ") + json.dumps(pair.to_dict(), ensure_ascii=False)
    yield '], "clusters": '
    yield json.dumps(result.clusters, ensure_ascii=False)
    yield "}\n"


def _summary(result: DedupeResult, n_records: int, limit: int = 20) -> Iterator[str]:
    merges = sum(1 for p in result.pairs if p.decision == "merge")
    reviews = len(result.pairs) - merges
    clustered = sum(len(c) for c in result.clusters)
    yield f"{n_records} contacts: {merges} merge pairs, {reviews} review pairs, "
    yield f"{len(result.clusters)} clusters covering {clustered} contacts\n"
    for pair in result.pairs[:limit]:
        yield f"  {pair.decision:<6} {pair.score:.3f}  {pair.a} ~ {pair.b}  ({', '.join(pair.reasons)})\n"
    if len(result.pairs) > limit:
        yield f"  ... {len(result.pairs) - limit} more pairs (use --json for all)\n"


@click.command("dedupe")
@click.argument("file", metavar="FILE.csv")
@click.option("--json", "as_json", is_flag=True, help="Print pairs and clusters as JSON.")
def dedupe_command(file: str, as_json: bool) -> None:
    """Find duplicate contacts in a CSV file (columns such as name, company, email, mobile, address)."""
    try:
        rows = iter_csv_records(file)
        first = next(rows, None)  # reads and checks the header before any work starts
    except CsvError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    records: Iterator[ContactRecord] = itertools.chain([first], rows) if first is not None else iter(())
    bar = _TqdmProgress(sys.stderr) if sys.stderr.isatty() else None
    try:
        result = find_duplicates(records, progress=bar)
    except CsvError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    finally:
        if bar is not None:
            bar.close()
    chunks = _json_chunks(result) if as_json else _summary(result, result.contacts)
    for chunk in chunks:
        click.echo(chunk, nl=False)


if __name__ == "__main__":  # pragma: no cover - ``python -m contacts.dedup.cli`` for benchmarks
    dedupe_command()
