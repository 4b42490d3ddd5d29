"""Which market, country and currency a shopper is priced in, and what stock can be sold to them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from storefront.domain.catalog.display import product_card, product_view
from storefront.domain.catalog.stock import available_quantity, is_available, load_locations
from storefront.domain.fx import RateTable
from storefront.domain.markets import MarketInfo, fallback_market, localize
from storefront.domain.pricing import pricing_context
from storefront.models import InventoryLevel, InventoryPolicy
from tests.fixtures.factories import make_location, make_product


def market(id: int, code: str, currency: str, countries: list[str], is_default: bool = False) -> MarketInfo:
    return MarketInfo(id=id, code=code, name=code, currency=currency, default_locale="en", locales=("en",),
                      countries=frozenset(countries), price_adjustment_bp=0, rounding_rule="none",
                      tax_inclusive=False, duties_policy="DAP", is_default=is_default, position=id)


# The demo seller's markets, in their order; the default market (rest of world) comes last.
US = market(1, "US", "USD", ["US", "PR"])
EU = market(2, "EU", "EUR", ["DE", "FR", "AT", "NL"])
GB = market(3, "GB", "GBP", ["GB"])
JP = market(4, "JP", "JPY", ["JP"])
CA = market(5, "CA", "CAD", ["CA"])
AU = market(6, "AU", "AUD", ["AU"])
INTL = market(7, "INTL", "USD", [], is_default=True)
MARKETS = (US, EU, GB, JP, CA, AU, INTL)

# Non-ASCII letters that upper-case into real codes: "ß" → SS (South Sudan), "ﬁ" → FI, "ıt" → IT, "ſe" → SE.
JUNK_COUNTRIES = ["XX", "deu", "", "   ", "<script>", "UK", "EU", "T1", "D", "ß", "ﬁ", "ıt", "ſe"]


def where(localization) -> tuple[str, str | None, str]:
    return localization.market.code, localization.country, localization.currency


# --- Country: cookie → ?country= → CDN header → default ------------------------------------------------------------


def test_shopper_without_any_country_hint_is_priced_in_the_default_market():
    assert where(localize(MARKETS)) == ("INTL", None, "USD")


def test_german_visitor_detected_by_the_cdn_sees_euros():
    assert where(localize(MARKETS, header_country="DE")) == ("EU", "DE", "EUR")


def test_country_in_the_link_beats_the_cdn_header():
    assert where(localize(MARKETS, query_country="GB", header_country="DE")) == ("GB", "GB", "GBP")


def test_country_the_shopper_chose_beats_the_link_and_the_header():
    assert where(localize(MARKETS, chosen_country="JP", query_country="GB", header_country="DE")) == ("JP", "JP", "JPY")


def test_country_codes_are_read_regardless_of_case_and_spaces():
    assert where(localize(MARKETS, chosen_country=" fr ")) == ("EU", "FR", "EUR")


def test_shopper_from_a_country_no_market_lists_gets_the_default_market_and_keeps_their_country():
    assert where(localize(MARKETS, header_country="BR")) == ("INTL", "BR", "USD")


@pytest.mark.parametrize("junk", JUNK_COUNTRIES)
def test_junk_country_in_the_cookie_falls_through_to_the_link(junk):
    assert where(localize(MARKETS, chosen_country=junk, query_country="NL")) == ("EU", "NL", "EUR")


@pytest.mark.parametrize("junk", JUNK_COUNTRIES)
def test_junk_country_in_the_link_falls_through_to_the_header(junk):
    assert where(localize(MARKETS, query_country=junk, header_country="GB")) == ("GB", "GB", "GBP")


@pytest.mark.parametrize("junk", JUNK_COUNTRIES)
def test_junk_country_everywhere_gives_the_default_market_and_no_country(junk):
    assert where(localize(MARKETS, chosen_country=junk, query_country=junk, header_country=junk)) == (
        "INTL", None, "USD")


# --- Currency the shopper asks for ----------------------------------------------------------------------------------


def test_german_shopper_asking_for_pounds_is_priced_in_the_uk_market():
    assert where(localize(MARKETS, header_country="DE", currency="GBP")) == ("GB", "DE", "GBP")


def test_currency_codes_are_read_regardless_of_case():
    assert where(localize(MARKETS, header_country="DE", currency=" gbp ")) == ("GB", "DE", "GBP")


def test_german_shopper_asking_for_dollars_gets_the_default_market_not_the_us_one():
    assert where(localize(MARKETS, header_country="DE", currency="USD")) == ("INTL", "DE", "USD")


@pytest.mark.parametrize("country", ["US", "PR"])
def test_us_shopper_asking_for_dollars_stays_in_the_us_market(country):
    assert where(localize(MARKETS, header_country=country, currency="USD")) == ("US", country, "USD")


def test_american_shopper_asking_for_euros_gets_the_market_that_sells_in_euros():
    assert where(localize(MARKETS, header_country="US", currency="EUR")) == ("EU", "US", "EUR")


def test_shopper_with_no_country_asking_for_yen_gets_the_japanese_market():
    assert where(localize(MARKETS, currency="JPY")) == ("JP", None, "JPY")


@pytest.mark.parametrize("currency", ["XYZ", "EURO", "€", "<script>", "", "   "])
def test_unknown_currency_is_ignored(currency):
    assert where(localize(MARKETS, header_country="DE", currency=currency)) == ("EU", "DE", "EUR")


@pytest.mark.parametrize("currency", ["CHF", "CNY", "BHD"])
def test_currency_no_market_sells_in_is_ignored(currency):
    assert where(localize(MARKETS, header_country="DE", currency=currency)) == ("EU", "DE", "EUR")


def test_without_a_flagged_default_the_first_market_is_the_default():
    markets = (EU, GB)
    assert where(localize(markets, header_country="BR")) == ("EU", "BR", "EUR")
    assert where(localize(markets, header_country="BR", currency="GBP")) == ("GB", "BR", "GBP")


# --- A store that has configured no markets -------------------------------------------------------------------------


def test_store_without_markets_sells_everywhere_in_its_base_currency():
    only = (fallback_market("EUR", "de"),)
    assert where(localize(only, header_country="JP")) == ("DEFAULT", "JP", "EUR")
    assert where(localize(only, header_country="JP", currency="JPY")) == ("DEFAULT", "JP", "EUR")
    assert where(localize(only)) == ("DEFAULT", None, "EUR")


def test_fallback_market_adds_nothing_to_the_base_price():
    fallback = fallback_market("USD", "en")
    assert (fallback.price_adjustment_bp, fallback.rounding_rule, fallback.tax_inclusive) == (0, "none", False)
    assert fallback.is_default and fallback.locales == ("en",)


def test_store_without_markets_needs_the_fallback_market():
    with pytest.raises(LookupError):
        localize((), header_country="DE")


# --- Availability: stock counts only where it can be shipped from -------------------------------------------------


@pytest.fixture
def us_warehouse(db):
    return make_location(db.session, code="US-EWR", country_code="US", ships_to=["US", "CA"])


def test_stock_in_a_us_only_warehouse_does_not_make_a_product_available_in_germany(db, us_warehouse):
    variant = make_product(db.session, stock=5, location=us_warehouse).variants[0]
    locations = load_locations(db.session)
    assert available_quantity(variant, locations, "DE") == 0
    assert not is_available(variant, locations, "DE")
    assert available_quantity(variant, locations, "US") == 5
    assert is_available(variant, locations, "CA")


def test_shopper_sees_only_the_units_that_can_ship_to_them(db, us_warehouse):
    shenzhen = make_location(db.session, code="CN-SZX", ships_to=["*"])
    variant = make_product(db.session, stock=3, location=shenzhen).variants[0]
    variant.inventory_levels.append(InventoryLevel(location_id=us_warehouse.id, on_hand=5))
    db.session.flush()
    locations = load_locations(db.session)
    assert available_quantity(variant, locations, "DE") == 3
    assert available_quantity(variant, locations, "US") == 8


def test_units_reserved_for_other_orders_are_not_for_sale(db):
    variant = make_product(db.session, stock=2).variants[0]
    variant.inventory_levels[0].reserved = 2
    db.session.flush()
    locations = load_locations(db.session)
    assert available_quantity(variant, locations, "DE") == 0
    assert not is_available(variant, locations, "DE")


def test_stock_in_a_closed_warehouse_is_not_for_sale(db):
    closed = make_location(db.session, active=False)
    variant = make_product(db.session, stock=5, location=closed).variants[0]
    assert not is_available(variant, load_locations(db.session), "DE")


def test_untracked_variant_is_always_available_without_a_count(db, us_warehouse):
    product = make_product(db.session, stock=0, location=us_warehouse, variants=[{"track_inventory": False}])
    variant = product.variants[0]
    locations = load_locations(db.session)
    for country in ["DE", "US", "JP"]:
        assert available_quantity(variant, locations, country) is None
        assert is_available(variant, locations, country)


def test_variant_that_keeps_selling_when_out_of_stock_stays_available(db):
    variant = make_product(db.session, stock=0, variants=[{"inventory_policy": InventoryPolicy.CONTINUE}]).variants[0]
    locations = load_locations(db.session)
    assert available_quantity(variant, locations, "DE") == 0
    assert is_available(variant, locations, "DE")


def test_product_stocked_only_in_new_jersey_is_sold_out_for_germans_but_not_for_americans(db, us_warehouse):
    product = make_product(db.session, stock=4, location=us_warehouse)
    locations = load_locations(db.session)
    rates = RateTable(rates={"USD": Decimal("1.0562")})

    def seen_from(shopper_market: MarketInfo, country: str):
        ctx = pricing_context("USD", localize(MARKETS, header_country=country), rates, {})
        assert ctx.market == shopper_market
        return product_card(product, ctx, "en", locations), product_view(product, ctx, "en", locations)

    german_card, german_view = seen_from(EU, "DE")
    assert not german_card.available and not german_view.available
    assert german_view.variants[0].quantity == 0
    american_card, american_view = seen_from(US, "US")
    assert american_card.available and american_view.available
    assert american_view.variants[0].quantity == 4
