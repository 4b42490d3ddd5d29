"""Editing a landing page's blocks in the admin, one block at a time and per locale, under the page's optimistic
lock and with an audit entry for each change."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.domain import audit
from storefront.domain.catalog_admin import queries as admin_queries
from storefront.domain.catalog_admin.collections import _products_named
from storefront.domain.catalog_admin.errors import CatalogAdminError, ErrorList
from storefront.domain.catalog_admin.events import Editor
from storefront.domain.catalog_admin.locking import claim_version, row_for_edit
from storefront.domain.catalog_admin.uploads import Upload, read_picture
from storefront.domain.images import store_image
from storefront.domain.marketing.landing.blocks import (
    BLOCK_TYPES,
    FAQ_FIELD,
    MAX_BLOCKS,
    BlockChecker,
    check_block,
    check_references,
    parse_utc,
)
from storefront.domain.marketing.landing.errors import LandingError, LandingErrorCode
from storefront.models import Campaign, Collection, Page, PageTranslation, Product, ProductImage, StoreSettings


@dataclass(frozen=True)
class BlockEditor:
    """What the admin's blocks editor shows for one locale."""

    locale: str
    blocks: list[dict[str, Any]]
    falls_back: bool
    can_have_own: bool
    product_handles: dict[int, str]
    pictures: dict[int, ProductImage]
    collections: list[tuple[int, str]]
    campaigns: list[tuple[int, str, datetime | None]]


def block_editor(session: Session, page: Page, locale: str, default_locale: str) -> BlockEditor:
    own = page.blocks if locale == default_locale else next(
        (tr.blocks for tr in page.translations if tr.locale == locale), None)
    blocks = list(own or [])
    readable = [b for b in blocks if isinstance(b, dict)]
    product_ids = {pid for b in readable for pid in b.get("product_ids") or () if isinstance(pid, int)}
    picture_ids = {b["product_image_id"] for b in readable if isinstance(b.get("product_image_id"), int)}
    return BlockEditor(
        locale=locale, blocks=blocks, falls_back=not blocks and locale != default_locale,
        can_have_own=locale == default_locale or own is not None,
        product_handles=dict(session.execute(select(Product.id, Product.handle).where(
            Product.id.in_(product_ids))).all()) if product_ids else {},
        pictures={image.id: image for image in session.scalars(
            select(ProductImage).where(ProductImage.id.in_(picture_ids)))} if picture_ids else {},
        collections=[(c.id, c.title) for c in session.scalars(select(Collection).order_by(func.lower(Collection.title)))],
        campaigns=[tuple(row) for row in session.execute(
            select(Campaign.id, Campaign.name, Campaign.ends_at).order_by(Campaign.id.desc()))],
    )


def _owner(page: Page, locale: str, store: StoreSettings) -> Page | PageTranslation:
    """The row keeping `locale`'s blocks: the page itself for the default locale, else its translation."""
    if locale not in store.enabled_locales:
        raise LandingError(LandingErrorCode.UNKNOWN_LOCALE)
    if locale == store.default_locale:
        return page
    row = next((tr for tr in page.translations if tr.locale == locale), None)
    if row is None:
        raise LandingError(LandingErrorCode.TRANSLATION_MISSING)
    return row


def _change_blocks(session: Session, page_id: int, locale: str, change: Callable[[list[Any]], list[Any]], *,
                   store: StoreSettings, editor: Editor, expected_version: int | None) -> Page:
    """Apply `change` to the locale's blocks under the page's optimistic lock, with an audit entry."""
    page = row_for_edit(session, admin_queries.page_for_editing, page_id, expected_version)
    owner = _owner(page, locale, store)
    before = list(owner.blocks or [])
    after = change(list(before))
    claim_version(session, page, expected_version)
    owner.blocks = after
    session.flush()
    audit.record(session, staff_user_id=editor.staff_user_id, action="page.blocks_update", entity_type="page",
                 entity_id=page.id, before={"locale": locale, "blocks": before},
                 after={"locale": locale, "blocks": after}, ip_address=editor.ip_address)
    return page


def _existing(blocks: list[Any], index: int, block_type: str | None = None) -> dict[str, Any]:
    if not 0 <= index < len(blocks) or not isinstance(blocks[index], dict) or (
            block_type is not None and blocks[index].get("type") != block_type):
        raise LandingError(LandingErrorCode.NO_SUCH_BLOCK, index)
    return blocks[index]


def _first_picture(session: Session, name: str, c: BlockChecker) -> int:
    errors = ErrorList()
    found = _products_named(session, [name], errors)
    if errors or not found:
        raise c.fail(LandingErrorCode.UNKNOWN_PRODUCTS, "image_product", names=name)
    picture = session.scalar(select(ProductImage.id).where(ProductImage.product_id == found[0])
                             .order_by(ProductImage.position, ProductImage.id).limit(1))
    if picture is None:
        raise c.fail(LandingErrorCode.NO_PICTURE, "image_product", names=name)
    return picture


def _uploaded(upload: Upload, media_root: Path, page_id: int, c: BlockChecker) -> dict[str, Any]:
    errors = ErrorList()
    picture = read_picture(upload, "image", errors)
    if picture is None:
        error = errors.errors[0]
        code = (LandingErrorCode.IMAGE_TOO_LARGE if error.code is CatalogAdminError.IMAGE_TOO_LARGE
                else LandingErrorCode.NOT_AN_IMAGE)
        raise c.fail(code, "image", **error.params)
    stored = store_image(media_root, picture, f"pages/p{page_id}")
    return {"key": stored.key, "width": stored.width, "height": stored.height, "sizes": stored.sizes}


def _utc_input(value: str) -> datetime | None:
    """A datetime-local input's value ("2026-05-01T12:00"), which the form labels as UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def block_from_form(session: Session, block_type: str, form: Mapping[str, str], *, index: int, page_id: int,
                    current: dict[str, Any] | None = None, upload: Upload | None = None,
                    media_root: Path | None = None) -> dict[str, Any]:
    """A block as the admin's form for it was filled in: product handles or SKUs become ids, an uploaded picture
    is stored, a datetime-local value is read as UTC. The result still goes through check_block."""
    if block_type not in BLOCK_TYPES:
        raise LandingError(LandingErrorCode.UNKNOWN_TYPE, index, "type")
    c = BlockChecker(form, index, block_type)

    def get(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    raw: dict[str, Any] = {"type": block_type, "heading": get("heading"), "text": get("text")}
    if block_type == "hero":
        raw.update({name: get(name) for name in ("image_alt", "button_label", "button_link", "button_link_kind")})
        if upload is not None and upload.filename:
            raw["image"] = _uploaded(upload, media_root, page_id, c)
        elif get("image_product"):
            raw["product_image_id"] = _first_picture(session, get("image_product"), c)
        elif current and not get("remove_image"):
            raw.update({name: current[name] for name in ("image", "product_image_id") if name in current})
    elif block_type == "rich_text":
        raw["html"] = form.get("html") or ""
    elif block_type == "product_grid":
        raw["limit"] = get("limit")
        if get("source") == "collection":
            raw["collection_id"] = get("collection_id")
        elif get("source") == "products":
            errors = ErrorList()
            names = [n for n in re.split(r"[,\n]", form.get("product_ids") or "") if n.strip()]
            raw["product_ids"] = _products_named(session, names, errors)
            if errors:
                raise c.fail(LandingErrorCode.UNKNOWN_PRODUCTS, "product_ids", **errors.errors[0].params)
    elif block_type == "countdown":
        if get("source") == "campaign":
            raw["campaign_id"] = get("campaign_id")
        elif get("source") == "date":
            ends_at = _utc_input(get("ends_at"))
            if ends_at is None:
                raise c.fail(LandingErrorCode.INVALID_DATE if get("ends_at") else LandingErrorCode.REQUIRED,
                             "ends_at")
            raw["ends_at"] = ends_at.isoformat()
    elif block_type == "faq":
        items: dict[int, dict[str, str]] = {}
        for name in form:
            match = FAQ_FIELD.match(name)
            if match:
                items.setdefault(int(match.group(1)), {})[match.group(2)] = get(name)
        raw["items"] = [item for _n, item in sorted(items.items()) if any(item.values())]
    return raw


def block_form_values(block: dict[str, Any], product_handles: dict[int, str]) -> dict[str, str]:
    """A stored block as its admin form shows it: the inverse of block_from_form."""
    values = {name: str(value) for name, value in block.items() if isinstance(value, (str, int))}
    if block.get("type") == "product_grid":
        values["source"] = "collection" if "collection_id" in block else "products"
        values["product_ids"] = ", ".join(product_handles.get(pid, str(pid)) for pid in block.get("product_ids", ()))
    elif block.get("type") == "countdown":
        values["source"] = "campaign" if "campaign_id" in block else "date"
        ends_at = parse_utc(block.get("ends_at"))
        values["ends_at"] = ends_at.strftime("%Y-%m-%dT%H:%M") if ends_at else ""
    elif block.get("type") == "faq":
        for n, item in enumerate(block.get("items") or []):
            if isinstance(item, dict):
                values.update({f"items.{n}.{name}": str(item.get(name, "")) for name in ("question", "answer")})
    return values


def save_block(session: Session, page_id: int, locale: str, index: int | None, block_type: str,
               form: Mapping[str, str], *, store: StoreSettings, editor: Editor, expected_version: int | None,
               upload: Upload | None = None, media_root: Path | None = None) -> Page:
    """Add a block at the end (`index` None) or replace the block at `index`, from the admin's form."""
    def put(blocks: list[Any]) -> list[Any]:
        at = len(blocks) if index is None else index
        current = None if index is None else _existing(blocks, index, block_type)
        if index is None and len(blocks) >= MAX_BLOCKS:
            raise LandingError(LandingErrorCode.TOO_MANY_BLOCKS, max=MAX_BLOCKS)
        block = check_block(block_from_form(session, block_type, form, index=at, page_id=page_id, current=current,
                                            upload=upload, media_root=media_root), at)
        check_references(session, [block], first_index=at)
        return blocks[:at] + [block] + blocks[at + 1:]

    return _change_blocks(session, page_id, locale, put, store=store, editor=editor,
                          expected_version=expected_version)


def move_block(session: Session, page_id: int, locale: str, index: int, offset: int, *, store: StoreSettings,
               editor: Editor, expected_version: int | None) -> Page:
    """Swap the block with its neighbour above (offset -1) or below (+1); at either end nothing moves."""
    def move(blocks: list[Any]) -> list[Any]:
        _existing(blocks, index)
        other = index + offset
        if 0 <= other < len(blocks):
            blocks[index], blocks[other] = blocks[other], blocks[index]
        return blocks

    return _change_blocks(session, page_id, locale, move, store=store, editor=editor,
                          expected_version=expected_version)


def delete_block(session: Session, page_id: int, locale: str, index: int, *, store: StoreSettings, editor: Editor,
                 expected_version: int | None) -> Page:
    def delete(blocks: list[Any]) -> list[Any]:
        _existing(blocks, index)
        return blocks[:index] + blocks[index + 1:]

    return _change_blocks(session, page_id, locale, delete, store=store, editor=editor,
                          expected_version=expected_version)


def copy_default_blocks(session: Session, page_id: int, locale: str, *, store: StoreSettings, editor: Editor,
                        expected_version: int | None) -> Page:
    """Start a translation's own blocks from the default locale's, to translate them one by one."""
    def copy(blocks: list[Any]) -> list[Any]:
        if blocks:
            raise LandingError(LandingErrorCode.ALREADY_HAS_BLOCKS)
        page = session.get(Page, page_id)
        return [dict(block) for block in page.blocks or []]

    if locale == store.default_locale:
        raise LandingError(LandingErrorCode.UNKNOWN_LOCALE)
    return _change_blocks(session, page_id, locale, copy, store=store, editor=editor,
                          expected_version=expected_version)
