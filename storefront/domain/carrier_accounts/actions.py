"""Creating, changing and deleting carrier accounts: validated against the carrier's spec, audited without secrets."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storefront.domain import secrets_box
from storefront.domain.carrier_accounts.config import (
    app_settings,
    editor_of,
    location_ids,
    masked_credentials,
    seal_credentials,
    spec_of,
    unseal_credentials,
)
from storefront.domain.carrier_accounts.errors import CarrierAccountError, CarrierAccountErrorCode, Problems, text
from storefront.domain.carrier_accounts.rate_tables import parse_rate_table
from storefront.domain.money import UnknownCurrency, normalize_currency
from storefront.domain.store_admin.events import settings_deleted, settings_saved
from storefront.integrations.carriers.types import CarrierSpec
from storefront.models import (
    CarrierAccount,
    CarrierAccountLocation,
    Location,
    Shipment,
    ShipmentStatus,
    ShippingRate,
)

ENTITY = "carrier_account"
MAX_TIMEOUT_SECONDS = 120
MAX_CREDENTIAL_LENGTH = 2000
# Settings the form edits; any other key an account carries is kept as it is.
SETTING_KEYS = ("currency", "default_service", "server_url", "timeout_seconds", "rate_table")
# Shipments still moving keep needing their account for tracking.
OPEN_STATUSES = (ShipmentStatus.LABEL_PURCHASED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY,
                 ShipmentStatus.FAILED_ATTEMPT, ShipmentStatus.EXCEPTION)


def _snapshot(account: CarrierAccount, masked: dict[str, str]) -> dict[str, Any]:
    """What the audit log keeps of an account: secrets only masked."""
    settings = dict(account.settings or {})
    if "rate_table" in settings:
        settings["rate_table"] = "custom"
    return {"carrier_name": account.carrier_name, "account_label": account.account_label,
            "test_mode": account.test_mode, "active": account.active, "services": list(account.services or []),
            "location_ids": location_ids(account), "settings": settings,
            "tracking_url_template": account.tracking_url_template, "credentials": masked}


def _http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not any(c.isspace() for c in value)


def _credentials(spec: CarrierSpec, given: dict[str, str], saved: dict[str, str], problems: Problems
                 ) -> dict[str, str]:
    """A blank secret keeps the saved one ("leave blank to keep"); other blank fields are cleared."""
    result: dict[str, str] = {}
    for spec_field in spec.credential_fields:
        name = f"credentials.{spec_field.name}"
        value = (given.get(spec_field.name) or "").strip()
        if not value and spec_field.secret:
            value = saved.get(spec_field.name, "")
        if not value:
            if spec_field.required:
                problems.add(CarrierAccountErrorCode.REQUIRED, name, label=spec_field.label)
            continue
        if len(value) > MAX_CREDENTIAL_LENGTH:
            problems.add(CarrierAccountErrorCode.TOO_LONG, name, max=MAX_CREDENTIAL_LENGTH)
        result[spec_field.name] = value
    return result


def _services(spec: CarrierSpec, services, problems: Problems) -> list[str]:
    """Codes the carrier offers, in the carrier's order; none chosen means all of them."""
    offered = [service.code for service in spec.services]
    chosen = list(dict.fromkeys(code.strip() for code in services if code and code.strip()))
    for code in chosen:
        if code not in offered:
            problems.add(CarrierAccountErrorCode.UNKNOWN_SERVICE, "services", code=code, carrier=spec.display_name)
    return [code for code in offered if code in chosen]


def _locations(session: Session, ids, problems: Problems) -> list[int]:
    wanted = sorted({int(i) for i in ids})
    found = set(session.scalars(select(Location.id).where(Location.id.in_(wanted)))) if wanted else set()
    for missing in sorted(set(wanted) - found):
        problems.add(CarrierAccountErrorCode.UNKNOWN_LOCATION, "location_ids", id=missing)
    return [i for i in wanted if i in found]


def _settings(spec: CarrierSpec, raw: dict[str, Any] | None, services: list[str], problems: Problems
              ) -> dict[str, Any]:
    raw = dict(raw or {})
    result = {key: value for key, value in raw.items() if key not in SETTING_KEYS}
    currency = str(raw.get("currency") or "").strip()
    if currency:
        try:
            result["currency"] = normalize_currency(currency)
        except UnknownCurrency:
            problems.add(CarrierAccountErrorCode.UNKNOWN_CURRENCY, "settings.currency", code=currency.upper())
    default_service = str(raw.get("default_service") or "").strip()
    if default_service:
        if default_service not in (services or [s.code for s in spec.services]):
            problems.add(CarrierAccountErrorCode.UNKNOWN_SERVICE, "settings.default_service", code=default_service,
                         carrier=spec.display_name)
        result["default_service"] = default_service
    server_url = str(raw.get("server_url") or "").strip()
    if server_url:
        if not _http_url(server_url) or len(server_url) > 500:
            problems.add(CarrierAccountErrorCode.INVALID_URL, "settings.server_url")
        result["server_url"] = server_url.rstrip("/")
    timeout = raw.get("timeout_seconds")
    if timeout not in (None, ""):
        try:
            seconds = float(timeout)
        except (TypeError, ValueError):
            seconds = 0.0
        if not 0 < seconds <= MAX_TIMEOUT_SECONDS:
            problems.add(CarrierAccountErrorCode.INVALID_TIMEOUT, "settings.timeout_seconds", max=MAX_TIMEOUT_SECONDS)
        result["timeout_seconds"] = seconds
    table = raw.get("rate_table")
    if table not in (None, ""):
        if spec.is_forwarder:
            result["rate_table"] = parse_rate_table(table, spec, problems)
        else:
            problems.add(CarrierAccountErrorCode.INVALID_RATE_TABLE, "settings.rate_table", reason="not_forwarder")
    return result


def _tracking_template(raw: str | None, problems: Problems) -> str | None:
    value = text(raw, problems, "tracking_url_template", max_length=500)
    if value and ("{tracking_number}" not in value or not _http_url(value.replace("{tracking_number}", "X"))):
        problems.add(CarrierAccountErrorCode.INVALID_TRACKING_TEMPLATE, "tracking_url_template")
    return value


def _validated(session: Session, spec: CarrierSpec, account: CarrierAccount | None, *, account_label: str,
               credentials: dict[str, str], saved: dict[str, str], services, locations,
               settings: dict[str, Any] | None, tracking_url_template: str | None) -> dict[str, Any]:
    problems = Problems()
    label = text(account_label, problems, "account_label", max_length=120, required=True)
    if label:
        clash = select(CarrierAccount.id).where(CarrierAccount.carrier_name == spec.name,
                                                func.lower(CarrierAccount.account_label) == label.lower())
        if account is not None:
            clash = clash.where(CarrierAccount.id != account.id)
        if session.scalar(clash) is not None:
            problems.add(CarrierAccountErrorCode.DUPLICATE_LABEL, "account_label", label=label,
                         carrier=spec.display_name)
    values = {
        "account_label": label,
        "credentials": _credentials(spec, credentials or {}, saved, problems),
        "services": _services(spec, services or (), problems),
        "location_ids": _locations(session, locations or (), problems),
        "tracking_url_template": _tracking_template(tracking_url_template, problems),
    }
    values["settings"] = _settings(spec, settings, values["services"], problems)
    problems.raise_if_any()
    return values


def _apply(account: CarrierAccount, values: dict[str, Any], *, test_mode: bool, active: bool,
           sealing_key: str) -> None:
    account.account_label = values["account_label"]
    account.credentials_encrypted = seal_credentials(values["credentials"], sealing_key)
    account.test_mode, account.active = bool(test_mode), bool(active)
    account.services = values["services"]
    account.settings = values["settings"]
    account.tracking_url_template = values["tracking_url_template"]
    kept = {link.location_id: link for link in account.locations}
    account.locations = [kept.get(i) or CarrierAccountLocation(location_id=i) for i in values["location_ids"]]


def create_account(session: Session, *, carrier_name: str, account_label: str, credentials: dict[str, str],
                   test_mode: bool = True, services=(), location_ids=(), settings: dict[str, Any] | None = None,
                   tracking_url_template: str | None = None, active: bool = True, actor: Any = None,
                   sealing_key: str | None = None) -> CarrierAccount:
    """A new account; raises CarrierAccountError naming every input to fix, and saves nothing then.

    `sealing_key` defaults to the app's CLIPPER_SECRET_KEY; `actor` is a staff user or an Editor (or None).
    """
    spec = spec_of(carrier_name)
    if spec is None:
        raise CarrierAccountError(CarrierAccountErrorCode.UNKNOWN_CARRIER, "carrier_name", carrier=carrier_name)
    sealing_key = sealing_key or app_settings().secret_key
    values = _validated(session, spec, None, account_label=account_label, credentials=credentials, saved={},
                        services=services, locations=location_ids, settings=settings,
                        tracking_url_template=tracking_url_template)
    account = CarrierAccount(carrier_name=spec.name, locations=[])
    _apply(account, values, test_mode=test_mode, active=active, sealing_key=sealing_key)
    session.add(account)
    session.flush()
    settings_saved(session, editor=editor_of(actor), entity_type=ENTITY, entity_id=account.id, before=None,
                   after=_snapshot(account, masked_credentials(account, sealing_key)))
    return account


def update_account(session: Session, account: CarrierAccount, *, account_label: str, credentials: dict[str, str],
                   test_mode: bool, services=(), location_ids=(), settings: dict[str, Any] | None = None,
                   tracking_url_template: str | None = None, active: bool = True, actor: Any = None,
                   sealing_key: str | None = None) -> CarrierAccount:
    """The carrier stays; a secret left blank keeps the saved one. Credentials sealed with an older secret key
    count as not saved, so their secrets must be entered again."""
    spec = spec_of(account.carrier_name)
    if spec is None:
        raise CarrierAccountError(CarrierAccountErrorCode.UNKNOWN_CARRIER, "carrier_name",
                                  carrier=account.carrier_name)
    sealing_key = sealing_key or app_settings().secret_key
    try:
        saved = unseal_credentials(account, sealing_key)
    except secrets_box.UnreadableSecret:
        saved = {}
    values = _validated(session, spec, account, account_label=account_label, credentials=credentials, saved=saved,
                        services=services, locations=location_ids, settings=settings,
                        tracking_url_template=tracking_url_template)
    before = _snapshot(account, masked_credentials(account, sealing_key))
    _apply(account, values, test_mode=test_mode, active=active, sealing_key=sealing_key)
    session.flush()
    settings_saved(session, editor=editor_of(actor), entity_type=ENTITY, entity_id=account.id, before=before,
                   after=_snapshot(account, masked_credentials(account, sealing_key)))
    return account


def open_shipment_count(session: Session, account: CarrierAccount) -> int:
    """Shipments booked with the account that are still on their way."""
    return session.scalar(select(func.count(Shipment.id)).where(
        Shipment.carrier_account_id == account.id, Shipment.status.in_(OPEN_STATUSES))) or 0


def delete_account(session: Session, account: CarrierAccount, *, actor: Any = None) -> None:
    """Refused while shipments booked with it are on their way: tracking them needs its credentials. Checkout
    rates quoting live through it go back to their weight brackets."""
    open_shipments = open_shipment_count(session, account)
    if open_shipments:
        raise CarrierAccountError(CarrierAccountErrorCode.ACCOUNT_IN_USE, None, count=open_shipments)
    session.execute(update(ShippingRate).where(ShippingRate.carrier_account_id == account.id)
                    .values(carrier_account_id=None, live_rate=False))
    settings_deleted(session, editor=editor_of(actor), entity_type=ENTITY, entity_id=account.id,
                     before=_snapshot(account, {}))
    session.delete(account)
    session.flush()
