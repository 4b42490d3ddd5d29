"""Uploaded pictures: at most 10 MB, really a picture (sniffed by Pillow, whatever the name says)."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from storefront.domain.catalog_admin.errors import CatalogAdminError, ErrorList

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Only the formats a shop needs: rarer decoders are never reached by an upload.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


@dataclass(frozen=True)
class Upload:
    filename: str
    stream: BinaryIO


def read_picture(upload: Upload, path: str, errors: ErrorList) -> Image.Image | None:
    """The decoded picture, or None with the reason added to `errors`."""
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        errors.add(path, CatalogAdminError.IMAGE_TOO_LARGE, filename=upload.filename, megabytes=MAX_UPLOAD_BYTES >> 20)
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # absurd dimensions are refused, too
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                probe.verify()
            picture = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            picture.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        errors.add(path, CatalogAdminError.NOT_AN_IMAGE, filename=upload.filename)
        return None
    return picture
