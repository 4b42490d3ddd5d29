"""Campaign reports against numbers worked out by hand: visits, carts, paid orders, revenue, ROAS, days."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from storefront.domain.marketing import reports
from storefront.models import Cart, PaymentStatus, Visit
from tests.fixtures.factories import make_campaign, make_discount_code, make_link, make_paid_order, make_product

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def add_visit(session, campaign, visitor: str, when: str) -> None:
    session.add(Visit(visitor_id=visitor, campaign_id=campaign.id if campaign else None, created_at=at(when)))
    session.flush()


def add_cart(session, n: int, *, first=None, last=None, when: str = "2026-03-10T09:00") -> None:
    session.add(Cart(token=f"report-cart-{n}", currency="USD", locale="en", created_at=at(when),
                     first_touch_campaign_id=first.id if first else None,
                     last_touch_campaign_id=last.id if last else None))
    session.flush()


def add_order(session, product, *, when: str, last=None, first=None, market=None, currency="USD", total=0,
              base_total=0, base_subtotal=None, base_discount=0, refunded=0, fx_rate="1", paid=True, link=None,
              code=None, status=PaymentStatus.PAID):
    order = make_paid_order(session, [(product, 1)], created_at=at(when), currency=currency,
                            market_id=market.id if market else None, fx_rate=Decimal(fx_rate),
                            payment_status=status if paid else PaymentStatus.PENDING,
                            paid_at=at(when) + timedelta(minutes=5) if paid else None,
                            last_touch_campaign_id=last.id if last else None,
                            first_touch_campaign_id=(first or last).id if (first or last) else None,
                            campaign_link_id=link.id if link else None, discount_code=code)
    order.total, order.base_total, order.base_discount_total = total, base_total, base_discount
    order.base_subtotal = base_total if base_subtotal is None else base_subtotal
    order.total_refunded = refunded
    session.flush()
    return order


@pytest.fixture
def scene(db, store, markets):
    """Campaign "Spring" (budget €100.00) with 4 visits by 2 visitors, 3 carts and 3 paid orders in three
    markets; one unpaid order; an order whose first touch only is Spring; campaign "Other" beside it."""
    store.timezone = "Asia/Tokyo"
    spring = make_campaign(db.session, "Spring", budget=10000, budget_currency="EUR")
    other = make_campaign(db.session, "Other")
    product = make_product(db.session)
    for visitor, when in [("v1", "2026-03-10T01:00"), ("v1", "2026-03-10T16:30"), ("v2", "2026-03-11T02:00"),
                          ("v2", "2026-03-12T03:00")]:
        add_visit(db.session, spring, visitor, when)
    add_visit(db.session, other, "v3", "2026-03-10T02:00")
    add_visit(db.session, None, "v4", "2026-03-10T02:00")
    add_cart(db.session, 1, first=spring, last=spring)
    add_cart(db.session, 2, first=spring, last=spring)
    add_cart(db.session, 3, first=spring, last=other)
    # 10 March 10:00 UTC is 19:00 in Tokyo; 16:00 UTC is already 01:00 on the 11th there.
    add_order(db.session, product, when="2026-03-10T10:00", last=spring, market=markets["US"], total=5000,
              base_total=5000, base_discount=500)
    add_order(db.session, product, when="2026-03-10T16:00", last=spring, market=markets["EU"], currency="EUR",
              total=4000, base_total=5000, refunded=1000, fx_rate="0.8", status=PaymentStatus.PARTIALLY_REFUNDED)
    add_order(db.session, product, when="2026-03-12T05:00", last=spring, market=markets["JP"], currency="JPY",
              total=8000, base_total=5000, fx_rate="1.6")
    add_order(db.session, product, when="2026-03-12T06:00", last=spring, total=9999, base_total=9999, paid=False)
    add_order(db.session, product, when="2026-03-12T07:00", first=spring, last=other, total=7000, base_total=7000)
    return {"spring": spring, "other": other, "product": product}


def test_the_report_adds_up_to_the_hand_computed_numbers(db, scene):
    report = reports.campaign_report(db.session, scene["spring"])
    assert (report.visits, report.visitors, report.carts, report.orders) == (4, 2, 2, 3)
    assert report.currency == "USD" and report.revenue_base == 15000 and report.average_order_value_base == 5000
    assert report.discount_cost_base == 500
    assert report.refunds_base == 1250 and report.net_revenue_base == 13750   # €10.00 at 0.8 = $12.50
    assert report.conversion_rate == Decimal("0.75")
    assert report.revenue_by_market == {"JP": (8000, "JPY"), "US": (5000, "USD"), "EU": (4000, "EUR")}
    assert report.spend_base == 12500 and report.roas == Decimal("1.20")   # €100 at 1 EUR = 1.25 USD


def test_first_touch_credits_the_orders_and_carts_the_campaign_started(db, scene):
    first = reports.campaign_report(db.session, scene["spring"], touch="first")
    assert (first.carts, first.orders, first.revenue_base) == (3, 4, 22000)
    other_last = reports.campaign_report(db.session, scene["other"], touch="last")
    other_first = reports.campaign_report(db.session, scene["other"], touch="first")
    assert (other_last.orders, other_last.revenue_base, other_last.carts) == (1, 7000, 1)
    assert (other_first.orders, other_first.carts) == (0, 0)


def test_days_are_the_stores_calendar_days(db, scene):
    report = reports.campaign_report(db.session, scene["spring"])
    assert (report.start, report.end) == (date(2026, 3, 10), date(2026, 3, 12))
    assert report.daily == [(date(2026, 3, 10), 1, 1, 5000), (date(2026, 3, 11), 2, 1, 5000),
                            (date(2026, 3, 12), 1, 1, 5000)]


def test_a_period_of_days_is_counted_in_the_stores_time_zone(db, scene):
    report = reports.campaign_report(db.session, scene["spring"], start=date(2026, 3, 11), end=date(2026, 3, 11))
    assert (report.visits, report.orders, report.revenue_base, report.revenue_by_market) == (
        2, 1, 5000, {"EU": (4000, "EUR")})
    assert report.daily == [(date(2026, 3, 11), 2, 1, 5000)]
    empty = reports.campaign_report(db.session, scene["spring"], start=date(2026, 4, 1), end=date(2026, 4, 2))
    assert (empty.visits, empty.orders, empty.conversion_rate, empty.average_order_value_base) == (0, 0, None, None)
    assert [row.visits for row in empty.daily] == [0, 0]


def test_spend_wins_over_budget_and_no_spend_means_no_roas(db, scene):
    scene["spring"].spend = 4000   # €40.00 → $50.00
    report = reports.campaign_report(db.session, scene["spring"])
    assert report.spend_base == 5000 and report.roas == Decimal("3.00")
    assert reports.campaign_report(db.session, scene["other"]).roas is None
    unknown = make_campaign(db.session, "Far away", budget=100, budget_currency="CHF")  # no CHF rate known
    assert reports.campaign_report(db.session, unknown).spend_base is None


def test_an_unknown_touch_model_is_refused(db, scene):
    with pytest.raises(ValueError):
        reports.campaign_report(db.session, scene["spring"], touch="linear")


def test_the_overview_has_a_row_per_campaign(db, scene):
    rows = {row.name: row for row in reports.campaigns_overview(db.session)}
    spring, other = rows["Spring"], rows["Other"]
    assert (spring.visits, spring.carts, spring.orders, spring.revenue_base, spring.roas) == (
        4, 2, 3, 15000, Decimal("1.20"))
    assert (other.visits, other.carts, other.orders, other.revenue_base, other.spend_base, other.roas) == (
        1, 1, 1, 7000, None, None)
    firsts = {row.name: row for row in reports.campaigns_overview(db.session, touch="first")}
    assert (firsts["Spring"].orders, firsts["Other"].orders) == (4, 0)


def test_daylight_saving_days_are_cut_at_local_midnight(db, store):
    store.timezone = "Europe/Berlin"
    campaign = make_campaign(db.session, "DST")
    product = make_product(db.session)
    # Berlin moves from +1 to +2 at 01:00 UTC on 29 March 2026.
    for when in ("2026-03-28T22:30", "2026-03-29T21:30", "2026-03-29T22:30"):
        add_order(db.session, product, when=when, last=campaign, total=100, base_total=100)
    report = reports.campaign_report(db.session, campaign)
    assert [(row.day, row.orders) for row in report.daily] == [(date(2026, 3, 28), 1), (date(2026, 3, 29), 1),
                                                              (date(2026, 3, 30), 1)]


def test_offset_periods_find_the_minute_the_clocks_change():
    periods = reports.offset_periods(ZoneInfo("Europe/Berlin"), at("2026-03-01T00:00"), at("2026-11-01T00:00"))
    assert periods == [(None, 60), (at("2026-03-29T01:00"), 120), (at("2026-10-25T01:00"), 60)]
    assert reports.offset_periods(ZoneInfo("Asia/Kolkata"), at("2026-01-01T00:00"), at("2026-12-31T00:00")) == [
        (None, 330)]


def test_influencers_earn_commission_on_goods_after_discount(db, store):
    kol = make_campaign(db.session, "KOL")
    code = make_discount_code(db.session, "ANNA10", commission_bp=800)
    anna = make_link(db.session, kol, "anna", influencer="Anna", commission_bp=1000)
    ben = make_link(db.session, kol, "ben", influencer="Ben", discount_code_id=code.id)   # rate from the code
    make_link(db.session, make_campaign(db.session, "Elsewhere"), "cleo", influencer="Cleo", commission_bp=500)
    mia = make_discount_code(db.session, "MIA5", commission_bp=500, campaign_id=kol.id)
    product = make_product(db.session)
    add_order(db.session, product, when="2026-03-10T10:00", last=kol, link=anna, base_total=5500, base_subtotal=4000,
              base_discount=500)
    add_order(db.session, product, when="2026-03-11T10:00", last=kol, link=anna, base_total=5000)
    add_order(db.session, product, when="2026-03-11T11:00", last=kol, link=anna, base_total=3000,
              status=PaymentStatus.REFUNDED)
    add_order(db.session, product, when="2026-03-11T12:00", last=kol, link=ben, base_total=2000)
    add_order(db.session, product, when="2026-03-11T13:00", last=kol, base_total=2000, code=mia.code)
    add_order(db.session, product, when="2026-03-11T14:00", last=kol, link=anna, base_total=999, paid=False)
    rows = {row.code: row for row in reports.influencer_report(db.session, kol)}
    assert set(rows) == {"anna", "ben", "MIA5"}
    assert (rows["anna"].orders, rows["anna"].revenue_base, rows["anna"].commission_base,
            rows["anna"].commission_due_base) == (2, 10500, 8500, 850)
    assert (rows["ben"].commission_bp, rows["ben"].commission_due_base) == (800, 160)
    assert (rows["MIA5"].link_id, rows["MIA5"].orders, rows["MIA5"].commission_due_base) == (None, 1, 100)
    every = {row.code: row for row in reports.influencer_report(db.session)}
    assert every["cleo"].orders == 0 and every["cleo"].commission_due_base == 0
    march_10 = {row.code: row for row in reports.influencer_report(db.session, kol, start=date(2026, 3, 10),
                                                                   end=date(2026, 3, 10))}
    assert march_10["anna"].orders == 1 and march_10["ben"].orders == 0


def test_the_csv_export_has_the_totals_and_one_row_per_day(db, scene):
    scene["spring"].name = "=HYPERLINK(\"http://evil\")"
    text = reports.report_csv(reports.campaign_report(db.session, scene["spring"]))
    rows = list(csv.reader(io.StringIO(text)))
    values = {row[0]: row[1:] for row in rows if row}
    assert values["Campaign"] == ["'=HYPERLINK(\"http://evil\")"]
    assert values["Visits"] == ["4"] and values["Orders"] == ["3"] and values["Revenue"] == ["150.00"]
    assert values["Refunds"] == ["12.50"] and values["Return on ad spend"] == ["1.20"]
    assert values["Revenue in market JP"] == ["8000", "JPY"]
    assert values["Conversion rate"] == ["0.7500"] and values["Currency"] == ["USD"]
    days = rows[rows.index(["Date", "Visits", "Orders", "Revenue"]) + 1:]
    assert days == [["2026-03-10", "1", "1", "50.00"], ["2026-03-11", "2", "1", "50.00"],
                    ["2026-03-12", "1", "1", "50.00"]]
