"""Customers in the admin: the list with what each one ordered and spent, and a customer's own page."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from storefront.models import Customer, PaymentStatus
from tests.fixtures.factories import make_paid_order, make_product
from tests.web.test_query_counts import counted_statements


def make_customer(db, email: str, **overrides) -> Customer:
    customer = Customer(email=email, **overrides)
    db.session.add(customer)
    db.session.flush()
    return customer


def make_order(db, customer: Customer | None, number: int, *, base_total: int, total: int | None = None,
               refunded: int = 0, **overrides):
    product = make_product(db.session, stock=None)
    email = customer.email if customer else overrides.pop("email")
    order = make_paid_order(db.session, [(product, 1)], number=number, email=email,
                            customer_id=customer.id if customer else None, **overrides)
    order.base_total, order.total, order.total_refunded = base_total, total or base_total, refunded
    db.session.flush()
    return order


@pytest.fixture
def customers(db, store):
    anna = make_customer(db, "anna@example.de", first_name="Anna", last_name="Schmidt", locale="de",
                         accepts_marketing=True, created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    bob = make_customer(db, "bob@example.com", first_name="Bob", created_at=datetime(2026, 2, 1, tzinfo=timezone.utc))
    # Anna paid $100.00 and $50.00 (half of it refunded later, in euros at 0.8 € per $); a failed try counts nothing.
    make_order(db, anna, 6001, base_total=10000)
    make_order(db, anna, 6002, base_total=5000, total=4000, refunded=2000, currency="EUR", fx_rate=Decimal("0.8"),
               payment_status=PaymentStatus.PARTIALLY_REFUNDED)
    make_order(db, anna, 6003, base_total=9900, payment_status=PaymentStatus.FAILED)
    return {"anna": anna, "bob": bob}


def row_of(html: str, email: str) -> str:
    return next(row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if email in row)


def test_customer_list_shows_orders_and_total_spent_in_base_currency(admin_client, customers):
    response = admin_client.get("/admin/customers")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Total spent (USD)" in html
    anna = row_of(html, "anna@example.de")
    assert "Anna Schmidt" in anna and ">3<" in anna and "$125.00" in anna
    bob = row_of(html, "bob@example.com")
    assert ">0<" in bob and "$0.00" in bob
    assert html.index("bob@example.com") < html.index("anna@example.de"), "newest customers first"


@pytest.mark.parametrize("query, shown, hidden", [
    ("anna", "anna@example.de", "bob@example.com"),
    ("SCHMIDT", "anna@example.de", "bob@example.com"),
    ("bob@", "bob@example.com", "anna@example.de"),
])
def test_staff_search_customers_by_email_or_name(admin_client, customers, query, shown, hidden):
    html = admin_client.get(f"/admin/customers?q={query}").get_data(as_text=True)
    assert shown in html and hidden not in html


def test_a_search_with_no_match_says_so(admin_client, customers):
    html = admin_client.get("/admin/customers?q=nobody%25").get_data(as_text=True)
    assert "No customers match this search." in html and "anna@example.de" not in html


def test_customer_page_lists_their_orders_newest_first(admin_client, db, customers):
    anna = customers["anna"]
    make_order(db, None, 6004, base_total=1000, email="Anna@Example.de", payment_status=PaymentStatus.PENDING,
               created_at=datetime(2030, 1, 1, tzinfo=timezone.utc))
    make_order(db, None, 6005, base_total=1000, email="someone-else@example.com")
    response = admin_client.get(f"/admin/customers/{anna.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Anna Schmidt" in html and "Subscribed to e-mail marketing" in html
    assert "Total spent: $125.00" in html
    numbers = [int(n) for n in re.findall(r'/admin/orders/(\d+)"', html)]
    assert numbers[0] == 6004, "an unpaid order under the same e-mail is listed too, newest first"
    assert sorted(numbers) == [6001, 6002, 6003, 6004]


def test_an_unknown_customer_is_not_found(admin_client, store):
    assert admin_client.get("/admin/customers/999999").status_code == 404


@pytest.mark.parametrize("role, status", [("owner", 200), ("admin", 200), ("staff", 403)])
def test_staff_users_may_not_open_customers(staff_client, customers, role, status):
    signed_in = staff_client(role)
    assert signed_in.get("/admin/customers").status_code == status
    assert signed_in.get(f"/admin/customers/{customers['anna'].id}").status_code == status


def test_the_order_page_links_to_the_customer_only_for_those_who_may_open_customers(staff_client, db, customers):
    path = "/admin/orders/6001"
    link = f'/admin/customers/{customers["anna"].id}"'
    assert link in staff_client("admin").get(path).get_data(as_text=True)
    assert link not in staff_client("staff").get(path).get_data(as_text=True)


def test_the_customer_list_runs_as_many_queries_for_many_customers_as_for_two(admin_client, db, customers):
    with counted_statements(db.engine) as two:
        assert admin_client.get("/admin/customers").status_code == 200
    for n in range(20):
        make_order(db, make_customer(db, f"buyer{n}@example.com"), 6100 + n, base_total=1000)
    with counted_statements(db.engine) as many:
        assert "buyer19@example.com" in admin_client.get("/admin/customers").get_data(as_text=True)
    assert len(many) == len(two)
