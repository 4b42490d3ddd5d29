"""Rules every catalogue input follows: handles, rich text, amounts, tags, customs codes."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

import nh3

from storefront.domain.catalog_admin.errors import CatalogAdminError, ErrorList
from storefront.domain.markets import normalize_country
from storefront.domain.money import minor_exponent, to_minor

HANDLE = re.compile(r"^[a-z0-9-]+$")
HANDLE_LENGTH = 255
HS_CODE = re.compile(r"^\d{4}(\.?\d{2}){0,3}$")
# What a product description, collection description or page body may contain: structure and links, no scripts,
# styles or embedded media.
RICH_TEXT_TAGS = {"p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "b", "i", "u", "s", "blockquote", "a",
                  "table", "thead", "tbody", "tr", "th", "td"}
RICH_TEXT_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
TAG_LENGTH = 80
# Amounts, grams and millimetres live in 32-bit integer columns.
MAX_INT = 2**31 - 1


def sanitize_html(html: str | None) -> str:
    return nh3.clean(html or "", tags=RICH_TEXT_TAGS, attributes=RICH_TEXT_ATTRIBUTES).strip()


def slugify(text: str) -> str:
    """A handle from a title: "Crème Brûlée Mug" → "creme-brulee-mug"; scripts without Latin letters give ""."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:HANDLE_LENGTH]


def check_handle(handle: str, path: str, errors: ErrorList) -> bool:
    if not handle:
        errors.add(path, CatalogAdminError.REQUIRED)
    elif len(handle) > HANDLE_LENGTH:
        errors.add(path, CatalogAdminError.TOO_LONG, max=HANDLE_LENGTH)
    elif not HANDLE.match(handle):
        errors.add(path, CatalogAdminError.HANDLE_FORMAT)
    else:
        return True
    return False


def check_length(value: str | None, limit: int, path: str, errors: ErrorList) -> None:
    if value and len(value) > limit:
        errors.add(path, CatalogAdminError.TOO_LONG, max=limit)


def amount_in_minor(value: Decimal | None, currency: str, path: str, errors: ErrorList) -> int | None:
    """A typed decimal amount in `currency` as minor units; more decimals than the currency has are refused
    rather than rounded away."""
    if value is None:
        return None
    if not value.is_finite():
        errors.add(path, CatalogAdminError.AMOUNT_INVALID)
        return None
    if value < 0:
        errors.add(path, CatalogAdminError.AMOUNT_NEGATIVE)
        return None
    places = minor_exponent(currency)
    if value.adjusted() >= 12:
        errors.add(path, CatalogAdminError.AMOUNT_TOO_LARGE)
        return None
    if value != value.quantize(Decimal(1).scaleb(-places)):
        errors.add(path, CatalogAdminError.AMOUNT_PRECISION, places=places, currency=currency)
        return None
    minor = to_minor(value, currency)
    if minor > MAX_INT:
        errors.add(path, CatalogAdminError.AMOUNT_TOO_LARGE)
        return None
    return minor


def check_count(value: int | None, path: str, errors: ErrorList) -> None:
    """Grams and millimetres: whole, not negative, and within a 32-bit column."""
    if value is not None and value < 0:
        errors.add(path, CatalogAdminError.NUMBER_NEGATIVE)
    elif value is not None and value > MAX_INT:
        errors.add(path, CatalogAdminError.NUMBER_TOO_LARGE, max=MAX_INT)


def country_code(value: str | None, path: str, errors: ErrorList) -> str | None:
    if not value:
        return None
    code = normalize_country(value)
    if code is None:
        errors.add(path, CatalogAdminError.UNKNOWN_COUNTRY)
    return code


def hs_code(value: str | None, path: str, errors: ErrorList) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not HS_CODE.match(value):
        errors.add(path, CatalogAdminError.HS_CODE_FORMAT)
    return value


def normalize_tags(tags: list[str], path: str, errors: ErrorList) -> list[str]:
    """Trimmed, lower-case (tags match case-insensitively, as in Shopify), without repeats, in the given order."""
    found: dict[str, None] = {}
    for tag in tags:
        tag = " ".join(tag.split()).lower()
        if not tag:
            continue
        if len(tag) > TAG_LENGTH:
            errors.add(path, CatalogAdminError.TOO_LONG, max=TAG_LENGTH)
            continue
        found[tag] = None
    return list(found)
