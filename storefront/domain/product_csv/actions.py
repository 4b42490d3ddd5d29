"""Write a checked import: every product, variant, translation, picture and stock level, or nothing at all."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from storefront.domain import audit
from storefront.domain.inventory_admin import AdjustmentReason
from storefront.domain.product_csv import columns as c
from storefront.domain.product_csv.drafts import MarketRef, OptionDraft, ProductDraft
from storefront.domain.product_csv.errors import ImportRejected
from storefront.domain.product_csv.planning import (
    ImportPlan,
    PlannedProduct,
    check_file,
)
from storefront.models import (
    InventoryLevel,
    Product,
    ProductImage,
    ProductMarketRestriction,
    ProductOption,
    ProductOptionValue,
    ProductTag,
    ProductTranslation,
    StockMovement,
    Variant,
    VariantMarketPrice,
    utcnow,
)

STOCK_REASON = AdjustmentReason.CORRECTION.value  # shown as a correction in the stock history
FLUSH_EVERY = 200
AUDIT_LIST_LIMIT = 200
Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    variants_removed: int = 0
    stock_changes: int = 0
    images_not_downloaded: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "variants_removed": self.variants_removed,
                "stock_changes": self.stock_changes, "images_not_downloaded": self.images_not_downloaded}


def import_products(session: Session, raw: bytes, media_root: Path, *, staff_user_id: int | None, reference: str,
                    filename: str = "", ip_address: str | None = None,
                    progress: Progress | None = None) -> ImportResult:
    """Check the file again (the catalogue may have changed since the preview), then write it all.
    Raises ImportRejected before writing anything when a row has an error; the caller commits."""
    plan = check_file(session, raw, media_root)
    if plan.problems:
        raise ImportRejected(plan.problems)
    result = PlanWriter(session, plan, staff_user_id=staff_user_id, reference=reference, progress=progress).write()
    audit.record(session, staff_user_id=staff_user_id, action="products.csv_import", entity_type="product_import",
                 entity_id=reference, ip_address=ip_address, after={
                     "file": filename, "rows": plan.rows, "created": len(result.created),
                     "updated": len(result.updated), "handles_created": result.created[:AUDIT_LIST_LIMIT],
                     "handles_updated": result.updated[:AUDIT_LIST_LIMIT],
                     "variants_removed": result.variants_removed, "stock_changes": result.stock_changes,
                     "images_not_downloaded": result.images_not_downloaded[:AUDIT_LIST_LIMIT],
                 })
    session.flush()
    return result


def _merge_translations(current: dict[str, str], wanted: dict[str, str], locales: list[str]) -> dict[str, str]:
    """`current` with each of `locales` set from `wanted`, or dropped when `wanted` has none."""
    merged = {k: v for k, v in current.items() if k not in locales}
    merged.update({k: v for k, v in wanted.items() if k in locales})
    return merged


class PlanWriter:
    def __init__(self, session: Session, plan: ImportPlan, *, staff_user_id: int | None, reference: str,
                 progress: Progress | None) -> None:
        self.session = session
        self.plan = plan
        self.staff_user_id = staff_user_id
        self.reference = reference
        self.progress = progress or (lambda done, total: None)
        self.movements: list[tuple[Variant, int, int]] = []
        self.result = ImportResult()
        self.locales = list(dict.fromkeys(locale for p in plan.products for locale in p.draft.translations))

    def given(self, column: str) -> bool:
        return column in self.plan.present

    def given_locales(self, column: str) -> list[str]:
        return [locale for locale in self.locales if self.given(c.localized(column, locale))]

    def write(self) -> ImportResult:
        self.release_unique_values()
        total = len(self.plan.products)
        for done, item in enumerate(self.plan.products, start=1):
            self.write_product(item)
            if done % FLUSH_EVERY == 0:
                self.flush()
            if done % 50 == 0 or done == total:
                self.progress(done, total)
        self.flush()
        self.result.images_not_downloaded = [url for _handle, url in self.plan.remote_images]
        return self.result

    def flush(self) -> None:
        self.session.flush()
        for variant, location_id, delta in self.movements:
            self.session.add(StockMovement(variant_id=variant.id, location_id=location_id, delta=delta,
                                           reason=STOCK_REASON, reference=f"CSV import {self.reference}"[:120],
                                           staff_user_id=self.staff_user_id))
        self.movements.clear()
        self.session.flush()

    def release_unique_values(self) -> None:
        """Remove dropped variants and free changed SKUs first, so that SKUs can move between rows."""
        for item in self.plan.updates:
            for variant in item.removed:
                item.existing.variants.remove(variant)
                self.result.variants_removed += 1
            if self.given(c.SKU):
                for draft, variant in zip(item.draft.variants, item.matches):
                    if variant is not None and variant.sku != draft.sku:
                        variant.sku = None
        self.session.flush()

    def write_product(self, item: PlannedProduct) -> None:
        draft = item.draft
        product = item.existing
        new = product is None
        if new:
            product = Product(handle=draft.handle, title=draft.title)
            self.session.add(product)
            self.result.created.append(draft.handle)
        else:
            product.version += 1  # an editor form opened before the import is now stale
            self.result.updated.append(draft.handle)
        self.product_fields(product, draft, new)
        self.tags(product, draft, new)
        self.restrictions(product, draft)
        self.translations(product, draft)
        if new or self.given(c.option_name(1)):
            self.options(product, draft.options)
        images = self.images(product, item)
        self.variants(product, item, images)

    def product_fields(self, product: Product, draft: ProductDraft, new: bool) -> None:
        fields = [(c.TITLE, "title", draft.title), (c.BODY, "description_html", draft.description_html),
                  (c.VENDOR, "vendor", draft.vendor), (c.TYPE, "product_type", draft.product_type),
                  (c.SEO_TITLE, "seo_title", draft.seo_title),
                  (c.SEO_DESCRIPTION, "seo_description", draft.seo_description),
                  (c.HS_CODE, "hs_code", draft.hs_code), (c.ORIGIN, "origin_country", draft.origin_country),
                  (c.CUSTOMS_DESCRIPTION, "customs_description", draft.customs_description),
                  (c.CERTIFICATIONS, "certifications", draft.certifications)]
        for column, attribute, value in fields:
            if new or self.given(column):
                setattr(product, attribute, value)
        if new or self.given(c.STATUS) or self.given(c.PUBLISHED):
            product.status = draft.status
        if new or self.given(c.PUBLISHED):
            product.published_at = (product.published_at or utcnow()) if draft.published else None

    def tags(self, product: Product, draft: ProductDraft, new: bool) -> None:
        if not (new or self.given(c.TAGS)):
            return
        wanted = list(draft.tags)
        for tag in list(product.tags):
            if tag.tag not in wanted:
                product.tags.remove(tag)
        have = set(product.tag_names)
        product.tags.extend(ProductTag(tag=tag) for tag in wanted if tag not in have)

    def restrictions(self, product: Product, draft: ProductDraft) -> None:
        for market in self.markets_given(c.INCLUDED):
            restriction = next((r for r in product.restrictions if r.market_id == market.id), None)
            if market.id in draft.excluded_markets and restriction is None:
                product.restrictions.append(ProductMarketRestriction(market_id=market.id))
            elif market.id not in draft.excluded_markets and restriction is not None:
                product.restrictions.remove(restriction)

    def markets_given(self, kind: str) -> list[MarketRef]:
        return [m for m in self.plan.markets if self.given(c.market_column(kind, m.name))]

    def translations(self, product: Product, draft: ProductDraft) -> None:
        current = {tr.locale: tr for tr in product.translations}
        for locale in self.given_locales(c.TITLE):
            wanted = draft.translations.get(locale)
            tr = current.get(locale)
            if wanted is None:
                if tr is not None:
                    product.translations.remove(tr)
                continue
            if tr is None:
                tr = ProductTranslation(locale=locale, handle=wanted.handle, title=wanted.title)
                product.translations.append(tr)
            fresh = tr.id is None
            tr.title = wanted.title
            for column, attribute, value in ((c.HANDLE, "handle", wanted.handle),
                                             (c.BODY, "description_html", wanted.description_html),
                                             (c.SEO_TITLE, "seo_title", wanted.seo_title),
                                             (c.SEO_DESCRIPTION, "seo_description", wanted.seo_description)):
                if fresh or self.given(c.localized(column, locale)):
                    setattr(tr, attribute, value)

    def options(self, product: Product, drafts: list[OptionDraft]) -> None:
        by_position = {option.position: option for option in product.options}
        for draft in drafts:
            option = by_position.pop(draft.position, None)
            if option is None:
                option = ProductOption(position=draft.position, name=draft.name, name_translations={})
                product.options.append(option)
            option.name = draft.name
            option.name_translations = _merge_translations(
                option.name_translations or {}, draft.name_translations,
                self.given_locales(c.option_name(draft.position)))
            value_locales = self.given_locales(c.option_value(draft.position))
            swatch_given = self.given(c.option_swatch(draft.position))
            by_value = {value.value: value for value in option.values}
            for position, text in enumerate(draft.values):
                value = by_value.pop(text, None)
                if value is None:
                    value = ProductOptionValue(value=text, translations={})
                    option.values.append(value)
                value.position = position
                value.translations = _merge_translations(value.translations or {},
                                                         draft.value_translations.get(text, {}), value_locales)
                if swatch_given:
                    value.swatch_hex = draft.swatches.get(text)
            for unused in by_value.values():
                option.values.remove(unused)
        for unused in by_position.values():
            product.options.remove(unused)

    def images(self, product: Product, item: PlannedProduct) -> dict[str, ProductImage]:
        """Our own pictures named in the file, by their address; others are only reported, not fetched."""
        by_key = {image.key: image for image in product.images}
        by_src: dict[str, ProductImage] = {}
        alt_locales = self.given_locales(c.IMAGE_ALT)
        position = 0
        for planned in item.images:
            local = planned.local
            if local is None:
                continue
            position += 1
            image = by_key.pop(local.key, None)
            fresh = image is None
            if fresh:
                image = ProductImage(key=local.key, width=local.width, height=local.height, sizes=local.sizes,
                                     alt_translations={})
                product.images.append(image)
            image.position = position
            if fresh or self.given(c.IMAGE_ALT):
                image.alt = planned.draft.alt
            image.alt_translations = _merge_translations(image.alt_translations or {},
                                                         planned.draft.alt_translations, alt_locales)
            by_src[planned.draft.src] = image
        for unused in item.removed_images:
            product.images.remove(unused)
        return by_src

    def variants(self, product: Product, item: PlannedProduct, images: dict[str, ProductImage]) -> None:
        location = self.plan.location
        for position, (draft, variant) in enumerate(zip(item.draft.variants, item.matches), start=1):
            new = variant is None
            if new:
                variant = Variant(price=draft.price, track_inventory=True)
                product.variants.append(variant)
            variant.position = position
            variant.option1, variant.option2, variant.option3 = (list(draft.values) + [None, None, None])[:3]
            variant.price = draft.price
            fields = [(c.SKU, "sku", draft.sku), (c.COMPARE_AT, "compare_at_price", draft.compare_at_price),
                      (c.GRAMS, "weight_grams", draft.weight_grams),
                      (c.TRACKER, "track_inventory", draft.track_inventory),
                      (c.POLICY, "inventory_policy", draft.inventory_policy),
                      (c.REQUIRES_SHIPPING, "requires_shipping", draft.requires_shipping),
                      (c.BARCODE, "barcode", draft.barcode), (c.LENGTH, "length_mm", draft.dimensions[0]),
                      (c.WIDTH, "width_mm", draft.dimensions[1]), (c.HEIGHT, "height_mm", draft.dimensions[2])]
            for column, attribute, value in fields:
                if self.given(column) or (new and column != c.TRACKER):
                    setattr(variant, attribute, value)
            if self.given(c.VARIANT_IMAGE):
                variant.image = images.get(draft.image_src) if draft.image_src else None
            self.market_prices(variant, draft.market_prices)
            if draft.quantity is not None and location is not None:
                self.stock(variant, draft.quantity, location.id)

    def market_prices(self, variant: Variant, wanted: dict[int, tuple[int, int | None]]) -> None:
        for market in self.markets_given(c.MARKET_PRICE):
            current = next((p for p in variant.market_prices if p.market_id == market.id), None)
            if market.id not in wanted:
                if current is not None:
                    variant.market_prices.remove(current)
                continue
            price, compare_at = wanted[market.id]
            if current is None:
                current = VariantMarketPrice(market_id=market.id, currency=market.currency, price=price)
                variant.market_prices.append(current)
            current.currency = market.currency
            current.price = price
            current.compare_at_price = compare_at

    def stock(self, variant: Variant, quantity: int, location_id: int) -> None:
        """The file gives the total on hand; the difference is booked in the import's warehouse."""
        delta = quantity - sum(level.on_hand for level in variant.inventory_levels)
        level = next((lv for lv in variant.inventory_levels if lv.location_id == location_id), None)
        if level is None:
            level = InventoryLevel(location_id=location_id, on_hand=0, reserved=0)
            variant.inventory_levels.append(level)
        if delta:
            level.on_hand += delta
            self.movements.append((variant, location_id, delta))
            self.result.stock_changes += 1
