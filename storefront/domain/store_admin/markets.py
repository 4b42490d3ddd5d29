"""Markets as the owner edits them: countries, currency, languages, price adjustment, rounding, tax, duties."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storefront.domain.fx import MissingRate, RateTable
from storefront.domain.store_admin import inputs
from storefront.domain.store_admin.errors import (
    InvalidSettings,
    Problem,
    Problems,
    SettingsErrorCode,
)
from storefront.domain.store_admin.events import (
    Editor,
    settings_deleted,
    settings_saved,
)
from storefront.models import DutiesPolicy, Market, MarketCountry, RoundingRule

ENTITY = "market"
_CODE = re.compile(r"^[A-Z0-9_-]{1,16}$")


@dataclass(frozen=True)
class MarketInput:
    name: str = ""
    code: str = ""
    countries: str = ""
    currency: str = ""
    default_locale: str = ""
    locales: list[str] = field(default_factory=list)
    price_adjustment: Decimal | None = None
    rounding_rule: str = RoundingRule.NONE.value
    tax_inclusive: bool = False
    duties_policy: str = DutiesPolicy.DAP.value
    active: bool = True
    is_default: bool = False


def list_markets(session: Session) -> list[Market]:
    return list(session.scalars(
        select(Market).options(selectinload(Market.countries)).order_by(Market.position, Market.id)))


def snapshot(market: Market) -> dict:
    """A market's settings as the audit log keeps them."""
    return {
        "name": market.name, "code": market.code, "countries": sorted(market.country_codes),
        "currency": market.currency, "default_locale": market.default_locale, "locales": sorted(market.locales or []),
        "price_adjustment_bp": market.price_adjustment_bp, "rounding_rule": market.rounding_rule.value,
        "tax_inclusive": market.tax_inclusive, "duties_policy": market.duties_policy.value,
        "active": market.active, "is_default": market.is_default,
    }


def input_of(market: Market) -> MarketInput:
    """What the edit form starts from."""
    return MarketInput(
        name=market.name, code=market.code, countries=", ".join(market.country_codes), currency=market.currency,
        default_locale=market.default_locale, locales=list(market.locales or []),
        price_adjustment=inputs.percent(market.price_adjustment_bp), rounding_rule=market.rounding_rule.value,
        tax_inclusive=market.tax_inclusive, duties_policy=market.duties_policy.value, active=market.active,
        is_default=market.is_default,
    )


def _countries(session: Session, market: Market | None, raw: str, problems: Problems) -> list[str]:
    """The countries typed, each of which must not belong to another market already."""
    codes = inputs.country_list(raw, problems, "countries")
    if codes:
        taken = session.execute(
            select(MarketCountry.country_code, Market.name).join(Market)
            .where(MarketCountry.country_code.in_(codes), Market.id != (market.id if market else -1))
        ).all()
        for code, name in sorted(taken):
            problems.add("countries", SettingsErrorCode.COUNTRY_IN_OTHER_MARKET, code=code, market=name)
    return codes


def _validate(session: Session, market: Market | None, data: MarketInput, *, base_currency: str, rates: RateTable,
              enabled_locales: list[str]) -> tuple[Problems, dict, list[str]]:
    """What is wrong with `data`, the market's column values, and its countries."""
    problems = Problems()
    name = inputs.text(data.name, problems, "name", max_length=120, required=True)
    code = (data.code or "").strip().upper()
    if not _CODE.match(code):
        problems.add("code", SettingsErrorCode.INVALID_CODE)
    elif session.scalar(select(Market.id).where(func.upper(Market.code) == code,
                                                Market.id != (market.id if market else -1))):
        problems.add("code", SettingsErrorCode.DUPLICATE_CODE, code=code)
    countries = _countries(session, market, data.countries, problems)
    currency = inputs.currency(data.currency, problems, "currency")
    if currency and data.active:
        try:
            rates.rate(base_currency, currency)
        except MissingRate:
            problems.add("currency", SettingsErrorCode.NO_FX_RATE, base=base_currency, currency=currency)
    default_locale = data.default_locale
    if default_locale not in enabled_locales:
        problems.add("default_locale", SettingsErrorCode.LOCALE_NOT_ENABLED, locale=default_locale)
    locales = [default_locale] + [loc for loc in enabled_locales if loc in data.locales and loc != default_locale]
    for locale in data.locales:
        if locale not in enabled_locales:
            problems.add("locales", SettingsErrorCode.LOCALE_NOT_ENABLED, locale=locale)
    adjustment = inputs.basis_points(data.price_adjustment, problems, "price_adjustment")
    try:
        rounding, duties = RoundingRule(data.rounding_rule), DutiesPolicy(data.duties_policy)
    except ValueError:
        rounding, duties = RoundingRule.NONE, DutiesPolicy.DAP
        problems.add(None, SettingsErrorCode.INVALID_CHOICE)
    if data.is_default and not data.active:
        problems.add("active", SettingsErrorCode.DEFAULT_MARKET_INACTIVE)
    if market is not None and market.is_default and not data.is_default:
        problems.add("is_default", SettingsErrorCode.DEFAULT_MARKET_REQUIRED)
    values = {"name": name, "code": code, "currency": currency, "default_locale": default_locale,
              "locales": locales, "price_adjustment_bp": adjustment, "rounding_rule": rounding,
              "tax_inclusive": data.tax_inclusive, "duties_policy": duties, "active": data.active,
              "is_default": data.is_default}
    return problems, values, countries


def save_market(session: Session, editor: Editor, market: Market | None, data: MarketInput, *, base_currency: str,
                rates: RateTable, enabled_locales: list[str]) -> Market:
    """Create (`market` None) or update a market. A country belongs to at most one market; the market made
    default takes over from the previous default. Prices change for shoppers on their next request."""
    problems, values, countries = _validate(session, market, data, base_currency=base_currency, rates=rates,
                                 enabled_locales=enabled_locales)
    problems.raise_if_any()
    before = snapshot(market) if market is not None else None
    if market is None:
        position = session.scalar(select(func.coalesce(func.max(Market.position), -1))) + 1
        market = Market(position=position)
        session.add(market)
    for key, value in values.items():
        setattr(market, key, value)
    kept = {c.country_code: c for c in market.countries}
    market.countries = [kept.get(code) or MarketCountry(country_code=code) for code in countries]
    if market.is_default:
        for other in session.scalars(select(Market).where(Market.is_default.is_(True))):
            if other is not market:
                other.is_default = False
    session.flush()
    settings_saved(session, editor=editor, entity_type=ENTITY, entity_id=market.id, before=before,
                   after=snapshot(market))
    return market


def delete_market(session: Session, editor: Editor, market: Market) -> None:
    """Remove a market; its countries fall back to the default market. The default market stays."""
    if market.is_default:
        raise InvalidSettings([Problem(None, SettingsErrorCode.DEFAULT_MARKET_DELETE)])
    settings_deleted(session, editor=editor, entity_type=ENTITY, entity_id=market.id, before=snapshot(market))
    session.delete(market)
    session.flush()
