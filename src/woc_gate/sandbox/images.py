"""Screenshot images for the seed: small distinct PNGs with sharp shapes and text, so a blur shows."""

from __future__ import annotations

import functools
import io
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SCREENSHOT_SIZE = (320, 200)
PLACEHOLDER_SIZE = (64, 40)
PLACEHOLDER_VARIANTS = 32
BLUR_RADIUS = 4


def screenshot_png(caption: str, variant: int, *, blurred: bool) -> bytes:
    """A 320x200 desktop-like picture, different for each ``variant``, blurred when asked."""
    rng = random.Random(variant)
    image = Image.new("RGB", SCREENSHOT_SIZE, _pastel(rng))
    draw = ImageDraw.Draw(image)
    width, height = SCREENSHOT_SIZE
    draw.rectangle((0, 0, width, 18), fill=(40, 44, 52))
    for _ in range(4):
        left, top = rng.randrange(0, width - 60), rng.randrange(24, height - 50)
        box = (left, top, left + rng.randrange(30, 120), top + rng.randrange(20, 70))
        shape = draw.rectangle if rng.random() < 0.5 else draw.ellipse
        shape(box, fill=_strong(rng), outline=(0, 0, 0), width=2)
    font = ImageFont.load_default()
    draw.text((6, 3), caption[:48], fill=(255, 255, 255), font=font)
    draw.text((8, height - 22), f"#{variant:05d}", fill=(0, 0, 0), font=font)
    if blurred:
        image = image.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    return _png(image)


@functools.cache
def placeholder_pngs() -> tuple[bytes, ...]:
    """The small images the bulk (non-smoke) screenshot objects take in turn: each different, none too large."""
    width, height = PLACEHOLDER_SIZE
    pictures = []
    for variant in range(PLACEHOLDER_VARIANTS):
        image = Image.new("RGB", PLACEHOLDER_SIZE, (200, 200 - variant, 200 + variant // 2))
        draw = ImageDraw.Draw(image)
        draw.line((0, 0, width, height), fill=(60, 60, 60), width=3)
        draw.line((variant * width // PLACEHOLDER_VARIANTS, height, width, 0), fill=(90, 90, 140), width=2)
        pictures.append(_png(image))
    return tuple(pictures)


def _png(image: Image.Image) -> bytes:
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def _pastel(rng: random.Random) -> tuple[int, int, int]:
    return tuple(rng.randrange(170, 250) for _ in range(3))


def _strong(rng: random.Random) -> tuple[int, int, int]:
    return tuple(rng.randrange(0, 160) for _ in range(3))
