"""Image files: header-only checks before any pixel is decoded, upright RGB pages."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageOps, UnidentifiedImageError

from ocrengine.documents.errors import CorruptFile, ImageTooLarge, TooManyPages


@contextmanager
def _pillow_errors() -> Iterator[None]:
    """Translate whatever Pillow raises on a bad image into a DocumentError."""
    try:
        yield
    except Image.DecompressionBombError:
        raise ImageTooLarge("the image has too many pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError):
        raise CorruptFile("the image is damaged or truncated and cannot be read") from None


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise CorruptFile("the image has no pixels")
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"the image is {width}x{height} pixels; the limit is {max_pixels:,} pixels",
            width=width,
            height=height,
        )


def open_image(data: bytes, max_pixels: int, max_pages: int) -> tuple[Image.Image, int]:
    """Open lazily (header only), check dimensions and frame count before decoding pixels."""
    with _pillow_errors():
        image = Image.open(io.BytesIO(data))
        _check_pixels(image.size, max_pixels)
        frames = int(getattr(image, "n_frames", 1) or 1)
    if frames > max_pages:
        raise TooManyPages(f"the image has {frames} pages; the limit is {max_pages}", pages=frames)
    return image, frames


def upright_rgb(image: Image.Image) -> Image.Image:
    """Decode the current frame, apply EXIF orientation, flatten transparency onto white."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = image.point(lambda value: value / 256).convert("L")  # 16-bit scans
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        # A plain convert() turns transparent backgrounds black and the text invisible.
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, "white")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def image_page(image: Image.Image, index: int, max_pixels: int) -> Image.Image:
    with _pillow_errors():
        image.seek(index)
        _check_pixels(image.size, max_pixels)  # TIFF frames may differ in size
        return upright_rgb(image)
