"""What each landing page block may hold: the checks behind validate_blocks, and what blocks point at."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.domain.catalog_admin.checks import HANDLE, sanitize_html
from storefront.domain.marketing.landing.errors import LandingError, LandingErrorCode
from storefront.domain.seo import plain_text
from storefront.models import Campaign, Collection, Product, ProductImage

BLOCK_TYPES = ("hero", "rich_text", "product_grid", "countdown", "faq", "newsletter")
LINK_KINDS = ("path", "product", "collection")
MAX_BLOCKS = 30
MAX_GRID_PRODUCTS = 24
DEFAULT_GRID_LIMIT = 8
MAX_FAQ_ITEMS = 30
HEADING_LENGTH = 150
TEXT_LENGTH = 600
LABEL_LENGTH = 60
LINK_LENGTH = 500
ALT_LENGTH = 255
HTML_LENGTH = 20_000
QUESTION_LENGTH = 300
ANSWER_LENGTH = 3000
MEDIA_KEY_LENGTH = 255
MEDIA_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]*$")
FAQ_FIELD = re.compile(r"^items\.(\d{1,3})\.(question|answer)$")
_FIELD = object()  # "read the field named `name`" (a value may be given instead)


class BlockChecker:
    """Reads one raw block, raising LandingError named after the block and the field."""

    def __init__(self, raw: Mapping[str, Any], index: int, block_type: str) -> None:
        self.raw, self.index, self.type = raw, index, block_type

    def fail(self, code: LandingErrorCode, field: str | None = None, **params: Any) -> LandingError:
        return LandingError(code, self.index, field, self.type, **params)

    def text(self, name: str, limit: int, *, required: bool = False, value: Any = _FIELD) -> str:
        value = self.raw.get(name) if value is _FIELD else value
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise self.fail(LandingErrorCode.NOT_TEXT, name)
        value = value.strip()
        if required and not value:
            raise self.fail(LandingErrorCode.REQUIRED, name)
        if len(value) > limit:
            raise self.fail(LandingErrorCode.TOO_LONG, name, max=limit)
        return value

    def number(self, name: str, *, low: int = 1, high: int = 2**31 - 1, value: Any = _FIELD) -> int | None:
        """A whole number from an int or its digits; None when absent or empty."""
        value = self.raw.get(name) if value is _FIELD else value
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(LandingErrorCode.NOT_A_NUMBER, name)
        if not low <= value <= high:
            raise self.fail(LandingErrorCode.OUT_OF_RANGE, name, min=low, max=high)
        return value

    def optional_texts(self, out: dict[str, Any], **limits: int) -> None:
        for name, limit in limits.items():
            value = self.text(name, limit)
            if value:
                out[name] = value

    def one_of(self, first: str, second: str) -> str:
        given = [name for name in (first, second) if self.raw.get(name) not in (None, "", [])]
        if len(given) != 1:
            raise self.fail(LandingErrorCode.ONE_SOURCE, "source", choices=f"{first}, {second}")
        return given[0]


def _check_link(c: BlockChecker, kind: str, link: str) -> None:
    if kind not in LINK_KINDS:
        raise c.fail(LandingErrorCode.INVALID_LINK, "button_link_kind")
    if kind != "path":
        if not HANDLE.match(link):
            raise c.fail(LandingErrorCode.INVALID_LINK, "button_link")
        return
    parts = urlsplit(link)
    if (not link.startswith("/") or link.startswith("//") or "\\" in link or parts.scheme or parts.netloc
            or any(ch.isspace() or ord(ch) < 32 for ch in link)):
        raise c.fail(LandingErrorCode.INVALID_LINK, "button_link")


def _check_image(c: BlockChecker, image: Any) -> dict[str, Any]:
    """An uploaded picture as images.store_image described it."""
    if not isinstance(image, Mapping):
        raise c.fail(LandingErrorCode.INVALID_IMAGE, "image")
    key = image.get("key")
    sizes = image.get("sizes")
    if (not isinstance(key, str) or len(key) > MEDIA_KEY_LENGTH or not MEDIA_KEY.match(key) or ".." in key
            or not isinstance(sizes, list) or not sizes):
        raise c.fail(LandingErrorCode.INVALID_IMAGE, "image")
    try:
        width, height = (c.number("image", value=image.get(name)) for name in ("width", "height"))
        checked_sizes = {c.number("image", value=size) for size in sizes}
    except LandingError:
        raise c.fail(LandingErrorCode.INVALID_IMAGE, "image") from None
    if width is None or height is None or None in checked_sizes:
        raise c.fail(LandingErrorCode.INVALID_IMAGE, "image")
    return {"key": key, "width": width, "height": height, "sizes": sorted(checked_sizes)}


def _hero(c: BlockChecker) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "hero", "heading": c.text("heading", HEADING_LENGTH, required=True)}
    c.optional_texts(out, text=TEXT_LENGTH, image_alt=ALT_LENGTH)
    if c.raw.get("image") and c.raw.get("product_image_id") not in (None, ""):
        raise c.fail(LandingErrorCode.ONE_SOURCE, "image", choices="image, product_image_id")
    if c.raw.get("image"):
        out["image"] = _check_image(c, c.raw["image"])
    picture = c.number("product_image_id")
    if picture is not None:
        out["product_image_id"] = picture
    label, link = c.text("button_label", LABEL_LENGTH), c.text("button_link", LINK_LENGTH)
    if bool(label) != bool(link):
        raise c.fail(LandingErrorCode.BUTTON_INCOMPLETE, "button_link" if label else "button_label")
    if link:
        kind = c.text("button_link_kind", 20) or "path"
        _check_link(c, kind, link)
        out.update(button_label=label, button_link=link, button_link_kind=kind)
    return out


def _rich_text(c: BlockChecker) -> dict[str, Any]:
    html = sanitize_html(c.text("html", HTML_LENGTH))
    if not plain_text(html):
        raise c.fail(LandingErrorCode.REQUIRED, "html")
    return {"type": "rich_text", "html": html}


def _product_grid(c: BlockChecker) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "product_grid"}
    c.optional_texts(out, heading=HEADING_LENGTH)
    if c.one_of("collection_id", "product_ids") == "collection_id":
        out["collection_id"] = c.number("collection_id")
    else:
        raw_ids = c.raw["product_ids"]
        if not isinstance(raw_ids, list):
            raise c.fail(LandingErrorCode.NOT_A_NUMBER, "product_ids")
        ids = list(dict.fromkeys(c.number("product_ids", value=value) for value in raw_ids))
        if None in ids:
            raise c.fail(LandingErrorCode.NOT_A_NUMBER, "product_ids")
        if len(ids) > MAX_GRID_PRODUCTS:
            raise c.fail(LandingErrorCode.TOO_MANY_ITEMS, "product_ids", max=MAX_GRID_PRODUCTS)
        out["product_ids"] = ids
    limit = c.number("limit", high=MAX_GRID_PRODUCTS)
    out["limit"] = DEFAULT_GRID_LIMIT if limit is None else limit
    return out


def parse_utc(value: Any) -> datetime | None:
    """An ISO 8601 date and time that states its offset, in UTC; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else None


def _countdown(c: BlockChecker) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "countdown"}
    c.optional_texts(out, heading=HEADING_LENGTH)
    if c.one_of("campaign_id", "ends_at") == "campaign_id":
        out["campaign_id"] = c.number("campaign_id")
    else:
        ends_at = parse_utc(c.raw["ends_at"])
        if ends_at is None:
            raise c.fail(LandingErrorCode.INVALID_DATE, "ends_at")
        out["ends_at"] = ends_at.isoformat()
    return out


def _faq(c: BlockChecker) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "faq"}
    c.optional_texts(out, heading=HEADING_LENGTH)
    items = c.raw.get("items")
    if not isinstance(items, list) or not items:
        raise c.fail(LandingErrorCode.REQUIRED, "items")
    if len(items) > MAX_FAQ_ITEMS:
        raise c.fail(LandingErrorCode.TOO_MANY_ITEMS, "items", max=MAX_FAQ_ITEMS)
    checked = []
    for n, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise c.fail(LandingErrorCode.REQUIRED, f"items.{n}.question")
        checked.append({
            "question": c.text(f"items.{n}.question", QUESTION_LENGTH, required=True, value=item.get("question")),
            "answer": c.text(f"items.{n}.answer", ANSWER_LENGTH, required=True, value=item.get("answer")),
        })
    out["items"] = checked
    return out


def _newsletter(c: BlockChecker) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "newsletter"}
    c.optional_texts(out, heading=HEADING_LENGTH, text=TEXT_LENGTH)
    return out


_CHECKS: dict[str, Callable[[BlockChecker], dict[str, Any]]] = {
    "hero": _hero, "rich_text": _rich_text, "product_grid": _product_grid, "countdown": _countdown, "faq": _faq,
    "newsletter": _newsletter,
}


def check_block(raw: Any, index: int = 0) -> dict[str, Any]:
    """One block as stored: known fields only, text trimmed, HTML cleaned, numbers as ints."""
    if not isinstance(raw, Mapping):
        raise LandingError(LandingErrorCode.NOT_A_BLOCK, index)
    block_type = raw.get("type")
    if block_type not in _CHECKS:
        raise LandingError(LandingErrorCode.UNKNOWN_TYPE, index, "type",
                           block_type=block_type if isinstance(block_type, str) else None)
    return _CHECKS[block_type](BlockChecker(raw, index, block_type))


def validate_blocks(raw: Any, *, session: Session | None = None) -> list[dict[str, Any]]:
    """A page's blocks as stored; with a session, the collections, products, pictures and campaigns they name
    must exist too. Raises LandingError for the first block or field that is wrong."""
    if not isinstance(raw, list):
        raise LandingError(LandingErrorCode.NOT_A_LIST)
    if len(raw) > MAX_BLOCKS:
        raise LandingError(LandingErrorCode.TOO_MANY_BLOCKS, max=MAX_BLOCKS)
    blocks = [check_block(block, index) for index, block in enumerate(raw)]
    if session is not None:
        check_references(session, blocks)
    return blocks


def referenced_ids(blocks: list[dict[str, Any]], block_type: str, name: str) -> set[int]:
    return {b[name] for b in blocks if b["type"] == block_type and name in b}


def check_references(session: Session, blocks: list[dict[str, Any]], first_index: int = 0) -> None:
    """What checked blocks point at exists: one query per kind of reference."""
    collections = referenced_ids(blocks, "product_grid", "collection_id")
    products = {pid for b in blocks for pid in b.get("product_ids", ())}
    pictures = referenced_ids(blocks, "hero", "product_image_id")
    campaigns = referenced_ids(blocks, "countdown", "campaign_id")
    found_collections = set(session.scalars(select(Collection.id).where(Collection.id.in_(collections)))) \
        if collections else set()
    found_products = set(session.scalars(select(Product.id).where(Product.id.in_(products)))) if products else set()
    found_pictures = set(session.scalars(select(ProductImage.id).where(ProductImage.id.in_(pictures)))) \
        if pictures else set()
    ends = dict(session.execute(select(Campaign.id, Campaign.ends_at).where(Campaign.id.in_(campaigns))).all()) \
        if campaigns else {}
    for index, block in enumerate(blocks, start=first_index):
        def fail(code: LandingErrorCode, name: str, **params: Any) -> LandingError:
            return LandingError(code, index, name, block["type"], **params)

        if block.get("collection_id") is not None and block["collection_id"] not in found_collections:
            raise fail(LandingErrorCode.UNKNOWN_COLLECTION, "collection_id")
        missing = [pid for pid in block.get("product_ids", ()) if pid not in found_products]
        if missing:
            raise fail(LandingErrorCode.UNKNOWN_PRODUCTS, "product_ids", names=", ".join(map(str, missing)))
        if block.get("product_image_id") is not None and block["product_image_id"] not in found_pictures:
            raise fail(LandingErrorCode.UNKNOWN_PICTURE, "image")
        if block.get("campaign_id") is not None:
            if block["campaign_id"] not in ends:
                raise fail(LandingErrorCode.UNKNOWN_CAMPAIGN, "campaign_id")
            if ends[block["campaign_id"]] is None:
                raise fail(LandingErrorCode.CAMPAIGN_WITHOUT_END, "campaign_id")
