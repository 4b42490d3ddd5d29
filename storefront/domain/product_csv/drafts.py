"""Rows grouped by Handle into product drafts, with every cell checked (nothing touches the database here)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlsplit

from storefront.domain.catalog_admin.checks import (
    HANDLE,
    HANDLE_LENGTH,
    HS_CODE,
    MAX_INT,
    amount_in_minor,
    normalize_tags,
    sanitize_html,
    slugify,
)
from storefront.domain.catalog_admin.errors import CatalogAdminError, ErrorList
from storefront.domain.markets import normalize_country
from storefront.domain.money import minor_exponent
from storefront.domain.product_csv import columns as c
from storefront.domain.product_csv.errors import CsvProblem, Problem
from storefront.domain.product_csv.reading import CsvRow, CsvTable
from storefront.models import InventoryPolicy, ProductStatus

# The editor's checks, in this file's vocabulary.
_FROM_EDITOR = {
    CatalogAdminError.AMOUNT_INVALID: CsvProblem.BAD_DECIMAL,
    CatalogAdminError.AMOUNT_TOO_LARGE: CsvProblem.BAD_DECIMAL,
    CatalogAdminError.AMOUNT_NEGATIVE: CsvProblem.NEGATIVE,
    CatalogAdminError.AMOUNT_PRECISION: CsvProblem.TOO_MANY_DECIMALS,
    CatalogAdminError.TOO_LONG: CsvProblem.TOO_LONG,
}
SWATCH = re.compile(r"^#[0-9A-Fa-f]{6}$")
_NUMBER = re.compile(r"^-?(?:\d+(?:\.\d*)?|\.\d+)$")
NO_OPTION_NAME = "Title"
NO_OPTION_VALUE = "Default Title"
VARIANT_COLUMNS = (c.SKU, c.GRAMS, c.TRACKER, c.QTY, c.POLICY, c.PRICE, c.COMPARE_AT, c.REQUIRES_SHIPPING,
                   c.BARCODE, c.VARIANT_IMAGE, c.LENGTH, c.WIDTH, c.HEIGHT,
                   *(c.option_value(p) for p in c.OPTION_POSITIONS))


@dataclass(frozen=True)
class MarketRef:
    id: int
    name: str
    currency: str


@dataclass(frozen=True)
class StoreContext:
    """What the store says about reading a file: its currency, translation locales and markets."""

    base_currency: str
    locales: tuple[str, ...]
    markets: tuple[MarketRef, ...] = ()

    def market(self, name: str) -> MarketRef | None:
        return next((m for m in self.markets if m.name.casefold() == name.casefold()), None)


@dataclass
class TranslationDraft:
    title: str
    handle: str
    description_html: str
    seo_title: str | None
    seo_description: str | None


@dataclass
class VariantDraft:
    row: int
    values: tuple[str, ...]
    sku: str | None
    price: int | None
    compare_at_price: int | None
    weight_grams: int
    track_inventory: bool
    quantity: int | None
    inventory_policy: InventoryPolicy
    requires_shipping: bool
    barcode: str | None
    image_src: str | None
    dimensions: tuple[int | None, int | None, int | None]
    market_prices: dict[int, tuple[int, int | None]] = field(default_factory=dict)


@dataclass
class ImageDraft:
    row: int
    src: str
    position: int
    alt: str | None
    alt_translations: dict[str, str] = field(default_factory=dict)


@dataclass
class OptionDraft:
    position: int
    name: str
    name_translations: dict[str, str]
    values: list[str]
    value_translations: dict[str, dict[str, str]]
    swatches: dict[str, str] = field(default_factory=dict)


@dataclass
class ProductDraft:
    row: int
    handle: str
    title: str
    description_html: str
    vendor: str | None
    product_type: str | None
    tags: list[str]
    published: bool
    status: ProductStatus
    seo_title: str | None
    seo_description: str | None
    hs_code: str | None
    origin_country: str | None
    customs_description: str | None
    certifications: list[str]
    options: list[OptionDraft]
    variants: list[VariantDraft]
    images: list[ImageDraft]
    translations: dict[str, TranslationDraft | None]
    excluded_markets: set[int]


@dataclass
class Drafts:
    products: list[ProductDraft]
    problems: list[Problem]
    warnings: list[Problem]
    present: frozenset[str]
    rows: int
    markets: list[MarketRef]


class Cells:
    """Typed reading of one row's cells; every fault is noted against the row and column."""

    def __init__(self, row: CsvRow, problems: list[Problem]) -> None:
        self.row = row
        self.problems = problems

    def fail(self, code: CsvProblem, column: str | None, **params) -> None:
        self.problems.append(Problem(code, row=self.row.number, column=column, params=params))

    def raw(self, column: str) -> str:
        return self.row.get(column).strip()

    def text(self, column: str, max_length: int, required: bool = False) -> str | None:
        value = self.raw(column)
        if not value:
            if required:
                self.fail(CsvProblem.REQUIRED, column)
            return None
        if len(value) > max_length:
            self.fail(CsvProblem.TOO_LONG, column, max=max_length)
        return value

    def money(self, column: str, currency: str, required: bool = False) -> int | None:
        """A decimal amount in `currency` as minor units, by the editor's rules: more decimals than the
        currency has are an error, not rounded away."""
        value = self.raw(column)
        if not value:
            if required:
                self.fail(CsvProblem.REQUIRED, column)
            return None
        if not _NUMBER.match(value):
            self.fail(CsvProblem.BAD_DECIMAL, column, value=value)
            return None
        errors = ErrorList()
        minor = amount_in_minor(Decimal(value), currency, column, errors)
        for error in errors.errors:
            self.fail(_FROM_EDITOR[error.code], column, value=value, currency=currency,
                      decimals=minor_exponent(currency))
        return None if errors else minor

    def integer(self, column: str) -> int | None:
        """A whole number of grams, millimetres or units; "200.0" is accepted, "12.5" is not."""
        value = self.raw(column)
        if not value:
            return None
        number = Decimal(value) if _NUMBER.match(value) else None
        if number is None or number != number.to_integral_value() or number > MAX_INT:
            self.fail(CsvProblem.BAD_INTEGER, column, value=value)
            return None
        if number < 0:
            self.fail(CsvProblem.NEGATIVE, column, value=value)
            return None
        return int(number)

    def boolean(self, column: str, default: bool) -> bool:
        value = self.raw(column).upper()
        if not value:
            return default
        if value not in ("TRUE", "FALSE"):
            self.fail(CsvProblem.BAD_BOOLEAN, column, value=self.raw(column))
            return default
        return value == "TRUE"

    def url(self, column: str) -> str | None:
        value = self.raw(column)
        if not value:
            return None
        parts = urlsplit(value)
        if not ((parts.scheme in ("http", "https") and parts.netloc) or (not parts.scheme and value.startswith("/"))):
            self.fail(CsvProblem.BAD_URL, column, value=value)
            return None
        return value

    def handle(self, column: str, value: str) -> str:
        handle = value.strip().lower()
        if not HANDLE.match(handle) or len(handle) > HANDLE_LENGTH:
            self.fail(CsvProblem.BAD_HANDLE, column, value=value)
        return handle


def build_drafts(table: CsvTable, context: StoreContext) -> Drafts:
    problems = list(table.problems)
    warnings = list(table.warnings)
    locales = [locale for locale in table.locales() if locale in context.locales]
    for column in table.columns:
        if column.locale and column.locale not in context.locales:
            warnings.append(Problem(CsvProblem.COLUMN_IGNORED, column=column.key))
    markets: list[MarketRef] = []
    for name in table.market_names():
        market = context.market(name)
        if market is None:
            warnings.append(Problem(CsvProblem.UNKNOWN_MARKET, params={"market": name}))
        else:  # spelled as in the file, whose header names the columns
            markets.append(MarketRef(market.id, name, market.currency))
    groups: dict[str, list[CsvRow]] = {}
    for row in table.rows:
        cells = Cells(row, problems)
        given = cells.raw(c.HANDLE)
        if not given:
            title = cells.raw(c.TITLE)
            if not title:
                cells.fail(CsvProblem.REQUIRED, c.HANDLE)
                continue
            given = slugify(title)  # as Shopify does for a new product without a handle
            if not given:
                cells.fail(CsvProblem.REQUIRED, c.HANDLE)
                continue
        handle = given.strip().lower()
        if handle not in groups:  # a bad handle is reported once, on the product's first row
            cells.handle(c.HANDLE, given)
        groups.setdefault(handle, []).append(row)
    builder = DraftBuilder(context, locales, markets, problems)
    products = [builder.product(handle, rows) for handle, rows in groups.items()]
    builder.check_skus(products)
    return Drafts(products, problems, warnings, table.present, len(table.rows), markets)


class DraftBuilder:
    def __init__(self, context: StoreContext, locales: list[str], markets: list[MarketRef],
                 problems: list[Problem]) -> None:
        self.context = context
        self.locales = locales
        self.markets = markets
        self.problems = problems

    def product(self, handle: str, rows: list[CsvRow]) -> ProductDraft:
        first = Cells(rows[0], self.problems)
        published = first.boolean(c.PUBLISHED, default=True)
        status_text = first.raw(c.STATUS).lower()
        status = ProductStatus.ACTIVE if published else ProductStatus.DRAFT
        if status_text:
            try:
                status = ProductStatus(status_text)
            except ValueError:
                first.fail(CsvProblem.BAD_STATUS, c.STATUS, value=first.raw(c.STATUS))
        if first.boolean(c.GIFT_CARD, default=False):
            first.fail(CsvProblem.GIFT_CARD, c.GIFT_CARD)
        origin = normalize_country(first.raw(c.ORIGIN))
        if first.raw(c.ORIGIN) and origin is None:
            first.fail(CsvProblem.BAD_COUNTRY, c.ORIGIN, value=first.raw(c.ORIGIN))
        hs_code = first.text(c.HS_CODE, 16)
        if hs_code and not HS_CODE.match(hs_code):
            first.fail(CsvProblem.BAD_HS_CODE, c.HS_CODE, value=hs_code)
        options = self.options(rows)
        variants = self.variants(rows, options)
        excluded = {m.id for m in self.markets
                    if not first.boolean(c.market_column(c.INCLUDED, m.name), default=True)}
        return ProductDraft(
            row=rows[0].number, handle=handle, title=first.text(c.TITLE, 255, required=True) or "",
            description_html=sanitize_html(first.raw(c.BODY)), vendor=first.text(c.VENDOR, 120),
            product_type=first.text(c.TYPE, 120), tags=self.tags(first), published=published, status=status,
            seo_title=first.text(c.SEO_TITLE, 255), seo_description=first.text(c.SEO_DESCRIPTION, 320),
            hs_code=hs_code, origin_country=origin,
            customs_description=first.text(c.CUSTOMS_DESCRIPTION, 255),
            certifications=_split_list(first.raw(c.CERTIFICATIONS)), options=options, variants=variants,
            images=self.images(rows), translations=self.translations(first, handle), excluded_markets=excluded,
        )

    @staticmethod
    def tags(cells: Cells) -> list[str]:
        """Comma-separated, normalized as the editor does (lower case, no repeats)."""
        errors = ErrorList()
        tags = normalize_tags(cells.raw(c.TAGS).split(","), c.TAGS, errors)
        for error in errors.errors:
            cells.fail(_FROM_EDITOR[error.code], c.TAGS, **error.params)
        return tags

    def translations(self, cells: Cells, handle: str) -> dict[str, TranslationDraft | None]:
        found: dict[str, TranslationDraft | None] = {}
        for locale in self.locales:
            title = cells.text(c.localized(c.TITLE, locale), 255)
            others = [c.localized(col, locale) for col in (c.BODY, c.HANDLE, c.SEO_TITLE, c.SEO_DESCRIPTION)]
            if not title:
                if any(cells.raw(col) for col in others):
                    cells.fail(CsvProblem.REQUIRED, c.localized(c.TITLE, locale))
                found[locale] = None
                continue
            given_handle = cells.raw(c.localized(c.HANDLE, locale))
            found[locale] = TranslationDraft(
                title=title,
                handle=cells.handle(c.localized(c.HANDLE, locale), given_handle) if given_handle else handle,
                description_html=sanitize_html(cells.raw(c.localized(c.BODY, locale))),
                seo_title=cells.text(c.localized(c.SEO_TITLE, locale), 255),
                seo_description=cells.text(c.localized(c.SEO_DESCRIPTION, locale), 320),
            )
        return found

    def options(self, rows: list[CsvRow]) -> list[OptionDraft]:
        first = Cells(rows[0], self.problems)
        names = [first.text(c.option_name(p), 80) or "" for p in c.OPTION_POSITIONS]
        while names and not names[-1]:
            names.pop()
        for index, name in enumerate(names):
            if not name:
                first.fail(CsvProblem.OPTION_GAP, c.option_name(index + 2))
                names = names[:index]
                break
        for row in rows[1:]:
            cells = Cells(row, self.problems)
            for position in c.OPTION_POSITIONS:
                given = cells.raw(c.option_name(position))
                expected = names[position - 1] if position <= len(names) else ""
                if given and given != expected:
                    cells.fail(CsvProblem.OPTION_NAME_MISMATCH, c.option_name(position), expected=expected)
        if names == [NO_OPTION_NAME] and all(r.get(c.option_value(1)).strip() in ("", NO_OPTION_VALUE) for r in rows):
            return []
        options = []
        for position, name in enumerate(names, start=1):
            translations = {locale: text for locale in self.locales
                            if (text := first.text(c.localized(c.option_name(position), locale), 80))}
            options.append(OptionDraft(position, name, translations, [], {}))
        return options

    def variants(self, rows: list[CsvRow], options: list[OptionDraft]) -> list[VariantDraft]:
        variants: list[VariantDraft] = []
        seen: dict[tuple[str, ...], int] = {}
        currency = self.context.base_currency
        value_rows: dict[tuple[int, str, str], tuple[str, int]] = {}
        for index, row in enumerate(rows):
            cells = Cells(row, self.problems)
            if index > 0 and not self._is_variant_row(cells):
                continue
            values = self.option_values(cells, options, value_rows)
            if values in seen:
                cells.fail(CsvProblem.DUPLICATE_VARIANT, c.option_value(1), other_row=seen[values])
            seen.setdefault(values, row.number)
            policy_text = cells.raw(c.POLICY).lower() or InventoryPolicy.DENY.value
            try:
                policy = InventoryPolicy(policy_text)
            except ValueError:
                cells.fail(CsvProblem.BAD_POLICY, c.POLICY, value=cells.raw(c.POLICY))
                policy = InventoryPolicy.DENY
            market_prices = {}
            for market in self.markets:
                price = cells.money(c.market_column(c.MARKET_PRICE, market.name), market.currency)
                compare_at = cells.money(c.market_column(c.MARKET_COMPARE_AT, market.name), market.currency)
                if price is not None:
                    market_prices[market.id] = (price, compare_at)
            variants.append(VariantDraft(
                row=row.number, values=values, sku=cells.text(c.SKU, 64),
                price=cells.money(c.PRICE, currency, required=True),
                compare_at_price=cells.money(c.COMPARE_AT, currency),
                weight_grams=cells.integer(c.GRAMS) or 0, track_inventory=bool(cells.raw(c.TRACKER)),
                quantity=cells.integer(c.QTY), inventory_policy=policy,
                requires_shipping=cells.boolean(c.REQUIRES_SHIPPING, default=True),
                barcode=cells.text(c.BARCODE, 64), image_src=cells.url(c.VARIANT_IMAGE),
                dimensions=(cells.integer(c.LENGTH), cells.integer(c.WIDTH), cells.integer(c.HEIGHT)),
                market_prices=market_prices,
            ))
        return variants

    def _is_variant_row(self, cells: Cells) -> bool:
        market_columns = [c.market_column(kind, m.name) for m in self.markets
                          for kind in (c.MARKET_PRICE, c.MARKET_COMPARE_AT)]
        return any(cells.raw(column) for column in (*VARIANT_COLUMNS, *market_columns))

    def option_values(self, cells: Cells, options: list[OptionDraft],
                      value_rows: dict[tuple[int, str, str], tuple[str, int]]) -> tuple[str, ...]:
        values = []
        for position in c.OPTION_POSITIONS:
            column = c.option_value(position)
            value = cells.text(column, 120)
            if position > len(options):
                if value and not (not options and value == NO_OPTION_VALUE):
                    cells.fail(CsvProblem.OPTION_VALUE_UNEXPECTED, column, position=position)
                continue
            option = options[position - 1]
            if not value:
                cells.fail(CsvProblem.OPTION_VALUE_MISSING, column, option=option.name)
                continue
            values.append(value)
            if value not in option.values:
                option.values.append(value)
            for locale in self.locales:
                text = self._same_for_value(cells, c.localized(column, locale), (position, value, locale), value_rows)
                if text:
                    option.value_translations.setdefault(value, {})[locale] = text
            swatch = self._same_for_value(cells, c.option_swatch(position), (position, value, "swatch"), value_rows)
            if swatch and not SWATCH.match(swatch):
                cells.fail(CsvProblem.BAD_SWATCH, c.option_swatch(position), value=swatch)
            elif swatch:
                option.swatches[value] = swatch
        return tuple(values)

    @staticmethod
    def _same_for_value(cells: Cells, column: str, key: tuple[int, str, str],
                        seen: dict[tuple[int, str, str], tuple[str, int]]) -> str | None:
        """A cell describing an option value (its translation, its swatch) must say the same on every row."""
        text = cells.text(column, 120)
        if not text:
            return None
        earlier = seen.setdefault(key, (text, cells.row.number))
        if earlier[0] != text:
            cells.fail(CsvProblem.OPTION_VALUE_CONFLICT, column, other_row=earlier[1])
        return earlier[0]

    def images(self, rows: list[CsvRow]) -> list[ImageDraft]:
        images: dict[str, ImageDraft] = {}
        for order, row in enumerate(rows):
            cells = Cells(row, self.problems)
            src = cells.url(c.IMAGE_SRC)
            if not src or src in images:
                continue
            position = cells.integer(c.IMAGE_POSITION)
            alts = {locale: text for locale in self.locales
                    if (text := cells.text(c.localized(c.IMAGE_ALT, locale), 255))}
            images[src] = ImageDraft(row.number, src, position or 10_000 + order, cells.text(c.IMAGE_ALT, 255), alts)
        ordered = sorted(images.values(), key=lambda image: image.position)
        for position, image in enumerate(ordered, start=1):
            image.position = position
        return ordered

    def check_skus(self, products: list[ProductDraft]) -> None:
        first_row: dict[str, int] = {}
        for product in products:
            for variant in product.variants:
                if not variant.sku:
                    continue
                if variant.sku in first_row:
                    self.problems.append(Problem(CsvProblem.DUPLICATE_SKU, row=variant.row, column=c.SKU,
                                                 params={"sku": variant.sku, "other_row": first_row[variant.sku]}))
                else:
                    first_row[variant.sku] = variant.row


def _split_list(text: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
