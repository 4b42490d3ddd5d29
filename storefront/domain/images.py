"""Product pictures: re-encoded by Pillow without metadata, stored as WebP + JPEG in several widths."""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

SIZES = (360, 720, 1080)
WEBP_QUALITY = 80
JPEG_QUALITY = 82


@dataclass(frozen=True)
class StoredImage:
    key: str
    width: int
    height: int
    sizes: list[int]


def image_file(media_root: Path, key: str, width: int, fmt: str) -> Path:
    return media_root / f"{key}-{width}.{fmt}"


def store_image(media_root: Path, picture: Image.Image, prefix: str) -> StoredImage:
    """Write every size and format; the key carries a content hash so URLs can be cached forever."""
    picture = ImageOps.exif_transpose(picture).convert("RGB")  # drops EXIF and alpha
    digest = hashlib.sha256(picture.tobytes()).hexdigest()[:16]
    key = f"{prefix}-{digest}"
    sizes = [w for w in SIZES if w <= picture.width] or [picture.width]
    (media_root / key).parent.mkdir(parents=True, exist_ok=True)
    for width in sizes:
        height = round(picture.height * width / picture.width)
        resized = picture if width == picture.width else picture.resize((width, height), Image.Resampling.LANCZOS)
        for fmt, options in (("webp", {"quality": WEBP_QUALITY, "method": 4}),
                             ("jpg", {"quality": JPEG_QUALITY, "optimize": True, "progressive": True})):
            target = image_file(media_root, key, width, fmt)
            if not target.exists():
                buffer = io.BytesIO()
                resized.save(buffer, format="WEBP" if fmt == "webp" else "JPEG", **options)
                target.write_bytes(buffer.getvalue())
    return StoredImage(key=key, width=picture.width, height=picture.height, sizes=sizes)
