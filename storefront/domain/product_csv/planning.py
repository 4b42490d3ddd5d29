"""The dry run: product drafts checked against the database, giving what an import would create and change."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.domain.images import SIZES, image_file
from storefront.domain.product_csv import columns as c
from storefront.domain.product_csv.drafts import (
    Drafts,
    ImageDraft,
    MarketRef,
    ProductDraft,
    StoreContext,
    VariantDraft,
    build_drafts,
)
from storefront.domain.product_csv.errors import CsvProblem, Problem
from storefront.domain.product_csv.reading import read_table
from storefront.domain.store import load_store_settings
from storefront.models import (
    Location,
    Market,
    Product,
    ProductImage,
    ProductOption,
    ProductTranslation,
    Variant,
)
from storefront.settings import SUPPORTED_LOCALES

CHUNK = 500
MAX_LISTED_PROBLEMS = 1000
_MEDIA_FILE = re.compile(r"^(?P<key>[\w.-]+(?:/[\w.-]+)*)-(?P<width>\d+)\.(?:jpg|webp)$")


@dataclass(frozen=True)
class LocalImage:
    """A picture already in our media storage, named by an Image Src pointing at /media/…."""

    key: str
    width: int
    height: int
    sizes: list[int]


@dataclass
class PlannedImage:
    draft: ImageDraft
    local: LocalImage | None  # None: somewhere else on the web, not downloaded


@dataclass
class PlannedProduct:
    draft: ProductDraft
    existing: Product | None
    matches: list[Variant | None] = field(default_factory=list)  # one per draft variant
    removed: list[Variant] = field(default_factory=list)
    images: list[PlannedImage] = field(default_factory=list)
    removed_images: list[ProductImage] = field(default_factory=list)


@dataclass
class ImportPlan:
    products: list[PlannedProduct]
    problems: list[Problem]
    warnings: list[Problem]
    present: frozenset[str]
    rows: int
    location: Location | None
    markets: list[MarketRef]

    @property
    def creates(self) -> list[PlannedProduct]:
        return [p for p in self.products if p.existing is None]

    @property
    def updates(self) -> list[PlannedProduct]:
        return [p for p in self.products if p.existing is not None]

    @property
    def remote_images(self) -> list[tuple[str, str]]:
        return [(p.draft.handle, image.draft.src) for p in self.products for image in p.images if image.local is None]

    def summary(self) -> dict[str, Any]:
        """What the preview shows, as plain data (kept in the import's status file)."""
        problems = sorted(self.problems, key=lambda p: (p.row or 0, p.column or ""))
        return {
            "rows": self.rows,
            "products": len(self.products),
            "creates": [_listing(p) for p in self.creates],
            "updates": [_listing(p) for p in self.updates],
            "errors": [p.as_dict() for p in problems[:MAX_LISTED_PROBLEMS]],
            "error_count": len(problems),
            "warnings": [p.as_dict() for p in self.warnings],
            "remote_images": [{"handle": h, "url": u} for h, u in self.remote_images],
            "location": self.location.name if self.location else None,
        }


def _listing(planned: PlannedProduct) -> dict[str, Any]:
    return {"handle": planned.draft.handle, "title": planned.draft.title, "row": planned.draft.row,
            "variants": len(planned.draft.variants),
            "removed_variants": [variant_label(v) for v in planned.removed],
            "removed_images": len(planned.removed_images)}


def variant_label(variant: Variant) -> str:
    return variant.sku or " / ".join(variant.option_values) or str(variant.id)


def store_context(session: Session) -> StoreContext:
    store = load_store_settings(session)
    locales = [locale for locale in dict.fromkeys([*SUPPORTED_LOCALES, *store.enabled_locales])
               if locale != store.default_locale]
    markets = tuple(MarketRef(m.id, m.name, m.currency) for m in session.scalars(select(Market).order_by(Market.id)))
    return StoreContext(store.base_currency, tuple(locales), markets)


def check_file(session: Session, raw: bytes, media_root: Path) -> ImportPlan:
    """Read, validate and plan an upload without writing anything (raises CsvFileRejected for unreadable files)."""
    drafts = build_drafts(read_table(raw), store_context(session))
    return Planner(session, media_root).plan(drafts)


def default_location(session: Session) -> Location | None:
    """Where imported stock goes: the default warehouse, else the first one."""
    return session.scalars(select(Location).where(Location.active.is_(True))
                           .order_by(Location.is_default.desc(), Location.position, Location.id).limit(1)).first()


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


class Planner:
    def __init__(self, session: Session, media_root: Path) -> None:
        self.session = session
        self.media_root = media_root

    def plan(self, drafts: Drafts) -> ImportPlan:
        problems = list(drafts.problems)
        existing = self.existing_products([d.handle for d in drafts.products])
        planned = [PlannedProduct(draft, existing.get(draft.handle)) for draft in drafts.products]
        location = default_location(self.session)
        for item in planned:
            self.match_variants(item, problems)
            self.check_stock(item, location, problems)
            item.images = self.resolve_images(item)
            if item.existing is not None and c.IMAGE_SRC in drafts.present:
                kept = {image.local.key for image in item.images if image.local}
                item.removed_images = [image for image in item.existing.images if image.key not in kept]
        if location is None and any(v.quantity for p in planned for v in p.draft.variants):
            problems.append(Problem(CsvProblem.NO_LOCATION, column=c.QTY))
        self.check_skus(planned, problems)
        self.check_translation_handles(planned, problems)
        self.check_image_owners(planned, problems)
        return ImportPlan(planned, problems, drafts.warnings, drafts.present, drafts.rows, location, drafts.markets)

    def existing_products(self, handles: list[str]) -> dict[str, Product]:
        found: dict[str, Product] = {}
        for chunk in _chunks(handles):
            for product in self.session.scalars(select(Product).where(Product.handle.in_(chunk)).options(
                selectinload(Product.translations), selectinload(Product.tags), selectinload(Product.images),
                selectinload(Product.restrictions), selectinload(Product.options).selectinload(ProductOption.values),
                selectinload(Product.variants).selectinload(Variant.inventory_levels),
                selectinload(Product.variants).selectinload(Variant.market_prices),
            )):
                found[product.handle] = product
        return found

    @staticmethod
    def match_variants(item: PlannedProduct, problems: list[Problem]) -> None:
        """Pair each row with the variant it updates: same SKU first, else the same option values."""
        left = list(item.existing.variants) if item.existing else []
        by_sku = {v.sku: v for v in left if v.sku}
        matches: list[Variant | None] = [by_sku.get(d.sku) if d.sku else None for d in item.draft.variants]
        left = [v for v in left if v not in matches]
        for index, draft in enumerate(item.draft.variants):
            if matches[index] is None:
                same = next((v for v in left if tuple(v.option_values) == draft.values), None)
                if same is not None:
                    matches[index] = same
                    left.remove(same)
        item.matches = matches
        item.removed = left
        for variant in left:
            if any(level.reserved for level in variant.inventory_levels):
                problems.append(Problem(CsvProblem.VARIANT_RESERVED, row=item.draft.row, column=c.SKU,
                                        params={"variant": variant_label(variant)}))

    @staticmethod
    def check_stock(item: PlannedProduct, location: Location | None, problems: list[Problem]) -> None:
        if location is None:
            return
        for draft, variant in zip(item.draft.variants, item.matches):
            if draft.quantity is None or variant is None:
                continue
            total = sum(level.on_hand for level in variant.inventory_levels)
            level = next((lv for lv in variant.inventory_levels if lv.location_id == location.id), None)
            on_hand, reserved = (level.on_hand, level.reserved) if level else (0, 0)
            if on_hand + draft.quantity - total < reserved:
                problems.append(Problem(CsvProblem.STOCK_HELD, row=draft.row, column=c.QTY,
                                        params={"minimum": total - on_hand + reserved}))

    def resolve_images(self, item: PlannedProduct) -> list[PlannedImage]:
        drafts = list(item.draft.images)
        known = {image.src for image in drafts}
        for variant in item.draft.variants:  # a variant's picture missing from the image rows is added, as Shopify does
            if variant.image_src and variant.image_src not in known:
                known.add(variant.image_src)
                drafts.append(ImageDraft(variant.row, variant.image_src, len(drafts) + 1, None))
        return [PlannedImage(draft, self.local_image(draft.src)) for draft in drafts]

    def local_image(self, src: str) -> LocalImage | None:
        path = unquote(urlsplit(src).path)
        _, marker, rest = path.partition("/media/")
        match = _MEDIA_FILE.match(rest) if marker else None
        if match is None or ".." in match["key"].split("/"):
            return None
        key = match["key"]
        widths = {*SIZES, int(match["width"])}
        sizes = sorted(w for w in widths if image_file(self.media_root, key, w, "jpg").is_file())
        if not sizes:
            return None
        try:
            with Image.open(image_file(self.media_root, key, sizes[-1], "jpg")) as picture:
                width, height = picture.size
        except OSError:
            return None
        return LocalImage(key, width, height, sizes)

    def check_skus(self, planned: list[PlannedProduct], problems: list[Problem]) -> None:
        """A SKU in the file may not belong to a variant of another product (unless that product gives it up here)."""
        rows: dict[str, tuple[PlannedProduct, VariantDraft]] = {}
        for item in planned:
            for draft in item.draft.variants:
                if draft.sku:
                    rows.setdefault(draft.sku, (item, draft))
        released = {v.sku for item in planned for v in item.removed if v.sku}
        released |= {variant.sku for item in planned for draft, variant in zip(item.draft.variants, item.matches)
                     if variant is not None and variant.sku and variant.sku != draft.sku}
        for chunk in _chunks(rows):
            for sku, product_id, handle in self.session.execute(
                select(Variant.sku, Variant.product_id, Product.handle).join(Product)
                .where(Variant.sku.in_(chunk))
            ):
                item, draft = rows[sku]
                own = item.existing is not None and item.existing.id == product_id
                if not own and sku not in released:
                    problems.append(Problem(CsvProblem.SKU_TAKEN, row=draft.row, column=c.SKU,
                                            params={"sku": sku, "handle": handle}))

    def check_translation_handles(self, planned: list[PlannedProduct], problems: list[Problem]) -> None:
        claimed: dict[tuple[str, str], PlannedProduct] = {}
        for item in planned:
            for locale, tr in item.draft.translations.items():
                if tr is None:
                    continue
                column = c.localized(c.HANDLE, locale)
                other = claimed.setdefault((locale, tr.handle), item)
                if other is not item:
                    problems.append(Problem(CsvProblem.HANDLE_TAKEN, row=item.draft.row, column=column,
                                            params={"value": tr.handle, "handle": other.draft.handle}))
        by_handle: dict[str, list[tuple[str, PlannedProduct]]] = {}
        for (locale, handle), item in claimed.items():
            by_handle.setdefault(handle, []).append((locale, item))
        for chunk in _chunks(by_handle):
            for locale, handle, product_id, owner in self.session.execute(
                select(ProductTranslation.locale, ProductTranslation.handle, ProductTranslation.product_id,
                       Product.handle).join(Product).where(ProductTranslation.handle.in_(chunk))
            ):
                for wanted_locale, item in by_handle[handle]:
                    if wanted_locale == locale and (item.existing is None or item.existing.id != product_id):
                        problems.append(Problem(CsvProblem.HANDLE_TAKEN, row=item.draft.row,
                                                column=c.localized(c.HANDLE, locale),
                                                params={"value": handle, "handle": owner}))

    def check_image_owners(self, planned: list[PlannedProduct], problems: list[Problem]) -> None:
        wanted: dict[str, tuple[PlannedProduct, PlannedImage]] = {}
        for item in planned:
            for image in item.images:
                if image.local is None:
                    continue
                other = wanted.setdefault(image.local.key, (item, image))
                if other[0] is not item:
                    problems.append(Problem(CsvProblem.IMAGE_TAKEN, row=image.draft.row, column=c.IMAGE_SRC,
                                            params={"value": image.draft.src, "handle": other[0].draft.handle}))
        for chunk in _chunks(wanted):
            for key, product_id, owner in self.session.execute(
                select(ProductImage.key, ProductImage.product_id, Product.handle).join(
                    Product, Product.id == ProductImage.product_id).where(ProductImage.key.in_(chunk))
            ):
                item, image = wanted[key]
                if item.existing is None or item.existing.id != product_id:
                    problems.append(Problem(CsvProblem.IMAGE_TAKEN, row=image.draft.row, column=c.IMAGE_SRC,
                                            params={"value": image.draft.src, "handle": owner}))
