"""Intake: formats, limits before decoding, EXIF orientation once, hostile files, re-encoding."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from ocr.errors import (
    CorruptImage,
    EmptyFile,
    FileTooLarge,
    ImageTooManyPixels,
    IntakeError,
    OcrError,
    UnsupportedFormat,
)
from ocr.intake import load_image, reencode, sniff_format
from tests.ocr.synth import encode


def _rgb(w: int = 40, h: int = 20) -> np.ndarray:
    pixels = np.zeros((h, w, 3), dtype=np.uint8)
    pixels[:, : w // 2] = (255, 0, 0)  # left half red: shows where "left" went after rotation
    return pixels


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_decodes_supported_formats_to_rgb(fmt: str) -> None:
    decoded = load_image(encode(_rgb(), fmt))
    assert decoded.format == fmt
    assert decoded.pixels.shape == (20, 40, 3)
    assert decoded.pixels.dtype == np.uint8


def test_decodes_heic() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    data = encode(_rgb(64, 32), "HEIF")
    assert sniff_format(data) == "HEIC"
    decoded = load_image(data)
    assert decoded.pixels.shape == (32, 64, 3)


def test_applies_exif_orientation_once() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    out = io.BytesIO()
    Image.fromarray(_rgb()).save(out, format="JPEG", exif=exif.tobytes(), quality=95)
    decoded = load_image(out.getvalue())
    assert decoded.exif_orientation == 6
    assert decoded.pixels.shape == (40, 20, 3)  # now portrait
    top, bottom = decoded.pixels[2, 10], decoded.pixels[-3, 10]
    assert top[0] > 200 and bottom[0] < 60  # the red left half is now on top


def test_bomb_is_refused_from_the_header() -> None:
    data = _png_header_only(100_000, 100_000)
    assert len(data) < 200
    with pytest.raises(ImageTooManyPixels) as info:
        load_image(data)
    assert info.value.type == "image_too_many_pixels"


def test_pixel_limit_is_configurable() -> None:
    with pytest.raises(ImageTooManyPixels):
        load_image(encode(_rgb(40, 20), "PNG"), max_pixels=100)


def test_truncated_jpeg_is_corrupt() -> None:
    data = encode(np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8), "JPEG")
    with pytest.raises(CorruptImage) as info:
        load_image(data[: len(data) // 2])
    assert info.value.type == "corrupt_image"


def test_text_file_named_jpg_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat) as info:
        load_image(b"Name: Jane Example\nTEL 03-1234-5678\n")
    assert info.value.type == "unsupported_format"


def test_zero_bytes_is_an_empty_file() -> None:
    with pytest.raises(EmptyFile) as info:
        load_image(b"")
    assert isinstance(info.value, CorruptImage)
    assert info.value.type == "empty_file"


def test_oversized_bytes_are_refused_before_sniffing() -> None:
    with pytest.raises(FileTooLarge) as info:
        load_image(b"\xff\xd8\xff" + b"\x00" * 2000, max_bytes=1000)
    assert info.value.type == "file_too_large"


def test_exception_tree_and_slugs() -> None:
    for cls in (FileTooLarge, UnsupportedFormat, CorruptImage, EmptyFile, ImageTooManyPixels):
        assert issubclass(cls, IntakeError) and issubclass(cls, OcrError)
    assert EmptyFile("x").to_dict() == {"type": "empty_file", "detail": "x"}


def test_reencode_drops_metadata() -> None:
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    out = io.BytesIO()
    Image.fromarray(_rgb()).save(out, format="JPEG", exif=exif.tobytes())
    assert b"SecretCam" in out.getvalue()
    clean = reencode(load_image(out.getvalue()), fmt="JPEG")
    assert b"SecretCam" not in clean
    assert b"Exif" not in clean
    assert Image.open(io.BytesIO(clean)).size == (40, 20)


def test_large_jpeg_is_downscaled_while_decoding() -> None:
    decoded = load_image(encode(_rgb(2400, 1600), "JPEG"), max_side=1000)
    assert max(decoded.pixels.shape[:2]) <= 1000
    assert decoded.original_size == (2400, 1600)


def test_gif_and_tiff_are_unsupported() -> None:
    for fmt in ("GIF", "TIFF"):
        with pytest.raises(UnsupportedFormat):
            load_image(encode(_rgb(), fmt))


def test_truncated_png_is_corrupt() -> None:
    data = encode(np.random.default_rng(1).integers(0, 255, (120, 160, 3), dtype=np.uint8), "PNG")
    with pytest.raises(CorruptImage):
        load_image(data[: len(data) // 3])


def test_jpeg_magic_with_garbage_is_corrupt() -> None:
    with pytest.raises(CorruptImage):
        load_image(b"\xff\xd8\xff\xe0" + b"garbage" * 20)
