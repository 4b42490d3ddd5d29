"""Automatic discounts as shoppers meet them: the product page line, the cart, /cart.js, Stripe and the paid order."""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from storefront.models import DiscountAmount, DiscountCode, DiscountRedemption, Order, PaymentStatus
from tests.fakes.stripe import STRIPE_TEST_SECRET_KEY, webhook_headers
from tests.fixtures.factories import make_discount_code, make_product, make_shipping_zone

XHR = {"X-Requested-With": "XMLHttpRequest"}
GERMANY = {"CF-IPCountry": "DE"}
JAPAN = {"CF-IPCountry": "JP"}
USA = {"CF-IPCountry": "US"}
NOW = datetime(2026, 5, 4, 12, 0, tzinfo=timezone.utc)
TITLE = "Spend 80, save 10 %"


def make_automatic(session, code="AUTO-10-OVER-80", **overrides) -> DiscountCode:
    """10 % off orders of $80 or more (64,00 € at the test rate), ¥12,000 or more in Japan."""
    discount = make_discount_code(session, code, title=TITLE, is_automatic=True, minimum_subtotal=8000,
                                  **overrides)
    discount.amounts = [DiscountAmount(currency="JPY", amount=0, minimum_subtotal=12000)]
    session.flush()
    return discount


@pytest.fixture
def goods(db, markets):
    """A $100 lamp (95,20 € with VAT in Germany, ¥14,080 in Japan) and a $20 mug (19,04 €)."""
    lamp = make_product(db.session, handle="lamp", title="Lamp", translations={"de": "Lampe"},
                        variants=[{"price": 10000}])
    mug = make_product(db.session, handle="mug", title="Mug", translations={"de": "Becher"},
                       variants=[{"price": 2000}])
    return {"lamp": lamp, "mug": mug}


def add(client, product, quantity=1, headers=USA, prefix=""):
    response = client.post(f"{prefix}/cart/add.js", json={"id": product.variants[0].id, "quantity": quantity},
                           headers={**XHR, **headers})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def csrf_from_cart(client, prefix="", headers=USA) -> str:
    html = client.get(f"{prefix}/cart", headers=headers).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def enter_code(client, code, prefix="", headers=USA):
    return client.post(f"{prefix}/cart/update", data={"csrf_token": csrf_from_cart(client, prefix, headers),
                                                      "discount": code}, headers=headers)


# -- product page --------------------------------------------------------------------------------------------
def test_a_german_shopper_sees_the_automatic_discount_in_euros_on_a_product_that_qualifies(client, db, goods):
    make_automatic(db.session)

    lamp = client.get("/de/products/lamp-de", headers=GERMANY).get_data(as_text=True)
    mug = client.get("/de/products/mug-de", headers=GERMANY).get_data(as_text=True)

    assert "data-automatic-discounts" in lamp and TITLE in lamp
    assert "64,00\xa0€" in lamp and "10\xa0%" in lamp
    assert "data-automatic-discounts" not in mug and TITLE not in mug


def test_a_japanese_shopper_needs_the_yen_minimum(client, db, markets):
    make_automatic(db.session)
    # $90 is ¥12,672 with JCT, over ¥12,000; $80 is ¥11,264 — over the converted $80 (¥10,240), under ¥12,000.
    make_product(db.session, handle="kettle", variants=[{"price": 9000}])
    make_product(db.session, handle="teapot", variants=[{"price": 8000}])

    kettle = client.get("/ja/products/kettle", headers=JAPAN).get_data(as_text=True)
    teapot = client.get("/ja/products/teapot", headers=JAPAN).get_data(as_text=True)

    assert TITLE in kettle and "￥12,000" in kettle
    assert TITLE not in teapot


def test_a_cached_product_page_shows_the_discount_once_it_starts_and_drops_it_when_it_ends(client, db, goods):
    starts, ends = NOW + timedelta(seconds=30), NOW + timedelta(seconds=90)
    make_automatic(db.session, starts_at=starts, ends_at=ends)

    with time_machine.travel(NOW, tick=False):
        client.get("/products/lamp", headers=USA)
        before = client.get("/products/lamp", headers=USA)
    with time_machine.travel(starts + timedelta(seconds=10), tick=False):
        running = client.get("/products/lamp", headers=USA)
        running_again = client.get("/products/lamp", headers=USA)
    with time_machine.travel(ends + timedelta(seconds=10), tick=False):
        ended = client.get("/products/lamp", headers=USA)

    assert before.headers["X-Page-Cache"] == "hit" and TITLE not in before.get_data(as_text=True)
    assert running.headers["X-Page-Cache"] == "miss" and TITLE in running.get_data(as_text=True)
    assert running_again.headers["X-Page-Cache"] == "hit"
    assert TITLE not in ended.get_data(as_text=True)


def test_saving_a_discount_in_the_admin_turns_cached_product_pages_stale(client, db, goods):
    automatic = make_automatic(db.session, active=False)
    db.session.commit()
    assert TITLE not in client.get("/products/lamp", headers=USA).get_data(as_text=True)

    automatic.active = True
    db.session.commit()

    assert TITLE in client.get("/products/lamp", headers=USA).get_data(as_text=True)


# -- cart and /cart.js ---------------------------------------------------------------------------------------
def test_cart_js_shows_the_automatic_discount_in_shopifys_shape(client, db, goods):
    make_automatic(db.session)
    add(client, goods["lamp"])

    cart = client.get("/cart.js", headers=USA).json

    assert cart["total_discount"] == 1000 and cart["total_price"] == 9000 and cart["original_total_price"] == 10000
    assert cart["cart_level_discount_applications"] == [{
        "type": "automatic", "key": "AUTO-10-OVER-80", "title": TITLE,
        "description": "10% off orders of $80.00 or more", "value": "10.00", "created_at": None,
        "value_type": "percentage", "allocation_method": "across", "target_selection": "all",
        "target_type": "line_item", "total_allocated_amount": 1000}]
    assert cart["discount_codes"] == []


def test_a_cart_under_the_minimum_gets_no_automatic_discount(client, db, goods):
    make_automatic(db.session)
    add(client, goods["mug"], 3)  # $60

    cart = client.get("/cart.js", headers=USA).json

    assert cart["total_discount"] == 0 and cart["cart_level_discount_applications"] == []
    add(client, goods["mug"], 1)  # $80: now it qualifies
    assert client.get("/cart.js", headers=USA).json["total_discount"] == 800


def test_the_cart_page_says_which_discount_applies_when_the_code_is_worse(client, db, goods):
    make_automatic(db.session)
    make_discount_code(db.session, "FIVE", value=500)
    add(client, goods["lamp"])

    enter_code(client, "five")
    html = client.get("/cart", headers=USA).get_data(as_text=True)
    cart = client.get("/cart.js", headers=USA).json

    assert "Automatic discount applied: Spend 80, save 10 %" in html
    assert "Your code FIVE was not applied because a better discount is active." in html
    assert "−$10.00" in html and "$90.00" in html
    assert cart["discount_codes"] == [{"code": "FIVE", "applicable": False}]
    assert cart["cart_level_discount_applications"][0]["type"] == "automatic"


def test_a_better_code_wins_and_the_cart_says_nothing_about_the_automatic_discount(client, db, goods):
    make_automatic(db.session)
    make_discount_code(db.session, "TWENTY", value=2000)
    add(client, goods["lamp"])

    enter_code(client, "twenty")
    html = client.get("/cart", headers=USA).get_data(as_text=True)
    cart = client.get("/cart.js", headers=USA).json

    assert "data-automatic-discount-applied" not in html and "data-discount-outbid" not in html
    assert "Discount (TWENTY)" in html and "−$20.00" in html
    assert cart["total_discount"] == 2000 and cart["discount_codes"] == [{"code": "TWENTY", "applicable": True}]
    assert cart["cart_level_discount_applications"][0]["type"] == "discount_code"


def test_the_drawer_knows_how_to_say_an_automatic_discount_applied(client, db, goods):
    html = client.get("/products/lamp", headers=USA).get_data(as_text=True)
    assert "data-drawer-discount" in html and "Automatic discount applied: {title}" in html


# -- checkout, Stripe and the paid order ---------------------------------------------------------------------
@pytest.fixture
def stripe_shop(app, db, goods, fake_stripe, monkeypatch):
    settings = app.config["CLIPPER"]
    monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(
        settings, stripe_secret_key=STRIPE_TEST_SECRET_KEY, stripe_api_base=fake_stripe.base_url,
        stripe_webhook_secret=fake_stripe.webhook_secret))
    make_shipping_zone(db.session, "Europe", ["DE", "FR", "AT"], "EUR", rates=[
        {"name": "Postal", "level": "postal", "brackets": [(20000, 500)], "min_days": 10, "max_days": 20}])
    make_shipping_zone(db.session, "World", [], "USD", is_fallback=True)
    return goods


def checkout_and_pay(client, db, fake_stripe, prefix="/de", headers=GERMANY):
    response = client.post(f"{prefix}/checkout", data={"csrf_token": csrf_from_cart(client, prefix, headers)},
                           headers=headers)
    assert response.status_code == 303 and response.headers["Location"].startswith(fake_stripe.base_url)
    db.session.expire_all()
    order = db.session.scalars(select(Order)).one()
    session = fake_stripe.session(order.stripe_checkout_session_id)
    event = fake_stripe.complete_session(order.stripe_checkout_session_id, shipping_rate=0,
                                         email="kunde@example.de")
    assert client.post("/webhooks/stripe", data=event.payload, headers=webhook_headers(event)).status_code == 200
    db.session.expire_all()
    return db.session.get(Order, order.id), session


def test_the_automatic_discount_reaches_stripe_and_the_paid_order_matches(client, db, stripe_shop, fake_stripe):
    automatic = make_automatic(db.session)
    add(client, stripe_shop["lamp"], headers=GERMANY, prefix="/de")
    cart = client.get("/de/cart.js", headers=GERMANY).json
    assert cart["total_discount"] == 952  # 10 % of 95,20 €

    order, session = checkout_and_pay(client, db, fake_stripe)

    coupon = session["discounts"][0]["coupon"]
    assert (coupon["amount_off"], coupon["currency"]) == (cart["total_discount"], "eur")
    assert session["total_details"]["amount_discount"] == 952
    assert order.payment_status is PaymentStatus.PAID and not order.needs_review
    assert (order.discount_code, order.discount_total, order.total) == ("AUTO-10-OVER-80", 952, 9520 - 952 + 500)
    assert order.payments[0].amount == order.total
    redemption = db.session.scalars(select(DiscountRedemption)).one()
    assert (redemption.discount_code_id, redemption.amount, redemption.currency) == (automatic.id, 952, "EUR")
    assert db.session.get(DiscountCode, automatic.id).times_used == 1


def test_a_better_kol_code_is_redeemed_under_its_own_code_with_its_commission(client, db, stripe_shop, fake_stripe):
    make_automatic(db.session)
    kol = make_discount_code(db.session, "MIKA15", value=1500, commission_bp=800)
    add(client, stripe_shop["lamp"], headers=GERMANY, prefix="/de")
    enter_code(client, "mika15", prefix="/de", headers=GERMANY)

    order, session = checkout_and_pay(client, db, fake_stripe)

    assert session["discounts"][0]["coupon"]["amount_off"] == 1428  # 15 % of 95,20 €
    assert order.discount_code == "MIKA15" and not order.needs_review
    redemption = db.session.scalars(select(DiscountRedemption)).one()
    assert redemption.discount_code_id == kol.id and redemption.email == "kunde@example.de"
    assert db.session.get(DiscountCode, kol.id).commission_bp == 800
