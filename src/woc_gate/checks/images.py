"""Screenshot images as the checks see them: what the bytes are, what a surface says they are, and test captures."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser

from PIL import Image, ImageFilter, ImageStat, UnidentifiedImageError

from . import listed
from .contracts import ContractViolation

UNDECLARED = ("", "application/octet-stream", "binary/octet-stream")  # bytes stored or served with no type


@dataclass(frozen=True)
class Picture:
    """An image one surface gave: its size, its type as the bytes tell it, and the type the surface declared."""

    where: str
    width: int
    height: int
    media_type: str
    declared: str | None

    @property
    def size(self) -> dict[str, int]:
        """The image's size as the fields of a screenshot record name it."""
        return {"width": self.width, "height": self.height}


def picture(data: bytes, declared: str | None, where: str) -> Picture | None:
    """What the bytes are (None when they are not an image), with the Content-Type the surface declared."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            media_type = Image.MIME.get(image.format or "", f"image/{(image.format or 'unknown').lower()}")
            return Picture(where, image.width, image.height, media_type, _media_type(declared))
    except (UnidentifiedImageError, OSError):
        return None


def declared_types_match(pictures: Iterable[Picture], *, what: str) -> None:
    """Every surface that declares an image's Content-Type declares what the bytes are."""
    __tracebackhide__ = True
    wrong = [
        f"{shot.where} says {shot.declared} for {shot.media_type} bytes"
        for shot in pictures
        if shot.declared and shot.declared != shot.media_type
    ]
    if wrong:
        raise ContractViolation(
            f"{what}: a surface declares another content type than its image has: {listed(wrong)}",
            "each Content-Type the type of the bytes it comes with",
            listed(wrong),
        )


def image_sources(html: str) -> list[str]:
    """The ``src`` of every ``<img>`` of a page, in order."""
    finder = _ImageFinder()
    finder.feed(html)
    return finder.sources


def capture(media_type: str, size: tuple[int, int] = (320, 240), square: int = 8) -> bytes:
    """A checkerboard (sharp edges everywhere, so any blur shows) in one image type, its top row random (unique)."""
    width, height = size
    pixels = list(secrets.token_bytes(width))
    pixels += [255 * ((x // square + y // square) % 2) for y in range(1, height) for x in range(width)]
    image = Image.new("L", size)
    image.putdata(pixels)
    output = io.BytesIO()
    lossless = {"lossless": True} if media_type == "image/webp" else {}
    image.convert("RGB").save(output, format=writable_formats()[media_type], **lossless)
    return output.getvalue()


def writable_formats() -> dict[str, str]:
    """The image types Pillow can write here, by media type: Pillow's format name."""
    Image.init()  # Pillow registers most of its formats on first use
    return {media_type: name for name, media_type in Image.MIME.items() if name in Image.SAVE}


def edge_energy(data: bytes) -> float:
    """The mean brightness of an image's edges (high-frequency energy): near 0 for a blurred image."""
    image = Image.open(io.BytesIO(data)).convert("L")
    return ImageStat.Stat(image.filter(ImageFilter.FIND_EDGES).crop((1, 1, image.width - 1, image.height - 1))).mean[0]


def _media_type(header: str | None) -> str | None:
    declared = (header or "").partition(";")[0].strip().lower()
    return None if declared in UNDECLARED else declared


class _ImageFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        source = dict(attrs).get("src")
        if tag == "img" and source:
            self.sources.append(source)
