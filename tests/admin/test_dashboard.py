"""The admin home page: paid sales and orders per day and market, best sellers, searches, low stock, latest orders."""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from storefront.domain.money import format_money
from storefront.models import (
    InventoryLevel,
    Order,
    PaymentStatus,
    ProductStatus,
    SearchQueryStat,
    utcnow,
)
from tests.fixtures.admin import table_rows
from tests.fixtures.factories import make_paid_order, make_product

PAID = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)


def days_ago(days: int, at: time = time(12, 0)) -> datetime:
    return datetime.combine(utcnow().date() - timedelta(days=days), at, tzinfo=UTC)


@pytest.fixture
def sales(db, markets):
    """A $20 mug and a $5 card; paid orders today (US), two days ago (Eurozone, partly refunded) and 40 days ago
    (UK); a pending and a refunded order that are not sales; and a sale 100 days ago, outside every period."""
    mug = make_product(db.session, title="Mug", variants=[{"price": 2000}])
    card = make_product(db.session, title="Card", variants=[{"price": 500}])
    orders = {
        "us": make_paid_order(db.session, [(mug, 2)], market_id=markets["US"].id),
        "eu": make_paid_order(db.session, [(mug, 1), (card, 5)], market_id=markets["EU"].id, currency="EUR",
                              payment_status=PaymentStatus.PARTIALLY_REFUNDED, created_at=days_ago(2)),
        "uk": make_paid_order(db.session, [(card, 2)], market_id=markets["GB"].id, currency="GBP",
                              created_at=days_ago(40)),
        "pending": make_paid_order(db.session, [(mug, 9)], market_id=markets["US"].id,
                                   payment_status=PaymentStatus.PENDING, paid_at=None),
        "refunded": make_paid_order(db.session, [(mug, 7)], market_id=markets["US"].id,
                                    payment_status=PaymentStatus.REFUNDED),
        "old": make_paid_order(db.session, [(mug, 4)], market_id=markets["JP"].id, created_at=days_ago(100)),
    }
    return {"mug": mug, "card": card, **orders}


def paid_totals_in_database(session, days: int) -> tuple[int, int]:
    since = datetime.combine(utcnow().date() - timedelta(days=days - 1), time.min, tzinfo=UTC)
    total, count = session.execute(
        select(func.coalesce(func.sum(Order.base_total), 0), func.count())
        .where(Order.payment_status.in_(PAID), Order.created_at >= since)
    ).one()
    return total, count


def usd(amount: int) -> str:
    return format_money(amount, "USD", "en")


def chart_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', html, re.DOTALL)
    assert match, "the dashboard has no chart data"
    return json.loads(match.group(1))


def test_owner_sees_the_paid_sales_and_orders_of_the_last_30_days(db, admin_client, sales):
    html = admin_client.get("/admin/").get_data(as_text=True)
    total, count = paid_totals_in_database(db.session, 30)
    assert (total, count) == (4000 + 4500, 2)
    assert f'<strong id="total-sales">{usd(total)}</strong>' in html
    assert f'<strong id="total-orders">{count}</strong>' in html
    assert table_rows(html, "sales-by-market") == [
        ["United States", "1", usd(4000)],
        ["Eurozone", "1", usd(4500)],
    ]


def test_each_day_of_the_period_has_a_row_that_adds_up_to_the_total(db, admin_client, sales):
    rows = table_rows(admin_client.get("/admin/").get_data(as_text=True), "sales-per-day")
    assert len(rows) == 30
    # Day | orders and sales in each market with sales | orders | sales
    assert rows[-1] == [rows[-1][0], "1", usd(4000), "0", usd(0), "1", usd(4000)]
    assert rows[-3] == [rows[-3][0], "0", usd(0), "1", usd(4500), "1", usd(4500)]
    assert sum(int(row[-2]) for row in rows) == paid_totals_in_database(db.session, 30)[1]


def test_90_days_include_older_sales_and_their_market(db, admin_client, sales):
    html = admin_client.get("/admin/?days=90").get_data(as_text=True)
    total, count = paid_totals_in_database(db.session, 90)
    assert (total, count) == (4000 + 4500 + 1000, 3)
    assert f'<strong id="total-sales">{usd(total)}</strong>' in html
    assert ["United Kingdom", "1", usd(1000)] in table_rows(html, "sales-by-market")
    assert len(table_rows(html, "sales-per-day")) == 90
    assert re.search(r'<a href="/admin/\?days=90"\s+aria-current="page"', html)


def test_an_unknown_period_shows_the_last_30_days(admin_client, sales):
    html = admin_client.get("/admin/?days=7").get_data(as_text=True)
    assert len(table_rows(html, "sales-per-day")) == 30


def test_chart_data_is_json_with_one_series_per_market(db, admin_client, sales):
    data = chart_data(admin_client.get("/admin/").get_data(as_text=True))
    assert data["currency"] == "USD"
    assert len(data["labels"]) == 30
    assert [s["label"] for s in data["sales"]["series"]] == ["United States", "Eurozone"]
    assert sum(sum(s["data"]) for s in data["sales"]["series"]) == pytest.approx(85.00)
    assert sum(sum(s["data"]) for s in data["orders"]["series"]) == 2
    assert data["sales"]["series"][0]["data"][-1] == pytest.approx(40.00)


def test_charts_are_drawn_by_vendored_chart_js_without_inline_script(admin_client, sales):
    html = admin_client.get("/admin/").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert all('type="application/json"' in attrs or (not body.strip() and "src=" in attrs)
               for attrs, body in scripts)
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert any("/admin/static/vendor/chartjs/chart.umd" in src for src in sources)
    dashboard_js = next(src for src in sources if "dashboard.js" in src)
    assert admin_client.get(dashboard_js).status_code == 200
    for src in sources:
        assert admin_client.get(src).status_code == 200, src


def test_sales_are_counted_on_their_utc_day(db, admin_client, markets):
    card = make_product(db.session, variants=[{"price": 500}])
    make_paid_order(db.session, [(card, 1)], market_id=markets["US"].id, created_at=days_ago(1, time(23, 59, 30)))
    make_paid_order(db.session, [(card, 3)], market_id=markets["US"].id, created_at=days_ago(0, time(0, 0, 30)))
    rows = table_rows(admin_client.get("/admin/").get_data(as_text=True), "sales-per-day")
    assert rows[-2][1:] == ["1", usd(500)]
    assert rows[-1][1:] == ["1", usd(1500)]


def test_best_sellers_are_ranked_by_units_sold_in_paid_orders(admin_client, sales):
    rows = table_rows(admin_client.get("/admin/").get_data(as_text=True), "top-products")
    assert rows == [["Card", "5", usd(2500)], ["Mug", "3", usd(6000)]]


def test_low_stock_lists_tracked_variants_at_or_below_the_threshold(db, admin_client, store):
    store.low_stock_threshold = 5
    make_product(db.session, title="Plenty", stock=50)
    make_product(db.session, title="Nearly gone", variants=[{"sku": "NEAR-1", "stock": 3}])
    held = make_product(db.session, title="Mostly reserved", stock=8)
    level = db.session.scalar(select(InventoryLevel).where(InventoryLevel.variant_id == held.variants[0].id))
    level.reserved = 4
    make_product(db.session, title="Archived", stock=0, status=ProductStatus.ARCHIVED)
    make_product(db.session, title="Made to order", variants=[{"stock": 0, "track_inventory": False}])
    db.session.flush()

    rows = table_rows(admin_client.get("/admin/").get_data(as_text=True), "low-stock")

    assert [(row[0], row[3]) for row in rows] == [("Nearly gone", "3"), ("Mostly reserved", "4")]
    assert rows[0][1] == "NEAR-1"


def test_well_stocked_shop_says_so(admin_client, db):
    make_product(db.session, stock=50)
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert table_rows(html, "low-stock") == []
    assert "Everything is well stocked." in html


def test_search_terms_and_searches_that_found_nothing(db, admin_client, store):
    today = utcnow().date()
    db.session.add_all([
        SearchQueryStat(locale="en", query="tote bag", day=today, count=7, zero_result_count=0),
        SearchQueryStat(locale="en", query="tote bag", day=today - timedelta(days=1), count=2, zero_result_count=0),
        SearchQueryStat(locale="de", query="handtasche", day=today, count=3, zero_result_count=3),
        SearchQueryStat(locale="en", query="long ago", day=today - timedelta(days=45), count=50, zero_result_count=50),
    ])
    db.session.flush()
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert table_rows(html, "top-searches") == [["tote bag", "English", "9", "0"], ["handtasche", "Deutsch", "3", "3"]]
    assert table_rows(html, "zero-result-searches") == [["handtasche", "Deutsch", "3"]]
    assert ["long ago", "English", "50"] in table_rows(admin_client.get("/admin/?days=90").get_data(as_text=True),
                                                       "zero-result-searches")


def test_recent_orders_list_every_order_newest_first_with_its_payment_state(admin_client, sales):
    rows = table_rows(admin_client.get("/admin/").get_data(as_text=True), "recent-orders")
    numbers = [row[0] for row in rows]
    assert f"#{sales['pending'].number}" in numbers
    assert numbers.index(f"#{sales['us'].number}") < numbers.index(f"#{sales['uk'].number}")
    pending = next(row for row in rows if row[0] == f"#{sales['pending'].number}")
    assert pending[3:] == ["United States", usd(9 * 2000), "Pending", "Unfulfilled"]


def test_empty_shop_dashboard_shows_zeroes_not_errors(admin_client):
    response = admin_client.get("/admin/?days=90")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<strong id="total-sales">{usd(0)}</strong>' in html
    assert "No paid orders in this period yet." in html
    assert chart_data(html)["sales"]["series"] == []
