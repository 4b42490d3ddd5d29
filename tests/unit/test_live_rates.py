"""Live carrier rates at checkout: DHL's price in the shopper's currency plus margin, table price when DHL fails."""
from __future__ import annotations

import logging
import time
from decimal import ROUND_HALF_UP, Decimal

import pytest

from storefront.domain import live_rates, shipping
from storefront.domain.fx import RateTable
from storefront.domain.markets import MarketInfo
from storefront.domain.pricing import PricingContext
from storefront.extensions import cache
from storefront.models import ServiceLevel, ShippingRate, ShippingRateBracket, ShippingZone, ShippingZoneCountry
from tests.fixtures.shipping import make_box_preset, make_carrier_account

# Per euro, as the ECB publishes them.
RATES = RateTable(rates={"USD": Decimal("1.25"), "CNY": Decimal("8"), "GBP": Decimal("0.85"), "JPY": Decimal("160")})


def context(currency: str = "EUR", country: str = "DE", rounding: str = "none") -> PricingContext:
    market = MarketInfo(id=2, code="EU", name="Eurozone", currency=currency, default_locale="de", locales=("de",),
                        countries=frozenset({country}), price_adjustment_bp=0, rounding_rule=rounding,
                        tax_inclusive=False, duties_policy="DDP", is_default=False, position=1)
    return PricingContext(base_currency="USD", market=market, country=country, currency=currency,
                          fx_rate=RATES.rate("USD", currency), fx_rate_date=None, tax=None)


@pytest.fixture
def desk(db, fake_carriers, cn_warehouse):
    """A Shenzhen warehouse, a DHL Express account on the fake, and a Europe zone (EUR) with a live DHL rate
    (10 % + 1,00 €, table price 25,00 € up to 2 kg) beside a postal table rate (5,00 €)."""
    cache.clear()
    warehouse = cn_warehouse
    dhl = make_carrier_account(db.session, "mydhl", server_url=fake_carriers.server_url("mydhl"), locations=[warehouse])
    zone = ShippingZone(name="Europe", countries=[ShippingZoneCountry(country_code=c) for c in ("DE", "FR")])
    express = ShippingRate(name="DHL Express", service_level=ServiceLevel.EXPRESS, carrier_hint="mydhl",
                           service_hint="mydhl_express_worldwide", currency="EUR", min_days=2, max_days=4,
                           location_id=warehouse.id, live_rate=True, carrier_account_id=dhl.id, margin_bp=1000,
                           margin_fixed=100, brackets=[ShippingRateBracket(max_weight_grams=2000, price=2500)])
    postal = ShippingRate(name="Postal", service_level=ServiceLevel.POSTAL, currency="EUR", min_days=10, max_days=20,
                          position=1, brackets=[ShippingRateBracket(max_weight_grams=2000, price=500)])
    zone.rates = [express, postal]
    db.session.add(zone)
    db.session.flush()
    yield {"account": dhl, "express": express, "postal": postal, "warehouse": warehouse}
    cache.clear()


def options(db, weight_grams: int = 600, subtotal: int = 4000, **kwargs) -> dict[str, shipping.ShippingOption]:
    found = shipping.options_for(db.session, kwargs.pop("ctx", context()), RATES, country=kwargs.pop("country", "DE"),
                                 weight_grams=weight_grams, subtotal=subtotal, locale="de", **kwargs)
    return {option.name: option for option in found}


def marked_up(carrier_quote: dict, margin_bp: int, fixed: int, rate: Decimal) -> int:
    """The carrier's amount in euros (minor units), plus margin_bp, plus the fixed margin, by hand."""
    euros = Decimal(carrier_quote["amount"]) / 100 / rate * (1 + Decimal(margin_bp) / 10000)
    return int((euros * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) + fixed


def dhl_rate_requests(fake) -> list[dict]:
    return [body for carrier, method, path, body in fake.requests if carrier == "mydhl" and path.endswith("/rates")]


def test_the_live_rate_is_dhls_price_in_euros_plus_the_margin(db, desk, fake_carriers):
    shown = options(db)
    express = shown["DHL Express"]
    assert express.live and express.currency == "EUR" and not express.free
    assert express.carrier_quote["currency"] == "CNY" and express.carrier_quote["amount"] > 0
    assert express.price == marked_up(express.carrier_quote, 1000, 100, RATES.rate("EUR", "CNY"))
    assert express.price != 2500
    assert shown["Postal"].price == 500 and not shown["Postal"].live
    [asked] = dhl_rate_requests(fake_carriers)
    receiver = asked["customerDetails"]["receiverDetails"]
    assert receiver["countryCode"] == "DE" and receiver["postalCode"] and receiver["cityName"]
    assert asked["customerDetails"]["shipperDetails"]["countryCode"] == "CN"
    # 600 g of goods + 150 g of packaging, quoted at the next half kilo
    assert asked["packages"][0]["weight"] == 1.0


def test_the_cart_is_quoted_packed_in_the_default_box(db, desk, fake_carriers):
    make_box_preset(db.session, name="Small mailer", length_mm=220, width_mm=160, height_mm=80,
                    tare_weight_grams=450, max_weight_grams=2000, is_default=True)
    options(db, weight_grams=600)
    [asked] = dhl_rate_requests(fake_carriers)
    package = asked["packages"][0]
    assert package["weight"] == 1.5  # 600 g of goods + the 450 g box, at the next half kilo
    assert package["dimensions"] == {"length": 22, "width": 16, "height": 8}


def test_the_shoppers_postal_code_is_quoted_when_known(db, desk, fake_carriers):
    options(db, postal_code="80331")
    [asked] = dhl_rate_requests(fake_carriers)
    assert asked["customerDetails"]["receiverDetails"]["postalCode"] == "80331"


def test_a_second_page_view_uses_the_cached_quote_until_the_parcel_gets_heavier(db, desk, fake_carriers):
    first = options(db, weight_grams=600)["DHL Express"]
    again = options(db, weight_grams=700)["DHL Express"]  # same half-kilo step
    assert again.price == first.price and len(dhl_rate_requests(fake_carriers)) == 1
    heavier = options(db, weight_grams=1200)["DHL Express"]
    assert len(dhl_rate_requests(fake_carriers)) == 2
    assert heavier.live and heavier.price > first.price


def test_when_dhl_fails_the_table_price_is_offered_and_a_warning_logged(db, desk, fake_carriers, caplog):
    fake_carriers.fail_next("mydhl", 500)
    with caplog.at_level(logging.WARNING, logger="storefront.domain.live_rates"):
        express = options(db)["DHL Express"]
    assert (express.price, express.live, express.carrier_quote) == (2500, False, None)
    assert any("mydhl" in record.getMessage() for record in caplog.records)


def test_after_a_failure_dhl_is_left_alone_for_a_while(db, desk, fake_carriers):
    fake_carriers.fail_next("mydhl", 503)
    assert options(db)["DHL Express"].price == 2500
    assert options(db)["DHL Express"].price == 2500
    assert len(dhl_rate_requests(fake_carriers)) == 1


def test_when_dhl_fails_a_live_rate_without_brackets_is_left_out(db, desk, fake_carriers):
    desk["express"].brackets = []
    db.session.flush()
    fake_carriers.fail_next("mydhl", 500)
    assert set(options(db)) == {"Postal"}


def test_a_slow_carrier_gets_the_table_price_within_the_time_box(db, desk, fake_carriers):
    fake_carriers.delay_seconds = 5
    started = time.monotonic()
    express = options(db)["DHL Express"]
    waited = time.monotonic() - started
    assert (express.price, express.live) == (2500, False)
    assert live_rates.TIME_BOX_SECONDS <= waited < live_rates.TIME_BOX_SECONDS + 1.0


def test_a_shorter_time_box_is_kept_too(db, desk, fake_carriers):
    fake_carriers.delay_seconds = 5
    started = time.monotonic()
    assert options(db, live_time_box=0.5)["DHL Express"].price == 2500
    assert time.monotonic() - started < 1.5


def test_free_shipping_over_the_threshold_needs_no_carrier(db, desk, fake_carriers):
    desk["express"].free_over = 10000
    db.session.flush()
    express = options(db, subtotal=12000)["DHL Express"]
    assert (express.price, express.free) == (0, True)
    assert dhl_rate_requests(fake_carriers) == []


def test_the_markets_rounding_rule_applies_to_the_live_price(db, desk, fake_carriers):
    express = options(db, ctx=context(rounding="ending_95"))["DHL Express"]
    assert express.live and express.price % 100 == 95
    assert 0 <= express.price - marked_up(express.carrier_quote, 1000, 100, RATES.rate("EUR", "CNY")) < 100


def test_without_an_exchange_rate_for_the_carriers_currency_the_table_price_is_used(db, desk, fake_carriers):
    no_yuan = RateTable(rates={"USD": Decimal("1.25")})
    found = shipping.options_for(db.session, context(), no_yuan, country="DE", weight_grams=600, subtotal=4000,
                                 locale="de")
    express = next(o for o in found if o.name == "DHL Express")
    assert (express.price, express.live) == (2500, False)


def test_a_switched_off_carrier_account_is_not_asked(db, desk, fake_carriers):
    desk["account"].active = False
    db.session.flush()
    assert options(db)["DHL Express"].price == 2500
    assert dhl_rate_requests(fake_carriers) == []


def test_quotes_are_cached_per_account_service_warehouse_country_postal_prefix_and_weight_step():
    assert [live_rates.quote_weight(g) for g in (1, 500, 501, 1999)] == [500, 500, 1000, 2000]
    key = live_rates.cache_key(7, "mydhl_express_worldwide", 1, "GB", "sw1a 1aa", 1000)
    assert key == live_rates.cache_key(7, "mydhl_express_worldwide", 1, "GB", "SW1A 2BB", 1000)
    assert key != live_rates.cache_key(8, "mydhl_express_worldwide", 1, "GB", "SW1A 1AA", 1000)
    assert key != live_rates.cache_key(7, "mydhl_express_12_00", 1, "GB", "SW1A 1AA", 1000)
    assert key != live_rates.cache_key(7, "mydhl_express_worldwide", 2, "GB", "SW1A 1AA", 1000)
    assert key != live_rates.cache_key(7, "mydhl_express_worldwide", 1, "GB", "EC1A 1BB", 1000)
    assert key != live_rates.cache_key(7, "mydhl_express_worldwide", 1, "FR", "SW1A 1AA", 1000)
    assert key != live_rates.cache_key(7, "mydhl_express_worldwide", 1, "GB", "SW1A 1AA", 1500)
