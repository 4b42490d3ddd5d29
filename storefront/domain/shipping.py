"""Shipping options for a destination and parcel weight, priced in the shopper's currency."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.domain.money import minor_exponent
from storefront.domain.pricing import PricingContext
from storefront.models import ShippingRate, ShippingZone, ShippingZoneCountry

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


def zone_for(session: Session, country: str | None) -> ShippingZone | None:
    zone_id = session.scalar(select(ShippingZoneCountry.zone_id).where(ShippingZoneCountry.country_code == country)) \
        if country else None
    stmt = select(ShippingZone).options(selectinload(ShippingZone.rates).selectinload(ShippingRate.brackets))
    if zone_id:
        return session.scalar(stmt.where(ShippingZone.id == zone_id))
    return session.scalar(stmt.where(ShippingZone.is_fallback.is_(True)))


def _in_currency(amount: int, currency: str, ctx: PricingContext, rates) -> int:
    if currency == ctx.currency:
        return amount
    value = Decimal(amount).scaleb(-minor_exponent(currency)) * rates.rate(currency, ctx.currency)
    return int(value.scaleb(minor_exponent(ctx.currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def options_for(session: Session, ctx: PricingContext, rates, *, country: str | None, weight_grams: int,
                subtotal: int, locale: str, free_shipping: bool = False) -> list[ShippingOption]:
    """Every active rate of the destination's zone that takes this parcel (packaging included), cheapest first."""
    zone = zone_for(session, country)
    if zone is None:
        return []
    parcel = weight_grams + PACKAGING_GRAMS
    options = []
    for rate in zone.rates:
        if not rate.active:
            continue
        bracket = next((b for b in rate.brackets if parcel <= b.max_weight_grams), None)
        if bracket is None:
            continue
        price = _in_currency(bracket.price, rate.currency, ctx, rates)
        threshold = _in_currency(rate.free_over, rate.currency, ctx, rates) if rate.free_over is not None else None
        free = free_shipping or (threshold is not None and subtotal >= threshold)
        options.append(ShippingOption(
            rate_id=rate.id, name=rate.name_translations.get(locale) or rate.name,
            service_level=rate.service_level.value, carrier_hint=rate.carrier_hint, price=0 if free else price,
            currency=ctx.currency, min_days=rate.min_days, max_days=rate.max_days, free=free,
        ))
    return sorted(options, key=lambda o: (o.price, o.max_days))
