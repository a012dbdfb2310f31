"""Flattened safe copies of images and PDFs: re-rendered pixels only, built in memory on request.

An investigator who must open a file a stranger sent can open its safe copy
instead: a JPEG or PNG is decoded with Pillow and its pixels written into a new
image of the same type; a PDF's pages are rendered with pypdfium2 (PDFium, the
engine of Chromium's viewer) at SAFE_COPY_DPI and the page images assembled into a
new PDF. Nothing of the original survives but what it looks like: no script,
form, embedded file, link, font program, ICC profile, EXIF, XMP or document info.

Bounds against decompression bombs and heavy documents: an image of more than
filetypes.MAX_IMAGE_PIXELS is refused before its pixels are decoded; a PDF copy
has at most SAFE_COPY_MAX_PAGES pages, each of at most SAFE_COPY_MAX_PAGE_PIXELS
(rendered smaller when larger). The source is an attachment, at most
TIPLINE_MAX_ATTACHMENT_BYTES, so it fits in memory.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass

import pypdfium2
from PIL import Image, ImageOps

from tipline import filetypes

SAFE_COPY_DPI = 110
SAFE_COPY_MAX_PAGES = 50
SAFE_COPY_MAX_PAGE_PIXELS = 4_000_000
JPEG_QUALITY = 88
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
PDF = "application/pdf"
SUPPORTED = frozenset({*IMAGE_FORMATS, PDF})


class SafeCopyUnavailable(Exception):
    """The file could not be re-rendered (damaged, too large, or of a type without safe copies)."""


@dataclass(frozen=True)
class SafeCopy:
    content: bytes
    content_type: str
    name: str


def has_safe_copy(content_type: str) -> bool:
    """Return whether files of this (sniffed) type are offered as a safe copy."""
    return content_type in SUPPORTED


def _pixels_only(image: Image.Image) -> Image.Image:
    """Return a new image holding only the pixels of ``image`` (upright), with no info or profile."""
    upright = ImageOps.exif_transpose(image)
    mode = "RGBA" if upright.mode in {"RGBA", "LA", "PA"} or "transparency" in upright.info else "RGB"
    converted = upright.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _image_copy(plaintext: bytes, content_type: str) -> SafeCopy:
    output_format = IMAGE_FORMATS[content_type]
    try:
        with Image.open(io.BytesIO(plaintext), formats=[output_format]) as image:
            width, height = image.size
            if width * height > filetypes.MAX_IMAGE_PIXELS:
                raise SafeCopyUnavailable("too many pixels")
            flat = _pixels_only(image)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise SafeCopyUnavailable("the image could not be decoded") from exc
    if output_format == "JPEG" and flat.mode != "RGB":
        flat = flat.convert("RGB")
    out = io.BytesIO()
    flat.save(out, format=output_format, **({"quality": JPEG_QUALITY} if output_format == "JPEG" else {}))
    extension = ".jpg" if output_format == "JPEG" else ".png"
    return SafeCopy(content=out.getvalue(), content_type=content_type, name="safe-copy" + extension)


def _page_scale(width_points: float, height_points: float) -> float:
    scale = SAFE_COPY_DPI / 72
    pixels = width_points * height_points * scale * scale
    if pixels > SAFE_COPY_MAX_PAGE_PIXELS:
        scale *= math.sqrt(SAFE_COPY_MAX_PAGE_PIXELS / pixels)
    return scale


def _pdf_copy(plaintext: bytes) -> SafeCopy:
    pages: list[Image.Image] = []
    try:
        document = pypdfium2.PdfDocument(plaintext)
    except pypdfium2.PdfiumError as exc:
        raise SafeCopyUnavailable("the PDF could not be opened") from exc
    try:
        for index in range(min(len(document), SAFE_COPY_MAX_PAGES)):
            page = document[index]
            try:
                width, height = page.get_size()
                bitmap = page.render(scale=_page_scale(width, height), may_draw_forms=False)
                pages.append(_pixels_only(bitmap.to_pil()))
            finally:
                page.close()
    except pypdfium2.PdfiumError as exc:
        raise SafeCopyUnavailable("a page could not be rendered") from exc
    finally:
        document.close()
    if not pages:
        raise SafeCopyUnavailable("the PDF has no pages")
    pages = [page.convert("RGB") for page in pages]
    out = io.BytesIO()
    # No document info: Pillow would otherwise write a title and the creation and modification times.
    pages[0].save(
        out,
        format="PDF",
        save_all=True,
        append_images=pages[1:],
        resolution=SAFE_COPY_DPI,
        quality=JPEG_QUALITY,
        title=None,
        creationDate=None,
        modDate=None,
    )
    return SafeCopy(content=out.getvalue(), content_type=PDF, name="safe-copy.pdf")


def safe_copy(*, chunks: Iterable[bytes], content_type: str) -> SafeCopy:
    """Return a flattened copy of a decrypted image or PDF; raise SafeCopyUnavailable if it cannot be made."""
    if not has_safe_copy(content_type):
        raise SafeCopyUnavailable("no safe copy for this type")
    plaintext = b"".join(chunks)
    if content_type == PDF:
        return _pdf_copy(plaintext)
    return _image_copy(plaintext, content_type)
