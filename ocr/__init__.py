"""Meishi OCR: business-card image bytes in, structured card fields out.

No Flask, no database. Entry points: ``ocr.pipeline.scan_card``, ``ocr.intake.load_image``
and the click commands in ``ocr.cli``. Importing this package does nothing but define
the version string; heavy modules are imported where they are used.
"""

# 2.12.0: a vertical address goes on past a line printed across under its column's foot (issue 10)
# 2.11.0: a stroke along a column (the long-vowel mark) laid across in the upright row (issue 10)
# 2.10.0: a field that lost an accent printed over a capital holds the card for review (issue 10)
# 2.9.0: misreads mended from the recogniser's runners-up; one-office cards hold untyped numbers (issue 10)
PIPELINE_VERSION = "2.12.0"

__all__ = ["PIPELINE_VERSION"]
