"""Validate uploaded card images with the OCR intake rules, re-encode them without metadata, store them.

Every image of a request is checked before any is stored, so a refused request leaves nothing behind.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from tempfile import SpooledTemporaryFile

from PIL import Image

from contacts.errors import MeishiError, PayloadTooLarge, UnprocessableImage, UnsupportedMediaType
from contacts.storage import Storage
from ocr import intake
from ocr.errors import FileTooLarge, IntakeError, UnsupportedFormat

JPEG_QUALITY = 92
SPOOL_BYTES = 1_000_000


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the form field it came in, its position there, its name and a reader.

    The bytes are read on demand (a batch of 100 photos stays in werkzeug's spooled files, not in memory).
    """

    field: str
    index: int
    filename: str
    read: Callable[[], bytes]

    @classmethod
    def of_bytes(cls, field: str, index: int, filename: str, data: bytes) -> Upload:
        """Wrap bytes already in memory."""
        return cls(field, index, filename, lambda: data)

    @property
    def label(self) -> str:
        """Name the file in error messages: ``front[2] 'IMG_0042.HEIC'``."""
        return f"{self.field}[{self.index}] {self.filename!r}"


@dataclass(frozen=True)
class CleanImage:
    """An upload that passed intake, re-encoded without metadata (EXIF orientation applied)."""

    upload: Upload
    data: bytes
    extension: str


def _refusal(upload: Upload, exc: IntakeError) -> MeishiError:
    detail = f"{upload.label}: {exc.detail}"
    errors = [{"field": f"{upload.field}[{upload.index}]", "message": exc.detail, "code": exc.type}]
    if isinstance(exc, FileTooLarge):
        return PayloadTooLarge(detail, errors=errors)
    if isinstance(exc, UnsupportedFormat):
        return UnsupportedMediaType(detail, errors=errors)
    return UnprocessableImage(detail, errors=errors)


def clean(upload: Upload, *, max_bytes: int, max_pixels: int) -> CleanImage:
    """Decode one upload safely and re-encode it (PNG stays PNG, everything else becomes JPEG)."""
    try:
        decoded = intake.load_image(upload.read(), max_bytes=max_bytes, max_pixels=max_pixels)
    except IntakeError as e:
        raise _refusal(upload, e) from e
    if decoded.format == "PNG":
        return CleanImage(upload, intake.reencode(decoded, fmt="PNG"), "png")
    return CleanImage(upload, intake.reencode(decoded, fmt="JPEG", quality=JPEG_QUALITY), "jpg")


def claimed_pixels(upload: Upload, *, max_bytes: int) -> int:
    """Return the pixel count an upload's header claims, reading nothing but the header (0 if unreadable).

    An unreadable, oversized or bomb image is refused with its own reason when it is cleaned.
    """
    data = upload.read()
    if not data or len(data) > max_bytes or intake.sniff_format(data) is None:
        return 0
    if intake.sniff_format(data) == "HEIC":
        import pillow_heif

        pillow_heif.register_heif_opener()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:  # lazy: decodes no pixels
                width, height = image.size
        except Exception:  # any header Pillow cannot read is refused later, by clean()
            return 0
    return max(0, width) * max(0, height)


def check_pixel_budget(uploads: list[Upload], *, max_bytes: int, budget: int) -> None:
    """Refuse (413) a request whose images claim more pixels in all than ``budget``, before decoding any.

    Decode and re-encode time grows with pixels, not bytes: thirty one-colour 6000x6000 PNGs are 3 MB but
    would take minutes to decode.
    """
    total = 0
    for upload in uploads:
        total += claimed_pixels(upload, max_bytes=max_bytes)
        if total > budget:
            raise PayloadTooLarge(
                f"the images of this request hold more than {budget} pixels in all; send fewer or smaller "
                "images per request",
                errors=[
                    {
                        "field": f"{upload.field}[{upload.index}]",
                        "code": "too_many_pixels",
                        "message": f"the request's images exceed {budget} pixels",
                    }
                ],
            )


def store_all(
    storage: Storage,
    uploads: list[Upload],
    *,
    max_bytes: int,
    max_pixels: int,
    max_batch_pixels: int | None = None,
) -> list[str]:
    """Clean every upload, then store them all; return their keys in order.

    Cleaned images wait in spooled temporary files (memory up to SPOOL_BYTES each, then disk), so a batch
    of 100 phone photos is decoded once per image and never held in memory at once, and a bad image
    refuses the request before anything reaches the store. ``max_batch_pixels`` bounds the decode work of
    the whole batch, checked from the headers first.
    """
    if max_batch_pixels is not None:
        check_pixel_budget(uploads, max_bytes=max_bytes, budget=max_batch_pixels)
    with ExitStack() as stack:
        spooled: list[tuple[SpooledTemporaryFile[bytes], str]] = []
        for upload in uploads:
            image = clean(upload, max_bytes=max_bytes, max_pixels=max_pixels)
            spool = stack.enter_context(SpooledTemporaryFile(max_size=SPOOL_BYTES))
            spool.write(image.data)
            spooled.append((spool, image.extension))
        keys = []
        for spool, extension in spooled:
            spool.seek(0)
            keys.append(storage.put(spool.read(), extension=extension))
        return keys


def store(storage: Storage, upload: Upload, *, max_bytes: int, max_pixels: int) -> str:
    """Clean an upload, store it under its content address and return the key."""
    image = clean(upload, max_bytes=max_bytes, max_pixels=max_pixels)
    return storage.put(image.data, extension=image.extension)
