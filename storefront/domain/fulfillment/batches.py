"""Labels for several orders in one go: a background job that books each order with its default plan, the
default box and the cheapest quote of the chosen service, recording its progress for a page to poll."""
from __future__ import annotations

import logging
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from storefront.domain import jobs
from storefront.domain.carrier_accounts import enabled_accounts, spec_of
from storefront.domain.fulfillment import events
from storefront.domain.fulfillment.actions import book_shipment, staff_user_id
from storefront.domain.fulfillment.errors import FulfillmentError, FulfillmentErrorCode
from storefront.domain.fulfillment.parcels import draft_parcel
from storefront.domain.fulfillment.planning import LocationPlan, ensure_shippable, plan_fulfillment
from storefront.domain.fulfillment.rates import Quote, quote_rates
from storefront.extensions import db
from storefront.models import CarrierAccount, LabelBatch, Order, Shipment, utcnow

log = logging.getLogger(__name__)

RUN_JOB = "storefront.domain.fulfillment.batches.run_label_batch_job"
MAX_ORDERS = 200


def start_label_batch(session: Session, order_ids: list[int], *, actor: Any, account_id: int | None = None,
                      service_code: str | None = None) -> LabelBatch:
    """Queue label buying for these orders; the batch row shows the job's progress (commits)."""
    wanted = list(dict.fromkeys(int(order_id) for order_id in order_ids or ()))
    if not wanted:
        raise FulfillmentError(FulfillmentErrorCode.NO_ORDERS, _("Select the orders to buy labels for."),
                               field="order_ids")
    if len(wanted) > MAX_ORDERS:
        raise FulfillmentError(FulfillmentErrorCode.NO_ORDERS,
                               _("Buy labels for at most %(max)s orders at a time.", max=MAX_ORDERS),
                               field="order_ids")
    if account_id is not None:
        account = session.get(CarrierAccount, account_id)
        if account is None or not account.active:
            raise FulfillmentError(FulfillmentErrorCode.UNKNOWN_ACCOUNT, _("Choose an active carrier account."),
                                   field="account_id")
    batch = LabelBatch(status="queued", total=len(wanted), succeeded=0, failed=0, results=[],
                       options={"order_ids": wanted, "account_id": account_id, "service_code": service_code or None},
                       staff_user_id=staff_user_id(actor))
    session.add(batch)
    session.flush()
    events.label_batch_started(session, batch=batch)
    session.commit()
    jobs.enqueue(RUN_JOB, batch.id)
    return batch


def run_label_batch_job(batch_id: int) -> LabelBatch | None:
    """The job: book each order in turn, committing after each so the progress page moves; one failing order
    does not stop the others."""
    session = db.session
    batch = session.get(LabelBatch, batch_id)
    if batch is None or batch.status in ("done", "failed"):
        return batch
    batch.status = "running"
    session.commit()
    options = dict(batch.options or {})
    done = {result["order_id"] for result in batch.results or []}
    for order_id in options.get("order_ids", []):
        if order_id in done:  # a re-run after a crash carries on where it stopped
            continue
        result = _book_order(session, batch_id, order_id, options.get("account_id"), options.get("service_code"))
        session.rollback()
        batch = session.get(LabelBatch, batch_id)
        batch.results = [*(batch.results or []), result]
        if result["ok"]:
            batch.succeeded += 1
        else:
            batch.failed += 1
            order = session.get(Order, order_id)
            if order is not None:
                events.label_batch_failed(session, order=order, batch_id=batch_id, reason=result["message"],
                                          staff_user_id=batch.staff_user_id)
        session.commit()
    batch = session.get(LabelBatch, batch_id)
    batch.status = "done" if batch.succeeded or not batch.total else "failed"
    batch.finished_at = utcnow()
    events.label_batch_finished(session, batch=batch)
    session.commit()
    return batch


def _book_order(session: Session, batch_id: int, order_id: int, account_id: int | None,
                service_code: str | None) -> dict[str, Any]:
    order = session.get(Order, order_id)
    result: dict[str, Any] = {"order_id": order_id, "order_number": order.number if order else None, "ok": False,
                              "message": "", "shipment_id": None, "shipment_ids": []}
    if order is None:
        result["message"] = _("This order no longer exists.")
        return result
    try:
        ensure_shippable(order)
        plan = plan_fulfillment(session, order)
        if not plan.groups:
            raise FulfillmentError(FulfillmentErrorCode.NO_LINES, _(
                "Nothing is left to ship from a warehouse that has the items in stock.") if plan.unassigned
                else _("Everything in this order has been shipped already."))
        for group in plan.groups:
            shipment = _book_group(session, batch_id, order, group, account_id, service_code)
            result["shipment_ids"].append(shipment.id)
            order = session.get(Order, order_id)
    except FulfillmentError as error:
        result["message"] = error.message
    except Exception as error:  # noqa: BLE001 - one order's surprise must not stop the batch
        log.exception("label batch %s: order %s failed", batch_id, order_id)
        result["message"] = _("Unexpected error: %(reason)s", reason=str(error) or type(error).__name__)
    if result["shipment_ids"]:
        result["shipment_id"] = result["shipment_ids"][0]
        result["ok"] = not result["message"]
        shipments = [session.get(Shipment, shipment_id) for shipment_id in result["shipment_ids"]]
        result["tracking_numbers"] = [s.tracking_number for s in shipments if s is not None]
    return result


def _book_group(session: Session, batch_id: int, order: Order, group: LocationPlan, account_id: int | None,
                service_code: str | None) -> Shipment:
    parcel = draft_parcel(session, order, group.quantities)
    accounts = [a for a in enabled_accounts(session, location_id=group.location_id)
                if (account_id is None or a.id == account_id) and _buys_labels_online(a)]
    if not accounts:
        raise FulfillmentError(FulfillmentErrorCode.ACCOUNT_NOT_AT_LOCATION, _(
            "No carrier account that buys labels online ships from %(location)s; book this order on its own page.",
            location=group.location_name))
    quote = _cheapest(session, order, group, parcel, accounts, service_code)
    return book_shipment(session, order, location_id=group.location_id, lines=group.quantities, parcel=parcel,
                         account_id=quote.account_id, service_code=quote.service_code,
                         idempotency_key=f"batch-{batch_id}-{order.id}-{group.location_id}", batch_id=batch_id)


def _buys_labels_online(account: CarrierAccount) -> bool:
    """Forwarders need the tracking number from their portal for each parcel, so they cannot be batched."""
    spec = spec_of(account.carrier_name)
    return spec is not None and not spec.is_forwarder


def _cheapest(session: Session, order: Order, group: LocationPlan, parcel, accounts: list[CarrierAccount],
              service_code: str | None) -> Quote:
    """The cheapest quote (in the base currency) of the chosen service, or of each account's default service."""
    answers = quote_rates(session, order, group.location_id, group.quantities, parcel, accounts=accounts)
    by_id = {account.id: account for account in accounts}
    candidates: list[Quote] = []
    for answer in answers:
        wanted = service_code or (by_id[answer.account_id].settings or {}).get("default_service")
        candidates.extend(q for q in answer.quotes if wanted is None or q.service_code == wanted)
    priced = [q for q in candidates if q.base_amount is not None] or candidates
    if not priced:
        reasons = "; ".join(f"{a.display_name}: {a.error}" for a in answers if a.error)
        raise FulfillmentError(FulfillmentErrorCode.NO_RATE, _(
            "No carrier quoted the chosen service for this parcel%(reasons)s.",
            reasons=f" ({reasons})" if reasons else ""))
    return min(priced, key=lambda q: (q.base_amount if q.base_amount is not None else q.amount, q.amount))

