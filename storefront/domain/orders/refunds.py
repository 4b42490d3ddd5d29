"""Refunding an order through Stripe: full or partial, idempotent, optionally putting stock back."""
from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy.orm import Session

from storefront.domain import inventory, jobs
from storefront.domain.orders import actions
from storefront.integrations.stripe_gateway import GatewayError, StripeGateway
from storefront.models import Order, PaymentState, Refund


class RefundErrorCode(str, enum.Enum):
    NOT_PAID = "not_paid"
    INVALID_AMOUNT = "invalid_amount"
    TOO_MUCH = "too_much"
    INVALID_LINES = "invalid_lines"
    PAYMENT_PROVIDER = "payment_provider"


class RefundError(Exception):
    def __init__(self, code: RefundErrorCode, detail: str = "") -> None:
        super().__init__(detail or code.value)
        self.code = code


@dataclass(frozen=True)
class RestockLine:
    order_line_id: int
    quantity: int


def refund(session: Session, order: Order, *, amount: int, gateway: StripeGateway, reason: str | None = None,
           restock: list[RestockLine] | None = None, staff_user_id: int | None = None) -> Refund:
    """Refund `amount` (presentment minor units). The idempotency key is derived from the refunds already
    made, so a double-submitted form refunds once."""
    payment = next((p for p in order.payments if p.status is PaymentState.SUCCEEDED and p.stripe_payment_intent_id),
                   None)
    if payment is None:
        raise RefundError(RefundErrorCode.NOT_PAID)
    if amount <= 0:
        raise RefundError(RefundErrorCode.INVALID_AMOUNT)
    if amount > order.total - order.total_refunded:
        raise RefundError(RefundErrorCode.TOO_MUCH)
    lines = {line.id: line for line in order.lines}
    restock = restock or []
    for item in restock:
        line = lines.get(item.order_line_id)
        if line is None or item.quantity <= 0 or item.quantity > line.quantity - line.quantity_refunded:
            raise RefundError(RefundErrorCode.INVALID_LINES)
    key = f"refund-{order.token}-{len(order.refunds) + 1}-{amount}"
    try:
        result = gateway.create_refund(payment_intent=payment.stripe_payment_intent_id, amount=amount,
                                       reason="requested_by_customer" if reason else None,
                                       metadata={"order_number": str(order.number)}, idempotency_key=key)
    except GatewayError as error:
        raise RefundError(RefundErrorCode.PAYMENT_PROVIDER, error.message) from None
    recorded = actions.record_refund(session, order, amount=result.amount, refund_id=result.id, reason=reason,
                                     restock=bool(restock), staff_user_id=staff_user_id,
                                     lines=[{"order_line_id": i.order_line_id, "quantity": i.quantity} for i in restock])
    for item in restock:
        line = lines[item.order_line_id]
        line.quantity_refunded += item.quantity
        if line.variant_id and line.location_id:
            inventory.restock(session, line.variant_id, line.location_id, item.quantity, f"refund order #{order.number}")
    jobs.enqueue("storefront.domain.orders.notifications.send_refund_notice", order.token, result.amount)
    return recorded
