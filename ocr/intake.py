"""Decode untrusted image bytes safely and re-encode images without metadata.

Only Pillow (and pillow-heif for HEIC) ever parses uploaded bytes; OpenCV sees the
decoded pixel array. The byte size is checked first, then the format is sniffed from
magic bytes, then the pixel count is read from the header (Pillow opens lazily)
before anything is decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ocr.errors import CorruptImage, EmptyFile, FileTooLarge, ImageTooManyPixels, UnsupportedFormat

DEFAULT_MAX_BYTES = 15_000_000
DEFAULT_MAX_PIXELS = 40_000_000

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# Pillow's own format names for what we accept, keyed by our sniffed format.
_PILLOW_FORMATS = {"JPEG": {"JPEG", "MPO"}, "PNG": {"PNG"}, "WEBP": {"WEBP"}, "HEIC": {"HEIF", "HEIC"}}
_heif_registered = False
# EXIF orientation tag value -> the transpose that shows the image upright (as ImageOps.exif_transpose).
_EXIF_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class DecodedImage:
    """A decoded, upright image.

    ``pixels`` is an RGB ``uint8`` array of shape (height, width, 3) with EXIF
    orientation already applied (OpenCV callers convert with ``cv2.COLOR_RGB2*``).
    ``original_size`` is (width, height) as stored in the file, before orientation
    and before any decode-time downscaling.
    """

    pixels: np.ndarray
    format: str
    byte_size: int
    original_size: tuple[int, int]
    exif_orientation: int | None

    @property
    def width(self) -> int:
        """Width of ``pixels``."""
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        """Height of ``pixels``."""
        return int(self.pixels.shape[0])


def sniff_format(data: bytes) -> str | None:
    """Return JPEG, PNG, WEBP or HEIC from the magic bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "HEIC"
    return None


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        import pillow_heif

        pillow_heif.register_heif_opener()
        _heif_registered = True


def load_image(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int | None = None,
) -> DecodedImage:
    """Decode upload bytes into an upright RGB array, refusing anything unsafe.

    ``max_side`` lets JPEG decoding use draft mode (DCT scaling) and then
    downscales so that the longer side is at most ``max_side``; it saves time and
    memory for large phone photos and leaves smaller images untouched.
    """
    if len(data) == 0:
        raise EmptyFile("the file is empty")
    if len(data) > max_bytes:
        raise FileTooLarge(f"the file has {len(data)} bytes, more than the limit of {max_bytes}")
    fmt = sniff_format(data)
    if fmt is None:
        raise UnsupportedFormat("not a JPEG, PNG, WebP or HEIC image")
    if fmt == "HEIC":
        _register_heif()

    # Pillow's bomb check uses this global; keep it at our cap so that nothing larger
    # than we accept is ever decoded even if our own check below were bypassed.
    Image.MAX_IMAGE_PIXELS = max(max_pixels, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise ImageTooManyPixels(f"the image claims too many pixels: {e}") from e
        except Image.UnidentifiedImageError as e:
            raise CorruptImage(f"cannot read the {fmt} header") from e
        except (OSError, SyntaxError, ValueError) as e:
            raise CorruptImage(f"cannot read the {fmt} header: {e}") from e

        if image.format not in _PILLOW_FORMATS[fmt]:
            raise UnsupportedFormat(f"the file looks like {fmt} but decodes as {image.format}")
        width, height = image.size
        if width <= 0 or height <= 0:
            raise CorruptImage("the image has no pixels")
        if width * height > max_pixels:
            raise ImageTooManyPixels(
                f"the image claims {width}x{height} pixels, more than the limit of {max_pixels}"
            )
        orientation = _exif_orientation(image)
        try:
            if max_side is not None and fmt == "JPEG" and max(width, height) > max_side:
                scale = max_side / max(width, height)
                image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
            image.load()
            # Shrink before any copy (mode conversion, rotation) to keep the peak memory low.
            if max_side is not None and max(image.size) > max_side:
                image.thumbnail((max_side, max_side), Image.Resampling.BILINEAR, reducing_gap=None)
            rgb: Image.Image = image if image.mode == "RGB" else image.convert("RGB")
            # EXIF orientation, applied exactly once, from the value read before decoding.
            transpose = _EXIF_TRANSPOSE.get(orientation or 1)
            if transpose is not None:
                rgb = rgb.transpose(transpose)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise ImageTooManyPixels(f"the image claims too many pixels: {e}") from e
        except (OSError, SyntaxError, ValueError, EOFError) as e:
            raise CorruptImage(f"cannot decode the {fmt} image: {e}") from e

    pixels = np.asarray(rgb, dtype=np.uint8)
    return DecodedImage(
        pixels=pixels,
        format=fmt,
        byte_size=len(data),
        original_size=(width, height),
        exif_orientation=orientation,
    )


def _exif_orientation(image: Image.Image) -> int | None:
    try:
        value = image.getexif().get(0x0112)
    except Exception:  # a broken EXIF block must not make the image unreadable
        return None
    return int(value) if isinstance(value, int) else None


def reencode(image: DecodedImage | np.ndarray, *, fmt: str = "JPEG", quality: int = 90) -> bytes:
    """Encode pixels (RGB, or grayscale 2-D) as JPEG/PNG/WEBP bytes without any metadata."""
    pixels = image.pixels if isinstance(image, DecodedImage) else image
    if pixels.ndim == 2:
        pil = Image.fromarray(pixels)
    else:
        pil = Image.fromarray(np.ascontiguousarray(pixels[:, :, :3]))
    out = io.BytesIO()
    fmt = fmt.upper()
    if fmt in ("JPEG", "JPG"):
        pil.save(out, format="JPEG", quality=quality)
    elif fmt == "PNG":
        pil.save(out, format="PNG", optimize=False)
    elif fmt == "WEBP":
        pil.save(out, format="WEBP", quality=quality)
    else:
        raise ValueError(f"cannot re-encode as {fmt}")
    return out.getvalue()
