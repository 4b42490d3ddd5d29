"""What happens to an order after checkout: paid, waiting, failed, expired, refunded, disputed.

Every function is idempotent and safe in any order: Stripe may send events twice or out of order,
and the order must end in the same state either way.
"""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.domain import discounts, inventory
from storefront.domain.cart.errors import CartError
from storefront.domain.catalog.changes import product_changed
from storefront.domain.money import minor_exponent
from storefront.domain.orders import events
from storefront.extensions import db
from storefront.models import (
    Cart,
    Customer,
    DiscountRedemption,
    Order,
    OrderStatus,
    Payment,
    PaymentState,
    PaymentStatus,
    Refund,
    RefundStatus,
    utcnow,
)

FINAL = {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}


def find_order_for_session(session: Session, checkout_session: dict[str, Any]) -> Order | None:
    token = checkout_session.get("client_reference_id") or (checkout_session.get("metadata") or {}).get("order_token")
    if token:
        order = session.scalar(select(Order).where(Order.token == token).with_for_update())
        if order is not None:
            return order
    session_id = checkout_session.get("id")
    return session.scalar(select(Order).where(Order.stripe_checkout_session_id == session_id).with_for_update()) \
        if session_id else None


def expected_total(order: Order, shipping_amount: int) -> int:
    return order.subtotal - order.discount_total + (0 if order.taxes_included else order.tax_total) + shipping_amount


def _shipping_from(order: Order, checkout_session: dict[str, Any]) -> tuple[int, str | None, int | None]:
    """The shipping the shopper chose at Stripe, matched by amount to the options the order offered."""
    cost = checkout_session.get("shipping_cost") or {}
    amount = int(cost.get("amount_total") or 0)
    offered = order.attributes.get("shipping_options", []) if order.attributes else []
    match = next((o for o in offered if o["amount"] == amount), None)
    return amount, (match["name"] if match else None), (match["rate_id"] if match else None)


def _address(checkout_session: dict[str, Any]) -> dict[str, Any]:
    details = (checkout_session.get("shipping_details")
               or (checkout_session.get("collected_information") or {}).get("shipping_details") or {})
    address = details.get("address") or {}
    return {"name": details.get("name"), "address1": address.get("line1"), "address2": address.get("line2"),
            "city": address.get("city"), "province_code": address.get("state"),
            "postal_code": address.get("postal_code"), "country_code": address.get("country")}


def _link_customer(session: Session, order: Order) -> None:
    if not order.email:
        return
    email = order.email.strip().lower()
    customer = session.scalar(select(Customer).where(Customer.email == email))
    if customer is None:
        customer = Customer(email=email, locale=order.locale,
                            first_name=(order.shipping_address.get("name") or "").split(" ")[0] or None)
        session.add(customer)
        session.flush()
    order.customer_id = customer.id


def _count_discount(session: Session, order: Order) -> None:
    """A redemption is counted once, when the order is paid (abandoned checkouts use no codes up)."""
    code = discounts.find_code(session, order.discount_code) if order.discount_code else None
    if code is None:
        return
    if code.once_per_customer and order.email:
        try:
            discounts.check_usable(session, code, email=order.email, now=order.created_at)
        except CartError:
            # The e-mail is only known once Stripe has it: a second use is paid already, so staff decide.
            order.needs_review = True
            order.review_reason = f"discount {code.code} was already used by {order.email}"
    try:
        with session.begin_nested():
            session.add(DiscountRedemption(discount_code_id=code.id, order_id=order.id, email=order.email,
                                           amount=order.discount_total, currency=order.currency))
        code.times_used += 1
    except IntegrityError:
        pass


def mark_paid(session: Session, order: Order, checkout_session: dict[str, Any]) -> bool:
    """Stripe says the session is paid: check the amount, commit the stock, record the payment. True when paid."""
    if order.payment_status in FINAL:
        return False
    shipping_amount, shipping_name, rate_id = _shipping_from(order, checkout_session)
    received = int(checkout_session.get("amount_total") or 0)
    currency = str(checkout_session.get("currency") or "").upper()
    expected = expected_total(order, shipping_amount)
    order.email = (checkout_session.get("customer_details") or {}).get("email") or order.email
    if received != expected or currency != order.currency or rate_id is None and shipping_amount:
        order.needs_review = True
        order.review_reason = f"paid {received} {currency}, expected {expected} {order.currency}"
        events.payment_mismatch(session, order=order, expected=expected, received=received, currency=order.currency,
                                received_currency=currency)
        return False
    order.shipping_total = shipping_amount
    order.shipping_method = shipping_name
    order.shipping_rate_id = rate_id
    order.total = expected
    order.base_total = order.base_subtotal - order.base_discount_total + order.base_tax_total * (
        0 if order.taxes_included else 1) + _to_base(order, shipping_amount)
    order.base_shipping_total = _to_base(order, shipping_amount)
    order.shipping_address = _address(checkout_session)
    order.payment_status = PaymentStatus.PAID
    order.paid_at = utcnow()
    payment_intent = checkout_session.get("payment_intent")
    payment_intent = payment_intent.get("id") if isinstance(payment_intent, dict) else payment_intent
    session.add(Payment(order_id=order.id, provider="stripe", status=PaymentState.SUCCEEDED, amount=received,
                        currency=order.currency, stripe_checkout_session_id=checkout_session.get("id"),
                        stripe_payment_intent_id=payment_intent, captured_at=utcnow()))
    for variant_id in inventory.commit_sale(session, order.id, reference=f"order #{order.number}"):
        line = next((l for l in order.lines if l.variant_id == variant_id), None)
        if line and line.product_id:
            product_changed(session, line.product_id)
    _link_customer(session, order)
    _count_discount(session, order)
    if order.cart_token:  # the shopper's next visit starts with an empty cart
        session.execute(update(Cart).where(Cart.token == order.cart_token, Cart.completed_at.is_(None))
                        .values(completed_at=utcnow()))
    events.payment_captured(session, order=order, amount=received, currency=order.currency,
                            payment_intent=payment_intent)
    return True


def _to_base(order: Order, amount: int) -> int:
    value = Decimal(amount).scaleb(-minor_exponent(order.currency)) / order.fx_rate
    return int(value.scaleb(minor_exponent(order.base_currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def mark_processing(session: Session, order: Order, checkout_session: dict[str, Any]) -> None:
    """Paid by a delayed method (bank debit…): keep the stock held and wait for the outcome."""
    if order.payment_status in FINAL or any(e.type == "payment_processing" for e in order.events):
        return
    events.payment_processing(session, order=order, session_id=checkout_session.get("id", ""))


def mark_failed(session: Session, order: Order, reason: str) -> None:
    if order.payment_status in FINAL or order.payment_status is PaymentStatus.FAILED:
        return
    inventory.release(session, order.id)
    order.payment_status = PaymentStatus.FAILED
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = utcnow()
    events.payment_failed(session, order=order, reason=reason)


def expire(session: Session, order: Order, now: datetime | None = None) -> bool:
    """An unpaid order whose time ran out gives its stock back. Paid orders are never touched."""
    if order.payment_status is not PaymentStatus.PENDING:
        return False
    released = inventory.release(session, order.id)
    for line in order.lines:
        if line.product_id:
            product_changed(session, line.product_id)
    order.payment_status = PaymentStatus.EXPIRED
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = now or utcnow()
    events.order_expired(session, order=order, units_released=released)
    return True


def expire_overdue(session: Session, now: datetime | None = None) -> int:
    """Job and CLI: expire every pending order past its reservation time."""
    now = now or utcnow()
    overdue = session.scalars(select(Order).where(Order.payment_status == PaymentStatus.PENDING,
                                                  Order.reservation_expires_at < now).with_for_update()).all()
    return sum(1 for order in overdue if expire(session, order, now))


def expire_overdue_job() -> int:
    """The periodic job (jobs.PERIODIC)."""
    return expire_overdue(db.session)


def record_refund(session: Session, order: Order, *, amount: int, refund_id: str | None, reason: str | None = None,
                  restock: bool = False, lines: list[dict[str, int]] | None = None,
                  staff_user_id: int | None = None) -> Refund | None:
    """Record a refund once (by Stripe refund id); the order's refunded total and payment status follow."""
    if refund_id and session.scalar(select(Refund).where(Refund.stripe_refund_id == refund_id)):
        return None
    refund = Refund(order_id=order.id, status=RefundStatus.SUCCEEDED, amount=amount, currency=order.currency,
                    reason=reason, restock=restock, lines=lines or [], stripe_refund_id=refund_id,
                    staff_user_id=staff_user_id)
    session.add(refund)
    order.total_refunded = min(order.total, order.total_refunded + amount)
    order.payment_status = PaymentStatus.REFUNDED if order.total_refunded >= order.total \
        else PaymentStatus.PARTIALLY_REFUNDED
    payment = next((p for p in order.payments if p.status is PaymentState.SUCCEEDED), None)
    if payment is not None:
        payment.amount_refunded = min(payment.amount, payment.amount_refunded + amount)
    events.refund_recorded(session, order=order, amount=amount, currency=order.currency, refund_id=refund_id,
                           restocked=restock, staff_user_id=staff_user_id)
    return refund


def flag_dispute(session: Session, order: Order, dispute_id: str, reason: str | None) -> None:
    if any(e.type == "dispute_opened" and e.data.get("dispute_id") == dispute_id for e in order.events):
        return
    order.needs_review = True
    order.review_reason = f"dispute {dispute_id}: {reason or 'no reason given'}"
    events.dispute_opened(session, order=order, dispute_id=dispute_id, reason=reason)
