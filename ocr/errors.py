"""Exception tree of the OCR library; each class carries a stable ``type`` slug.

The CLI prints the slug in its JSON error objects and the web service maps the
intake errors to HTTP statuses by class (never by message text):
FileTooLarge -> 413, UnsupportedFormat -> 415, CorruptImage and
ImageTooManyPixels -> 422, EngineError -> 500/503.
"""

from __future__ import annotations


class OcrError(Exception):
    """Base class of every error raised by ``ocr``."""

    type: str = "ocr_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def to_dict(self) -> dict[str, str]:
        """Return the ``{"type", "detail"}`` object used by the CLI JSON output."""
        return {"type": self.type, "detail": self.detail}


class IntakeError(OcrError):
    """The uploaded bytes cannot be accepted as a card image."""

    type = "intake_error"


class FileTooLarge(IntakeError):
    """The upload has more bytes than allowed."""

    type = "file_too_large"


class UnsupportedFormat(IntakeError):
    """The bytes are not a JPEG, PNG, WebP or HEIC image."""

    type = "unsupported_format"


class CorruptImage(IntakeError):
    """The bytes look like a supported image but cannot be decoded."""

    type = "corrupt_image"


class EmptyFile(CorruptImage):
    """The upload has zero bytes."""

    type = "empty_file"


class ImageTooManyPixels(IntakeError):
    """The header claims more pixels than allowed (for example a decompression bomb)."""

    type = "image_too_many_pixels"


class EngineError(OcrError):
    """The OCR engine failed or is not installed."""

    type = "engine_error"


class EngineTimeout(EngineError):
    """The OCR engine did not answer within its time limit."""

    type = "engine_timeout"
