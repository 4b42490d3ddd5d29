"""Timeline events tracking writes on the order: one function per event, keyword-only (see orders/events.py).

Types and their data (for the admin's timeline wording):
  shipment_status_changed     shipment_id, tracking_number, from_status, to_status
  tracking_event_added        shipment_id, tracking_number, status, description   (by staff, by hand)
  tracking_events_imported    shipment_id, tracking_number, count                 (by staff, CSV file)
  fulfillment_status_changed  from_status, to_status
  shipment_exception          shipment_id, tracking_number, kind, reason
  shipment_exception_cleared  shipment_id, tracking_number, kind
  shipment_exception_resolved shipment_id, tracking_number, kind, action, note      (by staff)
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storefront.models import Order, OrderEvent, Shipment, utcnow

STATUS_CHANGED = "shipment_status_changed"
EVENT_ADDED = "tracking_event_added"
EVENTS_IMPORTED = "tracking_events_imported"
FULFILLMENT_CHANGED = "fulfillment_status_changed"
EXCEPTION_FLAGGED = "shipment_exception"
EXCEPTION_CLEARED = "shipment_exception_cleared"
EXCEPTION_RESOLVED = "shipment_exception_resolved"


def _event(session: Session, order_id: int, type_: str, *, staff_user_id: int | None = None,
           **data: Any) -> OrderEvent:
    # Stamped now rather than at flush: exception rules compare it with the time of tracking events.
    event = OrderEvent(order_id=order_id, type=type_, data=data, staff_user_id=staff_user_id, created_at=utcnow())
    session.add(event)
    return event


def _about(shipment: Shipment) -> dict[str, Any]:
    return {"shipment_id": shipment.id, "tracking_number": shipment.tracking_number}


def shipment_status_changed(session: Session, *, shipment: Shipment, from_status: str, to_status: str) -> OrderEvent:
    return _event(session, shipment.order_id, STATUS_CHANGED, **_about(shipment), from_status=from_status,
                  to_status=to_status)


def tracking_event_added(session: Session, *, shipment: Shipment, status: str, description: str,
                         staff_user_id: int | None) -> OrderEvent:
    return _event(session, shipment.order_id, EVENT_ADDED, staff_user_id=staff_user_id, **_about(shipment),
                  status=status, description=description)


def tracking_events_imported(session: Session, *, shipment: Shipment, count: int,
                             staff_user_id: int | None) -> OrderEvent:
    return _event(session, shipment.order_id, EVENTS_IMPORTED, staff_user_id=staff_user_id, **_about(shipment),
                  count=count)


def fulfillment_status_changed(session: Session, *, order: Order, from_status: str, to_status: str) -> OrderEvent:
    return _event(session, order.id, FULFILLMENT_CHANGED, from_status=from_status, to_status=to_status)


def exception_flagged(session: Session, *, shipment: Shipment, kind: str, reason: str) -> OrderEvent:
    return _event(session, shipment.order_id, EXCEPTION_FLAGGED, **_about(shipment), kind=kind, reason=reason)


def exception_cleared(session: Session, *, shipment: Shipment, kind: str) -> OrderEvent:
    return _event(session, shipment.order_id, EXCEPTION_CLEARED, **_about(shipment), kind=kind)


def exception_resolved(session: Session, *, shipment: Shipment, kind: str, action: str, note: str,
                       staff_user_id: int | None) -> OrderEvent:
    return _event(session, shipment.order_id, EXCEPTION_RESOLVED, staff_user_id=staff_user_id, **_about(shipment),
                  kind=kind, action=action, note=note)
