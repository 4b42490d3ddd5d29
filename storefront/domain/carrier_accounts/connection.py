""""Test connection": a small trial rate request, so the owner knows the credentials work before an order does."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from storefront.domain.carrier_accounts.actions import ENTITY
from storefront.domain.carrier_accounts.config import account_currency, config_for, editor_of, location_ids
from storefront.domain.carrier_accounts.errors import CarrierAccountErrorCode
from storefront.domain.store_admin.events import settings_action
from storefront.integrations import carriers
from storefront.integrations.carriers.types import (
    Address,
    CarrierError,
    CustomsDeclaration,
    CustomsItem,
    Parcel,
    RateQuote,
    ShipmentRequest,
)
from storefront.models import CarrierAccount, Location, utcnow
from storefront.settings import Settings

SAMPLE_PARCEL = Parcel(weight_grams=500, length_mm=200, width_mm=150, height_mm=100)
# The trial parcel goes to the first of these not in the origin's country.
SAMPLE_RECIPIENTS = (
    Address(name="Jane Doe", street_lines=("350 5th Avenue",), city="New York", postal_code="10118",
            state_code="NY", country_code="US", phone="+12125550100", email="jane@example.com"),
    Address(name="John Smith", street_lines=("1 Parliament Square",), city="London", postal_code="SW1P 3BD",
            country_code="GB", phone="+442079460000", email="john@example.com"),
)


@dataclass(frozen=True)
class ConnectionCheck:
    """The trial's outcome: quotes when the carrier answered, else the carrier's error or what we lack first."""

    ok: bool
    origin: str | None = None
    destination: str | None = None
    quotes: tuple[RateQuote, ...] = ()
    error: CarrierError | None = None
    problem: CarrierAccountErrorCode | None = None


def location_address(location: Location) -> Address:
    """A ships-from location as the carrier's shipper address."""
    address = location.address or {}
    return Address(
        name=address.get("name") or location.name,
        street_lines=tuple(v for v in (address.get("address1"), address.get("address2")) if v),
        city=address.get("city") or "", postal_code=address.get("postal_code") or None,
        state_code=address.get("province_code") or None,
        country_code=(address.get("country_code") or location.country_code or "").upper(),
        company=address.get("company") or None, phone=address.get("phone") or None,
    )


def check_connection(session: Session, account: CarrierAccount, *, settings: Settings | None = None,
                     today: date | None = None) -> ConnectionCheck:
    """Rates for a 500 g parcel from the account's first ships-from location to a sample address abroad."""
    ids = location_ids(account)
    location = session.get(Location, ids[0]) if ids else None
    if location is None:
        return ConnectionCheck(ok=False, problem=CarrierAccountErrorCode.NO_LOCATION)
    shipper = location_address(location)
    recipient = next(a for a in SAMPLE_RECIPIENTS if a.country_code != shipper.country_code)
    currency = account_currency(account) or "USD"
    request = ShipmentRequest(
        shipper=shipper, recipient=recipient, parcels=(SAMPLE_PARCEL,), reference="CONNECTION-TEST",
        customs=CustomsDeclaration(
            currency=currency, incoterm="DAP", invoice_number="CONNECTION-TEST", invoice_date=today or utcnow().date(),
            items=(CustomsItem(description="Cotton T-shirt", quantity=1, unit_value=2000, weight_grams=400,
                               hs_code="610910", origin_country=shipper.country_code, sku="TEST"),)),
        currency=currency, ship_date=today,
    )
    outcome = {"origin": location.name, "destination": recipient.country_code}
    try:
        quotes = carriers.fetch_rates(config_for(account, settings), request)
    except CarrierError as error:
        return ConnectionCheck(ok=False, error=error, **outcome)
    if not quotes:
        return ConnectionCheck(ok=False, problem=CarrierAccountErrorCode.NO_QUOTES, **outcome)
    return ConnectionCheck(ok=True, quotes=tuple(quotes), **outcome)


def test_connection(session: Session, account: CarrierAccount, *, actor: Any = None,
                    settings: Settings | None = None, today: date | None = None) -> ConnectionCheck:
    """`check_connection`, with the attempt and its outcome in the audit log."""
    check = check_connection(session, account, settings=settings, today=today)
    failure = check.error.code.value if check.error else (check.problem.value if check.problem else None)
    settings_action(session, editor=editor_of(actor), entity_type=ENTITY, action="test_connection",
                    after={"account_id": account.id, "ok": check.ok, "failure": failure})
    session.flush()
    return check


test_connection.__test__ = False  # pytest: a service, not a test, despite its name
