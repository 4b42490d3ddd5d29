"""Shipping zones (which countries) and their rates (price by weight bracket, free-over threshold, days), and a
rate's optional live quote from a carrier account with a margin, the brackets staying its fallback."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storefront.domain import carrier_accounts
from storefront.domain.store_admin import inputs
from storefront.domain.store_admin.errors import Problems, SettingsErrorCode
from storefront.domain.store_admin.events import (
    Editor,
    settings_deleted,
    settings_saved,
)
from storefront.models import (
    CarrierAccount,
    ServiceLevel,
    ShippingRate,
    ShippingRateBracket,
    ShippingZone,
    ShippingZoneCountry,
)

ZONE = "shipping_zone"
RATE = "shipping_rate"
_BRACKET = re.compile(r"^\s*(\d+)\s*(?:g|grams?)?\s*=\s*(\S+)\s*$", re.IGNORECASE)
MAX_GRAMS = 1_000_000
MAX_DAYS = 365


def list_zones(session: Session) -> list[ShippingZone]:
    return list(session.scalars(
        select(ShippingZone).options(selectinload(ShippingZone.countries),
                                     selectinload(ShippingZone.rates).selectinload(ShippingRate.brackets))
        .order_by(ShippingZone.position, ShippingZone.id)))


# -- zones -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ZoneInput:
    name: str = ""
    countries: str = ""
    is_fallback: bool = False


def zone_snapshot(zone: ShippingZone) -> dict:
    return {"name": zone.name, "countries": sorted(c.country_code for c in zone.countries),
            "is_fallback": zone.is_fallback}


def zone_input(zone: ShippingZone) -> ZoneInput:
    return ZoneInput(zone.name, ", ".join(sorted(c.country_code for c in zone.countries)), zone.is_fallback)


def save_zone(session: Session, editor: Editor, zone: ShippingZone | None, data: ZoneInput) -> ShippingZone:
    """A country ships by at most one zone; the fallback zone serves every country no zone lists."""
    problems = Problems()
    name = inputs.text(data.name, problems, "name", max_length=120, required=True)
    codes = inputs.country_list(data.countries, problems, "countries")
    if codes:
        taken = session.execute(
            select(ShippingZoneCountry.country_code, ShippingZone.name).join(ShippingZone)
            .where(ShippingZoneCountry.country_code.in_(codes), ShippingZone.id != (zone.id if zone else -1))
        ).all()
        for code, other in sorted(taken):
            problems.add("countries", SettingsErrorCode.COUNTRY_IN_OTHER_ZONE, code=code, zone=other)
    elif not data.is_fallback and not problems.has("countries"):
        problems.add("countries", SettingsErrorCode.NO_COUNTRIES)
    problems.raise_if_any()
    before = zone_snapshot(zone) if zone is not None else None
    if zone is None:
        position = session.scalar(select(func.coalesce(func.max(ShippingZone.position), -1))) + 1
        zone = ShippingZone(position=position)
        session.add(zone)
    zone.name, zone.is_fallback = name, data.is_fallback
    kept = {c.country_code: c for c in zone.countries}
    zone.countries = [kept.get(code) or ShippingZoneCountry(country_code=code) for code in codes]
    if zone.is_fallback:
        for other in session.scalars(select(ShippingZone).where(ShippingZone.is_fallback.is_(True))):
            if other is not zone:
                other.is_fallback = False
    session.flush()
    settings_saved(session, editor=editor, entity_type=ZONE, entity_id=zone.id, before=before,
                   after=zone_snapshot(zone))
    return zone


def delete_zone(session: Session, editor: Editor, zone: ShippingZone) -> None:
    """The zone goes with its rates; its countries get the fallback zone's rates, if there is one."""
    before = zone_snapshot(zone) | {"rates": [rate.name for rate in zone.rates]}
    settings_deleted(session, editor=editor, entity_type=ZONE, entity_id=zone.id, before=before)
    session.delete(zone)
    session.flush()


# -- rates -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RateInput:
    name: str = ""
    name_translations: dict[str, str] = field(default_factory=dict)
    service_level: str = ServiceLevel.STANDARD.value
    carrier_hint: str | None = None
    service_hint: str | None = None
    currency: str = ""
    brackets: str = ""
    free_over: Decimal | None = None
    min_days: int = 3
    max_days: int = 10
    active: bool = True
    live_rate: bool = False
    carrier_account_id: int | None = None
    live_service: str | None = None
    margin_percent: Decimal | None = None
    margin_fixed: Decimal | None = None


def brackets_text(rate: ShippingRate) -> str:
    """The weight brackets as the form edits them, one "max grams = price" per line."""
    return "\n".join(f"{b.max_weight_grams} = {inputs.amount_text(b.price, rate.currency)}" for b in rate.brackets)


def rate_input(rate: ShippingRate) -> RateInput:
    return RateInput(
        name=rate.name, name_translations=dict(rate.name_translations or {}), service_level=rate.service_level.value,
        carrier_hint=rate.carrier_hint, service_hint=rate.service_hint, currency=rate.currency,
        brackets=brackets_text(rate),
        free_over=None if rate.free_over is None else Decimal(inputs.amount_text(rate.free_over, rate.currency)),
        min_days=rate.min_days, max_days=rate.max_days, active=rate.active, live_rate=rate.live_rate,
        carrier_account_id=rate.carrier_account_id, live_service=rate.service_hint if rate.live_rate else None,
        margin_percent=inputs.percent(rate.margin_bp) if rate.margin_bp else None,
        margin_fixed=Decimal(inputs.amount_text(rate.margin_fixed, rate.currency)) if rate.margin_fixed else None,
    )


def rate_snapshot(rate: ShippingRate) -> dict:
    return {"zone_id": rate.zone_id, "name": rate.name, "name_translations": dict(rate.name_translations or {}),
            "service_level": rate.service_level.value, "carrier_hint": rate.carrier_hint,
            "service_hint": rate.service_hint, "currency": rate.currency,
            "brackets": [[b.max_weight_grams, b.price] for b in rate.brackets], "free_over": rate.free_over,
            "min_days": rate.min_days, "max_days": rate.max_days, "active": rate.active,
            "live_rate": rate.live_rate, "carrier_account_id": rate.carrier_account_id, "margin_bp": rate.margin_bp,
            "margin_fixed": rate.margin_fixed}


def parse_brackets(raw: str, currency: str | None, problems: Problems) -> list[tuple[int, int]]:
    """Lines such as "500 = 4.90" (up to 500 g for 4.90), sorted by weight."""
    brackets: dict[int, int] = {}
    for number, line in enumerate((raw or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _BRACKET.match(line)
        grams = int(match.group(1)) if match else 0
        try:
            price = Decimal(match.group(2).replace(",", ".")) if match else None
        except InvalidOperation:
            price = None
        if price is None or not price.is_finite() or not 0 < grams <= MAX_GRAMS:
            problems.add("brackets", SettingsErrorCode.BAD_BRACKET_LINE, line=number)
            continue
        if grams in brackets:
            problems.add("brackets", SettingsErrorCode.DUPLICATE_BRACKET, line=number, grams=grams)
            continue
        minor = inputs.amount(price, currency, problems, "brackets")
        if minor is not None:
            brackets[grams] = minor
    if not brackets and not problems.has("brackets"):
        problems.add("brackets", SettingsErrorCode.NO_BRACKETS)
    return sorted(brackets.items())


@dataclass(frozen=True)
class _LiveRate:
    account: CarrierAccount | None
    service: str | None
    margin_bp: int
    margin_fixed: int


def _live_rate(session: Session, data: RateInput, currency: str | None, problems: Problems) -> _LiveRate:
    """The carrier account and service quoted at checkout, and the margin added to the carrier's price."""
    margin_bp = inputs.basis_points(data.margin_percent, problems, "margin_percent")
    margin_fixed = inputs.amount(data.margin_fixed, currency, problems, "margin_fixed") or 0
    if not data.live_rate:
        return _LiveRate(None, None, margin_bp, margin_fixed)
    account = session.get(CarrierAccount, data.carrier_account_id) if data.carrier_account_id else None
    service = (data.live_service or "").strip() or None
    if account is None:
        problems.add("carrier_account_id", SettingsErrorCode.LIVE_RATE_ACCOUNT_REQUIRED)
    elif service is None:
        problems.add("live_service", SettingsErrorCode.LIVE_RATE_SERVICE_REQUIRED)
    else:
        spec = carrier_accounts.spec_of(account.carrier_name)
        offered = account.services or ([s.code for s in spec.services] if spec else [])
        if service not in offered:
            problems.add("live_service", SettingsErrorCode.UNKNOWN_CARRIER_SERVICE, account=account.account_label,
                         code=service)
    return _LiveRate(account, service, margin_bp, margin_fixed)


def save_rate(session: Session, editor: Editor, zone: ShippingZone, rate: ShippingRate | None,
              data: RateInput) -> ShippingRate:
    """Create (`rate` None) or update a shipping rate of `zone`, priced in its own currency."""
    problems = Problems()
    name = inputs.text(data.name, problems, "name", max_length=120, required=True)
    # Names in languages the form did not show (the shop no longer offers them) are kept for their return.
    translations = {locale: text for locale, text in (rate.name_translations if rate else {}).items()
                    if locale not in data.name_translations}
    for locale, value in sorted(data.name_translations.items()):
        translated = inputs.text(value, problems, f"name_{locale}", max_length=120)
        if translated:
            translations[locale] = translated
    try:
        level = ServiceLevel(data.service_level)
    except ValueError:
        level = ServiceLevel.STANDARD
        problems.add("service_level", SettingsErrorCode.INVALID_CHOICE)
    carrier_hint = inputs.text(data.carrier_hint, problems, "carrier_hint", max_length=60)
    service_hint = inputs.text(data.service_hint, problems, "service_hint", max_length=60)
    currency = inputs.currency(data.currency, problems, "currency")
    brackets = parse_brackets(data.brackets, currency, problems)
    free_over = inputs.amount(data.free_over, currency, problems, "free_over")
    if not 0 <= data.min_days <= data.max_days <= MAX_DAYS:
        problems.add("max_days", SettingsErrorCode.DELIVERY_DAYS)
    live = _live_rate(session, data, currency, problems)
    problems.raise_if_any()
    before = rate_snapshot(rate) if rate is not None else None
    if rate is None:
        rate = ShippingRate(position=len(zone.rates))
        zone.rates.append(rate)
    rate.name, rate.name_translations, rate.service_level = name, translations, level
    rate.carrier_hint, rate.service_hint, rate.currency, rate.free_over = carrier_hint, service_hint, currency, free_over
    rate.min_days, rate.max_days, rate.active = data.min_days, data.max_days, data.active
    rate.live_rate, rate.carrier_account_id, rate.margin_bp, rate.margin_fixed = (
        live.account is not None, live.account.id if live.account else None, live.margin_bp, live.margin_fixed)
    if live.account is not None:
        rate.carrier_hint, rate.service_hint = live.account.carrier_name, live.service
    kept = {b.max_weight_grams: b for b in rate.brackets}
    rate.brackets = [kept.get(grams) or ShippingRateBracket(max_weight_grams=grams) for grams, _ in brackets]
    for bracket, (_, price) in zip(rate.brackets, brackets):
        bracket.price = price
    session.flush()
    settings_saved(session, editor=editor, entity_type=RATE, entity_id=rate.id, before=before,
                   after=rate_snapshot(rate))
    return rate


def delete_rate(session: Session, editor: Editor, rate: ShippingRate) -> None:
    settings_deleted(session, editor=editor, entity_type=RATE, entity_id=rate.id, before=rate_snapshot(rate))
    session.delete(rate)
    session.flush()
