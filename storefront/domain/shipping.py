"""Shipping options for a destination and parcel weight, priced in the shopper's currency.

A rate is priced from its weight brackets, or, when it is a live rate, from what its carrier quotes now
(storefront.domain.live_rates) converted into the shopper's currency plus the rate's margin; a live rate
whose carrier fails or is slow falls back to its brackets, and is left out when it has none.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.domain import live_rates
from storefront.domain.fx import MissingRate
from storefront.domain.money import minor_exponent
from storefront.domain.pricing import PricingContext, apply_rounding
from storefront.integrations.carriers.types import RateQuote
from storefront.models import ShippingRate, ShippingZone, ShippingZoneCountry

log = logging.getLogger(__name__)

PACKAGING_GRAMS = 150


@dataclass(frozen=True)
class ShippingOption:
    rate_id: int
    name: str
    service_level: str
    carrier_hint: str | None
    price: int
    currency: str
    min_days: int
    max_days: int
    free: bool
    # Priced from the carrier's quote just now (not from the rate's weight brackets).
    live: bool = False
    # That quote in the carrier's currency, kept with the order: {"amount", "currency", "service_code"}.
    carrier_quote: dict | None = None


def zone_for(session: Session, country: str | None) -> ShippingZone | None:
    zone_id = session.scalar(select(ShippingZoneCountry.zone_id).where(ShippingZoneCountry.country_code == country)) \
        if country else None
    stmt = select(ShippingZone).options(selectinload(ShippingZone.rates).selectinload(ShippingRate.brackets))
    if zone_id:
        return session.scalar(stmt.where(ShippingZone.id == zone_id))
    return session.scalar(stmt.where(ShippingZone.is_fallback.is_(True)))


def _in_currency(amount: int, currency: str, ctx: PricingContext, rates, factor: Decimal = Decimal(1)) -> int:
    """`amount` (minor units of `currency`) × `factor` in the shopper's currency, rounded half up to a minor unit."""
    if currency == ctx.currency and factor == 1:
        return amount
    value = Decimal(amount).scaleb(-minor_exponent(currency)) * rates.rate(currency, ctx.currency) * factor
    return int(value.scaleb(minor_exponent(ctx.currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def free_over(rate: ShippingRate, ctx: PricingContext, rates) -> int | None:
    """The rate's free-shipping threshold in the shopper's currency, if it has one."""
    return _in_currency(rate.free_over, rate.currency, ctx, rates) if rate.free_over is not None else None


def table_price(rate: ShippingRate, parcel_grams: int, ctx: PricingContext, rates) -> int | None:
    """The rate's weight-bracket price for a parcel (packaging included) in the shopper's currency; None when
    the parcel is heavier than its last bracket."""
    bracket = next((b for b in rate.brackets if parcel_grams <= b.max_weight_grams), None)
    return None if bracket is None else _in_currency(bracket.price, rate.currency, ctx, rates)


def live_price(quote: RateQuote, rate: ShippingRate, ctx: PricingContext, rates) -> int:
    """The carrier's price in the shopper's currency plus the rate's margin (basis points, then the fixed
    amount in the rate's currency), rounded like every converted price of the market."""
    marked_up = _in_currency(quote.amount, quote.currency, ctx, rates, 1 + Decimal(rate.margin_bp) / 10000)
    fixed = _in_currency(rate.margin_fixed, rate.currency, ctx, rates) if rate.margin_fixed else 0
    return apply_rounding(marked_up + fixed, ctx.currency, ctx.market.rounding_rule)


def options_for(session: Session, ctx: PricingContext, rates, *, country: str | None, weight_grams: int,
                subtotal: int, locale: str, free_shipping: bool = False, postal_code: str | None = None,
                live_time_box: float = live_rates.TIME_BOX_SECONDS) -> list[ShippingOption]:
    """Every active rate of the destination's zone that takes this parcel (packaging included), cheapest first."""
    zone = zone_for(session, country)
    if zone is None:
        return []
    parcel = weight_grams + PACKAGING_GRAMS
    priced = []
    for rate in zone.rates:
        if not rate.active:
            continue
        threshold = free_over(rate, ctx, rates)
        priced.append((rate, free_shipping or (threshold is not None and subtotal >= threshold)))
    # A free option costs the shopper nothing whatever the carrier says: no need to ask.
    quotes = live_rates.quote_live_rates(
        session, [rate for rate, free in priced if not free], country=country, postal_code=postal_code,
        goods_weight_grams=weight_grams, time_box=live_time_box)
    options = []
    for rate, free in priced:
        price, carrier_quote = _price(rate, quotes.get(rate.id), parcel, ctx, rates)
        if price is None and not (free and live_rates.is_live(rate)):
            continue
        options.append(ShippingOption(
            rate_id=rate.id, name=rate.name_translations.get(locale) or rate.name,
            service_level=rate.service_level.value, carrier_hint=rate.carrier_hint,
            price=0 if free else price, currency=ctx.currency, min_days=rate.min_days, max_days=rate.max_days,
            free=free, live=carrier_quote is not None, carrier_quote=carrier_quote,
        ))
    return sorted(options, key=lambda o: (o.price, o.max_days))


def _price(rate: ShippingRate, live: live_rates.LiveQuote | None, parcel: int, ctx: PricingContext,
           rates) -> tuple[int | None, dict | None]:
    """(price, carrier quote) from the live quote when there is one, else from the weight brackets."""
    if live is not None and live.ok:
        try:
            quote = live.quote
            return live_price(quote, rate, ctx, rates), {
                "amount": quote.amount, "currency": quote.currency, "service_code": quote.service_code}
        except MissingRate as error:
            log.warning("live shipping rate %s unavailable, using its table price: %s", rate.id, error)
    return table_price(rate, parcel, ctx, rates), None
