"""UPS through karrio.ups (UPS's REST APIs: OAuth client credentials, Rating, Shipping, Track).

What karrio's UPS connector leaves out or gets wrong, mended in the payload it builds:
- the registration number UPS wants for low-value consignments collected at checkout, on the ship-from
  party as `VendorInfo` (IOSS "0356" for the EU up to EUR 150, HMRC VAT "0358" for the UK up to GBP 135),
  and the EORI number as the shipper's tax identification;
- the terms of sale for DAP: karrio leaves them out because UPS's list predates DAP; UPS calls it DDU;
- duties for DAP: karrio bills them to the receiver without an account number, which UPS refuses; left
  out, duties and taxes fall to the receiver as they should;
- a description of the goods (UPS requires one for international shipments) and the invoice total and
  piece count from the customs declaration (karrio declares "1.0" in the account currency).
UPS names the same service differently by origin (karrio reports "07" from China as `ups_express`, from
the US as `ups_worldwide_express`); `service_code` maps them back to one code per service.
Activity times are local; `event_times` adds the GMT offset UPS gives beside them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from babel.numbers import get_currency_precision

from storefront.integrations.carriers import karrio_runtime as runtime
from storefront.integrations.carriers.types import (
    CarrierConfig,
    CarrierSpec,
    CredentialField,
    ServiceInfo,
    ShipmentRequest,
    TrackingStatus,
)

SPEC = CarrierSpec(
    name="ups",
    display_name="UPS",
    credential_fields=(
        CredentialField("client_id", "Client ID"),
        CredentialField("client_secret", "Client secret", secret=True),
        CredentialField("account_number", "Shipper (account) number"),
    ),
    services=(
        ServiceInfo("ups_worldwide_express", "UPS Worldwide Express", "express"),
        ServiceInfo("ups_worldwide_saver", "UPS Worldwide Saver", "express"),
        ServiceInfo("ups_worldwide_expedited", "UPS Worldwide Expedited", "standard"),
        # Road service between neighbouring countries (within Europe, US–Canada/Mexico).
        ServiceInfo("ups_standard", "UPS Standard", "standard"),
        # Domestic ground service inside the US, for orders the New Jersey warehouse fills.
        ServiceInfo("ups_ground", "UPS Ground", "standard"),
    ),
    can_void=True,
    tracking_url_template="https://www.ups.com/track?loc=en_US&tracknum={tracking_number}",
)

# UPS's service code behind each of our service codes.
UPS_SERVICE_CODES = {
    "ups_worldwide_express": "07",
    "ups_worldwide_saver": "65",
    "ups_worldwide_expedited": "08",
    "ups_standard": "11",
    "ups_ground": "03",
}

# UPS activity codes whose type letter misleads karrio: out for delivery is reported as type "I" (in
# transit), a missed delivery or a return as "X" (exception), a customs release also as "X".
EVENT_STATUSES: dict[str, TrackingStatus] = {
    "OT": TrackingStatus.OUT_FOR_DELIVERY,
    "OF": TrackingStatus.OUT_FOR_DELIVERY,
    "UU": TrackingStatus.FAILED_ATTEMPT,
    "RS": TrackingStatus.RETURNED,
    "SR": TrackingStatus.IN_TRANSIT,
}

# UPS tracks one number a request and karrio sends a batch's requests at once: keep bursts small.
TRACKING_BATCH_SIZE = 10

AUTHENTICATION_CODES = frozenset({"250002", "250003", "10401"})
NOT_FOUND_CODES = frozenset({"TW0001", "TV1002"})
UNAVAILABLE_CODES = frozenset({"190001", "190100"})

VENDOR_COLLECT_IOSS = "0356"
VENDOR_COLLECT_HMRC = "0358"


def settings(config: CarrierConfig) -> dict:
    credentials = config.credentials
    return dict(
        client_id=(credentials.get("client_id") or "").strip(),
        client_secret=credentials.get("client_secret") or "",
        account_number=(credentials.get("account_number") or "").strip() or None,
        test_mode=config.test_mode,
        account_country_code=config.settings.get("account_country_code"),
    )


def service_code(karrio_service: str) -> str:
    """Our code for a service karrio named after the shipment's origin (`ups_express_eu` → `ups_worldwide_express`)."""
    ups_code = runtime.provider_units("ups").ServiceCode.map(karrio_service).value
    return next((ours for ours, code in UPS_SERVICE_CODES.items() if code == ups_code), karrio_service)


def amend_shipment_payload(payload: dict, request: ShipmentRequest) -> dict:
    shipment = (payload.get("ShipmentRequest") or {}).get("Shipment")
    customs = request.customs
    if not isinstance(shipment, dict) or customs is None:
        return payload
    descriptions = ", ".join(dict.fromkeys(item.description for item in customs.items))
    if descriptions:
        shipment["Description"] = descriptions[:50]
    if customs.items:
        currency = customs.currency.upper()
        total = sum(item.unit_value * item.quantity for item in customs.items)
        shipment["InvoiceLineTotal"] = {
            "CurrencyCode": currency,
            "MonetaryValue": f"{Decimal(total).scaleb(-get_currency_precision(currency)):f}",
        }
        shipment["NumOfPiecesInShipment"] = str(sum(item.quantity for item in customs.items))

    forms = (shipment.get("ShipmentServiceOptions") or {}).get("InternationalForms")
    incoterm = customs.incoterm.upper()
    if isinstance(forms, dict) and not forms.get("TermsOfShipment"):
        forms["TermsOfShipment"] = "DDU" if incoterm == "DAP" else incoterm

    payment = shipment.get("PaymentInformation") or {}
    payment["ShipmentCharge"] = [
        charge
        for charge in payment.get("ShipmentCharge") or []
        if not (
            charge.get("Type") == "02"
            and charge.get("BillReceiver")
            and not charge["BillReceiver"].get("AccountNumber")
        )
    ]

    collected = (
        (VENDOR_COLLECT_IOSS, customs.ioss_number) if customs.ioss_number else (VENDOR_COLLECT_HMRC, customs.vat_number)
    )
    if collected[1]:
        shipment.setdefault("ShipFrom", {})["VendorInfo"] = {
            "VendorCollectIDTypeCode": collected[0],
            "VendorCollectIDNumber": collected[1],
            "ConsigneeType": "01" if request.recipient.company else "02",
        }
    if customs.eori_number:
        shipper = shipment.setdefault("Shipper", {})
        if not shipper.get("TaxIdentificationNumber"):
            shipper["TaxIdentificationNumber"] = customs.eori_number
    return payload


def event_times(raw_response: dict) -> dict[tuple[str, str, str, str], datetime]:
    """Exact times of UPS activities: local date and time plus the `gmtOffset` beside them."""
    lib = runtime.lib()
    times: dict[tuple[str, str, str, str], datetime] = {}
    for shipment in (raw_response.get("trackResponse") or {}).get("shipment") or []:
        for package in shipment.get("package") or []:
            number = str(package.get("trackingNumber") or "")
            for activity in package.get("activity") or []:
                day, clock, offset = activity.get("date"), activity.get("time"), activity.get("gmtOffset")
                if not (day and clock and offset):
                    continue
                try:
                    moment = datetime.strptime(f"{day}{clock}{offset.replace(':', '')}", "%Y%m%d%H%M%S%z")
                except ValueError:
                    continue
                code = str((activity.get("status") or {}).get("code") or "")
                times[(number, lib.fdate(day, "%Y%m%d"), lib.flocaltime(clock, "%H%M%S"), code)] = moment
    return times
