"""USPS international mail through karrio.usps_international (USPS APIs v3: OAuth, prices, labels, tracking).

USPS ships only from the United States (the US warehouse), and postal services clear customs with duties
paid by the recipient: no service here supports DDP. Labels are bought with a payment authorization for
the account's EPS account, CRID and MID, so those are part of the credentials.

What karrio's USPS connector leaves out, added to the payload it builds: the IOSS number (EU consignments
up to EUR 150) or UK VAT number (UK consignments up to GBP 135) as the customs form's importer's
reference, where USPS wants it, and the EORI number as the exporter's reference.
USPS rates come back named after the full product ("Priority Mail International ISC Single-piece");
`service_code` maps them back to the mail class. USPS scans carry their GMT offset, which karrio drops;
`event_times` reads it from the raw answer.
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
    TrackingStatus,
)

SPEC = CarrierSpec(
    name="usps_international",
    display_name="USPS International",
    credential_fields=(
        CredentialField("client_id", "Consumer key (client ID)"),
        CredentialField("client_secret", "Consumer secret", secret=True),
        CredentialField("account_number", "EPS account number"),
        CredentialField("crid", "Customer registration ID (CRID)"),
        CredentialField("mid", "Mailer ID (MID)"),
        CredentialField("manifest_mid", "Manifest MID (if different)", required=False),
    ),
    services=(
        ServiceInfo(
            "usps_priority_mail_express_international",
            "Priority Mail Express International",
            "express",
            supports_ddp=False,
        ),
        ServiceInfo("usps_priority_mail_international", "Priority Mail International", "postal", supports_ddp=False),
        ServiceInfo(
            "usps_first_class_package_international_service",
            "First-Class Package International Service",
            "postal",
            supports_ddp=False,
        ),
    ),
    can_void=True,
    tracking_url_template="https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking_number}",
)

WEIGHT_UNIT = "LB"
DIMENSION_UNIT = "IN"

# USPS event codes; karrio guesses statuses from the event's wording, which international scans
# ("Processed Through Facility", "Customs Clearance") often do not match.
EVENT_STATUSES: dict[str, TrackingStatus] = {
    "GX": TrackingStatus.LABEL_PURCHASED,
    "03": TrackingStatus.IN_TRANSIT,
    "10": TrackingStatus.IN_TRANSIT,
    "OF": TrackingStatus.OUT_FOR_DELIVERY,
    "02": TrackingStatus.FAILED_ATTEMPT,
    "01": TrackingStatus.DELIVERED,
    "09": TrackingStatus.RETURNED,
    "16": TrackingStatus.EXCEPTION,
}

# USPS tracks one number a request and karrio sends a batch's requests at once: keep bursts small.
TRACKING_BATCH_SIZE = 10

AUTHENTICATION_CODES = frozenset({"invalid_client", "UNAUTHORIZED", "PAYMENT_AUTHORIZATION_INVALID"})
NOT_FOUND_CODES = frozenset({"TRACKING_NUMBER_NOT_FOUND"})

TRACK_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S"]  # as karrio's USPS tracking parser


def settings(config: CarrierConfig) -> dict:
    credentials = config.credentials
    return dict(
        client_id=(credentials.get("client_id") or "").strip(),
        client_secret=credentials.get("client_secret") or "",
        account_number=(credentials.get("account_number") or "").strip() or None,
        account_type="EPS",
        CRID=(credentials.get("crid") or "").strip() or None,
        MID=(credentials.get("mid") or "").strip() or None,
        manifest_MID=(credentials.get("manifest_mid") or credentials.get("mid") or "").strip() or None,
        test_mode=config.test_mode,
    )


def service_code(karrio_service: str) -> str:
    """Our code for a USPS product (`usps_priority_mail_international_isc_single_piece` → its mail class)."""
    return next((service.code for service in SPEC.services if service.code in karrio_service), karrio_service)


def amend_shipment_payload(payload: list | dict, request: ShipmentRequest) -> list | dict:
    customs = request.customs
    if customs is None:
        return payload
    importer = (
        {"referenceType": "IOSS", "reference": customs.ioss_number}
        if customs.ioss_number
        else {"referenceType": "VAT", "reference": customs.vat_number}
        if customs.vat_number
        else None
    )
    exporter = {"referenceType": "EORI", "reference": customs.eori_number} if customs.eori_number else None
    for label in payload if isinstance(payload, list) else [payload]:
        form = label.get("customsForm") if isinstance(label, dict) else None
        if not isinstance(form, dict):
            continue
        if importer:
            form["importersReference"] = dict(importer)
        if exporter:
            form["exportersReference"] = dict(exporter)
    return payload


def event_times(raw_response: dict) -> dict[tuple[str, str, str, str], datetime]:
    """Exact times of USPS scans: the local `eventTimestamp` plus its `GMTOffset`."""
    lib = runtime.lib()
    number = str(raw_response.get("trackingNumber") or "")
    times: dict[tuple[str, str, str, str], datetime] = {}
    for event in raw_response.get("trackingEvents") or []:
        stamp, offset = event.get("eventTimestamp"), event.get("GMTOffset")
        if not (stamp and offset):
            continue
        try:
            moment = datetime.fromisoformat(f"{stamp.rstrip('Z')}{offset}")
        except ValueError:
            continue
        day = lib.fdate(stamp, try_formats=TRACK_DATETIME_FORMATS)
        clock = lib.flocaltime(stamp, try_formats=TRACK_DATETIME_FORMATS)
        times[(number, day, clock, str(event.get("eventCode") or ""))] = moment
    return times
