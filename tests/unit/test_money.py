from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.domain.money import (
    Money,
    UnknownCurrency,
    format_money,
    minor_exponent,
    normalize_currency,
    to_decimal,
    to_minor,
)


@pytest.mark.parametrize("currency, exponent", [("USD", 2), ("EUR", 2), ("JPY", 0), ("BHD", 3), ("KRW", 0)])
def test_minor_unit_exponent_comes_from_iso_4217(currency, exponent):
    assert minor_exponent(currency) == exponent


@pytest.mark.parametrize(
    "amount, currency, locale, expected",
    [
        (1299, "EUR", "de", "12,99\xa0€"),
        (1299, "USD", "en", "$12.99"),
        (1980, "JPY", "ja", "￥1,980"),
        (2499, "GBP", "en", "£24.99"),
        (123456, "EUR", "fr", "1\u202f234,56\xa0€"),
    ],
)
def test_prices_are_formatted_in_the_shoppers_locale(amount, currency, locale, expected):
    assert format_money(amount, currency, locale) == expected


def test_decimal_strings_become_minor_units_rounding_half_up():
    assert to_minor("24.90", "USD") == 2490
    assert to_minor("24.905", "USD") == 2491
    assert to_minor("1980.4", "JPY") == 1980
    assert to_minor("1.2345", "BHD") == 1235


def test_unknown_currency_is_refused():
    with pytest.raises(UnknownCurrency):
        normalize_currency("XYZ")
    assert normalize_currency(" eur ") == "EUR"


def test_money_of_different_currencies_cannot_be_added():
    with pytest.raises(ValueError):
        Money(100, "USD") + Money(100, "EUR")
    assert (Money(100, "USD") + Money(250, "USD")) * 2 == Money(700, "USD")


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(["USD", "JPY", "BHD", "EUR"]))
def test_minor_units_survive_a_round_trip_through_decimal(minor, currency):
    assert to_minor(to_decimal(minor, currency), currency) == minor
    assert isinstance(to_decimal(minor, currency), Decimal)
