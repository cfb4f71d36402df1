"""Resized card images for the review page: one small JPEG per side, from which every crop is drawn."""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

from PIL import Image

from contacts.storage import Storage

WIDTHS = (480, 1000)
JPEG_QUALITY = 78
_CACHE_ENTRIES = 64


class _Lru:
    """A small thread-safe LRU of resized images (bytes) and image sizes."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, int], tuple[bytes, tuple[int, int]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> tuple[bytes, tuple[int, int]] | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: tuple[str, int], value: tuple[bytes, tuple[int, int]]) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_cache = _Lru(_CACHE_ENTRIES)


def variant(storage: Storage, key: str, width: int) -> tuple[bytes, tuple[int, int]]:
    """Return the stored image ``key`` as a JPEG at most ``width`` pixels wide, and the original's size."""
    cached = _cache.get((key, width))
    if cached is not None:
        return cached
    with Image.open(io.BytesIO(storage.get(key))) as img:
        size = img.size
        img.draft("RGB", (width, width))  # lets JPEG decoding skip detail it would throw away
        rgb = img.convert("RGB")
        if rgb.width > width:
            rgb = rgb.resize((width, max(1, round(rgb.height * width / rgb.width))), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        rgb.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    value = (out.getvalue(), size)
    _cache.put((key, width), value)
    return value


def size_of(storage: Storage, key: str) -> tuple[int, int]:
    """Return the pixel size of a stored image (cached with its smallest variant)."""
    return variant(storage, key, WIDTHS[0])[1]
