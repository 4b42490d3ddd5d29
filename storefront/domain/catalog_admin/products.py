"""Saving products from the admin editor, and bulk actions on many products at once."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.domain.catalog_admin import events, queries
from storefront.domain.catalog_admin.checks import (
    amount_in_minor,
    check_count,
    check_length,
    country_code,
    hs_code,
    normalize_tags,
)
from storefront.domain.catalog_admin.collections import refresh_smart_collections
from storefront.domain.catalog_admin.errors import (
    CatalogAdminError,
    ErrorList,
    NotFound,
)
from storefront.domain.catalog_admin.events import Editor
from storefront.domain.catalog_admin.locking import claim_version, row_for_edit
from storefront.domain.catalog_admin.translations import (
    PRODUCT_TEXT,
    TextDraft,
    apply_texts,
    check_texts,
    texts_snapshot,
)
from storefront.domain.catalog_admin.uploads import Upload, read_picture
from storefront.domain.images import store_image
from storefront.models import (
    InventoryPolicy,
    Market,
    Product,
    ProductImage,
    ProductMarketRestriction,
    ProductOption,
    ProductOptionValue,
    ProductStatus,
    ProductTag,
    StoreSettings,
    Variant,
    VariantMarketPrice,
    utcnow,
)

MAX_OPTIONS = 3
NAME_LENGTH = 120
OPTION_NAME_LENGTH = 80
CODE_LENGTH = 64
CUSTOMS_LENGTH = 255
# Marks customs brokers and marketplaces ask for; the editor offers these and keeps any other already set.
CERTIFICATIONS = ("CE", "UKCA", "FCC", "FDA", "RoHS", "REACH", "CPSIA", "PSE", "KC", "CCC", "RCM", "EAC")


@dataclass
class VariantDraft:
    """One row of the variants grid as typed; amounts are decimals in the base currency (fixed prices in the
    market's currency, None for "convert")."""

    id: int | None = None
    option_values: list[str] = field(default_factory=list)
    sku: str = ""
    barcode: str = ""
    price: Decimal | None = None
    compare_at_price: Decimal | None = None
    market_prices: dict[int, Decimal | None] = field(default_factory=dict)
    weight_grams: int | None = None
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    requires_shipping: bool = True
    track_inventory: bool = True
    continue_selling: bool = False
    image_id: int | None = None
    remove: bool = False

    def is_blank(self) -> bool:
        """A new row left empty (the grid always offers one)."""
        typed = [*self.option_values, self.sku, self.barcode]
        numbers = [self.price, self.compare_at_price, self.weight_grams, self.length_mm, self.width_mm,
                   self.height_mm, *self.market_prices.values()]
        return self.id is None and not any(v.strip() for v in typed) and all(n is None for n in numbers)


@dataclass
class ImageDraft:
    id: int
    position: int | None = None
    alt: dict[str, str] = field(default_factory=dict)
    remove: bool = False


@dataclass
class ProductDraft:
    status: ProductStatus = ProductStatus.DRAFT
    vendor: str = ""
    product_type: str = ""
    tags: list[str] = field(default_factory=list)
    hs_code: str = ""
    origin_country: str = ""
    customs_description: str = ""
    certifications: list[str] = field(default_factory=list)
    restricted_market_ids: list[int] = field(default_factory=list)
    option_names: list[str] = field(default_factory=list)
    # locale → option names by position, for the locales other than the default.
    option_name_translations: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, TextDraft] = field(default_factory=dict)
    variants: list[VariantDraft] = field(default_factory=list)
    images: list[ImageDraft] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)


@dataclass(frozen=True)
class CheckedVariant:
    id: int | None
    options: tuple[str | None, str | None, str | None]
    sku: str | None
    barcode: str | None
    price: int
    compare_at_price: int | None
    market_prices: dict[int, int | None]
    weight_grams: int
    dimensions: tuple[int | None, int | None, int | None]
    requires_shipping: bool
    track_inventory: bool
    inventory_policy: InventoryPolicy
    image_id: int | None


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _check_option_names(draft: ProductDraft, errors: ErrorList) -> list[str]:
    names = [_clean(name) for name in draft.option_names[:MAX_OPTIONS]]
    while names and not names[-1]:
        names.pop()
    for position, name in enumerate(names, start=1):
        if not name:
            errors.add(f"option{position}_name", CatalogAdminError.REQUIRED)
        check_length(name, OPTION_NAME_LENGTH, f"option{position}_name", errors)
    return names


def _check_variant(draft: VariantDraft, path: str, option_names: list[str], currency: str,
                   markets: dict[int, Market], image_ids: set[int], errors: ErrorList) -> CheckedVariant:
    values = [_clean(v) for v in draft.option_values[:MAX_OPTIONS]]
    values += [""] * (MAX_OPTIONS - len(values))
    for position, value in enumerate(values, start=1):
        if position <= len(option_names) and not value:
            errors.add(f"{path}.option{position}", CatalogAdminError.OPTION_VALUE_MISSING,
                       option=option_names[position - 1])
        elif position > len(option_names) and value:
            errors.add(f"{path}.option{position}", CatalogAdminError.OPTION_VALUE_UNEXPECTED)
        check_length(value, NAME_LENGTH, f"{path}.option{position}", errors)
    sku, barcode = draft.sku.strip(), draft.barcode.strip()
    check_length(sku, CODE_LENGTH, f"{path}.sku", errors)
    check_length(barcode, CODE_LENGTH, f"{path}.barcode", errors)
    if draft.price is None:
        errors.add(f"{path}.price", CatalogAdminError.REQUIRED)
    price = amount_in_minor(draft.price, currency, f"{path}.price", errors)
    compare_at = amount_in_minor(draft.compare_at_price, currency, f"{path}.compare_at_price", errors)
    market_prices = {}
    for market_id, amount in draft.market_prices.items():
        if market_id in markets:
            market_prices[market_id] = amount_in_minor(amount, markets[market_id].currency,
                                                       f"{path}.market_{market_id}", errors)
    for name in ("weight_grams", "length_mm", "width_mm", "height_mm"):
        check_count(getattr(draft, name), f"{path}.{name}", errors)
    return CheckedVariant(
        id=draft.id, options=tuple(v or None for v in values), sku=sku or None, barcode=barcode or None,
        price=price or 0, compare_at_price=compare_at, market_prices=market_prices,
        weight_grams=draft.weight_grams or 0, dimensions=(draft.length_mm, draft.width_mm, draft.height_mm),
        requires_shipping=draft.requires_shipping, track_inventory=draft.track_inventory,
        inventory_policy=InventoryPolicy.CONTINUE if draft.continue_selling else InventoryPolicy.DENY,
        image_id=draft.image_id if draft.image_id in image_ids else None,
    )


def _check_variants(session: Session, draft: ProductDraft, product: Product | None, option_names: list[str],
                    currency: str, markets: dict[int, Market], errors: ErrorList) -> list[CheckedVariant]:
    existing = {v.id for v in product.variants} if product else set()
    removed_images = {image.id for image in draft.images if image.remove}
    image_ids = {image.id for image in product.images} - removed_images if product else set()
    rows = [(index, row) for index, row in enumerate(draft.variants)
            if not row.remove and (row.id in existing or (row.id is None and not row.is_blank()))]
    if not rows:
        errors.add("variants", CatalogAdminError.NO_VARIANTS)
    elif not option_names and len(rows) > 1:
        errors.add("variants", CatalogAdminError.VARIANTS_NEED_OPTIONS)
    checked, combinations, skus = [], set(), {}
    for index, row in rows:
        variant = _check_variant(row, f"variants.{index}", option_names, currency, markets, image_ids, errors)
        combination = variant.options[:len(option_names)]
        if option_names and all(combination):
            if combination in combinations:
                errors.add(f"variants.{index}.option1", CatalogAdminError.VARIANT_REPEATED,
                           values=" / ".join(combination))
            combinations.add(combination)
        if variant.sku:
            if variant.sku.lower() in skus:
                errors.add(f"variants.{index}.sku", CatalogAdminError.SKU_REPEATED, sku=variant.sku)
            skus.setdefault(variant.sku.lower(), index)
        checked.append(variant)
    if skus:
        taken = session.scalars(select(Variant.sku).where(
            func.lower(Variant.sku).in_(list(skus)), Variant.product_id != (product.id if product else None)))
        for sku in taken:
            errors.add(f"variants.{skus[sku.lower()]}.sku", CatalogAdminError.SKU_TAKEN, sku=sku)
    return checked


def _check_uploads(uploads: list[Upload], errors: ErrorList) -> list[Image.Image]:
    pictures = [read_picture(upload, "uploads", errors) for upload in uploads if upload.filename]
    return [picture for picture in pictures if picture is not None]


def product_snapshot(product: Product, default_locale: str) -> dict[str, Any]:
    """What the audit log keeps of a product, before and after an edit."""
    return {
        "status": product.status.value,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "tags": product.tag_names,
        "hs_code": product.hs_code,
        "origin_country": product.origin_country,
        "customs_description": product.customs_description,
        "certifications": list(product.certifications or []),
        "restricted_markets": sorted(r.market_id for r in product.restrictions),
        "texts": texts_snapshot(product, PRODUCT_TEXT, default_locale),
        "options": [{"name": o.name, "translations": dict(o.name_translations or {}),
                     "values": [v.value for v in o.values]} for o in product.options],
        "variants": [{
            "id": v.id, "sku": v.sku, "barcode": v.barcode, "options": v.option_values, "price": v.price,
            "compare_at_price": v.compare_at_price,
            "market_prices": {str(mp.market_id): mp.price for mp in v.market_prices},
            "weight_grams": v.weight_grams, "dimensions_mm": [v.length_mm, v.width_mm, v.height_mm],
            "requires_shipping": v.requires_shipping, "track_inventory": v.track_inventory,
            "inventory_policy": v.inventory_policy.value, "image_id": v.image_id,
        } for v in product.variants],
        "images": [{"id": i.id, "key": i.key, "position": i.position, "alt": i.alt,
                    "alt_translations": dict(i.alt_translations or {})} for i in product.images],
    }


def _apply_details(product: Product, draft: ProductDraft, details: dict[str, Any], markets: dict[int, Market]) -> None:
    product.status = draft.status
    if draft.status is ProductStatus.ACTIVE and product.published_at is None:
        product.published_at = utcnow()
    for name, value in details.items():
        setattr(product, name, value)
    wanted = [market_id for market_id in dict.fromkeys(draft.restricted_market_ids) if market_id in markets]
    current = {r.market_id: r for r in product.restrictions}
    product.restrictions = [current.get(market_id) or ProductMarketRestriction(market_id=market_id)
                            for market_id in wanted]


def _apply_tags(product: Product, tags: list[str]) -> None:
    current = {t.tag: t for t in product.tags}
    product.tags = [current.get(tag) or ProductTag(tag=tag) for tag in tags]


def _apply_options(product: Product, names: list[str], translations: dict[str, list[str]],
                   variants: list[CheckedVariant], locales: list[str]) -> None:
    current = {option.position: option for option in product.options}
    options = []
    for position, name in enumerate(names, start=1):
        option = current.get(position) or ProductOption(position=position)
        option.name = name
        kept = {k: v for k, v in (option.name_translations or {}).items() if k not in locales}
        typed = {locale: _clean(names_[position - 1]) for locale, names_ in translations.items()
                 if len(names_) >= position and _clean(names_[position - 1])}
        option.name_translations = {**kept, **typed}
        values = list(dict.fromkeys(v.options[position - 1] for v in variants if v.options[position - 1]))
        known = {value.value: value for value in option.values}
        option.values = [known.get(value) or ProductOptionValue(value=value) for value in values]
        for value_position, value in enumerate(option.values):
            value.position = value_position
        options.append(option)
    product.options = options


def _apply_variants(session: Session, product: Product, variants: list[CheckedVariant],
                    markets: dict[int, Market]) -> None:
    current = {v.id: v for v in product.variants}
    kept = {v.id for v in variants if v.id is not None}
    # A SKU may move from a deleted variant or between two variants: free the old rows' SKUs first, so the
    # unique constraint holds at every step of the flush.
    released = False
    for variant in list(product.variants):
        if variant.id not in kept:
            product.variants.remove(variant)
            released = True
    for checked in variants:
        if checked.id is not None and current[checked.id].sku != checked.sku and current[checked.id].sku:
            current[checked.id].sku = None
            released = True
    if released:
        session.flush()
    ordered = []
    for position, checked in enumerate(variants, start=1):
        variant = current.get(checked.id) if checked.id is not None else Variant()
        variant.position = position
        variant.option1, variant.option2, variant.option3 = checked.options
        variant.sku, variant.barcode = checked.sku, checked.barcode
        variant.price, variant.compare_at_price = checked.price, checked.compare_at_price
        variant.weight_grams = checked.weight_grams
        variant.length_mm, variant.width_mm, variant.height_mm = checked.dimensions
        variant.requires_shipping, variant.track_inventory = checked.requires_shipping, checked.track_inventory
        variant.inventory_policy = checked.inventory_policy
        variant.image_id = checked.image_id
        fixed = {mp.market_id: mp for mp in variant.market_prices}
        for market_id, amount in checked.market_prices.items():
            row = fixed.pop(market_id, None)
            if amount is None:
                continue
            row = row or VariantMarketPrice(market_id=market_id)
            row.currency, row.price = markets[market_id].currency, amount
            fixed[market_id] = row
        variant.market_prices = list(fixed.values())
        ordered.append(variant)
    product.variants = ordered


def _apply_images(product: Product, drafts: list[ImageDraft], pictures: list[Image.Image], media_root: Path,
                  default_locale: str, locales: list[str]) -> None:
    current = {image.id: image for image in product.images}
    order = {image.id: (image.position, index) for index, image in enumerate(product.images)}
    for draft in drafts:
        image = current.get(draft.id)
        if image is None:
            continue
        if draft.remove:
            for variant in product.variants:
                if variant.image_id == image.id:
                    variant.image_id = None
            product.images.remove(image)
            order.pop(image.id)
            continue
        if draft.position is not None:
            order[image.id] = (draft.position, order[image.id][1])
        image.alt = _clean(draft.alt.get(default_locale)) or None
        kept = {k: v for k, v in (image.alt_translations or {}).items() if k not in locales}
        typed = {locale: _clean(text) for locale, text in draft.alt.items()
                 if locale != default_locale and locale in locales and _clean(text)}
        image.alt_translations = {**kept, **typed}
    images = sorted(product.images, key=lambda image: order[image.id])
    keys = {image.key for image in images}
    for picture in pictures:
        stored = store_image(media_root, picture, f"products/p{product.id}-{product.handle}")
        if stored.key in keys:  # the same picture twice
            continue
        keys.add(stored.key)
        images.append(ProductImage(key=stored.key, width=stored.width, height=stored.height, sizes=stored.sizes))
    for position, image in enumerate(images, start=1):
        image.position = position
    product.images = images


def save_product(session: Session, draft: ProductDraft, *, store: StoreSettings, media_root: Path, editor: Editor,
                 product_id: int | None = None, expected_version: int | None = None) -> Product:
    """Create or update a product from the editor. Everything is checked first: on a stale version or any
    invalid input nothing is written (InvalidInput, StaleEdit)."""
    product = row_for_edit(session, queries.product_for_editing, product_id, expected_version)
    locales = list(store.enabled_locales)
    markets = {m.id: m for m in queries.all_markets(session)}
    errors = ErrorList()
    texts = check_texts(session, PRODUCT_TEXT, draft.texts, owner_id=product_id, default_locale=store.default_locale,
                        locales=locales, errors=errors)
    details = {
        "vendor": _clean(draft.vendor) or None,
        "product_type": _clean(draft.product_type) or None,
        "hs_code": hs_code(draft.hs_code, "hs_code", errors),
        "origin_country": country_code(draft.origin_country, "origin_country", errors),
        "customs_description": _clean(draft.customs_description) or None,
        "certifications": list(dict.fromkeys(c.strip() for c in draft.certifications if c.strip())),
    }
    for name, limit in (("vendor", NAME_LENGTH), ("product_type", NAME_LENGTH),
                        ("customs_description", CUSTOMS_LENGTH)):
        check_length(details[name], limit, name, errors)
    tags = normalize_tags(draft.tags, "tags", errors)
    option_names = _check_option_names(draft, errors)
    variants = _check_variants(session, draft, product, option_names, store.base_currency, markets, errors)
    pictures = _check_uploads(draft.uploads, errors)
    errors.raise_if_any()

    before = product_snapshot(product, store.default_locale) if product else {}
    if product is None:
        product = Product(version=1)
        session.add(product)
    else:
        claim_version(session, product, expected_version)
    apply_texts(product, PRODUCT_TEXT, texts, default_locale=store.default_locale, locales=locales)
    _apply_details(product, draft, details, markets)
    _apply_tags(product, tags)
    _apply_options(product, option_names, draft.option_name_translations, variants, locales)
    session.flush()
    _apply_variants(session, product, variants, markets)
    _apply_images(product, draft.images, pictures, media_root, store.default_locale, locales)
    session.flush()
    refresh_smart_collections(session, store.base_currency)
    events.product_saved(session, editor=editor, product_id=product.id, before=before,
                         after=product_snapshot(product, store.default_locale))
    return product


def delete_product(session: Session, product_id: int, *, store: StoreSettings, editor: Editor) -> str:
    """Delete a product with its variants, images and stock levels; orders keep their lines (without the link).
    Returns its title."""
    product = queries.product_for_editing(session, product_id)
    if product is None:
        raise NotFound(product_id)
    before = product_snapshot(product, store.default_locale)
    session.delete(product)
    session.flush()
    events.product_deleted(session, editor=editor, product_id=product_id, before=before)
    return before["texts"][store.default_locale]["title"]
