"""Meishi OCR: business-card image bytes in, structured card fields out.

No Flask, no database. Entry points: ``ocr.pipeline.scan_card``, ``ocr.intake.load_image``
and the click commands in ``ocr.cli``. Importing this package does nothing but define
the version string; heavy modules are imported where they are used.
"""

PIPELINE_VERSION = (
    "2.8.0"  # katakana mended by SudachiDict; e-mail, name and company cross-checks hold misreads (issue 10)
)

__all__ = ["PIPELINE_VERSION"]
