"""FX reference rates kept in the database; the rate actually used is stored with every conversion."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.integrations.fx_rates import ReferenceRates
from storefront.models import FxRate, FxSource


def store_reference_rates(session: Session, reference: ReferenceRates, source: FxSource = FxSource.ECB) -> int:
    """Insert the day's rates (once per base/quote/day/source); returns how many were new."""
    existing = set(
        session.scalars(
            select(FxRate.quote).where(
                FxRate.base == reference.base, FxRate.rate_date == reference.rate_date, FxRate.source == source
            )
        )
    )
    added = 0
    for quote, rate in sorted(reference.rates.items()):
        if quote in existing:
            continue
        session.add(FxRate(base=reference.base, quote=quote, rate=rate, rate_date=reference.rate_date, source=source))
        added += 1
    session.flush()
    return added


def latest_rate_date(session: Session) -> date | None:
    return session.scalar(select(FxRate.rate_date).order_by(FxRate.rate_date.desc()).limit(1))


def latest_rates(session: Session, base: str = "EUR") -> dict[str, Decimal]:
    """The newest rate per quote currency for `base`."""
    rows = session.execute(
        select(FxRate.quote, FxRate.rate).where(FxRate.base == base).order_by(FxRate.rate_date, FxRate.id)
    )
    return {quote: rate for quote, rate in rows}


def cross_rate(rates: dict[str, Decimal], base: str, quote: str, pivot: str = "EUR") -> Decimal:
    """How many `quote` one `base` buys, from rates quoted against `pivot` (the ECB publishes EUR rates)."""
    if base == quote:
        return Decimal(1)
    base_rate = Decimal(1) if base == pivot else rates[base]
    quote_rate = Decimal(1) if quote == pivot else rates[quote]
    return quote_rate / base_rate
