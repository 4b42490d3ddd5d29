"""Exchange rates in the admin: what is in force, refreshing from the ECB, manual overrides of a pair."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from storefront.domain import fx
from storefront.domain.store_admin import inputs
from storefront.domain.store_admin.errors import Problems, SettingsErrorCode
from storefront.domain.store_admin.events import (
    Editor,
    settings_action,
    settings_created,
    settings_deleted,
)
from storefront.models import FxRate, FxSource, utcnow

ENTITY = "fx_rate"
MAX_RATE = Decimal(10) ** 9
RATE_PLACES = 10


@dataclass(frozen=True)
class PairRate:
    """The rate a market is priced with: one `base` buys `rate` `quote`."""

    base: str
    quote: str
    rate: Decimal | None
    manual: bool


@dataclass(frozen=True)
class FxOverview:
    rate_date: date | None
    reference: list[tuple[str, Decimal]]
    in_use: list[PairRate]
    overrides: list[FxRate]


def overview(session: Session, base_currency: str, market_currencies: list[str],
             now: datetime | None = None) -> FxOverview:
    """The ECB reference rates of the latest day, the rates each market currency is priced at, and every
    manual override (expired ones too, so the owner sees what ran out)."""
    now = now or utcnow()
    table = fx.load_rate_table(session, now)
    in_use = []
    for quote in sorted(set(market_currencies) - {base_currency}):
        manual = (base_currency, quote) in table.overrides or (quote, base_currency) in table.overrides
        try:
            rate = table.rate(base_currency, quote)
        except fx.MissingRate:
            rate = None
        in_use.append(PairRate(base_currency, quote, rate, manual))
    overrides = list(session.scalars(
        select(FxRate).where(FxRate.source == FxSource.MANUAL).order_by(FxRate.base, FxRate.quote, FxRate.id)))
    return FxOverview(table.rate_date, sorted(table.rates.items()), in_use, overrides)


def refresh_now(session: Session, editor: Editor, feed_url: str) -> fx.RefreshResult:
    """Download today's ECB rates and publish them (raises FxFeedError, storing nothing, when the feed fails)."""
    result = fx.refresh_and_publish(session, feed_url)
    settings_action(session, editor=editor, entity_type=ENTITY, action="refresh",
                    after={"rate_date": result.rate_date.isoformat(), "added": result.added})
    session.flush()
    return result


def _same_pair(base: str, quote: str):
    return or_(and_(FxRate.base == base, FxRate.quote == quote), and_(FxRate.base == quote, FxRate.quote == base))


def set_override(session: Session, editor: Editor, *, base: str, quote: str, rate: Decimal | None,
                 expires_at: datetime | None, now: datetime | None = None) -> FxRate:
    """Price `base`→`quote` at `rate` instead of the ECB's, until `expires_at` (or until deleted). It
    replaces any earlier override of the pair, in either direction."""
    now = now or utcnow()
    problems = Problems()
    base_code = inputs.currency(base, problems, "base")
    quote_code = inputs.currency(quote, problems, "quote")
    if base_code and base_code == quote_code:
        problems.add("quote", SettingsErrorCode.SAME_CURRENCY)
    if rate is None:
        problems.add("rate", SettingsErrorCode.REQUIRED)
    elif rate <= 0 or rate >= MAX_RATE:
        problems.add("rate", SettingsErrorCode.NOT_POSITIVE)
    elif inputs.decimal_places(rate) > RATE_PLACES:
        problems.add("rate", SettingsErrorCode.TOO_MANY_DECIMALS, places=RATE_PLACES)
    if expires_at is not None and expires_at <= now:
        problems.add("expires_at", SettingsErrorCode.EXPIRY_IN_PAST)
    problems.raise_if_any()
    for old in session.scalars(select(FxRate).where(FxRate.source == FxSource.MANUAL, _same_pair(base_code, quote_code))):
        settings_deleted(session, editor=editor, entity_type=ENTITY, entity_id=old.id, before=describe(old))
        session.delete(old)
    session.flush()
    override = FxRate(base=base_code, quote=quote_code, rate=rate, rate_date=now.date(), source=FxSource.MANUAL,
                      expires_at=expires_at)
    session.add(override)
    session.flush()
    settings_created(session, editor=editor, entity_type=ENTITY, entity_id=override.id, after=describe(override))
    return override


def delete_override(session: Session, editor: Editor, override: FxRate) -> None:
    """Back to the ECB rate for this pair."""
    settings_deleted(session, editor=editor, entity_type=ENTITY, entity_id=override.id, before=describe(override))
    session.delete(override)
    session.flush()


def find_override(session: Session, override_id: int) -> FxRate | None:
    return session.scalar(select(FxRate).where(FxRate.id == override_id, FxRate.source == FxSource.MANUAL))


def describe(rate: FxRate) -> dict:
    return {"base": rate.base, "quote": rate.quote, "rate": f"{Decimal(rate.rate).normalize():f}",
            "source": rate.source.value, "expires_at": rate.expires_at.isoformat() if rate.expires_at else None}
