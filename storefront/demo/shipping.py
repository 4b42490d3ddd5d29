"""The demo seller's shipping desk: carrier accounts, boxes, its EORI number and one live checkout rate.

Added to a new demo store and to a demo store seeded before this existed; every run adds only what is
missing, so running `clipper demo` again changes nothing.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.demo import store_setup as setup
from storefront.domain import carrier_accounts
from storefront.integrations import carriers
from storefront.integrations.carriers.types import CarrierError, CarrierSpec
from storefront.models import (
    BoxPreset,
    CarrierAccount,
    Location,
    ShippingRate,
    ShippingZoneCountry,
    StoreSettings,
)

log = logging.getLogger(__name__)


def seed_shipping(session: Session, sealing_key: str) -> dict[str, int]:
    """Add the demo's carrier accounts, box presets, EORI number and live rate where missing; returns counts."""
    counts: dict[str, int] = {}
    created = _carrier_accounts(session, sealing_key)
    if created:
        counts["carrier accounts"] = len(created)
    boxes = _box_presets(session)
    if boxes:
        counts["box presets"] = boxes
    store = session.get(StoreSettings, 1)
    if store is not None and not store.eori_number:
        store.eori_number = setup.EORI_NUMBER
    dhl = created.get(setup.LIVE_RATE["carrier"])
    if dhl is not None and _make_live_rate(session, dhl):
        counts["live shipping rates"] = 1
    session.flush()
    return counts


def demo_credentials(spec: CarrierSpec) -> dict[str, str]:
    return {field.name: setup.DEMO_CREDENTIALS.get(field.name, f"demo-{field.name}")
            for field in spec.credential_fields}


def _carrier_accounts(session: Session, sealing_key: str) -> dict[str, CarrierAccount]:
    existing = {(name, label) for name, label in session.execute(
        select(CarrierAccount.carrier_name, CarrierAccount.account_label))}
    locations = {code: location_id for code, location_id in session.execute(select(Location.code, Location.id))}
    created: dict[str, CarrierAccount] = {}
    for carrier_name, label, ships_from, settings in setup.CARRIER_ACCOUNTS:
        if (carrier_name, label) in existing:
            continue
        try:
            spec = carriers.get_spec(carrier_name)
        except CarrierError:
            log.warning("demo: carrier %s is not available, its demo account is left out", carrier_name)
            continue
        offered = {service.code for service in spec.services}
        settings = {key: value for key, value in settings.items()
                    if key != "default_service" or value in offered}
        created[carrier_name] = carrier_accounts.create_account(
            session, carrier_name=carrier_name, account_label=label, credentials=demo_credentials(spec),
            test_mode=True, location_ids=[locations[code] for code in ships_from if code in locations],
            settings=settings, sealing_key=sealing_key)
    return created


def _box_presets(session: Session) -> int:
    names = {name.lower() for name in session.scalars(select(BoxPreset.name))}
    added = 0
    for name, length, width, height, tare, max_load, is_default in setup.BOX_PRESETS:
        if name.lower() in names:
            continue
        carrier_accounts.create_box_preset(session, carrier_accounts.BoxPresetInput(
            name=name, length_mm=length, width_mm=width, height_mm=height, tare_weight_grams=tare,
            max_weight_grams=max_load, is_default=is_default and not names))
        added += 1
    return added


def _make_live_rate(session: Session, account: CarrierAccount) -> bool:
    """The market's carrier rate is quoted live from `account`, with the margin; its brackets stay as fallback."""
    spec = setup.LIVE_RATE
    rate = session.scalar(
        select(ShippingRate).join(ShippingZoneCountry, ShippingZoneCountry.zone_id == ShippingRate.zone_id)
        .where(ShippingZoneCountry.country_code == setup.MAIN_COUNTRIES[spec["market"]],
               ShippingRate.carrier_hint == spec["carrier"])
        .order_by(ShippingRate.position))
    if rate is None or rate.live_rate:
        return False
    rate.live_rate = True
    rate.carrier_account_id = account.id
    rate.service_hint = spec["service"]
    rate.margin_bp = spec["margin_bp"]
    return True
