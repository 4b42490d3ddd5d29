"""DHL Express through karrio.mydhl (the MyDHL API, Basic authentication).

What karrio's MyDHL connector leaves out and this module adds to the payload it builds:
- registration numbers on the shipper (IOSS "SDT", EORI "EOR", VAT "VAT"), which EU consignments up to
  EUR 150 and UK consignments up to GBP 135 need to clear without the recipient paying import VAT;
- duties and taxes paid by the shipper ("DD" value-added service) for DDP;
- line item prices with their cents and line weights for the whole quantity (karrio sends `int(price)`).
The MyDHL API has no label cancellation: an unused DHL Express label is simply not billed, so the
shop voids it on its side only (`can_void=False`). DHL's tracking events carry a GMT offset karrio
drops; `event_times` reads it from the raw answer.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pycountry
from babel.numbers import get_currency_precision

from storefront.integrations.carriers.types import (
    CarrierConfig,
    CarrierSpec,
    CredentialField,
    ServiceInfo,
    ShipmentRequest,
    TrackingStatus,
)

SPEC = CarrierSpec(
    name="mydhl",
    display_name="DHL Express",
    credential_fields=(
        CredentialField("username", "API key (username)"),
        CredentialField("password", "API secret (password)", secret=True),
        CredentialField("account_number", "Account number"),
    ),
    services=(
        ServiceInfo("mydhl_express_worldwide", "DHL Express Worldwide", "express"),
        ServiceInfo("mydhl_express_12_00", "DHL Express 12:00", "express"),
        ServiceInfo("mydhl_express_9_00", "DHL Express 9:00", "express"),
        ServiceInfo("mydhl_economy_select", "DHL Economy Select", "standard"),
        ServiceInfo("mydhl_express_worldwide_b2c", "DHL Express Worldwide (B2C)", "express"),
    ),
    can_void=False,
    can_track=True,
    tracking_url_template="https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={tracking_number}",
)

WEIGHT_UNIT = "KG"
DIMENSION_UNIT = "CM"

# DHL event codes karrio's status table gets wrong for a shop: a pick-up is movement, "with delivery
# courier" is out for delivery, "returned to shipper" is a return, clearance delays are held parcels.
EVENT_STATUSES: dict[str, TrackingStatus] = {
    "SD": TrackingStatus.LABEL_PURCHASED,  # shipment data received, not yet handed over
    "PU": TrackingStatus.IN_TRANSIT,
    "PL": TrackingStatus.IN_TRANSIT,
    "RW": TrackingStatus.IN_TRANSIT,
    "WC": TrackingStatus.OUT_FOR_DELIVERY,
    "RT": TrackingStatus.RETURNED,
    "RD": TrackingStatus.FAILED_ATTEMPT,
    "CD": TrackingStatus.EXCEPTION,
    "UD": TrackingStatus.EXCEPTION,
    "OK": TrackingStatus.DELIVERED,
}

AUTHENTICATION_CODES = frozenset({"401", "403"})
NOT_FOUND_CODES = frozenset({"404"})
UNAVAILABLE_CODES = frozenset({"429", "500", "502", "503", "504"})
TRACKING_BATCH_SIZE = 20


def settings(config: CarrierConfig) -> dict:
    credentials = config.credentials
    return dict(
        username=(credentials.get("username") or "").strip(),
        password=credentials.get("password") or "",
        account_number=(credentials.get("account_number") or "").strip() or None,
        test_mode=config.test_mode,
        account_country_code=config.settings.get("account_country_code"),
    )


def amend_shipment_payload(payload: dict, request: ShipmentRequest) -> dict:
    shipment = payload.get("shipment")
    if not isinstance(shipment, dict):
        return payload
    if request.reference:
        shipment["customerReferences"] = [{"value": request.reference[:35], "typeCode": "CU"}]
    customs = request.customs
    if customs is None:
        return payload
    shipper = shipment.setdefault("customerDetails", {}).setdefault("shipperDetails", {})
    numbers = []
    if customs.ioss_number:
        numbers.append({"typeCode": "SDT", "number": customs.ioss_number, "issuerCountryCode": _issuer(customs.ioss_number, request.recipient.country_code)})
    if customs.eori_number:
        numbers.append({"typeCode": "EOR", "number": customs.eori_number, "issuerCountryCode": _issuer(customs.eori_number, request.shipper.country_code)})
    if customs.vat_number:
        numbers.append({"typeCode": "VAT", "number": customs.vat_number, "issuerCountryCode": _issuer(customs.vat_number, request.recipient.country_code)})
    if numbers:
        shipper["registrationNumbers"] = numbers
    if customs.incoterm.upper() == "DDP":
        services = shipment.setdefault("valueAddedServices", [])
        if not any(service.get("serviceCode") == "DD" for service in services):
            services.append({"serviceCode": "DD"})
    content = shipment.get("content") or {}
    declaration = content.get("exportDeclaration") or {}
    lines = declaration.get("lineItems") or []
    digits = get_currency_precision(customs.currency.upper())
    for line, item in zip(lines, customs.items, strict=False):
        line["price"] = float(Decimal(item.unit_value).scaleb(-digits))
        line_weight = float(Decimal(item.weight_grams * item.quantity) / 1000) or 0.001
        line["weight"] = {"netValue": line_weight, "grossValue": line_weight}
    if customs.items:
        content["description"] = ", ".join(dict.fromkeys(item.description for item in customs.items))[:70]
    if lines:
        content["declaredValue"] = float(
            sum((Decimal(item.unit_value * item.quantity) for item in customs.items), Decimal(0)).scaleb(-digits)
        )
        content["declaredValueCurrency"] = customs.currency.upper()
    return payload


def _issuer(number: str, default: str) -> str:
    """The country that issued a registration number: IOSS "IM276…" is Germany (ISO numeric 276)."""
    prefix = number[:2].upper()
    if prefix == "IM" and number[2:5].isdigit():
        country = pycountry.countries.get(numeric=number[2:5])
        return country.alpha_2 if country else default
    if prefix == "GB" or prefix == "XI":
        return "GB"
    return prefix if prefix.isalpha() else default


def event_times(raw_response: dict) -> dict[tuple[str, str, str, str], datetime]:
    """Exact local times of DHL tracking events: date + time + GMTOffset, which karrio drops."""
    times: dict[tuple[str, str, str, str], datetime] = {}
    for shipment in raw_response.get("shipments") or []:
        number = str(shipment.get("shipmentTrackingNumber") or "")
        for event in shipment.get("events") or []:
            day, clock, offset = event.get("date"), event.get("time"), event.get("GMTOffset")
            if not (day and clock and offset):
                continue
            try:
                moment = datetime.fromisoformat(f"{day}T{clock}{offset}")
            except ValueError:
                continue
            times[(number, moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M"), str(event.get("typeCode") or ""))] = moment
    return times
