"""FX reference rates kept in the database; the rate actually used is stored with every conversion.

The ECB publishes rates against the euro; any other pair is a cross rate through the euro. An admin
can override a pair by hand (source "manual"), optionally until an expiry time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storefront.domain.catalog.versions import bump_catalog_version
from storefront.extensions import db
from storefront.integrations.fx_rates import ReferenceRates, fetch_ecb_rates
from storefront.models import FxRate, FxSource, utcnow

PIVOT = "EUR"


class MissingRate(LookupError):
    """No rate is known for this currency pair."""


@dataclass(frozen=True)
class RateTable:
    """The rates in force: ECB rates per currency against the pivot, plus manual pair overrides."""

    rates: dict[str, Decimal]
    rate_date: date | None = None
    overrides: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    pivot: str = PIVOT

    def rate(self, base: str, quote: str) -> Decimal:
        """How many `quote` one `base` buys."""
        if base == quote:
            return Decimal(1)
        if (base, quote) in self.overrides:
            return self.overrides[(base, quote)]
        if (quote, base) in self.overrides:
            return 1 / self.overrides[(quote, base)]
        try:
            base_rate = Decimal(1) if base == self.pivot else self.rates[base]
            quote_rate = Decimal(1) if quote == self.pivot else self.rates[quote]
        except KeyError as exc:
            raise MissingRate(f"no exchange rate for {base}→{quote}") from exc
        return quote_rate / base_rate

    def knows(self, currency: str) -> bool:
        return currency == self.pivot or currency in self.rates or any(currency in pair for pair in self.overrides)


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


@dataclass(frozen=True)
class RefreshResult:
    """What one download of the ECB feed brought."""

    rate_date: date
    added: int
    currencies: tuple[str, ...]


def refresh_rates(session: Session, feed_url: str) -> RefreshResult:
    """Download the ECB daily rates and store those not stored yet; raises FxFeedError, storing nothing."""
    reference = fetch_ecb_rates(feed_url)
    added = store_reference_rates(session, reference)
    return RefreshResult(rate_date=reference.rate_date, added=added, currencies=tuple(sorted(reference.rates)))


def refresh_and_publish(session: Session, feed_url: str) -> RefreshResult:
    """Refresh, commit, and when the rates changed make every cached price stale at once."""
    result = refresh_rates(session, feed_url)
    session.commit()
    if result.added:
        bump_catalog_version()
    return result


def refresh_rates_job() -> RefreshResult:
    """The daily job (jobs.PERIODIC): refresh from the configured feed."""
    return refresh_and_publish(db.session, current_app.config["CLIPPER"].fx_feed_url)


def latest_rate_date(session: Session) -> date | None:
    return session.scalar(select(func.max(FxRate.rate_date)).where(FxRate.source == FxSource.ECB))


def load_rate_table(session: Session, now: datetime | None = None) -> RateTable:
    """The newest ECB rate of each currency and the manual overrides that have not expired."""
    now = now or utcnow()
    newest = (
        select(FxRate.quote, func.max(FxRate.rate_date).label("rate_date"))
        .where(FxRate.source == FxSource.ECB, FxRate.base == PIVOT)
        .group_by(FxRate.quote)
        .subquery()
    )
    rows = session.execute(
        select(FxRate.quote, FxRate.rate, FxRate.rate_date).join(
            newest, (FxRate.quote == newest.c.quote) & (FxRate.rate_date == newest.c.rate_date)
        ).where(FxRate.source == FxSource.ECB, FxRate.base == PIVOT)
    ).all()
    rates = {quote: rate for quote, rate, _ in rows}
    rate_date = max((d for _, _, d in rows), default=None)
    overrides: dict[tuple[str, str], Decimal] = {}
    manual = session.execute(
        select(FxRate.base, FxRate.quote, FxRate.rate)
        .where(FxRate.source == FxSource.MANUAL, or_(FxRate.expires_at.is_(None), FxRate.expires_at > now))
        .order_by(FxRate.created_at, FxRate.id)
    )
    for base, quote, rate in manual:
        overrides[(base, quote)] = rate
    return RateTable(rates=rates, rate_date=rate_date, overrides=overrides)
