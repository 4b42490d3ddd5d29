"""What each campaign brought: visits, carts, paid orders, revenue (base currency and per market), discount
cost, return on ad spend, a daily series in the store's time zone, influencer commissions, CSV export.

Every number comes from GROUP BY queries: visits by (campaign_id, created_at), orders by their indexed
first/last touch campaign. Orders count when paid (paid_at set), dated by when they were placed, with their
base-currency totals (the rate of the day they were placed); refunds are shown beside revenue, not inside it.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from sqlalchemy import Date, case, cast, func, literal_column, select
from sqlalchemy.orm import Session

from storefront.domain.fx import MissingRate, load_rate_table
from storefront.domain.money import decimal_string, minor_exponent, to_decimal
from storefront.domain.store import load_store_settings
from storefront.models import (
    Campaign,
    CampaignChannel,
    CampaignLink,
    Cart,
    DiscountCode,
    Market,
    Order,
    PaymentStatus,
    Visit,
)

TOUCHES = ("first", "last")
RATE_PLACES = Decimal("0.0001")
ROAS_PLACES = Decimal("0.01")
# Cells a spreadsheet would run as a formula start with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class DayRow(NamedTuple):
    """One day (in the store's time zone) of a campaign's report."""

    day: date
    visits: int
    orders: int
    revenue_base: int


@dataclass(frozen=True)
class CampaignReport:
    campaign_id: int
    campaign_name: str
    touch: str
    currency: str                              # the store's base currency
    start: date | None                         # first and last day shown (store time zone)
    end: date | None
    visits: int
    visitors: int                              # distinct visitor ids among the visits
    carts: int
    orders: int
    conversion_rate: Decimal | None            # orders / visits (0.0250 = 2.5 %); None without visits
    revenue_base: int                          # Σ base_total of paid orders (refunds not taken off)
    refunds_base: int                          # what was refunded of those orders, in base currency
    revenue_by_market: dict[str, tuple[int, str]]  # market code ("" outside any market) → (total, currency)
    average_order_value_base: int | None
    discount_cost_base: int
    spend_base: int | None                     # spend (else budget) in base currency; None when neither is set
    roas: Decimal | None                       # revenue_base / spend_base
    daily: list[DayRow]

    @property
    def net_revenue_base(self) -> int:
        return self.revenue_base - self.refunds_base


@dataclass(frozen=True)
class CampaignRow:
    """One line of the campaigns overview."""

    campaign_id: int
    name: str
    channel: CampaignChannel
    active: bool
    starts_at: datetime | None
    ends_at: datetime | None
    visits: int
    carts: int
    orders: int
    conversion_rate: Decimal | None
    revenue_base: int
    spend_base: int | None
    roas: Decimal | None


@dataclass(frozen=True)
class InfluencerRow:
    """What one tracked link (or a KOL code handed out without a link) sold, and the commission it earned.
    Commission is on goods after discount (base_subtotal − base_discount_total), fully refunded orders left out."""

    campaign_id: int | None
    campaign_name: str | None
    link_id: int | None
    code: str                 # the link's code, or the discount code for code-only rows
    label: str | None
    influencer: str | None
    orders: int
    revenue_base: int
    commission_base: int
    commission_bp: int | None
    commission_due_base: int


# -- periods and days --------------------------------------------------------------------------------------
def store_zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def period_bounds(start: date | datetime | None, end: date | datetime | None,
                  zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """UTC instants [lower, upper) for the period: dates are whole days in the store's time zone (both
    included), datetimes are instants (upper excluded)."""
    def bound(value, extra_day: bool) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        day = value + timedelta(days=1) if extra_day else value
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    return bound(start, False), bound(end, True)


def _offset_minutes(zone: ZoneInfo, instant: datetime) -> int:
    return int(instant.astimezone(zone).utcoffset().total_seconds() // 60)


def offset_periods(zone: ZoneInfo, lower: datetime, upper: datetime) -> list[tuple[datetime | None, int]]:
    """The zone's UTC offsets (minutes) between two instants: [(since, offset)], the first since None.
    Offsets change at most once a day and at a whole minute, which a binary search over the day finds."""
    day = lower.replace(second=0, microsecond=0)
    current = _offset_minutes(zone, day)
    periods: list[tuple[datetime | None, int]] = [(None, current)]
    while day < upper:
        following = day + timedelta(days=1)
        if _offset_minutes(zone, following) != current:
            low, high = 0, 24 * 60
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_minutes(zone, day + timedelta(minutes=middle)) == current:
                    low = middle
                else:
                    high = middle
            current = _offset_minutes(zone, day + timedelta(minutes=high))
            periods.append((day + timedelta(minutes=high), current))
        day = following
    return periods


def local_day(session: Session, column, zone: ZoneInfo, lower: datetime, upper: datetime):
    """SQL for the calendar day of a UTC timestamp in the store's time zone. PostgreSQL converts itself; SQLite
    shifts by the zone's offset, switching offsets at the daylight-saving changes within [lower, upper]."""
    if session.get_bind().dialect.name == "postgresql":
        # The zone as a literal, so that SELECT and GROUP BY are the same expression (ZoneInfo keys are
        # plain names: letters, digits, "/", "_", "+", "-").
        return cast(func.timezone(literal_column("'%s'" % zone.key.replace("'", "''")), column), Date)
    periods = offset_periods(zone, lower, upper)

    def shifted(offset: int):
        return func.date(column, f"{offset:+d} minutes", type_=Date)
    if len(periods) == 1:
        return shifted(periods[0][1])
    whens = [(column < since, shifted(offset)) for (_, offset), (since, _) in zip(periods, periods[1:])]
    return case(*whens, else_=shifted(periods[-1][1]))


def _days(lower: date, upper: date) -> list[date]:
    return [lower + timedelta(days=n) for n in range((upper - lower).days + 1)]


# -- shared pieces -----------------------------------------------------------------------------------------
def _touch_column(touch: str):
    if touch not in TOUCHES:
        raise ValueError(f"touch must be one of {TOUCHES}")
    return Order.first_touch_campaign_id if touch == "first" else Order.last_touch_campaign_id


def _cart_touch_column(touch: str):
    return Cart.first_touch_campaign_id if touch == "first" else Cart.last_touch_campaign_id


def _within(column, lower: datetime | None, upper: datetime | None) -> list:
    conditions = []
    if lower is not None:
        conditions.append(column >= lower)
    if upper is not None:
        conditions.append(column < upper)
    return conditions


def _paid(base_currency: str) -> list:
    return [Order.paid_at.is_not(None), Order.base_currency == base_currency]


def ratio(numerator: int, denominator: int, places: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(places, rounding=ROUND_HALF_UP)


def _minor(value: Decimal, currency: str) -> int:
    return int(value.scaleb(minor_exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def spend_in_base(campaign: Campaign, base_currency: str, rates) -> int | None:
    """The campaign's spend, else its budget, in base currency at the reference rate in force."""
    amount = campaign.spend if campaign.spend is not None else campaign.budget
    if amount is None:
        return None
    currency = campaign.budget_currency or base_currency
    if currency == base_currency:
        return amount
    try:
        return _minor(to_decimal(amount, currency) * rates.rate(currency, base_currency), base_currency)
    except MissingRate:
        return None


# -- one campaign ------------------------------------------------------------------------------------------------
def campaign_report(session: Session, campaign: Campaign, *, start: date | datetime | None = None,
                    end: date | datetime | None = None, touch: str = "last") -> CampaignReport:
    """The campaign's numbers for the period (all time by default), orders credited by first or last touch."""
    order_touch = _touch_column(touch)
    store = load_store_settings(session)
    base, zone = store.base_currency, store_zone(store.timezone)
    lower, upper = period_bounds(start, end, zone)

    visit_where = [Visit.campaign_id == campaign.id, *_within(Visit.created_at, lower, upper)]
    visits, visitors, first_visit, last_visit = session.execute(
        select(func.count(Visit.id), func.count(func.distinct(Visit.visitor_id)), func.min(Visit.created_at),
               func.max(Visit.created_at)).where(*visit_where)
    ).one()
    carts = session.scalar(select(func.count(Cart.id)).where(
        _cart_touch_column(touch) == campaign.id, *_within(Cart.created_at, lower, upper))) or 0

    order_where = [order_touch == campaign.id, *_paid(base), *_within(Order.created_at, lower, upper)]
    groups = session.execute(
        select(Market.code, Order.currency, Order.fx_rate, func.count(Order.id), func.sum(Order.total),
               func.sum(Order.base_total), func.sum(Order.base_discount_total), func.sum(Order.total_refunded),
               func.min(Order.created_at), func.max(Order.created_at))
        .select_from(Order).outerjoin(Market, Market.id == Order.market_id)
        .where(*order_where)
        .group_by(Market.code, Order.currency, Order.fx_rate)
    ).all()
    orders = revenue = discount_cost = refunds = 0
    by_market: dict[tuple[str, str], int] = {}
    order_times: list[datetime] = []
    for code, currency, fx_rate, count, total, base_total, base_discount, refunded, earliest, latest in groups:
        orders += count
        revenue += int(base_total or 0)
        discount_cost += int(base_discount or 0)
        by_market[(code or "", currency)] = by_market.get((code or "", currency), 0) + int(total or 0)
        if refunded:
            refunds += _minor(to_decimal(int(refunded), currency) / (fx_rate or Decimal(1)), base)
        order_times += [earliest, latest]

    markets: dict[str, tuple[int, str]] = {}
    codes = [code for code, _ in by_market]
    for (code, currency), amount in sorted(by_market.items(), key=lambda item: -item[1]):
        markets[f"{code}/{currency}" if codes.count(code) > 1 else code] = (amount, currency)

    times = [t for t in (first_visit, last_visit, *order_times) if t is not None]
    earliest = lower or (min(times) if times else None)
    latest = upper - timedelta(microseconds=1) if upper else (max(times) if times else None)
    first_day = earliest.astimezone(zone).date() if earliest else None
    last_day = latest.astimezone(zone).date() if latest else None
    daily: list[DayRow] = []
    if first_day is not None and last_day is not None and first_day <= last_day:
        daily = _daily(session, order_where, visit_where, zone, first_day, last_day)

    spend = spend_in_base(campaign, base, load_rate_table(session))
    return CampaignReport(
        campaign_id=campaign.id, campaign_name=campaign.name, touch=touch, currency=base, start=first_day,
        end=last_day, visits=visits, visitors=visitors, carts=carts, orders=orders,
        conversion_rate=ratio(orders, visits, RATE_PLACES), revenue_base=revenue, refunds_base=refunds,
        revenue_by_market=markets, average_order_value_base=round(revenue / orders) if orders else None,
        discount_cost_base=discount_cost, spend_base=spend,
        roas=ratio(revenue, spend, ROAS_PLACES) if spend else None, daily=daily,
    )


def _daily(session: Session, order_where: list, visit_where: list, zone: ZoneInfo,
           first_day: date, last_day: date) -> list[DayRow]:
    lower = datetime.combine(first_day, time.min, tzinfo=zone).astimezone(UTC)
    upper = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    visit_day = local_day(session, Visit.created_at, zone, lower, upper)
    order_day = local_day(session, Order.created_at, zone, lower, upper)
    visits = dict(session.execute(select(visit_day, func.count(Visit.id)).where(*visit_where).group_by(visit_day)).all())
    orders = {day: (count, int(total or 0)) for day, count, total in session.execute(
        select(order_day, func.count(Order.id), func.sum(Order.base_total)).where(*order_where).group_by(order_day))}
    return [DayRow(day, visits.get(day, 0), *orders.get(day, (0, 0))) for day in _days(first_day, last_day)]


# -- every campaign ----------------------------------------------------------------------------------------------
def campaigns_overview(session: Session, *, start: date | datetime | None = None, end: date | datetime | None = None,
                       touch: str = "last") -> list[CampaignRow]:
    """One row per campaign (newest first) with its visits, carts, paid orders, revenue and return on spend."""
    order_touch = _touch_column(touch)
    cart_touch = _cart_touch_column(touch)
    store = load_store_settings(session)
    lower, upper = period_bounds(start, end, store_zone(store.timezone))
    visits = dict(session.execute(
        select(Visit.campaign_id, func.count(Visit.id))
        .where(Visit.campaign_id.is_not(None), *_within(Visit.created_at, lower, upper)).group_by(Visit.campaign_id)
    ).all())
    carts = dict(session.execute(
        select(cart_touch, func.count(Cart.id))
        .where(cart_touch.is_not(None), *_within(Cart.created_at, lower, upper)).group_by(cart_touch)
    ).all())
    orders = {campaign_id: (count, int(total or 0)) for campaign_id, count, total in session.execute(
        select(order_touch, func.count(Order.id), func.sum(Order.base_total))
        .where(order_touch.is_not(None), *_paid(store.base_currency), *_within(Order.created_at, lower, upper))
        .group_by(order_touch))}
    rates = load_rate_table(session)
    rows = []
    for campaign in session.scalars(select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())):
        count, revenue = orders.get(campaign.id, (0, 0))
        spend = spend_in_base(campaign, store.base_currency, rates)
        rows.append(CampaignRow(
            campaign_id=campaign.id, name=campaign.name, channel=campaign.channel, active=campaign.active,
            starts_at=campaign.starts_at, ends_at=campaign.ends_at, visits=visits.get(campaign.id, 0),
            carts=carts.get(campaign.id, 0), orders=count,
            conversion_rate=ratio(count, visits.get(campaign.id, 0), RATE_PLACES), revenue_base=revenue,
            spend_base=spend, roas=ratio(revenue, spend, ROAS_PLACES) if spend else None))
    return rows


# -- influencers and affiliates ---------------------------------------------------------------------------------
def _commission(base_amount: int, bp: int | None) -> int:
    if not bp:
        return 0
    return int((Decimal(base_amount) * bp / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def influencer_report(session: Session, campaign: Campaign | None = None, *, start: date | datetime | None = None,
                      end: date | datetime | None = None) -> list[InfluencerRow]:
    """Per tracked link (and per KOL code used without one): paid orders, revenue and commission due in base
    currency. A link's commission rate is its own, else that of its discount code."""
    store = load_store_settings(session)
    lower, upper = period_bounds(start, end, store_zone(store.timezone))
    counted = [*_paid(store.base_currency), Order.payment_status != PaymentStatus.REFUNDED,
               *_within(Order.created_at, lower, upper)]
    sums = (func.count(Order.id), func.coalesce(func.sum(Order.base_total), 0),
            func.coalesce(func.sum(Order.base_subtotal - Order.base_discount_total), 0))

    per_link = (select(Order.campaign_link_id.label("link_id"), *[s.label(n) for s, n in
                                                                  zip(sums, ("orders", "revenue", "goods"))])
                .where(Order.campaign_link_id.is_not(None), *counted).group_by(Order.campaign_link_id).subquery())
    link_rows = select(CampaignLink, Campaign.name, DiscountCode.commission_bp, per_link.c.orders,
                       per_link.c.revenue, per_link.c.goods) \
        .join(Campaign, Campaign.id == CampaignLink.campaign_id) \
        .outerjoin(DiscountCode, DiscountCode.id == CampaignLink.discount_code_id) \
        .outerjoin(per_link, per_link.c.link_id == CampaignLink.id)
    if campaign is not None:
        link_rows = link_rows.where(CampaignLink.campaign_id == campaign.id)
    rows = []
    for link, campaign_name, code_bp, count, revenue, goods in session.execute(link_rows):
        bp = link.commission_bp if link.commission_bp is not None else code_bp
        rows.append(InfluencerRow(link.campaign_id, campaign_name, link.id, link.code, link.label, link.influencer,
                                  int(count or 0), int(revenue or 0), int(goods or 0), bp,
                                  _commission(int(goods or 0), bp)))

    code_rows = (select(DiscountCode.code, DiscountCode.commission_bp, DiscountCode.campaign_id, Campaign.name, *sums)
                 .join(Order, Order.discount_code == DiscountCode.code)
                 .outerjoin(Campaign, Campaign.id == DiscountCode.campaign_id)
                 .where(Order.campaign_link_id.is_(None), DiscountCode.commission_bp.is_not(None), *counted)
                 .group_by(DiscountCode.code, DiscountCode.commission_bp, DiscountCode.campaign_id, Campaign.name))
    if campaign is not None:
        code_rows = code_rows.where(DiscountCode.campaign_id == campaign.id)
    for code, bp, campaign_id, campaign_name, count, revenue, goods in session.execute(code_rows):
        rows.append(InfluencerRow(campaign_id, campaign_name, None, code, None, None, int(count), int(revenue),
                                  int(goods), bp, _commission(int(goods), bp)))
    rows.sort(key=lambda row: (-row.revenue_base, row.code))
    return rows


# -- export ----------------------------------------------------------------------------------------------------------
def _text_cell(value: str) -> str:
    """Text that a spreadsheet could take for a formula is quoted as text."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def report_csv(report: CampaignReport) -> str:
    """The report as CSV: the totals, then one row per day. Amounts are decimals in the base currency."""
    def money(amount: int | None) -> str:
        return decimal_string(amount, report.currency) if amount is not None else ""

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Campaign"), _text_cell(report.campaign_name)])
    writer.writerow([_("Period"), report.start.isoformat() if report.start else "",
                     report.end.isoformat() if report.end else ""])
    writer.writerow([_("Attribution"), _("First touch") if report.touch == "first" else _("Last touch")])
    writer.writerow([_("Currency"), report.currency])
    for label, value in [
        (_("Visits"), report.visits), (_("Visitors"), report.visitors), (_("Carts"), report.carts),
        (_("Orders"), report.orders),
        (_("Conversion rate"), f"{report.conversion_rate:f}" if report.conversion_rate is not None else ""),
        (_("Revenue"), money(report.revenue_base)), (_("Refunds"), money(report.refunds_base)),
        (_("Average order value"), money(report.average_order_value_base)),
        (_("Discount cost"), money(report.discount_cost_base)), (_("Spend"), money(report.spend_base)),
        (_("Return on ad spend"), f"{report.roas:f}" if report.roas is not None else ""),
    ]:
        writer.writerow([label, value])
    for code, (amount, currency) in report.revenue_by_market.items():
        writer.writerow([_("Revenue in market %(market)s", market=code or "—"), decimal_string(amount, currency),
                         currency])
    writer.writerow([])
    writer.writerow([_("Date"), _("Visits"), _("Orders"), _("Revenue")])
    for row in report.daily:
        writer.writerow([row.day.isoformat(), row.visits, row.orders, money(row.revenue_base)])
    return out.getvalue()
