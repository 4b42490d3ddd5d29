"""One function per timeline event (Saleor's events.py): keyword-only, one place for wording and data."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storefront.models import Order, OrderEvent


def _event(session: Session, order: Order, type_: str, *, staff_user_id: int | None = None, **data: Any) -> OrderEvent:
    event = OrderEvent(order_id=order.id, type=type_, data=data, staff_user_id=staff_user_id)
    session.add(event)
    return event


def order_placed(session: Session, *, order: Order, cart_token: str | None) -> OrderEvent:
    return _event(session, order, "placed", cart_token=cart_token)


def checkout_session_created(session: Session, *, order: Order, session_id: str) -> OrderEvent:
    return _event(session, order, "checkout_session_created", session_id=session_id)


def payment_processing(session: Session, *, order: Order, session_id: str) -> OrderEvent:
    return _event(session, order, "payment_processing", session_id=session_id)


def payment_captured(session: Session, *, order: Order, amount: int, currency: str, payment_intent: str | None) -> OrderEvent:
    return _event(session, order, "paid", amount=amount, currency=currency, payment_intent=payment_intent)


def payment_failed(session: Session, *, order: Order, reason: str) -> OrderEvent:
    return _event(session, order, "payment_failed", reason=reason)


def payment_mismatch(session: Session, *, order: Order, expected: int, received: int, currency: str,
                     received_currency: str) -> OrderEvent:
    return _event(session, order, "payment_mismatch", expected=expected, received=received, currency=currency,
                  received_currency=received_currency)


def order_expired(session: Session, *, order: Order, units_released: int) -> OrderEvent:
    return _event(session, order, "expired", units_released=units_released)


def refund_recorded(session: Session, *, order: Order, amount: int, currency: str, refund_id: str | None,
                    restocked: bool, staff_user_id: int | None = None) -> OrderEvent:
    return _event(session, order, "refunded", amount=amount, currency=currency, refund_id=refund_id,
                  restocked=restocked, staff_user_id=staff_user_id)


def dispute_opened(session: Session, *, order: Order, dispute_id: str, reason: str | None) -> OrderEvent:
    return _event(session, order, "dispute_opened", dispute_id=dispute_id, reason=reason)


def email_sent(session: Session, *, order: Order, template: str, to: str) -> OrderEvent:
    return _event(session, order, "email_sent", template=template, to=to)


def note_added(session: Session, *, order: Order, text: str, staff_user_id: int | None) -> OrderEvent:
    return _event(session, order, "note_added", staff_user_id=staff_user_id, text=text)


def review_cleared(session: Session, *, order: Order, reason: str | None, staff_user_id: int | None) -> OrderEvent:
    return _event(session, order, "review_cleared", staff_user_id=staff_user_id, reason=reason)


def order_cancelled(session: Session, *, order: Order, reason: str | None, units_released: int,
                    staff_user_id: int | None) -> OrderEvent:
    return _event(session, order, "cancelled", staff_user_id=staff_user_id, reason=reason,
                  units_released=units_released)
