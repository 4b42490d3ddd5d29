"""What the admin dashboard shows: paid sales per day and market, best sellers, searches, low stock, recent orders."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, desc, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from storefront.domain.store import load_store_settings
from storefront.models import (
    FulfillmentStatus,
    InventoryLevel,
    Location,
    Market,
    Order,
    OrderLine,
    PaymentStatus,
    Product,
    ProductStatus,
    SearchQueryStat,
    Variant,
    utcnow,
)

# Money that was taken and kept (at least in part): what the dashboard calls sales.
PAID_STATUSES = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)
PERIODS = (30, 90)
TOP_LIMIT = 10
LOW_STOCK_LIMIT = 25
RECENT_ORDERS_LIMIT = 10


class utc_date(FunctionElement):
    """The UTC calendar day of a timestamp, whatever the database session's time zone."""

    type = Date()
    name = "utc_date"
    inherit_cache = True


@compiles(utc_date)
def _utc_date(element, compiler, **kw) -> str:
    return f"DATE({compiler.process(element.clauses, **kw)})"


@compiles(utc_date, "postgresql")
def _utc_date_postgresql(element, compiler, **kw) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"


@dataclass(frozen=True)
class MarketSales:
    """One market's paid orders per day; `name` is None for orders placed outside any market."""

    name: str | None
    sales: list[int]
    orders: list[int]

    @property
    def total_sales(self) -> int:
        return sum(self.sales)

    @property
    def total_orders(self) -> int:
        return sum(self.orders)


@dataclass(frozen=True)
class SalesReport:
    """Paid orders per day (oldest first) in the store's base currency, overall and per market."""

    currency: str
    days: list[date]
    markets: list[MarketSales]

    @property
    def sales(self) -> list[int]:
        return [sum(m.sales[n] for m in self.markets) for n in range(len(self.days))]

    @property
    def orders(self) -> list[int]:
        return [sum(m.orders[n] for m in self.markets) for n in range(len(self.days))]

    @property
    def total_sales(self) -> int:
        return sum(m.total_sales for m in self.markets)

    @property
    def total_orders(self) -> int:
        return sum(m.total_orders for m in self.markets)

    @property
    def average_order(self) -> int:
        return round(self.total_sales / self.total_orders) if self.total_orders else 0


@dataclass(frozen=True)
class TopProduct:
    product_id: int | None
    title: str
    quantity: int
    sales: int


@dataclass(frozen=True)
class SearchTerm:
    query: str
    locale: str
    searches: int
    zero_results: int


@dataclass(frozen=True)
class LowStockItem:
    product_id: int
    title: str
    sku: str | None
    options: str
    location: str
    available: int


@dataclass(frozen=True)
class LowStock:
    threshold: int
    items: list[LowStockItem]
    total: int


@dataclass(frozen=True)
class RecentOrder:
    id: int
    number: int
    created_at: datetime
    email: str
    market: str | None
    total: int
    currency: str
    payment_status: PaymentStatus
    fulfillment_status: FulfillmentStatus


@dataclass(frozen=True)
class Dashboard:
    days: int
    sales: SalesReport
    top_products: list[TopProduct]
    top_searches: list[SearchTerm]
    zero_result_searches: list[SearchTerm]
    low_stock: LowStock
    recent_orders: list[RecentOrder]


def dashboard(session: Session, *, days: int = 30, today: date | None = None) -> Dashboard:
    """Everything on the dashboard for the last `days` days (30 or 90), today (UTC) included."""
    if days not in PERIODS:
        raise ValueError(f"days must be one of {PERIODS}")
    store = load_store_settings(session)
    today = today or utcnow().date()
    first_day = today - timedelta(days=days - 1)
    return Dashboard(
        days=days,
        sales=sales_by_day(session, currency=store.base_currency, first_day=first_day, last_day=today),
        top_products=top_products(session, currency=store.base_currency, first_day=first_day, last_day=today),
        top_searches=search_terms(session, first_day=first_day, last_day=today),
        zero_result_searches=search_terms(session, first_day=first_day, last_day=today, zero_results_only=True),
        low_stock=low_stock(session, threshold=store.low_stock_threshold),
        recent_orders=recent_orders(session),
    )


def _paid_between(currency: str, first_day: date, last_day: date):
    """Paid orders placed from the start of `first_day` to the end of `last_day` (UTC), with base totals in
    `currency` (orders from before a change of base currency would not add up)."""
    return (
        Order.payment_status.in_(PAID_STATUSES),
        Order.created_at >= datetime.combine(first_day, time.min, tzinfo=UTC),
        Order.created_at < datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=UTC),
        Order.base_currency == currency,
    )


def sales_by_day(session: Session, *, currency: str, first_day: date, last_day: date) -> SalesReport:
    day = utc_date(Order.created_at)
    rows = session.execute(
        select(day, Market.id, Market.name, Market.position, func.count(Order.id), func.sum(Order.base_total))
        .select_from(Order)
        .outerjoin(Market, Market.id == Order.market_id)
        .where(*_paid_between(currency, first_day, last_day))
        .group_by(day, Market.id, Market.name, Market.position)
    ).all()
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    index = {d: n for n, d in enumerate(days)}
    series: dict[int | None, MarketSales] = {}
    shop_order: dict[int | None, tuple] = {}
    for row_day, market_id, name, position, orders, sales in rows:
        if market_id not in series:
            series[market_id] = MarketSales(name, [0] * len(days), [0] * len(days))
            shop_order[market_id] = (market_id is None, position or 0, name or "")  # no market: last
        series[market_id].sales[index[row_day]] += int(sales or 0)
        series[market_id].orders[index[row_day]] += orders
    markets = [series[market_id] for market_id in sorted(series, key=shop_order.__getitem__)]
    return SalesReport(currency=currency, days=days, markets=markets)


def top_products(session: Session, *, currency: str, first_day: date, last_day: date,
                 limit: int = TOP_LIMIT) -> list[TopProduct]:
    """Best sellers by units sold in paid orders, then by sales in the base currency."""
    quantity = func.sum(OrderLine.quantity)
    sales = func.sum(OrderLine.base_unit_price * OrderLine.quantity)
    rows = session.execute(
        select(OrderLine.product_id, func.coalesce(Product.title, func.max(OrderLine.title)), quantity, sales)
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .where(*_paid_between(currency, first_day, last_day))
        .group_by(OrderLine.product_id, Product.title)
        .order_by(desc(quantity), desc(sales), OrderLine.product_id)
        .limit(limit)
    ).all()
    return [TopProduct(product_id, title, int(qty), int(total)) for product_id, title, qty, total in rows]


def search_terms(session: Session, *, first_day: date, last_day: date, zero_results_only: bool = False,
                 limit: int = TOP_LIMIT) -> list[SearchTerm]:
    """The most frequent searches per language, or those that most often found nothing."""
    searches = func.sum(SearchQueryStat.count)
    zero_results = func.sum(SearchQueryStat.zero_result_count)
    stmt = (
        select(SearchQueryStat.query, SearchQueryStat.locale, searches, zero_results)
        .where(SearchQueryStat.day >= first_day, SearchQueryStat.day <= last_day)
        .group_by(SearchQueryStat.query, SearchQueryStat.locale)
    )
    if zero_results_only:
        stmt = stmt.having(zero_results > 0).order_by(desc(zero_results), desc(searches))
    else:
        stmt = stmt.order_by(desc(searches), desc(zero_results))
    rows = session.execute(stmt.order_by(SearchQueryStat.query).limit(limit)).all()
    return [SearchTerm(query, locale, int(count), int(zero)) for query, locale, count, zero in rows]


def low_stock(session: Session, *, threshold: int, limit: int = LOW_STOCK_LIMIT) -> LowStock:
    """Tracked variants of products still on sale whose available stock in an active location is at or below
    the store's threshold, emptiest first."""
    available = InventoryLevel.on_hand - InventoryLevel.reserved
    rows = session.execute(
        select(Product.id, Product.title, Variant.sku, Variant.option1, Variant.option2, Variant.option3,
               Location.name, available, func.count().over())
        .select_from(InventoryLevel)
        .join(Variant, Variant.id == InventoryLevel.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .join(Location, Location.id == InventoryLevel.location_id)
        .where(available <= threshold, Variant.track_inventory.is_(True), Product.status != ProductStatus.ARCHIVED,
               Location.active.is_(True))
        .order_by(available, Product.title, Variant.position, Location.position)
        .limit(limit)
    ).all()
    items = [LowStockItem(product_id, title, sku, " / ".join(o for o in (o1, o2, o3) if o), location, int(left))
             for product_id, title, sku, o1, o2, o3, location, left, _ in rows]
    return LowStock(threshold=threshold, items=items, total=rows[0][-1] if rows else 0)


def recent_orders(session: Session, *, limit: int = RECENT_ORDERS_LIMIT) -> list[RecentOrder]:
    rows = session.execute(
        select(Order.id, Order.number, Order.created_at, Order.email, Market.name, Order.total, Order.currency,
               Order.payment_status, Order.fulfillment_status)
        .outerjoin(Market, Market.id == Order.market_id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    ).all()
    return [RecentOrder(*row) for row in rows]
