"""Money as integer minor units + ISO 4217 code; the one place amounts are converted and formatted."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision, list_currencies


class UnknownCurrency(ValueError):
    """Not an ISO 4217 currency code Babel knows."""


@lru_cache(maxsize=None)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def normalize_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in _known_currencies():
        raise UnknownCurrency(code)
    return code


@lru_cache(maxsize=None)
def minor_exponent(currency: str) -> int:
    """Decimal places of the currency's minor unit from CLDR/ISO 4217: USD 2, JPY 0, BHD 3."""
    return get_currency_precision(normalize_currency(currency))


def to_minor(amount: Decimal | str | int, currency: str) -> int:
    """A decimal amount ("24.90") to integer minor units (2490), rounding half up."""
    quantum = Decimal(1).scaleb(-minor_exponent(currency))
    value = Decimal(str(amount)).quantize(quantum, rounding=ROUND_HALF_UP)
    return int(value.scaleb(minor_exponent(currency)))


def to_decimal(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_exponent(currency))


def decimal_string(minor: int, currency: str) -> str:
    """Minor units as a plain decimal string, as feeds and structured data want it: 2895 EUR → "28.95"."""
    return f"{to_decimal(minor, currency):f}"


def _babel_locale(locale: str) -> Locale:
    return Locale.parse(locale.replace("-", "_"))


def format_money(minor: int, currency: str, locale: str = "en") -> str:
    """Localized price text: 1299 EUR in de → "12,99 €"; 1980 JPY in ja → "￥1,980"."""
    return format_currency(to_decimal(minor, currency), currency, locale=_babel_locale(locale))


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def format(self, locale: str = "en") -> str:
        return format_money(self.amount, self.currency, locale)

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __mul__(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)
