"""Parsing what people type into settings forms: country lists, currencies, percentages and amounts."""
from __future__ import annotations

import re
from decimal import Decimal

import pycountry

from storefront.domain.markets import normalize_country
from storefront.domain.money import (
    UnknownCurrency,
    minor_exponent,
    normalize_currency,
    to_decimal,
)
from storefront.domain.store_admin.errors import Problems, SettingsErrorCode

_SEPARATORS = re.compile(r"[\s,;]+")
# Market prices may go up to eleven times the converted price, and never down to zero.
MIN_ADJUSTMENT_BP = -9999
MAX_ADJUSTMENT_BP = 100_000


def country_list(raw: str, problems: Problems, field: str) -> list[str]:
    """ISO 3166-1 alpha-2 codes from "de, FR at": upper case, unique, in the order typed."""
    codes: list[str] = []
    for token in _SEPARATORS.split(raw or ""):
        if not token:
            continue
        code = normalize_country(token)
        if code is None:
            problems.add(field, SettingsErrorCode.UNKNOWN_COUNTRY, code=token)
        elif code not in codes:
            codes.append(code)
    return codes


def country(raw: str | None, problems: Problems, field: str, *, required: bool = True) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        if required:
            problems.add(field, SettingsErrorCode.REQUIRED)
        return None
    code = normalize_country(raw)
    if code is None:
        problems.add(field, SettingsErrorCode.UNKNOWN_COUNTRY, code=raw)
    return code


def region(country_code: str | None, raw: str | None, problems: Problems, field: str) -> str | None:
    """An ISO 3166-2 subdivision of the country, without the country prefix: "QC" for Québec."""
    raw = (raw or "").strip().upper()
    if not raw or country_code is None:
        return raw or None
    code = raw.removeprefix(f"{country_code}-")
    if pycountry.subdivisions.get(code=f"{country_code}-{code}") is None:
        problems.add(field, SettingsErrorCode.UNKNOWN_REGION, code=raw, country=country_code)
    return code


def currency(raw: str | None, problems: Problems, field: str) -> str | None:
    raw = (raw or "").strip()
    if not raw:
        problems.add(field, SettingsErrorCode.REQUIRED)
        return None
    try:
        return normalize_currency(raw)
    except UnknownCurrency:
        problems.add(field, SettingsErrorCode.UNKNOWN_CURRENCY, code=raw.upper())
        return None


def decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def basis_points(percent: Decimal | None, problems: Problems, field: str) -> int:
    """A percentage typed as a decimal ("2.5") in basis points (250)."""
    if percent is None:
        return 0
    if decimal_places(percent) > 2:
        problems.add(field, SettingsErrorCode.TOO_MANY_DECIMALS, places=2)
        return 0
    bp = int(percent * 100)
    if not MIN_ADJUSTMENT_BP <= bp <= MAX_ADJUSTMENT_BP:
        problems.add(field, SettingsErrorCode.ADJUSTMENT_OUT_OF_RANGE)
        return 0
    return bp


def percent(bp: int) -> Decimal:
    """Basis points back as the percentage people type: 250 → 2.5."""
    return (Decimal(bp) / 100).normalize() if bp else Decimal(0)


def amount(value: Decimal | None, currency_code: str | None, problems: Problems, field: str) -> int | None:
    """A decimal amount in integer minor units of `currency_code`; no more decimals than the currency has."""
    if value is None:
        return None
    if value < 0:
        problems.add(field, SettingsErrorCode.NEGATIVE_AMOUNT)
        return None
    if currency_code is None:
        return None
    places = minor_exponent(currency_code)
    if decimal_places(value) > places:
        problems.add(field, SettingsErrorCode.TOO_MANY_DECIMALS, places=places)
        return None
    return int(value.scaleb(places))


def amount_text(minor: int | None, currency_code: str) -> str:
    """Minor units as the decimal people type: 490 USD → "4.90"."""
    return "" if minor is None else f"{to_decimal(minor, currency_code):f}"


def text(raw: str | None, problems: Problems, field: str, *, max_length: int, required: bool = False) -> str | None:
    """Trimmed text, None when blank."""
    value = (raw or "").strip()
    if not value:
        if required:
            problems.add(field, SettingsErrorCode.REQUIRED)
        return None
    if len(value) > max_length:
        problems.add(field, SettingsErrorCode.TOO_LONG, max=max_length)
    return value
