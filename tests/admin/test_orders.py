"""Orders in the admin: finding and exporting them, the order page, notes, review flags, refunds and cancelling."""
from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from storefront.models import (
    AuditLog,
    FulfillmentStatus,
    InventoryLevel,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentStatus,
    Refund,
)
from tests.fakes.stripe import STRIPE_TEST_SECRET_KEY, signed_event, webhook_headers
from tests.fixtures.admin import csrf_token
from tests.fixtures.factories import make_paid_order, make_product, make_shipping_zone
from tests.web.test_checkout import add, checkout, pay
from tests.web.test_query_counts import counted_statements


@pytest.fixture
def stripe_app(app, fake_stripe, monkeypatch):
    """The app talking to the fake Stripe, as in tests/web/test_checkout.py."""
    settings = app.config["CLIPPER"]
    monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(
        settings, stripe_secret_key=STRIPE_TEST_SECRET_KEY, stripe_api_base=fake_stripe.base_url,
        stripe_webhook_secret=fake_stripe.webhook_secret))
    return app


@pytest.fixture
def tee(db, markets, stripe_app):
    """A $20 tee (19,04 € in Germany), five in stock, with postal shipping to Germany."""
    make_shipping_zone(db.session, "Europe", ["DE", "FR", "AT"], "EUR",
                       rates=[{"name": "Postal", "level": "postal", "brackets": [(2000, 500)]}])
    return make_product(db.session, title="Crew Tee", stock=5, variants=[{"price": 2000}]).variants[0]


def placed_order(client, db, variant, quantity: int) -> Order:
    """A shopper in Germany checks out `quantity` × `variant`; the order waits for payment."""
    add(client, variant, quantity)
    assert checkout(client).status_code == 303
    db.session.expire_all()
    return db.session.scalars(select(Order).order_by(Order.id.desc())).first()


def paid_order(client, db, fake_stripe, variant, quantity: int) -> Order:
    order = placed_order(client, db, variant, quantity)
    response, _event = pay(client, fake_stripe, order, shipping_rate=0)
    assert response.status_code == 200
    db.session.expire_all()
    return db.session.get(Order, order.id)


def stock(db, variant) -> tuple[int, int]:
    db.session.expire_all()
    level = db.session.scalars(select(InventoryLevel).where(InventoryLevel.variant_id == variant.id)).one()
    return level.on_hand, level.reserved


def audit_actions(db, number: int) -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).where(AuditLog.entity_type == "order",
                                                                 AuditLog.entity_id == str(number))
                                   .order_by(AuditLog.id)))


def order_numbers(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'/admin/orders/(\d+)"', html)}


def make_order(db, number: int, **overrides) -> Order:
    product = make_product(db.session, stock=None)
    return make_paid_order(db.session, [(product, 1)], number=number, **overrides)


# --- the list, its filters and the export -----------------------------------------------------------------


@pytest.fixture
def listed_orders(db, markets):
    eu, us = markets["EU"].id, markets["US"].id
    return {
        "paid_eu": make_order(db, 5001, market_id=eu, currency="EUR", email="anna@example.de",
                              created_at=datetime(2026, 3, 2, 10, tzinfo=timezone.utc)),
        "refunded_us": make_order(db, 5002, market_id=us, email="bob@example.com",
                                  payment_status=PaymentStatus.REFUNDED,
                                  created_at=datetime(2026, 3, 5, 10, tzinfo=timezone.utc)),
        "flagged_us": make_order(db, 5003, market_id=us, email="carol@example.com", needs_review=True,
                                 review_reason="dispute du_1: fraudulent",
                                 fulfillment_status=FulfillmentStatus.FULFILLED,
                                 created_at=datetime(2026, 3, 9, 10, tzinfo=timezone.utc)),
    }


@pytest.mark.parametrize("query, expected", [
    ("", {5001, 5002, 5003}),
    ("payment_status=refunded", {5002}),
    ("fulfillment_status=fulfilled", {5003}),
    ("market={EU}", {5001}),
    ("created_from=2026-03-04&created_to=2026-03-05", {5002}),
    ("needs_review=y", {5003}),
    ("q=%235002", {5002}),
    ("q=5003", {5003}),
    ("q=ANNA%40example", {5001}),
    ("q=nobody", set()),
])
def test_staff_filter_the_order_list(admin_client, markets, listed_orders, query, expected):
    response = admin_client.get("/admin/orders?" + query.format(EU=markets["EU"].id))
    assert response.status_code == 200
    assert order_numbers(response.get_data(as_text=True)) == expected


def test_an_impossible_date_range_is_explained_and_the_list_still_shows(admin_client, listed_orders):
    response = admin_client.get("/admin/orders?created_from=2026-03-09&created_to=2026-03-01&payment_status=paid")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The end date is before the start date." in html
    assert order_numbers(html) == {5003}, "the valid start date still applies"


def test_the_order_list_shows_fifty_orders_a_page(admin_client, db, store):
    product = make_product(db.session, stock=None)
    for n in range(51):
        make_paid_order(db.session, [(product, 1)], number=7000 + n,
                        created_at=datetime(2026, 1, 1, tzinfo=timezone.utc).replace(minute=n))
    first = admin_client.get("/admin/orders").get_data(as_text=True)
    second = admin_client.get("/admin/orders?page=2").get_data(as_text=True)
    assert len(order_numbers(first)) == 50 and 7050 in order_numbers(first)
    assert order_numbers(second) == {7000}
    assert "Page 2 of 2" in second


def test_export_downloads_the_filtered_orders_as_csv(admin_client, db, listed_orders):
    order = listed_orders["refunded_us"]
    order.base_total, order.fx_rate, order.fx_rate_date = 1990, Decimal("1"), date(2026, 3, 5)
    db.session.flush()
    response = admin_client.get("/admin/orders/export.csv?payment_status=refunded")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["Name"] for row in rows] == ["#5002"]
    row = rows[0]
    assert (row["Email"], row["Financial Status"], row["Currency"], row["Total"]) == (
        "bob@example.com", "refunded", "USD", "19.90")
    assert (row["Base Currency"], row["Base Total"], row["FX Rate"], row["FX Rate Date"]) == (
        "USD", "19.90", "1", "2026-03-05")
    assert row["Lineitem quantity"] == "1" and row["Lineitem price"] == "19.90"


def test_export_neutralises_spreadsheet_formulas_typed_by_shoppers(admin_client, db, listed_orders):
    order = listed_orders["paid_eu"]
    order.shipping_address = {"name": "=HYPERLINK(\"http://evil.example\")", "country_code": "DE"}
    db.session.flush()
    rows = list(csv.DictReader(io.StringIO(admin_client.get("/admin/orders/export.csv?q=5001").get_data(as_text=True))))
    assert rows[0]["Shipping Name"] == "'=HYPERLINK(\"http://evil.example\")"


# --- the order page ---------------------------------------------------------------------------------------


def test_order_page_shows_totals_in_both_currencies_with_the_exchange_rate(admin_client, db, markets):
    order = make_order(db, 5100, market_id=markets["EU"].id, currency="EUR", base_currency="USD",
                       shipping_address={"name": "Anna Schmidt", "address1": "Hauptstr. 1", "city": "Berlin",
                                         "postal_code": "10115", "country_code": "DE"},
                       shipping_method="Postal")
    order.subtotal, order.total, order.tax_total, order.taxes_included = 3808, 3808, 608, True
    order.base_subtotal, order.base_total = 4760, 4760
    order.fx_rate, order.fx_rate_date = Decimal("0.8"), date(2026, 1, 2)
    db.session.flush()
    response = admin_client.get("/admin/orders/5100")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "€38.08" in html and "$47.60" in html
    assert "1 USD = 0.8 EUR" in html and "January 2, 2026" in html
    assert "Eurozone" in html and "Hauptstr. 1" in html and "Germany" in html and "Postal" in html


def test_an_unknown_order_number_is_not_found(admin_client, store):
    assert admin_client.get("/admin/orders/424242").status_code == 404


def test_the_timeline_reads_newest_first_in_words(admin_client, client, db, fake_stripe, tee):
    order = paid_order(client, db, fake_stripe, tee, 1)
    html = admin_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    paid = html.index("Payment of €24.04 received through Stripe.")
    placed = html.index("Order placed at checkout.")
    assert paid < placed


# --- notes and review flags -------------------------------------------------------------------------------


def test_staff_add_a_note_to_the_timeline(admin_client, db, store):
    order = make_order(db, 5200)
    response = admin_client.post("/admin/orders/5200/notes", data={
        "text": "Customer called: leave the parcel with the neighbour.", "csrf_token": csrf_token(admin_client,
                                                                                                  "/admin/orders/5200")})
    assert response.status_code == 303
    page = admin_client.get("/admin/orders/5200").get_data(as_text=True)
    assert "Note added." in page
    assert "Customer called: leave the parcel with the neighbour." in page
    assert f"— {admin_client.staff_user.email}" in page
    event = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)).one()
    assert event.type == "note_added" and event.staff_user_id == admin_client.staff_user.id
    assert audit_actions(db, 5200) == ["order.note_added"]


def test_an_empty_note_is_refused_with_the_reason_on_the_field(admin_client, db, store):
    order = make_order(db, 5201)
    response = admin_client.post("/admin/orders/5201/notes",
                                 data={"text": "  ", "csrf_token": csrf_token(admin_client, "/admin/orders/5201")})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)
    assert db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)).all() == []


def test_a_note_without_a_csrf_token_is_refused(admin_client, db, store):
    make_order(db, 5202)
    assert admin_client.post("/admin/orders/5202/notes", data={"text": "hello"}).status_code == 400
    assert audit_actions(db, 5202) == []


def test_staff_see_why_an_order_needs_review_and_mark_it_reviewed(admin_client, db, store):
    order = make_order(db, 5300, needs_review=True, review_reason="paid 1 EUR, expected 2404 EUR")
    page = admin_client.get("/admin/orders/5300").get_data(as_text=True)
    assert "Needs review" in page and "paid 1 EUR, expected 2404 EUR" in page
    token = csrf_token(admin_client, "/admin/orders/5300")
    assert admin_client.post("/admin/orders/5300/reviewed", data={"csrf_token": token}).status_code == 303
    page = admin_client.get("/admin/orders/5300").get_data(as_text=True)
    assert "Order #5300 marked as reviewed." in page
    assert "Marked as reviewed (paid 1 EUR, expected 2404 EUR)." in page
    db.session.expire_all()
    assert not db.session.get(Order, order.id).needs_review
    # a second click (another tab) changes nothing and says so
    admin_client.post("/admin/orders/5300/reviewed", data={"csrf_token": token})
    assert "This order was already reviewed." in admin_client.get("/admin/orders/5300").get_data(as_text=True)
    assert audit_actions(db, 5300) == ["order.reviewed"]


# --- refunds ----------------------------------------------------------------------------------------------


def refund_form(client, number: int, **fields) -> dict[str, str]:
    html = client.get(f"/admin/orders/{number}/refund").get_data(as_text=True)
    data = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    data.update(fields)
    return data


def test_staff_refund_part_of_an_order_through_stripe_and_restock(admin_client, client, db, fake_stripe, tee):
    order = paid_order(client, db, fake_stripe, tee, 2)
    assert stock(db, tee) == (3, 0)
    form = refund_form(admin_client, order.number, amount="19.04", reason="Damaged in transit",
                       **{"restock-0-quantity": "1"})
    assert form["amount"] == "19.04" and form["refunds_seen"] == "0"
    confirm = admin_client.post(f"/admin/orders/{order.number}/refund", data=form)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Refund €19.04 to the customer?" in html and "1 × Crew Tee" in html
    assert db.session.scalars(select(Refund)).all() == [], "nothing is refunded before the confirmation"
    confirmed = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    assert confirmed["confirmed"] == "1"
    response = admin_client.post(f"/admin/orders/{order.number}/refund", data=confirmed)
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Refunded €19.04." in page
    assert "Refunded €19.04 and put the items back in stock." in page
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.total_refunded == 1904 and order.payment_status is PaymentStatus.PARTIALLY_REFUNDED
    refund = db.session.scalars(select(Refund)).one()
    assert refund.stripe_refund_id.startswith("re_") and refund.reason == "Damaged in transit"
    assert refund.staff_user_id == admin_client.staff_user.id
    assert stock(db, tee) == (4, 0)
    assert order.lines[0].quantity_refunded == 1
    assert audit_actions(db, order.number) == ["order.refunded"]


def test_a_refund_submitted_twice_is_made_once(admin_client, client, db, fake_stripe, tee):
    order = paid_order(client, db, fake_stripe, tee, 2)
    form = refund_form(admin_client, order.number, amount="10.00", confirmed="1")
    assert admin_client.post(f"/admin/orders/{order.number}/refund", data=form).status_code == 303
    again = admin_client.post(f"/admin/orders/{order.number}/refund", data=form)
    assert again.status_code == 303
    page = admin_client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Another refund was made on this order meanwhile. Nothing more was refunded" in page
    db.session.expire_all()
    assert db.session.get(Order, order.id).total_refunded == 1000
    assert len(db.session.scalars(select(Refund)).all()) == 1


def test_a_refund_larger_than_what_is_left_is_refused_and_keeps_what_was_typed(admin_client, client, db,
                                                                               fake_stripe, tee):
    order = paid_order(client, db, fake_stripe, tee, 1)
    response = admin_client.post(f"/admin/orders/{order.number}/refund",
                                 data=refund_form(admin_client, order.number, amount="250.00"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "At most €24.04 can still be refunded." in html
    assert 'value="250.00"' in html
    assert db.session.scalars(select(Refund)).all() == []


@pytest.mark.parametrize("amount, message", [
    ("abc", "Type the amount as a number, e.g. 12.50."),
    ("0", "The amount must be more than zero."),
    ("1.005", "EUR amounts have at most 2 decimal places."),
])
def test_a_refund_amount_that_is_not_money_is_refused(admin_client, client, db, fake_stripe, tee, amount, message):
    order = paid_order(client, db, fake_stripe, tee, 1)
    response = admin_client.post(f"/admin/orders/{order.number}/refund",
                                 data=refund_form(admin_client, order.number, amount=amount))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_restocking_more_than_was_bought_is_refused(admin_client, client, db, fake_stripe, tee):
    order = paid_order(client, db, fake_stripe, tee, 1)
    response = admin_client.post(f"/admin/orders/{order.number}/refund", data=refund_form(
        admin_client, order.number, amount="5.00", confirmed="1", **{"restock-0-quantity": "3"}))
    assert response.status_code == 422
    assert "At most 1 of “Crew Tee” can be restocked." in response.get_data(as_text=True)
    assert db.session.scalars(select(Refund)).all() == []
    assert stock(db, tee) == (4, 0)


def test_when_stripe_refuses_the_refund_staff_are_told_and_nothing_is_recorded(admin_client, client, db,
                                                                               fake_stripe, tee):
    order = paid_order(client, db, fake_stripe, tee, 1)
    # The customer was refunded in the Stripe Dashboard, which the shop has not heard of yet.
    fake_stripe.emit(order.stripe_checkout_session_id, "charge.refunded", amount=2000)
    form = refund_form(admin_client, order.number, amount="10.00", confirmed="1")
    response = admin_client.post(f"/admin/orders/{order.number}/refund", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Stripe refused the refund:" in html and "greater than unrefunded amount" in html
    assert db.session.scalars(select(Refund)).all() == []
    assert audit_actions(db, order.number) == []


def test_an_unpaid_order_offers_no_refund(admin_client, client, db, tee):
    order = placed_order(client, db, tee, 1)
    assert "/refund" not in admin_client.get(f"/admin/orders/{order.number}").get_data(as_text=True)
    response = admin_client.post(f"/admin/orders/{order.number}/refund",
                                 data=refund_form(admin_client, order.number, amount="1.00", confirmed="1"))
    assert response.status_code == 422
    assert "This order has no successful payment to refund." in response.get_data(as_text=True)


# --- cancelling -------------------------------------------------------------------------------------------


def test_cancelling_an_unpaid_order_closes_the_checkout_and_releases_the_stock(admin_client, client, db,
                                                                              fake_stripe, tee):
    order = placed_order(client, db, tee, 2)
    assert stock(db, tee) == (5, 2)
    confirm = admin_client.get(f"/admin/orders/{order.number}/cancel")
    assert confirm.status_code == 200 and "Cancel order #" in confirm.get_data(as_text=True)
    response = admin_client.post(f"/admin/orders/{order.number}/cancel", data={
        "reason": "Customer asked by phone", "csrf_token": csrf_token(admin_client, f"/admin/orders/{order.number}")})
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Order #{order.number} cancelled; 2 units went back to stock." in page
    assert "Order cancelled; 2 held units went back to stock." in page
    assert stock(db, tee) == (5, 0)
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status is OrderStatus.CANCELLED and order.cancelled_at is not None
    assert fake_stripe.session(order.stripe_checkout_session_id)["status"] == "expired"
    assert audit_actions(db, order.number) == ["order.cancelled"]
    # Stripe's own expiry event arrives later and changes nothing
    expired = signed_event("checkout.session.expired", fake_stripe.session(order.stripe_checkout_session_id),
                           secret=fake_stripe.webhook_secret)
    assert client.post("/webhooks/stripe", data=expired.payload, headers=webhook_headers(expired)).status_code == 200
    assert stock(db, tee) == (5, 0)
    db.session.expire_all()
    assert [e.type for e in db.session.get(Order, order.id).events].count("expired") == 0


def test_a_paid_order_cannot_be_cancelled(admin_client, client, db, fake_stripe, tee):
    order = paid_order(client, db, fake_stripe, tee, 1)
    response = admin_client.post(f"/admin/orders/{order.number}/cancel",
                                 data={"csrf_token": csrf_token(admin_client, f"/admin/orders/{order.number}")})
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Only unpaid orders can be cancelled; refund a paid order instead." in page
    db.session.expire_all()
    assert db.session.get(Order, order.id).status is OrderStatus.OPEN
    assert stock(db, tee) == (4, 0)


def test_an_order_paid_at_stripe_a_moment_ago_is_not_cancelled(admin_client, client, db, fake_stripe, tee):
    order = placed_order(client, db, tee, 1)
    fake_stripe.complete_session(order.stripe_checkout_session_id, shipping_rate=0)  # its webhook is still on the way
    response = admin_client.post(f"/admin/orders/{order.number}/cancel",
                                 data={"csrf_token": csrf_token(admin_client, f"/admin/orders/{order.number}")})
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The shopper has just paid this order at Stripe, so it was not cancelled." in page
    assert stock(db, tee) == (5, 1)
    assert audit_actions(db, order.number) == []


def test_cancelling_twice_says_the_order_is_already_cancelled(admin_client, client, db, fake_stripe, tee):
    order = placed_order(client, db, tee, 1)
    token = csrf_token(admin_client, f"/admin/orders/{order.number}")
    admin_client.post(f"/admin/orders/{order.number}/cancel", data={"csrf_token": token})
    again = admin_client.post(f"/admin/orders/{order.number}/cancel", data={"csrf_token": token})
    assert "This order is already cancelled." in admin_client.get(again.headers["Location"]).get_data(as_text=True)
    assert audit_actions(db, order.number) == ["order.cancelled"]
    assert stock(db, tee) == (5, 0)


# --- who may open orders ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [("owner", 200), ("admin", 200), ("staff", 200)])
def test_every_role_opens_orders(staff_client, db, role, status):
    make_order(db, 5400)
    signed_in = staff_client(role)
    assert signed_in.get("/admin/orders").status_code == status
    assert signed_in.get("/admin/orders/5400").status_code == status


def test_signed_out_visitors_are_sent_to_the_login(client, store):
    response = client.get("/admin/orders")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert client.get("/admin/orders/export.csv").status_code == 302


def test_the_order_list_and_order_page_run_as_many_queries_for_many_orders_as_for_one(admin_client, db, markets):
    product = make_product(db.session, stock=None)
    make_paid_order(db.session, [(product, 2)], number=8000, market_id=markets["EU"].id)
    with counted_statements(db.engine) as one:
        assert admin_client.get("/admin/orders").status_code == 200
    with counted_statements(db.engine) as one_order_page:
        assert admin_client.get("/admin/orders/8000").status_code == 200
    others = [make_product(db.session, stock=None) for _ in range(3)]
    for n in range(1, 30):
        make_paid_order(db.session, [(product, 1), *((p, 1) for p in others)], number=8000 + n,
                        market_id=markets["US"].id)
    with counted_statements(db.engine) as many:
        assert admin_client.get("/admin/orders").status_code == 200
    with counted_statements(db.engine) as big_order_page:
        assert admin_client.get("/admin/orders/8029").status_code == 200
    assert len(many) == len(one)
    assert len(big_order_page) == len(one_order_page)


def test_order_screens_open_in_the_chinese_admin(staff_client, client, db, fake_stripe, tee):
    order = paid_order(client, db, fake_stripe, tee, 1)
    signed_in = staff_client("owner")
    signed_in.staff_user.locale = "zh-CN"
    db.session.flush()
    for path in ("/admin/orders?needs_review=y", f"/admin/orders/{order.number}",
                 f"/admin/orders/{order.number}/refund", f"/admin/orders/{order.number}/cancel"):
        response = signed_in.get(path)
        assert response.status_code == 200, path
        assert '<html lang="zh-CN"' in response.get_data(as_text=True)
