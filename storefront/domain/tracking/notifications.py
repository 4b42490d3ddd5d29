"""E-mails to the shopper about their parcels, in their language, each sent once per parcel (jobs: plain
arguments only), and the queue that sends them only once the change that calls for them is committed."""
from __future__ import annotations

import logging
from typing import Any, Callable

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from storefront.domain import jobs, mail
from storefront.domain.orders import events as order_events
from storefront.domain.tracking.display import shipment_parcel
from storefront.extensions import db
from storefront.models import Order, Shipment, ShipmentException, ShipmentStatus, utcnow

# Exceptions the shopper hears about (politely, once); the others are for staff to sort out first.
SHOPPER_NOTICE_KINDS = (ShipmentException.STALLED, ShipmentException.LATE, ShipmentException.CUSTOMS_HOLD)
_OUTBOX = "clipper.tracking.outbox"
log = logging.getLogger(__name__)


def send_after_commit(session: Session, job: Callable[..., Any], *args: Any) -> None:
    """Queue `job(*args)` for when this session commits: a worker (or the inline runner) then reads what was
    committed, and nothing is sent for work that is rolled back."""
    session.info.setdefault(_OUTBOX, []).append((jobs.dotted_path(job), args))


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_OUTBOX, None)
    if not pending or not has_app_context():
        return
    app = current_app._get_current_object()
    for target, args in pending:
        if has_request_context() or app.config["CLIPPER"].redis_url:
            try:
                jobs.enqueue(target, *args)  # after the response, or on the worker
            except Exception:  # the work is committed; a queue hiccup must not look like it failed
                log.exception("could not queue %s%r", target, args)
        else:
            # A job or command: run it now in its own app context (so its own session), failures logged.
            jobs.run_inline(app, target, args)


@event.listens_for(Session, "after_soft_rollback")
def _drop_outbox(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_OUTBOX, None)


def _send_once(shipment_id: int, template: str, sent_at: str, *, when: Callable[[Shipment], bool],
               **context: Callable[[Shipment], Any]) -> bool:
    """Send `template` about the parcel unless it went already (`sent_at` holds when), or `when` says no."""
    shipment = db.session.get(Shipment, shipment_id, with_for_update=True)
    if shipment is None or shipment.status in (ShipmentStatus.DRAFT, ShipmentStatus.CANCELLED):
        return False
    order = db.session.get(Order, shipment.order_id)
    if order is None or not order.email or getattr(shipment, sent_at) or not when(shipment):
        return False
    parcel = shipment_parcel(db.session, shipment, order, order.locale)
    mail.send_email(template, order.email, order.locale, order=order, parcel=parcel,
                    **{name: value(shipment) for name, value in context.items()})
    order_events.email_sent(db.session, order=order, template=template, to=order.email)
    setattr(shipment, sent_at, utcnow())
    return True


def notify_shipped(shipment_id: int) -> bool:
    """Job: "your parcel is on its way" with the carrier and tracking link, once per parcel."""
    return _send_once(shipment_id, "shipment_shipped", "shipped_email_sent_at", when=lambda s: True)


def notify_delivered(shipment_id: int) -> bool:
    """Job: "your parcel has been delivered", once per parcel."""
    return _send_once(shipment_id, "shipment_delivered", "delivered_email_sent_at",
                      when=lambda s: s.status is ShipmentStatus.DELIVERED)


def notify_delayed(shipment_id: int) -> bool:
    """Job: a polite word that the parcel is late or held in customs, once per exception."""
    return _send_once(shipment_id, "shipment_delayed", "exception_notified_at",
                      when=lambda s: s.exception_kind in SHOPPER_NOTICE_KINDS, kind=lambda s: s.exception_kind.value)
