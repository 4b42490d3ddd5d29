"""Shipment state changes: book a label, void it, cancel a stuck draft, record a parcel sent some other way.

Booking buys something from the outside world, so it is done in three short transactions rather than one
long one:

1. claim — the Shipment row is inserted as DRAFT with the caller's idempotency key and committed. The
   key's unique index (and the order row lock on PostgreSQL, the write lock on SQLite) decides a race: a
   double click finds the first click's shipment and returns it instead of buying a second label;
2. the carrier is called with no transaction open;
3. complete — label and commercial invoice stored, cost recorded, quantities and the order's fulfilment
   status updated, timeline written, committed. If the carrier refuses, the draft is deleted so nothing
   half-saved remains, and the carrier's own words are raised as a FulfillmentError.

Every action here commits: what it records has happened (or is about to happen) at a carrier, and the
shopper's e-mail job must find the committed shipment.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.domain import jobs
from storefront.domain.carrier_accounts import config_for, enabled_accounts, spec_of
from storefront.domain.database import begin_writing
from storefront.domain.fulfillment import documents, events
from storefront.domain.fulfillment.calculations import convert, fulfillment_status
from storefront.domain.fulfillment.customs import customs_record, next_invoice_number
from storefront.domain.fulfillment.errors import FulfillmentError, FulfillmentErrorCode
from storefront.domain.fulfillment.parcels import Parcel
from storefront.domain.fulfillment.planning import checked_lines, ensure_shippable
from storefront.domain.fulfillment.rates import Shipping, prepare_shipping
from storefront.domain.fx import load_rate_table
from storefront.domain.store import load_store_settings
from storefront.integrations import carriers
from storefront.integrations.carriers.types import (
    BookedShipment,
    CarrierConfig,
    CarrierError,
    CarrierErrorCode,
    CarrierSpec,
    CustomsDeclaration,
    ServiceInfo,
    ShipmentRequest,
)
from storefront.models import (
    CarrierAccount,
    Order,
    ServiceLevel,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    utcnow,
)

log = logging.getLogger(__name__)

NOTIFY_SHIPPED = "storefront.domain.tracking.notifications.notify_shipped"
MAX_KEY_LENGTH = 64
# A label can be voided until the carrier has scanned the parcel.
VOIDABLE = (ShipmentStatus.LABEL_PURCHASED,)


def staff_user_id(actor: Any) -> int | None:
    """Whoever acts — a staff user, an audit Editor, an id — as the timeline records them."""
    if actor is None or isinstance(actor, int):
        return actor
    return getattr(actor, "staff_user_id", None) or getattr(actor, "id", None)


def shipment_for_key(session: Session, idempotency_key: str) -> Shipment | None:
    return session.scalar(select(Shipment).where(Shipment.idempotency_key == idempotency_key))


def _replayed(shipment: Shipment, order: Order) -> Shipment:
    if shipment.order_id != order.id:
        raise FulfillmentError(FulfillmentErrorCode.KEY_USED_FOR_OTHER_ORDER,
                               _("This form was already used for another order; reload the page and try again."),
                               field="idempotency_key")
    return shipment


def _account(session: Session, account_id: int | None, location_id: int) -> CarrierAccount:
    account = session.get(CarrierAccount, account_id) if account_id else None
    if account is None or not account.active:
        raise FulfillmentError(FulfillmentErrorCode.UNKNOWN_ACCOUNT,
                               _("Choose an active carrier account."), field="account_id")
    if account.id not in {a.id for a in enabled_accounts(session, location_id=location_id)}:
        raise FulfillmentError(FulfillmentErrorCode.ACCOUNT_NOT_AT_LOCATION,
                               _("The carrier account %(account)s does not ship from this warehouse; choose another "
                                 "account or add the warehouse to it in the carrier settings.",
                                 account=account.account_label), field="account_id")
    return account


def _service(spec: CarrierSpec, account: CarrierAccount, service_code: str | None) -> ServiceInfo:
    enabled = [s for s in spec.services if not account.services or s.code in account.services]
    service = next((s for s in enabled if s.code == service_code), None)
    if service is None:
        raise FulfillmentError(
            FulfillmentErrorCode.UNKNOWN_SERVICE,
            _("%(carrier)s has no service %(service)s enabled on this account; choose one of: %(services)s.",
              carrier=spec.display_name, service=service_code or "—",
              services=", ".join(s.code for s in enabled) or "—"),
            field="service_code")
    return service


def _config(account: CarrierAccount) -> CarrierConfig:
    try:
        return config_for(account)
    except CarrierError as error:
        raise FulfillmentError(FulfillmentErrorCode.CARRIER_REJECTED, error.message, field="account_id") from None


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else f"{text}."


def _carrier_failure(spec: CarrierSpec, error: CarrierError) -> FulfillmentError:
    reason = _sentence(" ".join([error.message, *error.details[:3]]))
    if error.retryable:
        return FulfillmentError(FulfillmentErrorCode.CARRIER_UNAVAILABLE,
                                _("%(carrier)s could not be reached: %(reason)s Nothing was booked; try again in a "
                                  "moment.", carrier=spec.display_name, reason=reason), field=error.field)
    if error.code is CarrierErrorCode.AUTHENTICATION:
        return FulfillmentError(FulfillmentErrorCode.CARRIER_REJECTED,
                                _("%(carrier)s did not accept the account's credentials: %(reason)s Check them in the "
                                  "carrier settings.", carrier=spec.display_name, reason=reason), field="account_id")
    return FulfillmentError(FulfillmentErrorCode.CARRIER_REJECTED,
                            _("%(carrier)s refused the shipment: %(reason)s Nothing was booked.",
                              carrier=spec.display_name, reason=reason), field=error.field)


def _start_writing(session: Session) -> None:
    """End the read-only transaction the checks ran in and start one that writes (on SQLite a reader
    cannot become a writer once someone else has written)."""
    session.commit()
    begin_writing(session)


def _lock_order(session: Session, order_id: int) -> Order:
    return session.scalars(select(Order).where(Order.id == order_id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def book_shipment(session: Session, order: Order, *, location_id: int, lines: dict[int, int],
                  parcel: Parcel | dict, account_id: int, service_code: str, idempotency_key: str,
                  tracking_number: str | None = None, label_format: str = "PDF", actor: Any = None,
                  batch_id: int | None = None) -> Shipment:
    """Buy the label for these lines from this warehouse with this account and service. The same
    `idempotency_key` twice returns the first shipment (still DRAFT while its label is being bought)."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise FulfillmentError(FulfillmentErrorCode.IDEMPOTENCY_KEY_REQUIRED,
                               _("This form has expired; reload the page and try again."), field="idempotency_key")
    existing = shipment_for_key(session, key)
    if existing is not None:
        return _replayed(existing, order)
    account = _account(session, account_id, location_id)
    spec = carriers.get_spec(account.carrier_name)
    service = _service(spec, account, service_code)
    if spec.is_forwarder and not (tracking_number or "").strip():
        raise FulfillmentError(FulfillmentErrorCode.TRACKING_NUMBER_REQUIRED,
                               _("Enter the tracking number %(carrier)s gave for this parcel (from its portal or "
                                 "app).", carrier=spec.display_name), field="tracking_number")
    config = _config(account)
    shipping = prepare_shipping(session, order, location_id, lines, parcel, service_code=service.code,
                                label_format=label_format, tracking_number=(tracking_number or "").strip() or None)
    shipment_id, declaration, new = _claim(session, order.id, shipping, account, service, key, batch_id)
    if not new:
        return _replayed(session.get(Shipment, shipment_id), order)
    request = replace(shipping.request, idempotency_key=key, customs=declaration)
    try:
        booked = carriers.book_shipment(config, request)
    except CarrierError as error:
        _discard_draft(session, shipment_id)
        raise _carrier_failure(spec, error) from None
    except BaseException:
        _discard_draft(session, shipment_id)
        raise
    booked = _with_quoted_price(config, request, booked)
    try:
        shipment = _complete(session, shipment_id, booked, config, staff_user_id(actor))
    except BaseException:
        session.rollback()
        _void_quietly(config, booked)
        _discard_draft(session, shipment_id)
        raise
    notify_shipped(shipment.id)
    return shipment


def _claim(session: Session, order_id: int, shipping: Shipping, account: CarrierAccount, service: ServiceInfo,
           key: str, batch_id: int | None) -> tuple[int, CustomsDeclaration | None, bool]:
    """Insert the DRAFT shipment under the key and commit: (shipment id, customs declaration with its invoice
    number, True), or (the id of the shipment another request made with the same key, None, False)."""
    account_id, carrier_name = account.id, account.carrier_name
    _start_writing(session)
    order = _lock_order(session, order_id)
    existing = shipment_for_key(session, key)
    if existing is not None:
        session.commit()
        return existing.id, None, False
    checked_lines(session, order, shipping.lines)
    shipment = Shipment(
        order_id=order.id, location_id=shipping.location.id, carrier_account_id=account_id,
        carrier_name=carrier_name, service_code=service.code, service_name=service.name,
        service_level=_level(service), status=ShipmentStatus.DRAFT, weight_grams=shipping.parcel.weight_grams,
        parcel=shipping.parcel.as_dict(), idempotency_key=key, batch_id=batch_id,
        lines=[ShipmentLine(order_line_id=line_id, quantity=quantity) for line_id, quantity in shipping.lines.items()],
    )
    try:
        with session.begin_nested():
            session.add(shipment)
            session.flush()
    except IntegrityError:
        existing = shipment_for_key(session, key)
        if existing is None:
            raise
        session.commit()
        return existing.id, None, False
    declaration = shipping.request.customs
    if declaration is not None:
        declaration = replace(declaration, invoice_number=next_invoice_number(session, order, shipment.id))
        shipment.customs = customs_record(declaration, order, shipping.lines)
    shipment_id = shipment.id
    session.commit()
    return shipment_id, declaration, True


def _level(service: ServiceInfo) -> ServiceLevel | None:
    try:
        return ServiceLevel(service.level)
    except ValueError:
        return None


def _discard_draft(session: Session, shipment_id: int) -> None:
    """Remove a booking that did not happen, so the order looks exactly as before."""
    session.rollback()
    begin_writing(session)
    shipment = session.get(Shipment, shipment_id)
    if shipment is not None and shipment.status is ShipmentStatus.DRAFT:
        session.delete(shipment)
    session.commit()
    documents.remove_shipment_documents(shipment_id)


def _void_quietly(config: CarrierConfig, booked: BookedShipment) -> None:
    """We could not record a label the carrier sold us: give it back rather than pay for a ghost."""
    try:
        carriers.void_shipment(config, booked.tracking_number, booked.carrier_shipment_id)
    except CarrierError:
        log.exception("label %s was bought but not recorded, and voiding it failed", booked.tracking_number)


def _with_quoted_price(config: CarrierConfig, request: ShipmentRequest, booked: BookedShipment) -> BookedShipment:
    """Some carriers' booking answers carry no price (karrio reads none from FedEx's or UPS's): the order's
    margin then uses the service's quote for the same parcel, and the estimated delivery it gives."""
    if booked.amount is not None and booked.estimated_delivery is not None:
        return booked
    try:
        quotes = carriers.fetch_rates(replace(config, timeout_seconds=min(config.timeout_seconds, 10.0)), request)
    except CarrierError:
        return booked
    quote = next((q for q in quotes if q.service_code == (booked.service_code or request.service_code)), None)
    if quote is None:
        return booked
    if booked.amount is None:
        booked = replace(booked, amount=quote.amount, currency=quote.currency)
    if booked.estimated_delivery is None and quote.estimated_delivery is not None:
        booked = replace(booked, estimated_delivery=quote.estimated_delivery)
    return booked


def _complete(session: Session, shipment_id: int, booked: BookedShipment, config: CarrierConfig,
              by: int | None) -> Shipment:
    begin_writing(session)
    shipment = session.get(Shipment, shipment_id)
    order = _lock_order(session, shipment.order_id)
    now = utcnow()
    shipment.tracking_number = booked.tracking_number
    shipment.tracking_url = booked.tracking_url or carriers.tracking_url(config, booked.tracking_number)
    shipment.carrier_shipment_id = booked.carrier_shipment_id
    shipment.label_format = booked.label.format.upper()
    shipment.label_key = documents.store_label(shipment.id, booked.label.content, booked.label.format)
    if booked.service_code and booked.service_code != shipment.service_code:
        shipment.service_code = booked.service_code
    shipment.estimated_delivery = booked.estimated_delivery
    shipment.status = ShipmentStatus.LABEL_PURCHASED
    shipment.label_created_at = now
    shipment.next_sync_at = now
    _record_cost(session, shipment, booked.amount, booked.currency)
    if shipment.customs:
        html = documents.commercial_invoice_html(session, shipment)
        shipment.invoice_key = documents.store_invoice(shipment.id, documents.pdf_from_html(html))
    _add_fulfilled(order, shipment, +1)
    events.shipment_booked(session, order=order, shipment=shipment, staff_user_id=by)
    session.commit()
    return shipment


def _record_cost(session: Session, shipment: Shipment, amount: int | None, currency: str | None) -> None:
    """What the label cost, and the same in the base currency for the order's margin (unknown without a rate)."""
    if amount is None or not currency:
        return
    shipment.cost, shipment.cost_currency = amount, currency
    base_currency = load_store_settings(session).base_currency
    try:
        shipment.cost_base = convert(amount, currency, base_currency, load_rate_table(session))
    except FulfillmentError:
        log.warning("no FX rate %s→%s: shipment %s has no base-currency cost", currency, base_currency, shipment.id)


def _add_fulfilled(order: Order, shipment: Shipment, sign: int) -> None:
    quantities = {line.order_line_id: line.quantity for line in shipment.lines}
    for line in order.lines:
        if line.id in quantities:
            line.quantity_fulfilled = max(0, line.quantity_fulfilled + sign * quantities[line.id])
    order.fulfillment_status = fulfillment_status(order)


def notify_shipped(shipment_id: int) -> None:
    """Queue the shopper's shipping confirmation. The shipment is committed: a failing e-mail job must not
    make a bought label look like a failed booking."""
    try:
        jobs.enqueue(NOTIFY_SHIPPED, shipment_id)
    except Exception:  # noqa: BLE001 - logged; the label stands
        log.exception("the shipping confirmation of shipment %s could not be queued", shipment_id)


def void_shipment(session: Session, shipment: Shipment, actor: Any = None) -> Shipment:
    """Cancel a label the carrier has not scanned yet: the carrier voids it, its quantities are to ship again,
    the label is kept for the record."""
    session.refresh(shipment)
    if shipment.status is ShipmentStatus.CANCELLED:
        raise FulfillmentError(FulfillmentErrorCode.ALREADY_CANCELLED, _("This shipment is already cancelled."))
    if shipment.status is ShipmentStatus.DRAFT:
        raise FulfillmentError(FulfillmentErrorCode.NOT_VOIDABLE,
                               _("This label is still being bought; cancel the draft instead."))
    if not shipment.fulfilled_elsewhere:
        if shipment.status not in VOIDABLE:
            raise FulfillmentError(FulfillmentErrorCode.NOT_VOIDABLE,
                                   _("The carrier has already scanned this parcel, so its label can no longer be "
                                     "voided; ask the carrier to return it instead."))
        account = session.get(CarrierAccount, shipment.carrier_account_id) if shipment.carrier_account_id else None
        if account is not None:
            _void_at_carrier(account, shipment)
    shipment_id = shipment.id
    _start_writing(session)
    shipment = session.get(Shipment, shipment_id)
    order = _lock_order(session, shipment.order_id)
    shipment.status = ShipmentStatus.CANCELLED
    shipment.cancelled_at = utcnow()
    shipment.next_sync_at = None
    _add_fulfilled(order, shipment, -1)
    events.shipment_voided(session, order=order, shipment=shipment, staff_user_id=staff_user_id(actor))
    session.commit()
    return shipment


def _void_at_carrier(account: CarrierAccount, shipment: Shipment) -> None:
    """Ask the carrier to void the label; carriers without voiding (an unused DHL Express label is not billed,
    a forwarder's label is ours) only need it cancelled here."""
    try:
        carriers.void_shipment(_config(account), shipment.tracking_number, shipment.carrier_shipment_id)
    except CarrierError as error:
        if error.code is CarrierErrorCode.UNSUPPORTED:
            return
        code = FulfillmentErrorCode.CARRIER_UNAVAILABLE if error.retryable else FulfillmentErrorCode.CARRIER_REJECTED
        raise FulfillmentError(code, _("The label was not voided: %(reason)s",
                                       reason=_sentence(" ".join([error.message, *error.details[:3]]))),
                               field=error.field) from None


def cancel_draft(session: Session, shipment: Shipment, actor: Any = None) -> Shipment:
    """Give up a booking left half-way (the process stopped while the carrier was being asked): its units can
    be shipped again. Check the carrier's portal for a label bought meanwhile."""
    shipment_id = shipment.id
    _start_writing(session)
    shipment = session.get(Shipment, shipment_id)
    if shipment.status is not ShipmentStatus.DRAFT:
        session.rollback()
        raise FulfillmentError(FulfillmentErrorCode.NOT_A_DRAFT,
                               _("Only a shipment whose label is still being bought can be cancelled this way; "
                                 "void the label instead."))
    order = _lock_order(session, shipment.order_id)
    shipment.status = ShipmentStatus.CANCELLED
    shipment.cancelled_at = utcnow()
    shipment.idempotency_key = None
    events.shipment_draft_cancelled(session, order=order, shipment=shipment, staff_user_id=staff_user_id(actor))
    session.commit()
    return shipment


def mark_fulfilled_elsewhere(session: Session, order: Order, *, lines: dict[int, int], carrier_name: str,
                             tracking_number: str | None, tracking_url: str | None = None,
                             actor: Any = None) -> Shipment:
    """Record units sent without a label bought here (a local courier, a forwarder's own portal)."""
    ensure_shippable(order)
    carrier = (carrier_name or "").strip()
    number = (tracking_number or "").strip() or None
    url = (tracking_url or "").strip() or None
    if not carrier or len(carrier) > 60:
        raise FulfillmentError(FulfillmentErrorCode.INVALID_CARRIER_NAME,
                               _("Enter the carrier's name (60 characters at most)."), field="carrier_name")
    if number and len(number) > 80:
        raise FulfillmentError(FulfillmentErrorCode.INVALID_TRACKING_NUMBER,
                               _("A tracking number has 80 characters at most."), field="tracking_number")
    if url and (not url.startswith(("https://", "http://")) or len(url) > 500):
        raise FulfillmentError(FulfillmentErrorCode.INVALID_TRACKING_URL,
                               _("Enter the tracking page's address starting with https://."), field="tracking_url")
    wanted = checked_lines(session, order, lines)
    account = next((a for a in enabled_accounts(session) if a.carrier_name == carrier), None)
    if url is None and number:
        spec = spec_of(carrier)
        if account is not None:
            url = carriers.tracking_url(_config(account), number)
        elif spec and spec.tracking_url_template:
            url = spec.tracking_url_template.replace("{tracking_number}", number)
    account_id = account.id if account is not None else None
    order_id = order.id
    _start_writing(session)
    order = _lock_order(session, order_id)
    checked_lines(session, order, wanted)
    now = utcnow()
    shipment = Shipment(
        order_id=order.id, carrier_account_id=account_id, carrier_name=carrier, status=ShipmentStatus.IN_TRANSIT,
        tracking_number=number, tracking_url=url, fulfilled_elsewhere=True, shipped_at=now,
        next_sync_at=now if account_id and number else None,
        lines=[ShipmentLine(order_line_id=line_id, quantity=quantity) for line_id, quantity in wanted.items()],
    )
    session.add(shipment)
    session.flush()
    _add_fulfilled(order, shipment, +1)
    events.fulfilled_elsewhere(session, order=order, shipment=shipment, staff_user_id=staff_user_id(actor))
    session.commit()
    notify_shipped(shipment.id)
    return shipment
