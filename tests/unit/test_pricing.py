"""The pricing service: what a base price becomes in each market — converted, adjusted, taxed, rounded, formatted."""
from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.domain.fx import RateTable
from storefront.domain.markets import Localization, MarketInfo
from storefront.domain.money import format_money, minor_exponent
from storefront.domain.pricing import (
    FixedPrice,
    apply_rounding,
    convert,
    market_compare_at,
    market_price,
    price_range,
    pricing_context,
    variant_compare_at,
    variant_price,
)
from storefront.domain.tax import TaxInfo, tax_for
from storefront.integrations.fx_rates import parse_ecb_xml
from storefront.models import RoundingRule, VariantMarketPrice
from tests.fakes.ecb import CANNED_XML
from tests.fixtures.factories import make_market, make_product

# ECB reference rates of 2026-11-27, per euro: USD 1.0562, JPY 162.48, GBP 0.83465, CAD 1.4752, AUD 1.6187.
ECB = parse_ecb_xml(CANNED_XML.read_bytes())
RATES = RateTable(rates=ECB.rates, rate_date=ECB.rate_date)


def market(id: int, code: str, currency: str, countries: list[str], adjustment_bp: int = 0, rounding: str = "none",
           tax_inclusive: bool = False, locale: str = "en", is_default: bool = False) -> MarketInfo:
    return MarketInfo(id=id, code=code, name=code, currency=currency, default_locale=locale, locales=(locale,),
                      countries=frozenset(countries), price_adjustment_bp=adjustment_bp, rounding_rule=rounding,
                      tax_inclusive=tax_inclusive, duties_policy="DAP", is_default=is_default, position=id)


# The demo seller's markets (storefront/demo/store_setup.py), written out so the tests do not follow the seed.
US = market(1, "US", "USD", ["US", "PR"])
EU = market(2, "EU", "EUR", ["DE", "FR", "FI", "AT"], 200, "ending_95", tax_inclusive=True, locale="de")
GB = market(3, "GB", "GBP", ["GB"], 200, "ending_99", tax_inclusive=True)
JP = market(4, "JP", "JPY", ["JP"], 300, "nearest_10", tax_inclusive=True, locale="ja")
CA = market(5, "CA", "CAD", ["CA"], 100, "ending_99")
AU = market(6, "AU", "AUD", ["AU"], 200, "ending_95", tax_inclusive=True)
INTL = market(7, "INTL", "USD", [], is_default=True)
DEMO_MARKETS = (US, EU, GB, JP, CA, AU, INTL)


def vat(country: str, rate: str, inclusive: bool = True, region: str | None = None) -> TaxInfo:
    return TaxInfo(country, region, "VAT", Decimal(rate), inclusive, None, None)


TAXES = {
    ("DE", None): vat("DE", "19"),
    ("FR", None): vat("FR", "20"),
    ("FI", None): vat("FI", "25.5"),
    ("NO", None): vat("NO", "25"),
    ("GB", None): vat("GB", "20"),
    ("JP", None): vat("JP", "10"),
    ("AU", None): vat("AU", "10"),
    ("CA", None): vat("CA", "5", inclusive=False),
    ("CA", "ON"): vat("CA", "13", inclusive=False, region="ON"),
}

# A shopper's country for each market, to price every market the way its own shoppers see it.
HOME_COUNTRY = {"US": "US", "EU": "DE", "GB": "GB", "JP": "JP", "CA": "CA", "AU": "AU", "INTL": "BR"}


def context(market: MarketInfo, country: str | None, currency: str | None = None, base_currency: str = "USD"):
    return pricing_context(base_currency, Localization(market, country, currency or market.currency), RATES, TAXES)


def home_context(market: MarketInfo):
    return context(market, HOME_COUNTRY[market.code])


# --- What US$24.90 becomes in every market ---------------------------------------------------------------------


def test_german_shopper_sees_euro_price_with_vat_rounded_to_95():
    # 24.90 USD / 1.0562 USD per EUR = 23.5751 EUR; × 1.02 market adjustment = 24.0466; × 1.19 German VAT
    # = 28.6154 → 2862 cents → ending_95 → 28.95 €
    ctx = context(EU, "DE")
    assert convert(ctx, 2490) == 2895
    assert format_money(convert(ctx, 2490), "EUR", "de") == "28,95\xa0€"


def test_finnish_shopper_pays_finnish_vat_in_the_same_euro_market():
    # 24.0466 EUR (converted and adjusted as for Germany) × 1.255 Finnish VAT = 30.1785 → 3018 → ending_95 → 30.95 €
    assert convert(context(EU, "FI"), 2490) == 3095


def test_shopper_outside_the_eurozone_paying_in_euros_sees_no_vat_they_do_not_owe():
    # A US address has no VAT: 24.90 / 1.0562 × 1.02 = 24.0466 → 2405 → ending_95 → 24.95 €
    ctx = context(EU, "US")
    assert not ctx.prices_include_tax
    assert convert(ctx, 2490) == 2495


@pytest.mark.parametrize(
    "shopper_market, country, locale, expected_minor, expected_text",
    [
        # No conversion, no adjustment, no rounding, US sales tax is added at checkout.
        (US, "US", "en", 2490, "$24.90"),
        # 24.90 × 0.83465 / 1.0562 = 19.6772 GBP; × 1.02 × 1.20 UK VAT = 24.0846 → 2408 → ending_99 → £24.99
        (GB, "GB", "en", 2499, "£24.99"),
        # 24.90 × 162.48 / 1.0562 = 3830.50 JPY; × 1.03 × 1.10 JCT = 4339.93 → ¥4340 → nearest_10 → ¥4340
        (JP, "JP", "ja", 4340, "￥4,340"),
        (JP, "JP", "en", 4340, "¥4,340"),
        # 24.90 × 1.4752 / 1.0562 = 34.7780 CAD; × 1.01 = 35.1257, GST not included → 3513 → ending_99 → CA$35.99
        (CA, "CA", "en", 3599, "CA$35.99"),
        # 24.90 × 1.6187 / 1.0562 = 38.1610 AUD; × 1.02 × 1.10 GST = 42.8166 → 4282 → ending_95 → A$42.95
        (AU, "AU", "en", 4295, "A$42.95"),
        # Rest of world: the base price as it is, VAT (if any) is settled at the border, not shown here.
        (INTL, "BR", "en", 2490, "$24.90"),
        (INTL, "NO", "en", 2490, "$24.90"),
    ],
    ids=["us", "uk", "japan-ja", "japan-en", "canada", "australia", "brazil", "norway"],
)
def test_shopper_sees_the_base_price_converted_taxed_and_rounded_for_their_market(
        shopper_market, country, locale, expected_minor, expected_text):
    ctx = context(shopper_market, country)
    price = convert(ctx, 2490)
    assert price == expected_minor
    assert format_money(price, ctx.currency, locale) == expected_text


def test_canadian_prices_leave_provincial_tax_for_checkout():
    # Ontario's 13 % HST would make it 35.1257 × 1.13 = 39.69 → CA$39.99; the CA market shows prices before tax.
    assert convert(context(CA, "CA"), 2490) == convert(context(CA, "CA"), 2490, with_tax=False) == 3599


def test_canadian_shopper_paying_in_pounds_sees_no_gst_folded_into_the_price():
    # Canada shows prices before tax (the province sets the rate at checkout), even in a VAT-inclusive market:
    # 24.90 × 0.83465 / 1.0562 × 1.02 = 20.0705 GBP → 2007 → ending_99 → £20.99 (not × 1.05 GST = 21.07 → £21.99)
    ctx = context(GB, "CA")
    assert not ctx.prices_include_tax and ctx.display_tax_rate == 0
    assert convert(ctx, 2490) == 2099


def test_converted_price_is_rounded_half_up_to_the_cent_when_the_market_has_no_rounding_rule():
    # 24.90 / 1.0562 = 23.57508 EUR → 2357.508 cents → 2358, not cut down to 2357
    plain_euros = dataclasses.replace(EU, price_adjustment_bp=0, rounding_rule="none", tax_inclusive=False)
    assert convert(context(plain_euros, "DE"), 2490) == 2358


def test_province_with_its_own_rate_pays_it_and_the_others_pay_the_federal_gst():
    assert tax_for(TAXES, "CA", "ON").rate == Decimal("13")
    assert tax_for(TAXES, "CA", "YT").rate == Decimal("5")
    assert tax_for(TAXES, "CA").rate == Decimal("5")
    assert tax_for(TAXES, "US") is None
    assert tax_for(TAXES, None) is None


def test_price_without_tax_leaves_out_the_vat_but_keeps_conversion_and_rounding():
    # 24.90 / 1.0562 × 1.02 = 24.0466 → 2405 → ending_95 → 24.95 €
    assert convert(context(EU, "DE"), 2490, with_tax=False) == 2495


def test_japanese_price_is_whole_yen_with_no_decimals_in_the_text():
    # 9.90 × 162.48 / 1.0562 × 1.03 × 1.10 = 1725.52 → ¥1726 → nearest_10 → ¥1730
    price = convert(context(JP, "JP"), 990)
    assert price == 1730 and isinstance(price, int)
    assert format_money(price, "JPY", "ja") == "￥1,730"


def test_price_context_records_the_rate_and_its_date_for_the_order():
    ctx = context(EU, "DE")
    assert ctx.fx_rate == 1 / Decimal("1.0562")
    assert ctx.fx_rate_date == ECB.rate_date
    assert ctx.display_tax_rate == Decimal("19")


def test_a_free_product_stays_free_in_every_market():
    for shopper_market in DEMO_MARKETS:
        assert convert(home_context(shopper_market), 0) == 0


# --- Fixed market prices and "was" prices ---------------------------------------------------------------------


def test_fixed_market_price_wins_over_conversion_and_is_not_rerounded():
    ctx = context(EU, "DE")
    assert market_price(ctx, 2490, FixedPrice(2712, None)) == 2712
    assert market_price(ctx, 2490) == 2895


def test_german_shopper_sees_the_fixed_euro_price_set_for_the_eurozone(db):
    eurozone = make_market(db.session, "EZ", currency="EUR", countries=["DE"])
    uk = make_market(db.session, "UK", currency="GBP", countries=["GB"])
    variant = make_product(db.session, variants=[{"price": 2490, "compare_at_price": 3490}]).variants[0]
    variant.market_prices.append(VariantMarketPrice(market_id=eurozone.id, currency="EUR", price=2500,
                                                    compare_at_price=2900))
    db.session.flush()
    german = context(dataclasses.replace(EU, id=eurozone.id), "DE")
    british = context(dataclasses.replace(GB, id=uk.id), "GB")
    assert (variant_price(german, variant), variant_compare_at(german, variant)) == (2500, 2900)
    # 34.90 × 0.83465 / 1.0562 × 1.02 × 1.20 = 33.757 → £33.99 was, £24.99 now
    assert (variant_price(british, variant), variant_compare_at(british, variant)) == (2499, 3399)


def test_fixed_price_kept_in_a_currency_the_market_no_longer_uses_is_ignored(db):
    eurozone = make_market(db.session, "EZ", currency="EUR", countries=["DE"])
    variant = make_product(db.session, variants=[{"price": 2490}]).variants[0]
    variant.market_prices.append(VariantMarketPrice(market_id=eurozone.id, currency="USD", price=100))
    db.session.flush()
    assert variant_price(context(dataclasses.replace(EU, id=eurozone.id), "DE"), variant) == 2895


def test_product_price_range_spans_its_cheapest_and_dearest_variant_in_the_market(db):
    product = make_product(db.session, variants=[{"price": 3490}, {"price": 2490}, {"price": 2500}])
    # 34.90 → 40.1076 € → 40.95 €; 24.90 → 28.95 €; 25.00 → 28.7304 € → 28.95 €
    assert price_range(context(EU, "DE"), product.variants) == (2895, 4095)
    assert price_range(context(EU, "DE"), []) == (0, 0)


def test_compare_at_price_is_shown_when_it_is_higher_after_conversion():
    ctx = context(EU, "DE")
    # 34.90 / 1.0562 × 1.02 × 1.19 = 40.1076 → 4011 → ending_95 → 40.95 €
    assert market_compare_at(ctx, 3490, price=2895) == 4095


@pytest.mark.parametrize("base_compare_at", [None, 0, 2490, 1990, 2500], ids=["none", "zero", "equal", "lower",
                                                                              "same-after-rounding"])
def test_compare_at_price_is_hidden_unless_it_is_really_higher(base_compare_at):
    # 25.00 / 1.0562 × 1.02 × 1.19 = 28.7304 → ending_95 → 28.95 €, the same as the 24.90 price: no fake discount.
    ctx = context(EU, "DE")
    assert market_compare_at(ctx, base_compare_at, price=convert(ctx, 2490)) is None


@pytest.mark.parametrize(
    "fixed, shown",
    [(FixedPrice(2500, 2900), 2900), (FixedPrice(2500, 2500), None), (FixedPrice(2500, 2000), None),
     (FixedPrice(2500, None), None)],
    ids=["higher", "equal", "lower", "unset"],
)
def test_fixed_compare_at_price_is_shown_only_when_higher_than_the_fixed_price(fixed, shown):
    # The base compare-at (US$99) must not leak into a market whose price was set by hand.
    ctx = context(EU, "DE")
    assert market_compare_at(ctx, 9900, market_price(ctx, 2490, fixed), fixed) == shown


# --- Rounding rules ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, currency, rule, expected",
    [
        (2862, "EUR", "ending_99", 2899),
        (2899, "EUR", "ending_99", 2899),
        (2900, "EUR", "ending_99", 2999),
        (1, "GBP", "ending_99", 99),
        (2862, "EUR", "ending_95", 2895),
        (2895, "EUR", "ending_95", 2895),
        (2896, "EUR", "ending_95", 2995),
        (10, "AUD", "ending_95", 95),
        (2801, "USD", "whole", 2900),
        (2800, "USD", "whole", 2800),
        (4334, "JPY", "nearest_10", 4330),
        (4335, "JPY", "nearest_10", 4340),
        (3, "JPY", "nearest_10", 10),
        (4349, "JPY", "nearest_100", 4300),
        (4350, "JPY", "nearest_100", 4400),
        (2862, "USD", "nearest_10", 3000),
        (2862, "USD", "none", 2862),
        # The yen has no decimals: there is no ".99" or ".95" to end on, and every yen is already whole.
        (4337, "JPY", "ending_99", 4337),
        (4337, "JPY", "ending_95", 4337),
        (4337, "JPY", "whole", 4337),
        # Three decimals (fils): .99 and .95 of a dinar, like cents of a dollar.
        (24862, "BHD", "ending_99", 24990),
        (24862, "BHD", "ending_95", 24950),
        (24991, "BHD", "ending_99", 25990),
        (24001, "BHD", "whole", 25000),
    ],
)
def test_market_rounding_rule_gives_the_price_shoppers_expect(amount, currency, rule, expected):
    assert apply_rounding(amount, currency, rule) == expected


@pytest.mark.parametrize("rule", list(RoundingRule))
@pytest.mark.parametrize("currency", ["USD", "JPY", "BHD"])
def test_zero_stays_zero_under_every_rounding_rule(rule, currency):
    assert apply_rounding(0, currency, rule) == 0


def test_rounding_rule_can_be_given_by_name_but_not_made_up():
    assert apply_rounding(2862, "EUR", "ending_95") == apply_rounding(2862, "EUR", RoundingRule.ENDING_95) == 2895
    with pytest.raises(ValueError):
        apply_rounding(2862, "EUR", "ending_49")


# --- Properties ---------------------------------------------------------------------------------------------------

ROUNDING_CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CAD", "AUD", "BHD"]
amounts = st.integers(min_value=0, max_value=10**10)
markets = st.sampled_from(DEMO_MARKETS)


def step_of(currency: str, rule: RoundingRule) -> int:
    return 10 ** minor_exponent(currency) * (10 if rule is RoundingRule.NEAREST_10 else 100)


@given(markets, st.integers(min_value=-10**9, max_value=10**10), st.booleans(),
       st.integers(min_value=-9999, max_value=5000))
def test_converted_price_is_never_negative(shopper_market, base, with_tax, adjustment_bp):
    # The database allows adjustments down to -99.99 % (a clearance market); prices still never go below zero.
    shopper_market = dataclasses.replace(shopper_market, price_adjustment_bp=adjustment_bp)
    assert convert(home_context(shopper_market), base, with_tax=with_tax) >= 0


@given(st.integers(min_value=-10**10, max_value=10**10), st.sampled_from(ROUNDING_CURRENCIES),
       st.sampled_from(list(RoundingRule)))
def test_rounding_never_turns_a_price_negative(amount, currency, rule):
    assert apply_rounding(amount, currency, rule) >= 0


@given(amounts, st.sampled_from(ROUNDING_CURRENCIES), st.sampled_from(list(RoundingRule)))
def test_rounding_an_already_rounded_price_changes_nothing(amount, currency, rule):
    once = apply_rounding(amount, currency, rule)
    assert apply_rounding(once, currency, rule) == once


@given(amounts, st.sampled_from(ROUNDING_CURRENCIES), st.sampled_from([RoundingRule.NEAREST_10,
                                                                      RoundingRule.NEAREST_100]))
def test_rounding_to_nearest_never_takes_off_more_than_half_a_step(amount, currency, rule):
    assert apply_rounding(amount, currency, rule) >= amount - step_of(currency, rule) // 2


@given(amounts, st.sampled_from(ROUNDING_CURRENCIES),
       st.sampled_from([RoundingRule.ENDING_99, RoundingRule.ENDING_95, RoundingRule.WHOLE, RoundingRule.NONE]))
def test_charm_and_whole_rounding_never_lowers_a_price(amount, currency, rule):
    rounded = apply_rounding(amount, currency, rule)
    assert amount <= rounded < amount + 10 ** minor_exponent(currency)


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from(["JP", "US", "DE", "BR"]))
def test_japanese_market_prices_are_whole_yen_ending_in_zero(base, country):
    price = convert(context(JP, country), base)
    assert isinstance(price, int)
    assert price % 10 == 0 and price >= 10


@given(markets, amounts, amounts)
def test_a_dearer_base_price_never_shows_as_cheaper_in_a_market(shopper_market, a, b):
    low, high = sorted((a, b))
    ctx = home_context(shopper_market)
    assert convert(ctx, low) <= convert(ctx, high)
