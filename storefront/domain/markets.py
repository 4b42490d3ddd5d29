"""Markets and the shopper's localization: which market, country and currency a request is priced in."""
from __future__ import annotations

from dataclasses import dataclass

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.domain.money import UnknownCurrency, normalize_currency
from storefront.models import Market


@dataclass(frozen=True)
class MarketInfo:
    """A market as pricing and pages need it: plain data, safe to cache between requests."""

    id: int
    code: str
    name: str
    currency: str
    default_locale: str
    locales: tuple[str, ...]
    countries: frozenset[str]
    price_adjustment_bp: int
    rounding_rule: str
    tax_inclusive: bool
    duties_policy: str
    is_default: bool
    position: int


@dataclass(frozen=True)
class Localization:
    market: MarketInfo
    country: str | None
    currency: str


def load_markets(session: Session) -> tuple[MarketInfo, ...]:
    rows = session.scalars(
        select(Market).where(Market.active.is_(True)).options(selectinload(Market.countries)).order_by(Market.position, Market.id)
    )
    return tuple(
        MarketInfo(
            id=m.id, code=m.code, name=m.name, currency=m.currency, default_locale=m.default_locale,
            locales=tuple(m.locales or ()), countries=frozenset(m.country_codes),
            price_adjustment_bp=m.price_adjustment_bp, rounding_rule=m.rounding_rule.value,
            tax_inclusive=m.tax_inclusive, duties_policy=m.duties_policy.value, is_default=m.is_default,
            position=m.position,
        )
        for m in rows
    )


def fallback_market(currency: str, locale: str) -> MarketInfo:
    """The implicit market of a store that has configured none: its base currency, everywhere."""
    return MarketInfo(id=0, code="DEFAULT", name="Default", currency=currency, default_locale=locale, locales=(locale,),
                      countries=frozenset(), price_adjustment_bp=0, rounding_rule="none", tax_inclusive=False,
                      duties_policy="DAP", is_default=True, position=0)


def normalize_country(code: str | None) -> str | None:
    """An ISO 3166-1 alpha-2 code in upper case, or None for anything else (XX, T1, junk)."""
    code = (code or "").strip()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        return None
    code = code.upper()
    return code if pycountry.countries.get(alpha_2=code) else None


def default_market(markets: tuple[MarketInfo, ...]) -> MarketInfo:
    for market in markets:
        if market.is_default:
            return market
    if not markets:
        raise LookupError("the store has no active market")
    return markets[0]


def market_for_country(markets: tuple[MarketInfo, ...], country: str | None) -> MarketInfo:
    if country:
        for market in markets:
            if country in market.countries:
                return market
    return default_market(markets)


def market_for_currency(markets: tuple[MarketInfo, ...], currency: str, country: str | None) -> MarketInfo | None:
    """The market to price in when a shopper picks `currency`: their own country's market if it uses it,
    else the default market if it does, else the first market that does."""
    home = market_for_country(markets, country)
    if home.currency == currency:
        return home
    fallback = default_market(markets)
    if fallback.currency == currency:
        return fallback
    return next((m for m in markets if m.currency == currency), None)


def presentment_currencies(markets: tuple[MarketInfo, ...]) -> list[str]:
    return sorted({m.currency for m in markets})


def localize(
    markets: tuple[MarketInfo, ...],
    *,
    chosen_country: str | None = None,
    query_country: str | None = None,
    header_country: str | None = None,
    currency: str | None = None,
) -> Localization:
    """Country: explicit choice (cookie) → ?country= → CDN header → none. Market: the country's, or the
    default. A requested currency that some market sells in switches to that market; others are ignored."""
    country = normalize_country(chosen_country) or normalize_country(query_country) or normalize_country(header_country)
    market = market_for_country(markets, country)
    if currency:
        try:
            wanted = normalize_currency(currency)
        except UnknownCurrency:
            wanted = None
        if wanted and wanted != market.currency:
            market = market_for_currency(markets, wanted, country) or market
    return Localization(market=market, country=country, currency=market.currency)
