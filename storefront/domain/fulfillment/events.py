"""One function per fulfilment event (Saleor's events.py): the order timeline for what happens to an order's
shipments, the audit log for label batches (which span several orders)."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storefront.domain import audit
from storefront.models import AuditLog, LabelBatch, Order, OrderEvent, Shipment


def _event(session: Session, order: Order, type_: str, *, staff_user_id: int | None = None,
           **data: Any) -> OrderEvent:
    event = OrderEvent(order_id=order.id, type=type_, data=data, staff_user_id=staff_user_id)
    session.add(event)
    return event


def _quantities(shipment: Shipment) -> dict[str, int]:
    return {str(line.order_line_id): line.quantity for line in shipment.lines}


def shipment_booked(session: Session, *, order: Order, shipment: Shipment,
                    staff_user_id: int | None = None) -> OrderEvent:
    return _event(session, order, "shipment_booked", staff_user_id=staff_user_id, shipment_id=shipment.id,
                  carrier=shipment.carrier_name, service=shipment.service_name or shipment.service_code,
                  tracking_number=shipment.tracking_number, amount=shipment.cost, currency=shipment.cost_currency,
                  invoice_number=(shipment.customs or {}).get("invoice_number"), lines=_quantities(shipment),
                  batch_id=shipment.batch_id)


def shipment_voided(session: Session, *, order: Order, shipment: Shipment,
                    staff_user_id: int | None = None) -> OrderEvent:
    return _event(session, order, "shipment_voided", staff_user_id=staff_user_id, shipment_id=shipment.id,
                  carrier=shipment.carrier_name, tracking_number=shipment.tracking_number,
                  lines=_quantities(shipment))


def fulfilled_elsewhere(session: Session, *, order: Order, shipment: Shipment,
                        staff_user_id: int | None = None) -> OrderEvent:
    return _event(session, order, "fulfilled_elsewhere", staff_user_id=staff_user_id, shipment_id=shipment.id,
                  carrier=shipment.carrier_name, tracking_number=shipment.tracking_number,
                  lines=_quantities(shipment))


def shipment_draft_cancelled(session: Session, *, order: Order, shipment: Shipment,
                             staff_user_id: int | None = None) -> OrderEvent:
    return _event(session, order, "shipment_draft_cancelled", staff_user_id=staff_user_id, shipment_id=shipment.id,
                  carrier=shipment.carrier_name)


def label_batch_failed(session: Session, *, order: Order, batch_id: int, reason: str,
                       staff_user_id: int | None = None) -> OrderEvent:
    """The order was in a label batch and got no label: the timeline says why."""
    return _event(session, order, "label_batch_failed", staff_user_id=staff_user_id, batch_id=batch_id,
                  reason=reason)


def label_batch_started(session: Session, *, batch: LabelBatch) -> AuditLog:
    return audit.record(session, staff_user_id=batch.staff_user_id, action="label_batch.start",
                        entity_type="label_batch", entity_id=batch.id,
                        after={"orders": batch.total, **(batch.options or {})})


def label_batch_finished(session: Session, *, batch: LabelBatch) -> AuditLog:
    return audit.record(session, staff_user_id=batch.staff_user_id, action="label_batch.finish",
                        entity_type="label_batch", entity_id=batch.id,
                        after={"status": batch.status, "succeeded": batch.succeeded, "failed": batch.failed})
