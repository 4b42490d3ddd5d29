"""What staff do with orders in the admin: find and export them, add notes, clear review flags, refund, cancel."""
from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storefront.domain import audit, inventory
from storefront.domain.catalog.changes import product_changed
from storefront.domain.money import decimal_string
from storefront.domain.orders import events
from storefront.domain.orders.refunds import RestockLine, refund
from storefront.integrations.stripe_gateway import GatewayError, StripeGateway
from storefront.models import (
    FulfillmentStatus,
    Market,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentStatus,
    Refund,
    StaffUser,
    utcnow,
)

PER_PAGE = 50


class OrderAdminErrorCode(str, enum.Enum):
    NOT_CANCELLABLE = "not_cancellable"
    ALREADY_CANCELLED = "already_cancelled"
    PAYMENT_IN_PROGRESS = "payment_in_progress"
    PAYMENT_PROVIDER = "payment_provider"
    CHANGED_MEANWHILE = "changed_meanwhile"
    EMPTY_NOTE = "empty_note"


class OrderAdminError(Exception):
    def __init__(self, code: OrderAdminErrorCode, detail: str = "") -> None:
        super().__init__(detail or code.value)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class OrderFilters:
    payment_status: PaymentStatus | None = None
    fulfillment_status: FulfillmentStatus | None = None
    market_id: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    needs_review: bool = False
    query: str = ""


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    total: int
    page: int
    pages: int


def _filtered(filters: OrderFilters) -> Select:
    stmt = select(Order)
    if filters.payment_status:
        stmt = stmt.where(Order.payment_status == filters.payment_status)
    if filters.fulfillment_status:
        stmt = stmt.where(Order.fulfillment_status == filters.fulfillment_status)
    if filters.market_id:
        stmt = stmt.where(Order.market_id == filters.market_id)
    if filters.created_from:
        stmt = stmt.where(Order.created_at >= datetime.combine(filters.created_from, time.min, timezone.utc))
    if filters.created_to:  # the whole "to" day is included
        stmt = stmt.where(Order.created_at < datetime.combine(filters.created_to + timedelta(days=1), time.min,
                                                              timezone.utc))
    if filters.needs_review:
        stmt = stmt.where(Order.needs_review.is_(True))
    text = filters.query.strip().lstrip("#")
    if text:
        matches = [Order.email.icontains(text, autoescape=True)]
        if text.isdigit() and len(text) < 10:
            matches.append(Order.number == int(text))
        stmt = stmt.where(or_(*matches))
    return stmt


def list_orders(session: Session, filters: OrderFilters, page: int = 1, per_page: int = PER_PAGE) -> OrderPage:
    """One page of orders matching `filters`, newest first."""
    stmt = _filtered(filters)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    orders = list(session.scalars(stmt.order_by(Order.created_at.desc(), Order.id.desc())
                                  .offset((page - 1) * per_page).limit(per_page)))
    return OrderPage(orders=orders, total=total, page=page, pages=pages)


def markets_by_id(session: Session) -> dict[int, Market]:
    return {m.id: m for m in session.scalars(select(Market).order_by(Market.position))}


EXPORT_COLUMNS = (
    "Name", "Email", "Financial Status", "Fulfillment Status", "Market", "Currency", "Subtotal", "Discount Code",
    "Discount Amount", "Shipping", "Taxes", "Total", "Refunded Amount", "Base Currency", "Base Total", "FX Rate",
    "FX Rate Date", "Created at", "Paid at", "Cancelled at", "Needs Review", "Review Reason", "Shipping Method",
    "Shipping Name", "Shipping Country", "Lineitem quantity", "Lineitem name", "Lineitem variant", "Lineitem sku",
    "Lineitem price",
)

# A spreadsheet would run a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _order_cells(order: Order, market: Market | None) -> list:
    def money(minor: int) -> str:
        return decimal_string(minor, order.currency)

    address = order.shipping_address or {}
    return [
        f"#{order.number}", order.email, order.payment_status.value, order.fulfillment_status.value,
        market.code if market else "", order.currency, money(order.subtotal), order.discount_code or "",
        money(order.discount_total), money(order.shipping_total), money(order.tax_total), money(order.total),
        money(order.total_refunded), order.base_currency, decimal_string(order.base_total, order.base_currency),
        f"{order.fx_rate.normalize():f}", order.fx_rate_date.isoformat() if order.fx_rate_date else "",
        order.created_at.isoformat() if order.created_at else "",
        order.paid_at.isoformat() if order.paid_at else "",
        order.cancelled_at.isoformat() if order.cancelled_at else "",
        "yes" if order.needs_review else "no", order.review_reason or "", order.shipping_method or "",
        address.get("name") or "", address.get("country_code") or "",
    ]


def export_rows(session: Session, filters: OrderFilters) -> Iterator[list[str]]:
    """Shopify-style order export: a header, then one row per line item (order fields repeated on each)."""
    yield list(EXPORT_COLUMNS)
    markets = markets_by_id(session)
    stmt = _filtered(filters).order_by(Order.created_at.desc(), Order.id.desc()).options(selectinload(Order.lines))
    for order in session.scalars(stmt):
        head = _order_cells(order, markets.get(order.market_id))
        for line in order.lines or [None]:
            tail = ["", "", "", "", ""] if line is None else [
                line.quantity, line.title, line.variant_title or "", line.sku or "",
                decimal_string(line.unit_price, order.currency)]
            yield [_cell(value) for value in head + tail]


def export_csv(session: Session, filters: OrderFilters) -> Iterator[str]:
    """The export as CSV text, produced row by row so large exports stream."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in export_rows(session, filters):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def find_order(session: Session, number: int, *, for_update: bool = False) -> Order | None:
    """An order with everything its admin page shows; `for_update` locks it against a concurrent change."""
    stmt = select(Order).where(Order.number == number).options(
        selectinload(Order.lines), selectinload(Order.events), selectinload(Order.payments),
        selectinload(Order.refunds))
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalar(stmt)


def timeline(order: Order) -> list[OrderEvent]:
    return sorted(order.events, key=lambda e: (e.created_at, e.id or 0), reverse=True)


def staff_emails(session: Session, order: Order) -> dict[int, str]:
    """Who did what on the timeline and in refunds, by staff user id."""
    ids = {e.staff_user_id for e in order.events} | {r.staff_user_id for r in order.refunds}
    ids.discard(None)
    if not ids:
        return {}
    return dict(session.execute(select(StaffUser.id, StaffUser.email).where(StaffUser.id.in_(ids))).all())


def add_note(session: Session, order: Order, text: str, *, staff_user_id: int | None,
             ip_address: str | None = None) -> OrderEvent:
    text = (text or "").strip()
    if not text:
        raise OrderAdminError(OrderAdminErrorCode.EMPTY_NOTE)
    event = events.note_added(session, order=order, text=text, staff_user_id=staff_user_id)
    audit.record(session, staff_user_id=staff_user_id, action="order.note_added", entity_type="order",
                 entity_id=order.number, after={"note": text}, ip_address=ip_address)
    return event


def mark_reviewed(session: Session, order: Order, *, staff_user_id: int | None, ip_address: str | None = None) -> bool:
    """Clear the "needs review" flag; False when it was already clear (a second click changes nothing)."""
    if not order.needs_review:
        return False
    reason = order.review_reason
    order.needs_review = False
    order.review_reason = None
    events.review_cleared(session, order=order, reason=reason, staff_user_id=staff_user_id)
    audit.record(session, staff_user_id=staff_user_id, action="order.reviewed", entity_type="order",
                 entity_id=order.number, before={"needs_review": True, "review_reason": reason},
                 after={"needs_review": False, "review_reason": None}, ip_address=ip_address)
    return True


def refund_order(session: Session, order: Order, *, amount: int, restock: list[RestockLine], refunds_seen: int,
                 gateway: StripeGateway, reason: str | None = None, staff_user_id: int | None,
                 ip_address: str | None = None) -> Refund:
    """Refund through Stripe from a form that saw `refunds_seen` refunds: if another refund landed since (a
    double-submitted form, a colleague), nothing is refunded and the person reviews the order again. Lock the order
    (`find_order(..., for_update=True)`) before calling, so two submissions queue up here."""
    if len(order.refunds) != refunds_seen:
        raise OrderAdminError(OrderAdminErrorCode.CHANGED_MEANWHILE)
    before = {"payment_status": order.payment_status.value, "total_refunded": order.total_refunded}
    recorded = refund(session, order, amount=amount, gateway=gateway, reason=reason, restock=restock,
                      staff_user_id=staff_user_id)
    for item in restock:
        line = next(line for line in order.lines if line.id == item.order_line_id)
        if line.product_id:
            product_changed(session, line.product_id)
    audit.record(session, staff_user_id=staff_user_id, action="order.refunded", entity_type="order",
                 entity_id=order.number, before=before,
                 after={"payment_status": order.payment_status.value, "total_refunded": order.total_refunded,
                        "amount": amount, "currency": order.currency, "reason": reason,
                        "restock": [{"order_line_id": i.order_line_id, "quantity": i.quantity} for i in restock],
                        "stripe_refund_id": recorded.stripe_refund_id}, ip_address=ip_address)
    return recorded


def cancel_unpaid(session: Session, order: Order, *, gateway: StripeGateway | None, reason: str | None = None,
                  staff_user_id: int | None, ip_address: str | None = None) -> int:
    """Cancel an order nobody has paid: close its Stripe checkout so it can no longer be paid, then give its held
    stock back. Returns the units released. Lock the order first, as for refunds."""
    if order.status is OrderStatus.CANCELLED:
        raise OrderAdminError(OrderAdminErrorCode.ALREADY_CANCELLED)
    if order.payment_status is not PaymentStatus.PENDING:
        raise OrderAdminError(OrderAdminErrorCode.NOT_CANCELLABLE)
    if order.stripe_checkout_session_id:
        _close_checkout(gateway, order.stripe_checkout_session_id)
    before = {"status": order.status.value, "payment_status": order.payment_status.value}
    released = inventory.release(session, order.id)
    for line in order.lines:
        if line.product_id:
            product_changed(session, line.product_id)
    # "Expired" like an abandoned checkout, so Stripe's own expiry event later finds nothing left to do.
    order.status = OrderStatus.CANCELLED
    order.payment_status = PaymentStatus.EXPIRED
    order.cancelled_at = utcnow()
    events.order_cancelled(session, order=order, reason=reason, units_released=released, staff_user_id=staff_user_id)
    audit.record(session, staff_user_id=staff_user_id, action="order.cancelled", entity_type="order",
                 entity_id=order.number, before=before,
                 after={"status": order.status.value, "payment_status": order.payment_status.value,
                        "reason": reason, "units_released": released}, ip_address=ip_address)
    return released


def _close_checkout(gateway: StripeGateway | None, session_id: str) -> None:
    if gateway is None:
        raise OrderAdminError(OrderAdminErrorCode.PAYMENT_PROVIDER, "Stripe is not configured")
    try:
        gateway.expire_checkout_session(session_id)
    except GatewayError as error:
        try:
            current = gateway.retrieve_checkout_session(session_id)
        except GatewayError:
            raise OrderAdminError(OrderAdminErrorCode.PAYMENT_PROVIDER, error.message) from None
        if current.status == "complete":
            raise OrderAdminError(OrderAdminErrorCode.PAYMENT_IN_PROGRESS) from None
        if current.status != "expired":
            raise OrderAdminError(OrderAdminErrorCode.PAYMENT_PROVIDER, error.message) from None
