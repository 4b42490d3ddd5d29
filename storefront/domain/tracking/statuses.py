"""Our tracking statuses: their names in the shopper's language, parsing, and what they mean for the order."""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

from storefront.models import FulfillmentStatus, Order, Shipment, ShipmentStatus

# Shipments whose parcel is on its way: tracking sync asks the carrier about these.
OPEN_STATUSES = (
    ShipmentStatus.LABEL_PURCHASED,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.FAILED_ATTEMPT,
    ShipmentStatus.EXCEPTION,
)
# Shipments the shopper sees on the order page (a draft or a voided label is not a parcel).
VISIBLE_STATUSES = (*OPEN_STATUSES, ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED)

STATUS_NAMES = {
    ShipmentStatus.DRAFT: _l("Preparing"),
    ShipmentStatus.LABEL_PURCHASED: _l("Label created"),
    ShipmentStatus.IN_TRANSIT: _l("In transit"),
    ShipmentStatus.OUT_FOR_DELIVERY: _l("Out for delivery"),
    ShipmentStatus.FAILED_ATTEMPT: _l("Delivery attempt failed"),
    ShipmentStatus.DELIVERED: _l("Delivered"),
    ShipmentStatus.RETURNED: _l("Returned to sender"),
    ShipmentStatus.EXCEPTION: _l("Delivery problem"),
    ShipmentStatus.CANCELLED: _l("Cancelled"),
}

# Status words other systems use for the same thing (karrio's normalized tracking statuses, and what
# forwarders' portals export), for CSV imports and webhooks.
STATUS_ALIASES = {
    "pending": ShipmentStatus.LABEL_PURCHASED,
    "label_created": ShipmentStatus.LABEL_PURCHASED,
    "info_received": ShipmentStatus.LABEL_PURCHASED,
    "picked_up": ShipmentStatus.IN_TRANSIT,
    "transit": ShipmentStatus.IN_TRANSIT,
    "delivery_delayed": ShipmentStatus.IN_TRANSIT,
    "ready_for_pickup": ShipmentStatus.OUT_FOR_DELIVERY,
    "delivery_failed": ShipmentStatus.FAILED_ATTEMPT,
    "attempt_fail": ShipmentStatus.FAILED_ATTEMPT,
    "on_hold": ShipmentStatus.EXCEPTION,
    "return_to_sender": ShipmentStatus.RETURNED,
    "returned_to_sender": ShipmentStatus.RETURNED,
}
# What a tracking event may say (drafts and voided labels are ours, not the carrier's).
EVENT_STATUSES = (*OPEN_STATUSES, ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED)


def status_label(status: ShipmentStatus | str) -> str:
    """The status's name in the current language ("In transit", "配送中", "Zugestellt")."""
    return STATUS_NAMES[ShipmentStatus(getattr(status, "value", status))]


def parse_status(text: str | None) -> ShipmentStatus | None:
    """An event status written as our value ("in_transit"), karrio's word ("picked_up") or with spaces and
    capitals ("Out for delivery"); None when it is none of these."""
    word = "_".join((text or "").strip().lower().replace("-", " ").split())
    try:
        status = ShipmentStatus(word)
    except ValueError:
        return STATUS_ALIASES.get(word)
    return status if status in EVENT_STATUSES else None


def order_fulfillment_status(order: Order, shipments: Iterable[Shipment]) -> FulfillmentStatus:
    """The order's fulfilment status as its parcels make it.

    Every unit shipped and every parcel that did not come back delivered → delivered (a returned parcel
    stays in the exceptions list until staff resolve it, e.g. by reshipping); every parcel came back →
    returned; otherwise what shipping the lines made it (unfulfilled, partially fulfilled, fulfilled).
    """
    parcels = [s for s in shipments if s.status not in (ShipmentStatus.DRAFT, ShipmentStatus.CANCELLED)]
    live = [s for s in parcels if s.status is not ShipmentStatus.RETURNED]
    if parcels and not live:
        return FulfillmentStatus.RETURNED
    to_ship = [line for line in order.lines if line.requires_shipping]
    shipped_all = bool(to_ship) and all(line.quantity_fulfilled >= line.quantity for line in to_ship)
    if shipped_all and live and all(s.status is ShipmentStatus.DELIVERED for s in live):
        return FulfillmentStatus.DELIVERED
    if order.fulfillment_status not in (FulfillmentStatus.DELIVERED, FulfillmentStatus.RETURNED):
        return order.fulfillment_status
    if shipped_all:
        return FulfillmentStatus.FULFILLED
    shipped_some = any(line.quantity_fulfilled for line in to_ship)
    return FulfillmentStatus.PARTIALLY_FULFILLED if shipped_some else FulfillmentStatus.UNFULFILLED
