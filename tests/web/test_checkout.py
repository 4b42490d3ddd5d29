"""From cart to paid order: checkout through the fake Stripe, webhooks in every order, stock kept right."""
from __future__ import annotations

import dataclasses
from decimal import Decimal
import re

import pytest
from sqlalchemy import select

from storefront.models import InventoryLevel, Order, PaymentStatus, Refund
from tests.fakes.stripe import STRIPE_TEST_SECRET_KEY, signed_event, webhook_headers
from tests.fixtures.factories import make_image, make_product, make_shipping_zone

XHR = {"X-Requested-With": "XMLHttpRequest"}
GERMANY = {"CF-IPCountry": "DE"}


@pytest.fixture
def stripe_app(app, fake_stripe, monkeypatch):
    settings = app.config["CLIPPER"]
    monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(
        settings, stripe_secret_key=STRIPE_TEST_SECRET_KEY, stripe_api_base=fake_stripe.base_url,
        stripe_webhook_secret=fake_stripe.webhook_secret))
    return app


@pytest.fixture
def shop(db, markets, stripe_app):
    make_shipping_zone(db.session, "Europe", ["DE", "FR", "AT"], "EUR", rates=[
        {"name": "Express", "level": "express", "brackets": [(2000, 1500)], "min_days": 3, "max_days": 6,
         "translations": {"de": "Express"}},
        {"name": "Postal", "level": "postal", "brackets": [(2000, 500)], "min_days": 10, "max_days": 20,
         "translations": {"de": "Post"}}])
    make_shipping_zone(db.session, "World", [], "USD", is_fallback=True)
    tee = make_product(db.session, title="Crew Tee", translations={"de": "Rundhals-Shirt"}, stock=5,
                       variants=[{"price": 2000, "weight_grams": 200}])
    make_image(db.session, tee)
    last = make_product(db.session, title="Last Lamp", stock=1, variants=[{"price": 5000}])
    return {"tee": tee, "last": last, "tee_variant": tee.variants[0], "last_variant": last.variants[0]}


def add(client, variant, quantity=1, prefix="/de"):
    return client.post(f"{prefix}/cart/add.js", json={"id": variant.id, "quantity": quantity},
                       headers={**XHR, **GERMANY})


def csrf_from_cart(client, prefix="/de") -> str:
    html = client.get(f"{prefix}/cart", headers=GERMANY).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def checkout(client, prefix="/de"):
    return client.post(f"{prefix}/checkout", data={"csrf_token": csrf_from_cart(client, prefix)}, headers=GERMANY)


def level(db, variant) -> InventoryLevel:
    db.session.expire_all()
    return db.session.scalars(select(InventoryLevel).where(InventoryLevel.variant_id == variant.id)).one()


def only_order(db) -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order)).one()


def pay(client, fake_stripe, order, **kwargs):
    event = fake_stripe.complete_session(order.stripe_checkout_session_id, **kwargs)
    return client.post("/webhooks/stripe", data=event.payload, headers=webhook_headers(event)), event


def test_german_shopper_checks_out_in_euros_and_stripe_gets_the_right_session(client, db, shop, fake_stripe):
    assert add(client, shop["tee_variant"], 2).status_code == 200
    response = checkout(client)
    assert response.status_code == 303
    assert response.headers["Location"].startswith(fake_stripe.base_url + "/pay/")
    order = only_order(db)
    assert order.currency == "EUR" and order.payment_status is PaymentStatus.PENDING
    assert order.subtotal == 2 * 1904 and order.taxes_included and order.tax_total == 608
    # base-currency equivalents at the rate used: 38,08 € / 0.80 = US$47.60 (VAT included, as paid)
    assert order.fx_rate == Decimal("0.8") and order.base_currency == "USD" and order.base_subtotal == 4760
    assert level(db, shop["tee_variant"]).reserved == 2
    session = fake_stripe.session(order.stripe_checkout_session_id)
    item = session["line_items"]["data"][0]
    assert (item["price"]["currency"], item["price"]["unit_amount"], item["quantity"]) == ("eur", 1904, 2)
    assert item["price"]["product"]["name"] == "Rundhals-Shirt"
    assert session["locale"] == "de" and session["client_reference_id"] == order.token
    assert session["shipping_address_collection"]["allowed_countries"] == ["AT", "DE", "FR"]
    assert [(o["shipping_rate"]["display_name"], o["shipping_amount"]) for o in session["shipping_options"]] == [
        ("Post", 500), ("Express", 1500)]
    assert session["success_url"].endswith(f"/de/orders/{order.token}?session_id={{CHECKOUT_SESSION_ID}}")


def test_a_paid_webhook_marks_the_order_paid_and_takes_the_stock(client, db, shop, fake_stripe):
    add(client, shop["tee_variant"], 2)
    checkout(client)
    order = only_order(db)
    response, _event = pay(client, fake_stripe, order, shipping_rate=0, email="kunde@example.de")
    assert response.status_code == 200
    order = only_order(db)
    assert order.payment_status is PaymentStatus.PAID and not order.needs_review
    assert order.shipping_total == 500 and order.total == 2 * 1904 + 500 and order.email == "kunde@example.de"
    stock = level(db, shop["tee_variant"])
    assert (stock.on_hand, stock.reserved) == (3, 0)
    assert order.payments[0].amount == order.total
    page = client.get(f"/de/orders/{order.token}").get_data(as_text=True)
    assert "order-status--paid" in page and "Bezahlt" in page and "€" in page


def test_the_same_event_twice_is_acknowledged_and_applied_once(client, db, shop, fake_stripe):
    add(client, shop["tee_variant"], 1)
    checkout(client)
    order = only_order(db)
    _response, event = pay(client, fake_stripe, order, shipping_rate=0)
    again = client.post("/webhooks/stripe", data=event.payload, headers=webhook_headers(event))
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    assert len(only_order(db).payments) == 1
    assert level(db, shop["tee_variant"]).on_hand == 4


@pytest.mark.parametrize("headers", [
    {"Stripe-Signature": "t=1,v1=deadbeef"},
    {},
])
def test_forged_or_unsigned_webhooks_are_refused(client, shop, headers):
    event = signed_event("checkout.session.completed", {"id": "cs_forged", "payment_status": "paid"})
    response = client.post("/webhooks/stripe", data=event.payload, headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 400


def test_a_stale_webhook_is_refused(client, shop, fake_stripe):
    event = signed_event("checkout.session.completed", {"id": "cs_old"}, secret=fake_stripe.webhook_secret,
                         timestamp=1_000_000_000)
    assert client.post("/webhooks/stripe", data=event.payload, headers=webhook_headers(event)).status_code == 400


def test_a_malformed_webhook_body_is_refused(client, shop, fake_stripe):
    from storefront.integrations.stripe_gateway import sign_payload

    payload = b"{not json"
    headers = {"Stripe-Signature": sign_payload(payload, fake_stripe.webhook_secret), "Content-Type": "application/json"}
    assert client.post("/webhooks/stripe", data=payload, headers=headers).status_code == 400


def test_a_payment_for_the_wrong_amount_needs_review_and_is_never_paid(client, db, shop, fake_stripe):
    add(client, shop["tee_variant"], 1)
    checkout(client)
    order = only_order(db)
    stored = fake_stripe.session(order.stripe_checkout_session_id)
    data = {**stored, "status": "complete", "payment_status": "paid", "amount_total": 1, "currency": "eur"}
    event = signed_event("checkout.session.completed", data, secret=fake_stripe.webhook_secret)
    assert client.post("/webhooks/stripe", data=event.payload, headers=webhook_headers(event)).status_code == 200
    order = only_order(db)
    assert order.payment_status is PaymentStatus.PENDING and order.needs_review
    assert level(db, shop["tee_variant"]).reserved == 1


def test_a_late_expiry_event_does_not_undo_a_paid_order(client, db, shop, fake_stripe):
    add(client, shop["tee_variant"], 1)
    checkout(client)
    order = only_order(db)
    pay(client, fake_stripe, order, shipping_rate=0)
    # Stripe never expires a paid session, but a delayed or replayed event can still arrive late.
    stale = {**fake_stripe.session(order.stripe_checkout_session_id), "status": "expired"}
    expired = signed_event("checkout.session.expired", stale, secret=fake_stripe.webhook_secret)
    assert client.post("/webhooks/stripe", data=expired.payload, headers=webhook_headers(expired)).status_code == 200
    assert only_order(db).payment_status is PaymentStatus.PAID
    assert (level(db, shop["tee_variant"]).on_hand, level(db, shop["tee_variant"]).reserved) == (4, 0)


def test_an_expired_checkout_gives_the_stock_back(client, db, shop, fake_stripe):
    add(client, shop["tee_variant"], 2)
    checkout(client)
    order = only_order(db)
    expired = fake_stripe.emit(order.stripe_checkout_session_id, "checkout.session.expired")
    client.post("/webhooks/stripe", data=expired.payload, headers=webhook_headers(expired))
    assert only_order(db).payment_status is PaymentStatus.EXPIRED
    assert (level(db, shop["tee_variant"]).on_hand, level(db, shop["tee_variant"]).reserved) == (5, 0)


def test_a_delayed_payment_waits_then_succeeds(client, db, shop, fake_stripe):
    add(client, shop["tee_variant"], 1)
    checkout(client)
    order = only_order(db)
    pay(client, fake_stripe, order, payment_status="unpaid", shipping_rate=0)
    assert only_order(db).payment_status is PaymentStatus.PENDING
    page = client.get(f"/de/orders/{order.token}?session_id={order.stripe_checkout_session_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page
    succeeded = fake_stripe.emit(order.stripe_checkout_session_id, "checkout.session.async_payment_succeeded")
    client.post("/webhooks/stripe", data=succeeded.payload, headers=webhook_headers(succeeded))
    assert only_order(db).payment_status is PaymentStatus.PAID


def test_a_failed_delayed_payment_releases_the_stock(client, db, shop, fake_stripe):
    add(client, shop["tee_variant"], 1)
    checkout(client)
    order = only_order(db)
    pay(client, fake_stripe, order, payment_status="unpaid", shipping_rate=0)
    failed = fake_stripe.emit(order.stripe_checkout_session_id, "checkout.session.async_payment_failed")
    client.post("/webhooks/stripe", data=failed.payload, headers=webhook_headers(failed))
    assert only_order(db).payment_status is PaymentStatus.FAILED
    assert level(db, shop["tee_variant"]).reserved == 0


def test_refunds_and_disputes_from_stripe_are_recorded(client, db, shop, fake_stripe):
    add(client, shop["tee_variant"], 1)
    checkout(client)
    order = only_order(db)
    pay(client, fake_stripe, order, shipping_rate=0)
    refunded = fake_stripe.emit(order.stripe_checkout_session_id, "charge.refunded", amount=500)
    client.post("/webhooks/stripe", data=refunded.payload, headers=webhook_headers(refunded))
    order = only_order(db)
    assert order.payment_status is PaymentStatus.PARTIALLY_REFUNDED and order.total_refunded == 500
    assert db.session.scalars(select(Refund)).one().amount == 500
    dispute = fake_stripe.emit(order.stripe_checkout_session_id, "charge.dispute.created", reason="fraudulent")
    client.post("/webhooks/stripe", data=dispute.payload, headers=webhook_headers(dispute))
    assert only_order(db).needs_review


def test_when_stripe_is_down_the_shopper_is_told_and_nothing_is_kept(client, db, shop, fake_stripe):
    add(client, shop["tee_variant"], 1)
    token = csrf_from_cart(client)
    fake_stripe.stop()
    response = client.post("/de/checkout", data={"csrf_token": token}, headers=GERMANY)
    assert response.status_code == 303 and "checkout_error=payment_unavailable" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.scalars(select(Order)).all() == []
    assert level(db, shop["tee_variant"]).reserved == 0
    page = client.get(response.headers["Location"], headers=GERMANY).get_data(as_text=True)
    assert "Payment is not available right now" in page or "Zahlung" in page


def test_checkout_without_a_csrf_token_is_refused(client, shop):
    add(client, shop["tee_variant"], 1)
    assert client.post("/de/checkout", headers=GERMANY).status_code == 400


def test_an_unknown_order_token_is_not_found(client, shop):
    assert client.get("/orders/" + "x" * 32).status_code == 404
    assert client.get("/orders/short").status_code == 404


def test_unpaid_orders_past_their_time_release_their_stock(client, db, shop, fake_stripe, runner):
    from datetime import timedelta

    from storefront.domain.orders.actions import expire_overdue
    from storefront.models import utcnow

    add(client, shop["tee_variant"], 2)
    checkout(client)
    assert only_order(db).payment_status is PaymentStatus.PENDING
    assert expire_overdue(db.session) == 0
    assert expire_overdue(db.session, now=utcnow() + timedelta(hours=1)) == 1
    assert expire_overdue(db.session, now=utcnow() + timedelta(hours=2)) == 0
    assert only_order(db).payment_status is PaymentStatus.EXPIRED
    assert level(db, shop["tee_variant"]).reserved == 0


def test_staff_refund_part_of_an_order_through_stripe_and_restock(client, db, shop, fake_stripe, stripe_app):
    from storefront.domain.orders.refunds import RefundError, RestockLine, refund
    from storefront.web.checkout import gateway

    add(client, shop["tee_variant"], 2)
    checkout(client)
    order = only_order(db)
    pay(client, fake_stripe, order, shipping_rate=0)
    order = only_order(db)
    with stripe_app.test_request_context():
        payments = gateway()
    line = order.lines[0]
    recorded = refund(db.session, order, amount=1904, gateway=payments, reason="damaged",
                      restock=[RestockLine(line.id, 1)])
    db.session.commit()
    assert recorded.stripe_refund_id.startswith("re_")
    order = only_order(db)
    assert order.total_refunded == 1904 and order.payment_status is PaymentStatus.PARTIALLY_REFUNDED
    assert level(db, shop["tee_variant"]).on_hand == 4
    with pytest.raises(RefundError):
        refund(db.session, order, amount=order.total, gateway=payments)
    # Stripe then reports the same refund: it is not counted twice
    event = fake_stripe.emit(order.stripe_checkout_session_id, "charge.refunded")
    client.post("/webhooks/stripe", data=event.payload, headers=webhook_headers(event))
    assert only_order(db).total_refunded == 1904


def test_a_once_per_customer_code_used_twice_by_the_same_email_is_flagged(client, db, shop, fake_stripe):
    from storefront.models import DiscountCode, DiscountKind

    db.session.add(DiscountCode(code="WELCOME10", kind=DiscountKind.PERCENTAGE, value=1000, once_per_customer=True))
    db.session.flush()
    orders = []
    for _ in range(2):
        add(client, shop["tee_variant"], 1)
        token = csrf_from_cart(client)
        client.post("/de/cart/update", data={"csrf_token": token, "discount": "welcome10"}, headers=GERMANY)
        checkout(client)
        db.session.expire_all()
        order = db.session.scalars(select(Order).order_by(Order.id.desc())).first()
        assert order.discount_total == 190
        pay(client, fake_stripe, order, shipping_rate=0, email="same@example.de")
        orders.append(order.id)
    db.session.expire_all()
    first, second = (db.session.get(Order, i) for i in orders)
    assert first.payment_status is PaymentStatus.PAID and not first.needs_review
    assert second.payment_status is PaymentStatus.PAID and second.needs_review
    assert "WELCOME10" in second.review_reason


def test_a_code_below_its_minimum_is_explained_but_never_blocks_the_purchase(client, db, shop, fake_stripe):
    from storefront.models import DiscountCode, DiscountKind

    db.session.add(DiscountCode(code="SPRING15", kind=DiscountKind.PERCENTAGE, value=1500, minimum_subtotal=10000))
    db.session.flush()
    add(client, shop["tee_variant"], 1)
    client.post("/de/cart/update", data={"csrf_token": csrf_from_cart(client), "discount": "spring15"},
                headers=GERMANY)
    cart_page = client.get("/de/cart", headers=GERMANY).get_data(as_text=True)
    assert "SPRING15" in cart_page or "spring15" in cart_page.lower()
    response = checkout(client)
    assert response.status_code == 303 and response.headers["Location"].startswith(fake_stripe.base_url + "/pay/")
    order = only_order(db)
    assert order.discount_total == 0 and order.total == order.subtotal
    assert "discounts" not in fake_stripe.session(order.stripe_checkout_session_id) or not fake_stripe.session(
        order.stripe_checkout_session_id)["discounts"]
