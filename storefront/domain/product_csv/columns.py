"""Column names: Shopify's product CSV in its order, its per-market columns, then ours."""
from __future__ import annotations

import re
from dataclasses import dataclass

HANDLE = "Handle"
TITLE = "Title"
BODY = "Body (HTML)"
VENDOR = "Vendor"
CATEGORY = "Product Category"
TYPE = "Type"
TAGS = "Tags"
PUBLISHED = "Published"
SKU = "Variant SKU"
GRAMS = "Variant Grams"
TRACKER = "Variant Inventory Tracker"
QTY = "Variant Inventory Qty"
POLICY = "Variant Inventory Policy"
FULFILLMENT = "Variant Fulfillment Service"
PRICE = "Variant Price"
COMPARE_AT = "Variant Compare At Price"
REQUIRES_SHIPPING = "Variant Requires Shipping"
TAXABLE = "Variant Taxable"
BARCODE = "Variant Barcode"
IMAGE_SRC = "Image Src"
IMAGE_POSITION = "Image Position"
IMAGE_ALT = "Image Alt Text"
GIFT_CARD = "Gift Card"
SEO_TITLE = "SEO Title"
SEO_DESCRIPTION = "SEO Description"
VARIANT_IMAGE = "Variant Image"
WEIGHT_UNIT = "Variant Weight Unit"
COST = "Cost per item"
STATUS = "Status"

HS_CODE = "HS Code"
ORIGIN = "Country of Origin"
CUSTOMS_DESCRIPTION = "Customs Description"
CERTIFICATIONS = "Certifications"
LENGTH = "Variant Length (mm)"
WIDTH = "Variant Width (mm)"
HEIGHT = "Variant Height (mm)"


def option_name(position: int) -> str:
    return f"Option{position} Name"


def option_value(position: int) -> str:
    return f"Option{position} Value"


def option_swatch(position: int) -> str:
    """Ours: the colour shown for an option value, as #RRGGBB."""
    return f"Option{position} Swatch"


OPTION_POSITIONS = (1, 2, 3)

SHOPIFY_BEFORE_MARKETS = (
    HANDLE, TITLE, BODY, VENDOR, CATEGORY, TYPE, TAGS, PUBLISHED,
    *(name for p in OPTION_POSITIONS for name in (option_name(p), option_value(p))),
    SKU, GRAMS, TRACKER, QTY, POLICY, FULFILLMENT, PRICE, COMPARE_AT, REQUIRES_SHIPPING, TAXABLE, BARCODE,
    IMAGE_SRC, IMAGE_POSITION, IMAGE_ALT, GIFT_CARD, SEO_TITLE, SEO_DESCRIPTION, VARIANT_IMAGE, WEIGHT_UNIT, COST,
)
OURS = (HS_CODE, ORIGIN, CUSTOMS_DESCRIPTION, CERTIFICATIONS, LENGTH, WIDTH, HEIGHT,
        *(option_swatch(p) for p in OPTION_POSITIONS))

# Shopify columns we read past: nothing in this shop holds them.
NOT_STORED = frozenset({CATEGORY, FULFILLMENT, TAXABLE, WEIGHT_UNIT, COST})
REQUIRED = (HANDLE, TITLE, PRICE)

# Per-locale copies of these columns, named "Title (de)".
TRANSLATED = (TITLE, BODY, HANDLE, SEO_TITLE, SEO_DESCRIPTION,
              *(name for p in OPTION_POSITIONS for name in (option_name(p), option_value(p))), IMAGE_ALT)

# Per-market columns as Shopify Markets names them: "Price / Eurozone".
INCLUDED = "Included"
MARKET_PRICE = "Price"
MARKET_COMPARE_AT = "Compare At Price"
MARKET_KINDS = (INCLUDED, MARKET_PRICE, MARKET_COMPARE_AT)

# Newer Shopify exports name a few columns differently; same meaning, same values.
ALIASES = {
    "url handle": HANDLE,
    "sku": SKU,
    "weight value (grams)": GRAMS,
    "inventory quantity": QTY,
    "compare-at price": COMPARE_AT,
}
_CANONICAL = {name.lower(): name for name in (*SHOPIFY_BEFORE_MARKETS, STATUS, *OURS)} | ALIASES
_LOCALIZED = re.compile(r"^(?P<column>.+) \((?P<locale>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,4})?)\)$")
_MARKET = re.compile(r"^(?P<kind>Included|Price|Compare[ -]At Price) / (?P<market>.+)$", re.IGNORECASE)


def localized(column: str, locale: str) -> str:
    return f"{column} ({locale})"


def market_column(kind: str, market_name: str) -> str:
    return f"{kind} / {market_name}"


@dataclass(frozen=True)
class HeaderColumn:
    """What a header cell means: a plain column, a locale's copy of one, or a market's column."""

    name: str
    locale: str | None = None
    market: str | None = None

    @property
    def key(self) -> str:
        if self.locale:
            return localized(self.name, self.locale)
        if self.market:
            return market_column(self.name, self.market)
        return self.name


def interpret(header: str) -> HeaderColumn | None:
    """Recognise a header cell (case-insensitively, with Shopify's newer aliases); None when unknown.
    "Body (HTML)" is a plain column although it looks like a localized one."""
    text = " ".join(header.split())
    plain = _CANONICAL.get(text.lower())
    if plain:
        return HeaderColumn(plain)
    match = _LOCALIZED.match(text)
    if match:
        column = _CANONICAL.get(match["column"].lower())
        if column in TRANSLATED:
            return HeaderColumn(column, locale=_locale_case(match["locale"]))
    match = _MARKET.match(text)
    if match:
        kind = match["kind"].lower().replace("-", " ")
        name = {"included": INCLUDED, "price": MARKET_PRICE}.get(kind, MARKET_COMPARE_AT)
        return HeaderColumn(name, market=match["market"].strip())
    return None


def _locale_case(locale: str) -> str:
    language, _, region = locale.partition("-")
    return f"{language.lower()}-{region.upper()}" if region else language.lower()


def export_header(locales: list[str], market_names: list[str]) -> list[str]:
    """Every column of an export, in order: Shopify's, its market columns, Status, then ours."""
    markets = [market_column(kind, name) for name in market_names for kind in MARKET_KINDS]
    translations = [localized(column, locale) for locale in locales for column in TRANSLATED]
    return [*SHOPIFY_BEFORE_MARKETS, *markets, STATUS, *OURS, *translations]
