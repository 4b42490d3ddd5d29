"""Live rates for a parcel from every carrier account that ships from the warehouse, side by side.

The carriers are asked in parallel threads within one time box: a carrier that fails or is slow shows its
reason beside the others and never hides them. Prices come in the account's currency and are converted to
the store's base currency at today's reference rate, so they can be compared.
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from storefront.domain.carrier_accounts import config_for, enabled_accounts, spec_of
from storefront.domain.fulfillment.address import recipient_address, shipper_address
from storefront.domain.fulfillment.calculations import convert
from storefront.domain.fulfillment.customs import build_customs, destination_country, incoterm_for
from storefront.domain.fulfillment.errors import FulfillmentError, FulfillmentErrorCode
from storefront.domain.fulfillment.parcels import Parcel, parcel_from
from storefront.domain.fulfillment.planning import checked_lines, ensure_shippable
from storefront.domain.fx import RateTable, load_rate_table
from storefront.domain.store import load_store_settings
from storefront.integrations import carriers
from storefront.integrations.carriers.types import CarrierConfig, CarrierError, RateQuote, ShipmentRequest
from storefront.models import CarrierAccount, Location, Order, utcnow

QUOTE_TIME_BOX_SECONDS = 15.0


@dataclass(frozen=True)
class Quote:
    account_id: int
    carrier_name: str
    service_code: str
    service_name: str
    amount: int  # minor units of `currency`, what the account is billed
    currency: str
    base_amount: int | None  # the same in the store's base currency; None when no FX rate is known
    base_currency: str
    transit_days: int | None = None
    estimated_delivery: date | None = None
    incoterm: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CarrierQuotes:
    """One account's answer: its quotes, cheapest first, or why it has none."""

    account_id: int
    carrier_name: str
    display_name: str
    account_label: str
    quotes: tuple[Quote, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Shipping:
    """Everything about one parcel that does not depend on the carrier: checked once, used for quotes and
    for booking."""

    location: Location
    lines: dict[int, int]
    parcel: Parcel
    request: ShipmentRequest


def shipping_location(session: Session, order: Order, location_id: int) -> Location:
    location = session.get(Location, location_id) if location_id else None
    if location is None or not location.active:
        raise FulfillmentError(FulfillmentErrorCode.UNKNOWN_LOCATION,
                               _("Choose the warehouse the parcel leaves from."), field="location_id")
    country = destination_country(order)
    if country and not location.ships_to_country(country):
        raise FulfillmentError(FulfillmentErrorCode.LOCATION_DOES_NOT_SHIP,
                               _("The warehouse %(location)s does not ship to %(country)s; choose another one.",
                                 location=location.name, country=country), field="location_id")
    return location


def prepare_shipping(session: Session, order: Order, location_id: int, lines: dict[int, int],
                     parcel: Parcel | dict, *, service_code: str | None = None, label_format: str = "PDF",
                     tracking_number: str | None = None, invoice_number: str | None = None,
                     rates: RateTable | None = None) -> Shipping:
    """Check the order, warehouse, lines, parcel, both addresses and (across a border) the customs
    declaration; raises FulfillmentError saying what to fix. Reads only."""
    ensure_shippable(order)
    location = shipping_location(session, order, location_id)
    wanted = checked_lines(session, order, lines)
    checked_parcel = parcel_from(parcel)
    store = load_store_settings(session)
    shipper = shipper_address(store, location)
    recipient = recipient_address(order)
    customs = None
    if shipper.country_code != recipient.country_code:
        customs = build_customs(session, order, wanted, invoice_number=invoice_number, rates=rates)
    request = ShipmentRequest(
        shipper=shipper, recipient=recipient, parcels=(checked_parcel.to_carrier(),), reference=str(order.number),
        customs=customs, service_code=service_code, label_format=(label_format or "PDF").upper(),
        ship_date=utcnow().date(), tracking_number=tracking_number,
    )
    return Shipping(location=location, lines=wanted, parcel=checked_parcel, request=request)


def _account_quotes(account: CarrierAccount, quotes: list[RateQuote], rates: RateTable, base_currency: str,
                    incoterm: str | None) -> tuple[Quote, ...]:
    result = []
    for quote in quotes:
        try:
            base_amount = convert(quote.amount, quote.currency, base_currency, rates)
        except FulfillmentError:
            base_amount = None
        result.append(Quote(
            account_id=account.id, carrier_name=account.carrier_name, service_code=quote.service_code,
            service_name=quote.service_name, amount=quote.amount, currency=quote.currency, base_amount=base_amount,
            base_currency=base_currency, transit_days=quote.transit_days, estimated_delivery=quote.estimated_delivery,
            incoterm=quote.incoterm or incoterm, meta=dict(quote.meta),
        ))
    return tuple(sorted(result, key=lambda q: (q.base_amount is None, q.base_amount or 0, q.amount)))


def _carrier_words(error: CarrierError) -> str:
    return " ".join([error.message, *error.details[:3]]) if error.details else error.message


def quote_rates(session: Session, order: Order, location_id: int, lines: dict[int, int], parcel: Parcel | dict, *,
                service_code: str | None = None, accounts: list[CarrierAccount] | None = None,
                time_box_seconds: float = QUOTE_TIME_BOX_SECONDS) -> list[CarrierQuotes]:
    """Quotes from every enabled account that ships from `location_id` (or from `accounts`), one entry per
    account in a stable order. Raises FulfillmentError only for what no carrier can help with (address,
    customs data, quantities); a carrier's own failure is that account's `error`."""
    shipping = prepare_shipping(session, order, location_id, lines, parcel, service_code=service_code)
    if accounts is None:
        accounts = enabled_accounts(session, location_id=shipping.location.id)
    store = load_store_settings(session)
    rates = load_rate_table(session)
    incoterm = shipping.request.customs.incoterm if shipping.request.customs else incoterm_for(session, order)
    configs: dict[int, CarrierConfig] = {}
    answers: dict[int, CarrierQuotes] = {}
    for account in accounts:
        try:
            # Loading a connector imports karrio (a second or more, once per process): not inside the time box.
            carriers.get_spec(account.carrier_name)
            configs[account.id] = config_for(account)
        except CarrierError as error:
            answers[account.id] = _answered(account, error=_carrier_words(error))
    if configs:
        pool = ThreadPoolExecutor(max_workers=len(configs), thread_name_prefix="carrier-rates")
        futures: dict[int, Future] = {
            account_id: pool.submit(carriers.fetch_rates, config, shipping.request)
            for account_id, config in configs.items()
        }
        wait(futures.values(), timeout=time_box_seconds)
        # Never wait for a slow carrier: its thread finishes on its own, its answer is dropped.
        pool.shutdown(wait=False, cancel_futures=True)
        for account in accounts:
            future = futures.get(account.id)
            if future is None:
                continue
            answers[account.id] = _answer(account, future, rates, store.base_currency, incoterm, time_box_seconds)
    return [answers[account.id] for account in accounts]


def _answered(account: CarrierAccount, *, quotes: tuple[Quote, ...] = (), error: str | None = None) -> CarrierQuotes:
    spec = spec_of(account.carrier_name)
    return CarrierQuotes(account_id=account.id, carrier_name=account.carrier_name,
                         display_name=spec.display_name if spec else account.carrier_name,
                         account_label=account.account_label, quotes=quotes, error=error)


def _answer(account: CarrierAccount, future: Future, rates: RateTable, base_currency: str, incoterm: str | None,
            time_box_seconds: float) -> CarrierQuotes:
    if not future.done():
        return _answered(account, error=_("No answer within %(seconds)s seconds; try again, or choose another "
                                          "carrier.", seconds=f"{time_box_seconds:g}"))
    error = future.exception()
    if isinstance(error, CarrierError):
        return _answered(account, error=_carrier_words(error))
    if error is not None:
        reason = str(error) or type(error).__name__
        return _answered(account, error=_("The carrier could not be asked: %(reason)s", reason=reason))
    quotes = _account_quotes(account, future.result(), rates, base_currency, incoterm)
    if not quotes:
        return _answered(account, error=_("No service of this account takes this parcel to this destination."))
    return _answered(account, quotes=quotes)
