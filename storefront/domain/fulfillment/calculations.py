"""Amounts around a shipment: currency conversion at today's reference rate, the order's fulfilment status
and its margin after shipping costs."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.domain.fulfillment.errors import FulfillmentError, FulfillmentErrorCode
from storefront.domain.fx import MissingRate, RateTable
from storefront.domain.money import minor_exponent
from storefront.models import FulfillmentStatus, Order, Shipment, ShipmentStatus


def convert(amount: int, currency: str, target: str, rates: RateTable) -> int:
    """`amount` minor units of `currency` in minor units of `target`, at the reference rate in force."""
    if currency == target:
        return amount
    try:
        rate = rates.rate(currency, target)
    except MissingRate:
        raise FulfillmentError(
            FulfillmentErrorCode.MISSING_FX_RATE,
            _("No exchange rate from %(source)s to %(target)s is known — refresh the FX rates or enter one by hand "
              "in the currency settings.", source=currency, target=target)) from None
    value = Decimal(amount).scaleb(-minor_exponent(currency)) * rate
    return int(value.scaleb(minor_exponent(target)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def order_to_base(order: Order, amount: int) -> int:
    """An amount in the order's currency in the base currency, at the rate the order was placed with."""
    if order.currency == order.base_currency or not order.fx_rate:
        return amount
    value = Decimal(amount).scaleb(-minor_exponent(order.currency)) / order.fx_rate
    return int(value.scaleb(minor_exponent(order.base_currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fulfillment_status(order: Order) -> FulfillmentStatus:
    """From the lines' fulfilled quantities. Delivered/returned (set by tracking) stay when nothing is left."""
    lines = [line for line in order.lines if line.requires_shipping]
    wanted = sum(max(0, line.quantity - line.quantity_refunded) for line in lines)
    done = sum(min(line.quantity_fulfilled, max(0, line.quantity - line.quantity_refunded)) for line in lines)
    if wanted and done >= wanted:
        if order.fulfillment_status in (FulfillmentStatus.DELIVERED, FulfillmentStatus.RETURNED):
            return order.fulfillment_status
        return FulfillmentStatus.FULFILLED
    if any(line.quantity_fulfilled for line in lines):
        return FulfillmentStatus.PARTIALLY_FULFILLED
    return FulfillmentStatus.UNFULFILLED


@dataclass(frozen=True)
class OrderMargin:
    """What the order earned, in the store's base currency minor units."""

    currency: str
    revenue: int  # Order.base_total
    refunded: int
    shipping_costs: int  # Σ cost_base of the shipments not cancelled
    amount: int  # revenue − refunded − shipping_costs


def order_margin(session: Session, order: Order) -> OrderMargin:
    costs = session.scalar(
        select(func.coalesce(func.sum(Shipment.cost_base), 0))
        .where(Shipment.order_id == order.id, Shipment.status != ShipmentStatus.CANCELLED)
    ) or 0
    refunded = order_to_base(order, order.total_refunded)
    return OrderMargin(currency=order.base_currency, revenue=order.base_total, refunded=refunded,
                       shipping_costs=int(costs), amount=order.base_total - refunded - int(costs))
