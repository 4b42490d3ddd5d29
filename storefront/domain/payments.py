"""Stripe webhook events → order state. Each event id is handled once; duplicates are acknowledged."""
from __future__ import annotations

import enum
from typing import Any, Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.domain.orders import actions
from storefront.models import Cart, Order, Payment, WebhookEvent, utcnow


class Outcome(str, enum.Enum):
    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    UNKNOWN_ORDER = "unknown_order"


def _record(session: Session, event: dict[str, Any]) -> WebhookEvent | None:
    """The event's row, or None if it was seen before (the unique index decides, even across workers)."""
    row = WebhookEvent(provider="stripe", event_id=str(event.get("id")), type=str(event.get("type")),
                       payload={"type": event.get("type"), "object_id": _object(event).get("id")})
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def _object(event: dict[str, Any]) -> dict[str, Any]:
    return ((event.get("data") or {}).get("object")) or {}


def handle_stripe_event(session: Session, event: dict[str, Any], on_paid: Callable[[Order], None]) -> Outcome:
    """Apply one verified event in the caller's transaction; `on_paid` runs once when an order becomes paid."""
    row = _record(session, event)
    if row is None:
        return Outcome.DUPLICATE
    kind, obj = event.get("type"), _object(event)
    outcome = Outcome.HANDLED
    if kind and kind.startswith("checkout.session."):
        order = actions.find_order_for_session(session, obj)
        if order is None:
            outcome = Outcome.UNKNOWN_ORDER
        elif kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
            if obj.get("payment_status") in ("paid", "no_payment_required"):
                if actions.mark_paid(session, order, obj):
                    on_paid(order)
            else:
                actions.mark_processing(session, order, obj)
        elif kind == "checkout.session.async_payment_failed":
            actions.mark_failed(session, order, "async payment failed")
        elif kind == "checkout.session.expired":
            actions.expire(session, order)
            _remember_abandoned_email(session, order, obj)
        else:
            outcome = Outcome.IGNORED
    elif kind == "charge.refunded":
        outcome = _refunded(session, obj)
    elif kind == "charge.dispute.created":
        order = _order_for_payment_intent(session, obj.get("payment_intent"))
        if order is None:
            outcome = Outcome.UNKNOWN_ORDER
        else:
            actions.flag_dispute(session, order, str(obj.get("id")), obj.get("reason"))
    else:
        outcome = Outcome.IGNORED
    row.processed_at = utcnow()
    return outcome


def _remember_abandoned_email(session: Session, order: Order, checkout_session: dict[str, Any]) -> None:
    """The e-mail the shopper typed at Stripe before giving up goes on the unpaid order (if it had none) and on
    its cart: the abandoned-checkout e-mail is sent there."""
    email = str((checkout_session.get("customer_details") or {}).get("email") or "").strip()[:254]
    if "@" not in email or order.payment_status in actions.FINAL:
        return
    if not order.email:
        order.email = email
    if order.cart_token:
        session.execute(update(Cart).where(Cart.token == order.cart_token, Cart.completed_at.is_(None))
                        .values(email=email))


def _order_for_payment_intent(session: Session, payment_intent: Any) -> Order | None:
    intent = payment_intent.get("id") if isinstance(payment_intent, dict) else payment_intent
    if not intent:
        return None
    payment = session.scalar(select(Payment).where(Payment.stripe_payment_intent_id == intent))
    return session.get(Order, payment.order_id) if payment else None


def _refunded(session: Session, charge: dict[str, Any]) -> Outcome:
    order = _order_for_payment_intent(session, charge.get("payment_intent"))
    if order is None:
        return Outcome.UNKNOWN_ORDER
    refunds = ((charge.get("refunds") or {}).get("data")) or []
    for refund in refunds:
        actions.record_refund(session, order, amount=int(refund.get("amount") or 0), refund_id=refund.get("id"),
                              reason=refund.get("reason"))
    if not refunds and charge.get("amount_refunded"):
        delta = int(charge["amount_refunded"]) - order.total_refunded
        if delta > 0:
            actions.record_refund(session, order, amount=delta, refund_id=None)
    return Outcome.HANDLED
