"""FedEx through karrio.fedex (FedEx's REST APIs: OAuth client credentials, Rate, Ship, Track).

What karrio's FedEx connector leaves out and this module adds to the payload it builds:
- the shipper's registration numbers as `tins` (IOSS and EORI as EU-wide "BUSINESS_UNION" numbers, a UK
  VAT number as "BUSINESS_NATIONAL"), which EU consignments up to EUR 150 and UK consignments up to GBP
  135 need to clear without the recipient paying import VAT;
- on rating, duties billed to the recipient for DAP (karrio always rates with duties paid by the sender).
FedEx's Track API may have its own API key; without one the shipping key is used. Scan times carry the
scan's UTC offset, which karrio drops; `event_times` reads it from the raw answer.
"""

from __future__ import annotations

from datetime import datetime

from storefront.integrations.carriers import karrio_runtime as runtime
from storefront.integrations.carriers.types import (
    CarrierConfig,
    CarrierSpec,
    CredentialField,
    ServiceInfo,
    ShipmentRequest,
)

SPEC = CarrierSpec(
    name="fedex",
    display_name="FedEx",
    credential_fields=(
        CredentialField("api_key", "API key"),
        CredentialField("secret_key", "Secret key", secret=True),
        CredentialField("account_number", "Account number"),
        CredentialField("track_api_key", "Track API key (if different)", required=False),
        CredentialField("track_secret_key", "Track API secret key (if different)", secret=True, required=False),
    ),
    services=(
        ServiceInfo("fedex_international_priority", "FedEx International Priority", "express"),
        ServiceInfo("fedex_international_economy", "FedEx International Economy", "standard"),
        ServiceInfo("fedex_international_connect_plus", "FedEx International Connect Plus", "standard"),
    ),
    can_void=True,
    tracking_url_template="https://www.fedex.com/fedextrack/?trknbr={tracking_number}",
)

TRACKING_BATCH_SIZE = 30  # the Track API takes up to 30 numbers a request

AUTHENTICATION_CODES = frozenset({"NOT.AUTHORIZED.ERROR", "UNAUTHORIZED", "LOGIN.REAUTHENTICATE.ERROR"})
NOT_FOUND_CODES = frozenset({"TRACKING.TRACKINGNUMBER.NOTFOUND"})
UNAVAILABLE_CODES = frozenset({"INTERNAL.SERVER.ERROR", "SERVICE.UNAVAILABLE.ERROR", "TOO.MANY.REQUESTS.ERROR"})

TRACK_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"]  # as karrio's FedEx tracking parser


def settings(config: CarrierConfig) -> dict:
    credentials = config.credentials
    api_key = (credentials.get("api_key") or "").strip()
    secret_key = credentials.get("secret_key") or ""
    return dict(
        api_key=api_key,
        secret_key=secret_key,
        account_number=(credentials.get("account_number") or "").strip() or None,
        track_api_key=(credentials.get("track_api_key") or "").strip() or api_key,
        track_secret_key=credentials.get("track_secret_key") or secret_key,
        test_mode=config.test_mode,
        account_country_code=config.settings.get("account_country_code"),
    )


def amend_shipment_payload(payload: dict, request: ShipmentRequest) -> dict:
    shipment = payload.get("requestedShipment")
    customs = request.customs
    if not isinstance(shipment, dict) or customs is None:
        return payload
    tins = _registration_numbers(customs.ioss_number, customs.eori_number, customs.vat_number)
    if tins:
        shipper = shipment.setdefault("shipper", {})
        existing = shipper.get("tins") or []
        existing = [existing] if isinstance(existing, dict) else list(existing)
        numbers = {tin.get("number") for tin in tins}
        shipper["tins"] = [tin for tin in existing if tin.get("number") not in numbers] + tins
    return payload


def amend_rate_payload(payload: dict, request: ShipmentRequest) -> dict:
    customs = request.customs
    clearance = (payload.get("requestedShipment") or {}).get("customsClearanceDetail")
    if customs is None or not isinstance(clearance, dict):
        return payload
    if (customs.duty_paid_by or ("sender" if customs.incoterm.upper() == "DDP" else "recipient")) == "recipient":
        clearance["dutiesPayment"] = {"paymentType": "RECIPIENT"}
    return payload


def _registration_numbers(ioss: str | None, eori: str | None, vat: str | None) -> list[dict]:
    tins = []
    if ioss:
        tins.append({"number": ioss, "tinType": "BUSINESS_UNION", "usage": "IOSS"})
    if eori:
        tins.append({"number": eori, "tinType": "BUSINESS_UNION", "usage": "EORI"})
    if vat:
        tins.append({"number": vat, "tinType": "BUSINESS_NATIONAL", "usage": "VAT"})
    return tins


def event_times(raw_response: dict) -> dict[tuple[str, str, str, str], datetime]:
    """Exact times of FedEx scans ("2025-03-16T09:12:00+08:00"), keyed as karrio reports the event."""
    lib = runtime.lib()
    times: dict[tuple[str, str, str, str], datetime] = {}
    for complete in (raw_response.get("output") or {}).get("completeTrackResults") or []:
        number = str(complete.get("trackingNumber") or "")
        for result in complete.get("trackResults") or []:
            for scan in result.get("scanEvents") or []:
                stamp = scan.get("date")
                try:
                    moment = datetime.fromisoformat(stamp)
                except (TypeError, ValueError):
                    continue
                if moment.tzinfo is None:
                    continue
                day = lib.fdate(stamp, try_formats=TRACK_DATETIME_FORMATS)
                clock = lib.flocaltime(stamp, try_formats=TRACK_DATETIME_FORMATS)
                times[(number, day, clock, str(scan.get("eventType") or ""))] = moment
    return times
