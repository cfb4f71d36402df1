"""``python -m ocr scan ...`` and ``python -m ocr eval-ocr ...`` until the meishi CLI registers them."""

from __future__ import annotations

import click

from ocr.cli import eval_ocr_command, scan_command


@click.group()
def main() -> None:
    """Meishi OCR commands."""


main.add_command(scan_command)
main.add_command(eval_ocr_command)

if __name__ == "__main__":
    main()
