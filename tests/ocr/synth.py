"""Synthetic business cards for stage tests: draw a card, put it on a desk, warp it."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

ENGLISH_LINES = [
    ("Jane Example", 64),
    ("Sales Manager", 34),
    ("Example Trading Ltd.", 34),
    ("T 03-1234-5678", 30),
    ("E-mail: jane@example.com", 30),
]


def draw_card(
    lines: list[tuple[str, int]] | None = None, *, size: tuple[int, int] = (910, 550)
) -> np.ndarray:
    """Draw a white card with left-aligned black text; return RGB pixels."""
    card = Image.new("RGB", size, (250, 250, 246))
    draw = ImageDraw.Draw(card)
    y = 50
    for text, px in lines or ENGLISH_LINES:
        try:
            font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(FONT, px)
        except OSError:
            font = ImageFont.load_default()
        draw.text((60, y), text, fill=(20, 20, 20), font=font)
        y += int(px * 1.6)
    return np.asarray(card).copy()


def place_on_desk(
    card: np.ndarray,
    *,
    canvas: tuple[int, int] = (1600, 1200),
    angle: float = 12.0,
    perspective: float = 0.06,
) -> tuple[np.ndarray, np.ndarray]:
    """Warp the card onto a grey desk with a light gradient; return (photo, true corners tl,tr,br,bl)."""
    h, w = card.shape[:2]
    cw, ch = canvas
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    center = np.array([cw / 2, ch / 2], dtype=np.float32)
    theta = np.deg2rad(angle)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]], dtype=np.float32)
    dst = (src - [w / 2, h / 2]) @ rot.T + center
    dst[1] += [0, perspective * h]  # pull one corner: a perspective view
    dst[2] -= [perspective * w, 0]
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    gradient = np.linspace(90, 150, cw, dtype=np.float32)[None, :].repeat(ch, axis=0)
    desk = np.stack([gradient] * 3, axis=-1).astype(np.uint8)
    warped = cv2.warpPerspective(card, matrix, (cw, ch))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (cw, ch)) > 0
    desk[mask] = warped[mask]
    return desk, dst.astype(np.float32)


def encode(pixels: np.ndarray, fmt: str = "JPEG", **params: object) -> bytes:
    """Encode RGB pixels with Pillow."""
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt, **params)  # type: ignore[arg-type]
    return out.getvalue()


JAPANESE_FONT = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"  # Debian fonts-ipafont-gothic


def draw_vertical_card(
    columns: list[tuple[str, int, int]], *, size: tuple[int, int] = (550, 910)
) -> np.ndarray:
    """Draw a portrait card printed vertically (縦書き): columns of (text, px, top) from right to left.

    Characters are stacked one under the other; a space leaves half a character of blank.
    """
    card = Image.new("RGB", size, (250, 250, 246))
    draw = ImageDraw.Draw(card)
    x = size[0] - 70
    for text, px, top in columns:
        font = ImageFont.truetype(JAPANESE_FONT, px)
        y = top
        for ch in text:
            if ch == " ":
                y += px // 2
                continue
            draw.text((x - draw.textlength(ch, font=font) / 2, y), ch, fill=(20, 20, 20), font=font)
            y += int(px * 1.08)
        x -= int(px * 1.7)
    return np.asarray(card).copy()
