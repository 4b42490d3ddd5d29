"""Checkout with a live DHL rate: the shopper pays at Stripe exactly the live price the cart showed, and a DHL
outage or a slow DHL never stops the checkout."""
from __future__ import annotations

import dataclasses
import time
from decimal import ROUND_HALF_UP, Decimal

import pytest

from storefront.domain import live_rates
from storefront.domain.money import format_money
from storefront.models import PaymentStatus, ServiceLevel, ShippingRate, ShippingRateBracket, ShippingZone, \
    ShippingZoneCountry
from tests.fakes.stripe import STRIPE_TEST_SECRET_KEY
from tests.fixtures.factories import make_fx_rates, make_product
from tests.fixtures.shipping import make_carrier_account
from tests.web.test_checkout import GERMANY, add, checkout, only_order, pay


@pytest.fixture
def live_shop(app, db, markets, fake_stripe, fake_carriers, cn_warehouse, monkeypatch):
    """The Eurozone market, a DHL Express account on the fake carriers, and a Europe zone whose DHL rate is
    quoted live (10 % + 1,00 €; 25,00 € from its table when DHL cannot say) beside a 5,00 € postal rate."""
    settings = app.config["CLIPPER"]
    monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(
        settings, stripe_secret_key=STRIPE_TEST_SECRET_KEY, stripe_api_base=fake_stripe.base_url,
        stripe_webhook_secret=fake_stripe.webhook_secret))
    make_fx_rates(db.session, {"CNY": "8"})
    warehouse = cn_warehouse
    dhl = make_carrier_account(db.session, "mydhl", server_url=fake_carriers.server_url("mydhl"), locations=[warehouse])
    zone = ShippingZone(name="Europe", countries=[ShippingZoneCountry(country_code=c) for c in ("DE", "FR", "AT")])
    zone.rates = [
        ShippingRate(name="DHL Express", service_level=ServiceLevel.EXPRESS, carrier_hint="mydhl",
                     service_hint="mydhl_express_worldwide", currency="EUR", min_days=2, max_days=4,
                     location_id=warehouse.id, live_rate=True, carrier_account_id=dhl.id, margin_bp=1000,
                     margin_fixed=100, brackets=[ShippingRateBracket(max_weight_grams=2000, price=2500)]),
        ShippingRate(name="Postal", service_level=ServiceLevel.POSTAL, currency="EUR", min_days=10, max_days=20,
                     position=1, brackets=[ShippingRateBracket(max_weight_grams=2000, price=500)]),
    ]
    db.session.add(zone)
    tee = make_product(db.session, title="Crew Tee", stock=5, location=warehouse,
                       variants=[{"price": 2000, "weight_grams": 200}])
    return {"tee": tee.variants[0]}


def stripe_options(fake_stripe, order) -> list[tuple[str, int]]:
    session = fake_stripe.session(order.stripe_checkout_session_id)
    return [(o["shipping_rate"]["display_name"], o["shipping_amount"]) for o in session["shipping_options"]]


def offered(order, name: str) -> dict:
    return next(o for o in order.attributes["shipping_options"] if o["name"] == name)


def dhl_rate_requests(fake) -> int:
    return sum(1 for carrier, _method, path, _body in fake.requests if carrier == "mydhl" and path.endswith("/rates"))


def test_the_shopper_pays_at_stripe_exactly_the_live_dhl_price_the_cart_showed(client, db, live_shop, fake_stripe,
                                                                                 fake_carriers):
    add(client, live_shop["tee"], 1)
    cart_page = client.get("/de/cart", headers=GERMANY).get_data(as_text=True)
    response = checkout(client)
    assert response.status_code == 303
    order = only_order(db)
    express = offered(order, "DHL Express")
    quote = express["carrier_quote"]
    # DHL's yuan at 8 CNY per euro, plus 10 %, plus 1,00 €
    euros = Decimal(quote["amount"]) / 100 / 8 * Decimal("1.1")
    assert quote["currency"] == "CNY"
    assert express["amount"] == int((euros * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) + 100
    assert f"DHL Express: {format_money(express['amount'], 'EUR', 'de')}" in cart_page
    assert stripe_options(fake_stripe, order) == [("Postal", 500), ("DHL Express", express["amount"])]
    assert dhl_rate_requests(fake_carriers) == 1  # the cart page's quote was reused for Stripe

    response, _event = pay(client, fake_stripe, order, shipping_rate=1)
    assert response.status_code == 200
    order = only_order(db)
    assert order.payment_status is PaymentStatus.PAID and not order.needs_review
    assert order.shipping_total == express["amount"]
    assert order.total == order.subtotal + express["amount"]


def test_with_dhl_down_the_checkout_goes_on_at_the_table_price(client, db, live_shop, fake_stripe, fake_carriers):
    fake_carriers.fail_next("mydhl", 500)
    add(client, live_shop["tee"], 1)
    response = checkout(client)
    assert response.status_code == 303 and response.headers["Location"].startswith(fake_stripe.base_url)
    order = only_order(db)
    assert stripe_options(fake_stripe, order) == [("Postal", 500), ("DHL Express", 2500)]
    assert "carrier_quote" not in offered(order, "DHL Express")
    pay(client, fake_stripe, order, shipping_rate=1)
    order = only_order(db)
    assert order.payment_status is PaymentStatus.PAID and order.shipping_total == 2500 and not order.needs_review


def test_a_slow_dhl_costs_the_shopper_at_most_the_time_box(client, db, live_shop, fake_stripe, fake_carriers):
    add(client, live_shop["tee"], 1)
    fake_carriers.delay_seconds = 5
    started = time.monotonic()
    response = checkout(client)
    waited = time.monotonic() - started
    assert response.status_code == 303
    assert waited < live_rates.TIME_BOX_SECONDS + 1.5  # the cart page and the checkout share one time-out
    assert stripe_options(fake_stripe, only_order(db)) == [("Postal", 500), ("DHL Express", 2500)]
