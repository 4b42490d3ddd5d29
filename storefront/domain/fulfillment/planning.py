"""Which warehouse ships which units of an order, and how much of each line is still to ship.

Stock was taken out of a warehouse when the order was paid (`inventory.commit_sale`, recorded on
`OrderLine.location_id`), so that warehouse is the first choice for its lines: the units are on its
shelves even though its on-hand count no longer shows them. Lines without one go to the warehouse that
has them on hand, preferring one warehouse for the whole order and splitting (CN warehouse + US overseas
warehouse) only when no single one can fill a line.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.domain.fulfillment.errors import FulfillmentError, FulfillmentErrorCode
from storefront.models import (
    InventoryLevel,
    Location,
    Order,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    Variant,
)

SHIPPABLE_PAYMENT = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)


@dataclass(frozen=True)
class PlannedLine:
    order_line_id: int
    variant_id: int | None
    sku: str | None
    title: str
    quantity: int


@dataclass(frozen=True)
class LocationPlan:
    """What one warehouse can send: one shipment's worth of lines."""

    location_id: int
    location_name: str
    country_code: str
    lines: tuple[PlannedLine, ...]

    @property
    def quantities(self) -> dict[int, int]:
        """The `lines` argument of draft_parcel / quote_rates / book_shipment."""
        return {line.order_line_id: line.quantity for line in self.lines}


@dataclass(frozen=True)
class FulfillmentPlan:
    groups: tuple[LocationPlan, ...]
    # Units no warehouse that ships to the destination has on hand.
    unassigned: tuple[PlannedLine, ...] = ()

    @property
    def is_split(self) -> bool:
        return len(self.groups) > 1

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.unassigned


def line_label(line: OrderLine) -> str:
    """How a line is named in messages: its SKU when it has one (what staff search for)."""
    return line.sku or " / ".join(part for part in (line.title, line.variant_title) if part)


def committed_quantities(session: Session, order: Order) -> dict[int, int]:
    """Units per order line in shipments that are not cancelled (drafts being booked included)."""
    rows = session.execute(
        select(ShipmentLine.order_line_id, func.sum(ShipmentLine.quantity))
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(Shipment.order_id == order.id, Shipment.status != ShipmentStatus.CANCELLED)
        .group_by(ShipmentLine.order_line_id)
    )
    return {line_id: int(quantity) for line_id, quantity in rows}


def unfulfilled_quantities(session: Session, order: Order) -> dict[int, int]:
    """Units still to ship per line that needs shipping (refunded-and-restocked units are not shipped)."""
    committed = committed_quantities(session, order)
    left = {}
    for line in order.lines:
        if not line.requires_shipping:
            continue
        shipped = max(line.quantity_fulfilled, committed.get(line.id, 0))
        left[line.id] = max(0, line.quantity - line.quantity_refunded - shipped)
    return left


def ensure_shippable(order: Order) -> None:
    if order.status is OrderStatus.CANCELLED:
        raise FulfillmentError(FulfillmentErrorCode.ORDER_CANCELLED,
                               _("Order #%(number)s was cancelled; there is nothing to ship.", number=order.number))
    if order.payment_status not in SHIPPABLE_PAYMENT:
        raise FulfillmentError(FulfillmentErrorCode.NOT_PAID,
                               _("Order #%(number)s is not paid yet; ship it once the payment has arrived.",
                                 number=order.number))


def checked_lines(session: Session, order: Order, lines: dict[int, int], *,
                  only_shipping: bool = True) -> dict[int, int]:
    """The lines and quantities to ship, refused when a quantity is not a whole number above zero or is
    more than is left to fulfil. Lines with quantity 0 are dropped."""
    by_id = {line.id: line for line in order.lines}
    left = unfulfilled_quantities(session, order)
    wanted: dict[int, int] = {}
    for raw_id, raw_quantity in (lines or {}).items():
        line = by_id.get(_as_int(raw_id))
        if line is None:
            raise FulfillmentError(FulfillmentErrorCode.UNKNOWN_LINE,
                                   _("Order #%(number)s has no line %(line)s.", number=order.number, line=raw_id),
                                   field=f"lines-{raw_id}")
        quantity = _as_int(raw_quantity)
        if quantity is None or quantity < 0:
            raise FulfillmentError(FulfillmentErrorCode.INVALID_QUANTITY,
                                   _("Enter a whole number of units for %(variant)s.", variant=line_label(line)),
                                   field=f"lines-{line.id}")
        if quantity == 0:
            continue
        if only_shipping and not line.requires_shipping:
            raise FulfillmentError(FulfillmentErrorCode.INVALID_QUANTITY,
                                   _("%(variant)s does not need shipping; leave it out of the parcel.",
                                     variant=line_label(line)), field=f"lines-{line.id}")
        available = left.get(line.id, max(0, line.quantity - line.quantity_fulfilled))
        if quantity > available:
            raise FulfillmentError(
                FulfillmentErrorCode.TOO_MANY,
                _("Only %(left)s of %(variant)s are left to ship, not %(quantity)s.", left=available,
                  variant=line_label(line), quantity=quantity),
                field=f"lines-{line.id}")
        wanted[line.id] = quantity
    if not wanted:
        raise FulfillmentError(FulfillmentErrorCode.NO_LINES,
                               _("Choose at least one item and how many units to ship."), field="lines")
    return wanted


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def shipping_locations(session: Session, country: str | None) -> list[Location]:
    """Active warehouses that ship to `country`: the one in that country first (the overseas warehouse),
    then the default, then by position."""
    locations = session.scalars(select(Location).where(Location.active.is_(True))
                                .order_by(Location.position, Location.id)).all()
    shipping = [loc for loc in locations if country is None or loc.ships_to_country(country)]
    return sorted(shipping, key=lambda loc: (loc.country_code != country, not loc.is_default))


def plan_fulfillment(session: Session, order: Order) -> FulfillmentPlan:
    """Who ships what: per warehouse the lines and quantities it can fill, from what is left to ship."""
    left = unfulfilled_quantities(session, order)
    lines = [line for line in order.lines if left.get(line.id)]
    country = (order.shipping_address or {}).get("country_code") or order.country_code
    locations = shipping_locations(session, country)
    by_id = {loc.id: loc for loc in locations}
    variant_ids = {line.variant_id for line in lines if line.variant_id}
    tracked = set(session.scalars(select(Variant.id).where(
        Variant.id.in_(variant_ids), Variant.track_inventory.is_(True)))) if variant_ids else set()
    stock: dict[tuple[int, int], int] = {}
    if variant_ids and locations:
        for level in session.scalars(select(InventoryLevel).where(InventoryLevel.variant_id.in_(variant_ids),
                                                                  InventoryLevel.location_id.in_(by_id))):
            stock[(level.variant_id, level.location_id)] = max(0, level.available)

    assigned: dict[int, list[PlannedLine]] = {}
    unassigned: list[PlannedLine] = []

    def give(location_id: int, line: OrderLine, quantity: int) -> None:
        assigned.setdefault(location_id, []).append(_planned(line, quantity))
        if line.variant_id:
            key = (line.variant_id, location_id)
            stock[key] = max(0, stock.get(key, 0) - quantity)

    # First the lines whose units were taken from a warehouse at payment: they ship from there.
    pending = []
    for line in lines:
        if line.location_id in by_id:
            assigned.setdefault(line.location_id, []).append(_planned(line, left[line.id]))
        else:
            pending.append(line)
    for line in pending:
        quantity = left[line.id]
        untracked = line.variant_id not in tracked
        # One warehouse for the whole line when possible, preferring those already sending something.
        ranked = sorted(locations, key=lambda loc: loc.id not in assigned)
        whole = next((loc for loc in ranked
                      if untracked or stock.get((line.variant_id, loc.id), 0) >= quantity), None)
        if whole is not None:
            give(whole.id, line, quantity)
            continue
        for loc in ranked:
            take = min(quantity, stock.get((line.variant_id, loc.id), 0))
            if take:
                give(loc.id, line, take)
                quantity -= take
            if not quantity:
                break
        if quantity:
            unassigned.append(_planned(line, quantity))

    groups = tuple(
        LocationPlan(location_id=loc.id, location_name=loc.name, country_code=loc.country_code,
                     lines=tuple(assigned[loc.id]))
        for loc in locations if loc.id in assigned
    )
    return FulfillmentPlan(groups=groups, unassigned=tuple(unassigned))


def _planned(line: OrderLine, quantity: int) -> PlannedLine:
    return PlannedLine(order_line_id=line.id, variant_id=line.variant_id, sku=line.sku,
                       title=line.title, quantity=quantity)
