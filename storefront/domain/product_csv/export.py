"""The catalogue as a Shopify product CSV: one row per variant, extra rows for further pictures."""
from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.domain.money import decimal_string
from storefront.domain.product_csv import columns as c
from storefront.models import (
    Market,
    Product,
    ProductImage,
    ProductOption,
    StoreSettings,
    Variant,
)

BATCH = 200
TRUE, FALSE = "TRUE", "FALSE"


def flag(value: bool) -> str:
    return TRUE if value else FALSE


def translation_locales(store: StoreSettings) -> list[str]:
    return [locale for locale in store.enabled_locales if locale != store.default_locale]


def export_rows(session: Session, store: StoreSettings,
                image_url: Callable[[ProductImage], str | None]) -> Iterator[list[str]]:
    """The header, then every product's rows; `image_url` gives a picture's absolute address."""
    locales = translation_locales(store)
    markets = list(session.scalars(select(Market).order_by(Market.position, Market.id)))
    header = c.export_header(locales, [m.name for m in markets])
    yield header
    writer = ProductRows(header, store.base_currency, locales, markets, image_url)
    last_id = 0
    while True:
        products = list(session.scalars(
            select(Product).where(Product.id > last_id).order_by(Product.id).limit(BATCH).options(
                selectinload(Product.translations), selectinload(Product.tags), selectinload(Product.images),
                selectinload(Product.restrictions),
                selectinload(Product.options).selectinload(ProductOption.values),
                selectinload(Product.variants).selectinload(Variant.inventory_levels),
                selectinload(Product.variants).selectinload(Variant.market_prices),
            )))
        if not products:
            return
        for product in products:
            yield from writer.rows(product)
        last_id = products[-1].id
        for product in products:  # a large catalogue streams in constant memory
            session.expunge(product)


class ProductRows:
    def __init__(self, header: list[str], currency: str, locales: list[str], markets: list[Market],
                 image_url: Callable[[ProductImage], str | None]) -> None:
        self.header = header
        self.currency = currency
        self.locales = locales
        self.markets = markets
        self.image_url = image_url

    def rows(self, product: Product) -> Iterator[list[str]]:
        variants = list(product.variants)
        images = list(product.images)
        for index in range(max(len(variants), len(images), 1)):
            cells: dict[str, str] = {c.HANDLE: product.handle}
            if index == 0:
                cells.update(self.product_cells(product))
            if index < len(variants):
                cells.update(self.variant_cells(product, variants[index]))
            if index < len(images):
                cells.update(self.image_cells(images[index]))
            yield [cells.get(column, "") for column in self.header]

    def product_cells(self, product: Product) -> dict[str, str]:
        options = list(product.options)
        cells = {
            c.TITLE: product.title, c.BODY: product.description_html or "", c.VENDOR: product.vendor or "",
            c.TYPE: product.product_type or "", c.TAGS: ", ".join(product.tag_names),
            c.PUBLISHED: flag(product.published_at is not None), c.GIFT_CARD: FALSE,
            c.SEO_TITLE: product.seo_title or "", c.SEO_DESCRIPTION: product.seo_description or "",
            c.STATUS: product.status.value, c.HS_CODE: product.hs_code or "", c.ORIGIN: product.origin_country or "",
            c.CUSTOMS_DESCRIPTION: product.customs_description or "",
            c.CERTIFICATIONS: ", ".join(product.certifications or []),
        }
        if options:
            for option in options:
                cells[c.option_name(option.position)] = option.name
                for locale, name in option.name_translations.items():
                    cells[c.localized(c.option_name(option.position), locale)] = name
        else:
            cells[c.option_name(1)] = "Title"  # Shopify's marker for a product without options
        restricted = {r.market_id for r in product.restrictions}
        for market in self.markets:
            cells[c.market_column(c.INCLUDED, market.name)] = flag(market.id not in restricted)
        for tr in product.translations:
            cells.update({
                c.localized(c.TITLE, tr.locale): tr.title, c.localized(c.BODY, tr.locale): tr.description_html or "",
                c.localized(c.HANDLE, tr.locale): tr.handle, c.localized(c.SEO_TITLE, tr.locale): tr.seo_title or "",
                c.localized(c.SEO_DESCRIPTION, tr.locale): tr.seo_description or "",
            })
        return cells

    def variant_cells(self, product: Product, variant: Variant) -> dict[str, str]:
        cells = {
            c.SKU: variant.sku or "", c.GRAMS: str(variant.weight_grams),
            c.TRACKER: "shopify" if variant.track_inventory else "",
            c.QTY: str(sum(level.on_hand for level in variant.inventory_levels)),
            c.POLICY: variant.inventory_policy.value, c.FULFILLMENT: "manual",
            c.PRICE: decimal_string(variant.price, self.currency),
            c.COMPARE_AT: "" if variant.compare_at_price is None else decimal_string(variant.compare_at_price,
                                                                                    self.currency),
            c.REQUIRES_SHIPPING: flag(variant.requires_shipping), c.TAXABLE: TRUE, c.BARCODE: variant.barcode or "",
            c.VARIANT_IMAGE: (self.image_url(variant.image) or "") if variant.image else "", c.WEIGHT_UNIT: "g",
            c.LENGTH: _number(variant.length_mm), c.WIDTH: _number(variant.width_mm),
            c.HEIGHT: _number(variant.height_mm),
        }
        values = variant.option_values
        if not product.options:
            cells[c.option_value(1)] = "Default Title"
        option_values = {(o.position, v.value): v for o in product.options for v in o.values}
        for position, value in enumerate(values, start=1):
            cells[c.option_value(position)] = value
            described = option_values.get((position, value))
            if described is None:
                continue
            cells[c.option_swatch(position)] = described.swatch_hex or ""
            for locale, text in described.translations.items():
                cells[c.localized(c.option_value(position), locale)] = text
        fixed = {p.market_id: p for p in variant.market_prices}
        for market in self.markets:
            price = fixed.get(market.id)
            if price is not None:
                cells[c.market_column(c.MARKET_PRICE, market.name)] = decimal_string(price.price, price.currency)
                if price.compare_at_price is not None:
                    cells[c.market_column(c.MARKET_COMPARE_AT, market.name)] = decimal_string(
                        price.compare_at_price, price.currency)
        return cells

    def image_cells(self, image: ProductImage) -> dict[str, str]:
        cells = {c.IMAGE_SRC: self.image_url(image) or "", c.IMAGE_POSITION: str(image.position),
                 c.IMAGE_ALT: image.alt or ""}
        for locale, alt in image.alt_translations.items():
            cells[c.localized(c.IMAGE_ALT, locale)] = alt
        return cells


def _number(value: int | None) -> str:
    return "" if value is None else str(value)
