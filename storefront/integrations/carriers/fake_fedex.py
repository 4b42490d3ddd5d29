"""FedEx REST APIs, faked: OAuth, Rate, Ship, cancel and Track answers in FedEx's own JSON.

Endpoints (as karrio.fedex calls them under `server_url`): POST /oauth/token (form-encoded client
credentials), POST /rate/v1/rates/quotes, POST /ship/v1/shipments, PUT /ship/v1/shipments/cancel,
POST /track/v1/trackingnumbers, POST /track/v1/trackingdocuments (proof of delivery; karrio sends it no
bearer token, so the fake serves it without one rather than mar every delivered parcel's tracking).
OAuth: any non-empty client id and secret except the secret "wrong" (401 NOT.AUTHORIZED.ERROR); every
other endpoint wants a bearer token this fake issued. Errors use FedEx's envelope:
{"transactionId", "errors": [{"code", "message", "parameterList"}]}; a tracking number FedEx has never
scanned is TRACKING.TRACKINGNUMBER.NOTFOUND inside an otherwise successful answer.

The helpers the OAuth carriers' fakes share (stateless bearer tokens, prices by region, chargeable
weight, business days, event locations) live here and serve fake_ups and fake_usps too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs

from storefront.integrations.carriers.fake import pdf_label
from storefront.integrations.carriers.fake_mydhl import CURRENCY_BY_COUNTRY, EU, POSTAL_CODE_COUNTRIES, USD_RATE
from storefront.integrations.carriers.types import TrackingStatus

TOKEN_KEY = b"clipper-fake-fedex"

# What a scan of each of our statuses is called at FedEx (event types).
EVENT_CODES = {
    TrackingStatus.LABEL_PURCHASED: "OC",
    TrackingStatus.IN_TRANSIT: "IT",
    TrackingStatus.OUT_FOR_DELIVERY: "OD",
    TrackingStatus.FAILED_ATTEMPT: "DE",
    TrackingStatus.DELIVERED: "DL",
    TrackingStatus.RETURNED: "RS",
    TrackingStatus.EXCEPTION: "CD",
}
# label created, picked up, departed, cleared customs, on vehicle for delivery, delivered
PROGRESS_CODES = ("OC", "PU", "DP", "CC", "OD", "DL")
DERIVED = {  # event type → FedEx's derived status wording
    "OC": ("IN", "Initiated"),
    "PU": ("PU", "Picked up"),
    "IT": ("IT", "In transit"),
    "DP": ("IT", "In transit"),
    "AR": ("IT", "In transit"),
    "CC": ("IT", "In transit"),
    "OD": ("OD", "On FedEx vehicle for delivery"),
    "DE": ("DE", "Delivery exception"),
    "DL": ("DL", "Delivered"),
    "RS": ("RS", "Return to shipper"),
    "CD": ("SE", "Clearance delay"),
    "SE": ("SE", "Shipment exception"),
}

SERVICES = {
    # serviceType: (name, price factor, business days in transit, FedEx service code)
    "FEDEX_INTERNATIONAL_PRIORITY": ("FedEx International Priority®", Decimal("1.00"), 3, "01"),
    "INTERNATIONAL_ECONOMY": ("FedEx International Economy®", Decimal("0.80"), 5, "03"),
    "FEDEX_INTERNATIONAL_CONNECT_PLUS": ("FedEx International Connect Plus", Decimal("0.64"), 7, "3C"),
}
FUEL_PERCENT = Decimal("18.25")
ZONE_BASE_USD = {
    "europe": Decimal("31.00"),
    "north_america": Decimal("34.00"),
    "asia": Decimal("21.00"),
    "world": Decimal("39.00"),
}
ZONES = {"europe": "E", "north_america": "F", "asia": "A", "world": "D"}


def new_tracking_number(fake: Any) -> str:
    """FedEx Express tracking numbers are 12 digits."""
    return f"7949{(fake.next_sequence('fedex') * 7_654_321) % 100_000_000:08d}"


def error_body(fake: Any, status: int, path: str) -> bytes:
    code, message = {
        401: ("NOT.AUTHORIZED.ERROR", "The given JWT is invalid. Please modify your request and try again."),
        403: (
            "FORBIDDEN.ERROR",
            "We could not authorize your credentials. Please check your permissions and try again.",
        ),
        404: (
            "NOT.FOUND.ERROR",
            "The resource you requested is no longer available. Please modify your request and try again.",
        ),
        429: (
            "TOO.MANY.REQUESTS.ERROR",
            "We have received too many requests in a short duration. Please wait and try again.",
        ),
        503: (
            "SERVICE.UNAVAILABLE.ERROR",
            "The service is currently unavailable and we are working to resolve the issue. "
            "We apologize for any inconvenience. Please check back at a later time.",
        ),
    }.get(
        status,
        (
            "INTERNAL.SERVER.ERROR",
            "We encountered an unexpected error and are working to resolve the issue. "
            "We apologize for any inconvenience. Please check back at a later time.",
        ),
    )
    return _errors_body([(code, message)])


def handle(fake: Any, method: str, path: str, query: dict, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
    if method == "POST" and path == "/oauth/token":
        return _token(body)
    if method == "POST" and path == "/track/v1/trackingdocuments":
        return _proof_of_delivery(fake, json_object(body))
    if not token_is_valid(TOKEN_KEY, bearer_token(headers)):
        return _errors(
            401, [("NOT.AUTHORIZED.ERROR", "The given JWT is invalid. Please modify your request and try again.")]
        )
    payload = json_object(body)
    if method == "POST" and path == "/rate/v1/rates/quotes":
        return _rates(payload)
    if method == "POST" and path == "/ship/v1/shipments":
        return _ship(fake, payload)
    if method == "PUT" and path == "/ship/v1/shipments/cancel":
        return _cancel(fake, payload)
    if method == "POST" and path == "/track/v1/trackingnumbers":
        return _track(fake, payload)
    return _errors(404, [("NOT.FOUND.ERROR", f"The resource you requested is no longer available ({method} {path}).")])


# --- OAuth ------------------------------------------------------------------------------------------


def _token(body: bytes) -> tuple[int, dict, bytes]:
    form = {key: values[-1] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if form.get("grant_type") != "client_credentials" or not client_id or not secret or secret == "wrong":
        return _errors(
            401,
            [
                (
                    "NOT.AUTHORIZED.ERROR",
                    "The given client credentials were not valid. Please modify your request and try again.",
                )
            ],
        )
    return _ok(
        {
            "access_token": issue_token(TOKEN_KEY, client_id),
            "token_type": "bearer",
            "expires_in": 3599,
            "scope": "CXS-TP",
        }
    )


# --- what the OAuth carriers' fakes share (fake_ups and fake_usps use these too) --------------------


def issue_token(key: bytes, subject: str) -> str:
    """A token this fake can check later without remembering it (tests share karrio's token cache)."""
    encoded = base64.urlsafe_b64encode(subject.encode()).decode().rstrip("=")
    return f"{encoded}.{hmac.new(key, encoded.encode(), hashlib.sha256).hexdigest()}"


def token_is_valid(key: bytes, token: str) -> bool:
    subject, _, signature = token.partition(".")
    return bool(subject) and hmac.compare_digest(signature, hmac.new(key, subject.encode(), hashlib.sha256).hexdigest())


def header(headers: dict, name: str) -> str:
    return next((value for key, value in headers.items() if key.lower() == name.lower()), "")


def bearer_token(headers: dict) -> str:
    scheme, _, token = header(headers, "authorization").partition(" ")
    return token if scheme.lower() == "bearer" else ""


def add_business_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def money(amount: Decimal, currency: str) -> Decimal:
    quantum = Decimal(1) if currency in {"JPY", "KRW"} else Decimal("0.01")
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def positive(value: Any) -> bool:
    try:
        return Decimal(str(value)) > 0
    except (ArithmeticError, ValueError):
        return False


def split_location(location: str | None) -> tuple[str, str]:
    """("Berlin", "DE") from an event location "Berlin, DE"; no country when the last part is not a code."""
    parts = [part.strip() for part in (location or "").split(",") if part.strip()]
    if parts and len(parts[-1]) == 2 and parts[-1].isalpha() and parts[-1].isupper():
        return ", ".join(parts[:-1]), parts[-1]
    return ", ".join(parts), ""


def region(country: str) -> str:
    """Where a destination sits in the fakes' price lists: europe, north_america, asia or world."""
    if country in EU or country in {"GB", "CH", "NO"}:
        return "europe"
    if country in {"US", "CA", "MX"}:
        return "north_america"
    if country in {"JP", "KR", "HK", "SG", "TW"}:
        return "asia"
    return "world"


def priced(
    base_usd: Decimal, per_kg_usd: Decimal, factor: Decimal, kg: Decimal, currency: str, fuel_percent: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    """(total, base, fuel surcharge) in `currency` for `kg` chargeable kilograms."""
    base = money((base_usd + per_kg_usd * kg) * factor * USD_RATE.get(currency, Decimal(1)), currency)
    fuel = money(base * fuel_percent / 100, currency)
    return base + fuel, base, fuel


def chargeable_kg(pieces: Any) -> Decimal:
    """Billed weight of (weight, in pounds?, (length, width, height), in inches?) pieces: the greater of
    actual and volumetric (L×W×H cm / 5000), rounded up to the half kilo."""
    total = Decimal(0)
    for weight, in_pounds, dimensions, in_inches in pieces:
        kg = Decimal(str(weight or 0)) * (Decimal("0.45359237") if in_pounds else 1)
        if dimensions and all(dimensions):
            cubic = Decimal(str(dimensions[0])) * Decimal(str(dimensions[1])) * Decimal(str(dimensions[2]))
            kg = max(kg, cubic * (Decimal("2.54") ** 3 if in_inches else 1) / 5000)
        total += kg
    return max(Decimal("0.5"), (total * 2).to_integral_value(rounding="ROUND_CEILING") / 2)


def json_object(body: bytes) -> dict:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def json_answer(status: int, body: Any) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


# --- Rate -------------------------------------------------------------------------------------------


def _rates(payload: dict) -> tuple[int, dict, bytes]:
    shipment = payload.get("requestedShipment") or {}
    problems = _route_problems(shipment, (shipment.get("recipient") or {}), payload)
    if problems:
        return _errors(400, problems)
    origin, destination = _country(shipment.get("shipper")), _country(shipment.get("recipient"))
    wanted = shipment.get("serviceType")
    services = [code for code in SERVICES if not wanted or code == wanted]
    if not services:
        return _errors(
            400,
            [("SERVICE.TYPE.INVALID", f"The service type {wanted} is not available from {origin} to {destination}.")],
        )
    currency = CURRENCY_BY_COUNTRY.get(origin, "USD")
    preferred = shipment.get("preferredCurrency") or currency
    ship_date = _date(shipment.get("shipDateStamp"))
    weight = _billable_kg(shipment.get("requestedPackageLineItems") or [])
    details = []
    for code in services:
        name, _factor, days, service_id = SERVICES[code]
        rated = [_rated_detail("ACCOUNT", code, origin, destination, weight, currency)]
        if preferred != currency:
            rated.append(_rated_detail("PREFERRED_CURRENCY", code, origin, destination, weight, preferred))
        commit = add_business_days(ship_date, days)
        details.append(
            {
                "serviceType": code,
                "serviceName": name,
                "packagingType": shipment.get("packagingType") or "YOUR_PACKAGING",
                "ratedShipmentDetails": rated,
                "operationalDetail": {
                    "originLocationIds": [_station(origin)],
                    "destinationLocationIds": [_station(destination)],
                    "ineligibleForMoneyBackGuarantee": code == "FEDEX_INTERNATIONAL_CONNECT_PLUS",
                    "astraDescription": "IP" if code.endswith("PRIORITY") else "IE",
                    "commitDate": f"{commit:%Y-%m-%d}T18:00:00",
                    "commitDays": str(days),
                    "transitTime": _transit_words(days),
                    "serviceCode": service_id,
                    "countryCodes": [destination],
                },
                "signatureOptionType": "SERVICE_DEFAULT",
                "serviceDescription": {
                    "serviceType": code,
                    "code": service_id,
                    "description": name,
                    "serviceCategory": "parcel",
                },
            }
        )
    return _ok(
        {
            "transactionId": str(uuid.uuid4()),
            "output": {
                "alerts": [
                    {
                        "code": "SHIPMENT.CHARGES.NOTE",
                        "message": "Shipment level charges have been added to first package.",
                        "alertType": "NOTE",
                    }
                ],
                "rateReplyDetails": details,
                "quoteDate": f"{ship_date:%Y-%m-%d}",
                "encoded": False,
            },
        }
    )


def _rated_detail(rate_type: str, code: str, origin: str, destination: str, weight: Decimal, currency: str) -> dict:
    total, base, fuel = _price(code, destination, weight, currency)
    return {
        "rateType": rate_type,
        "ratedWeightMethod": "ACTUAL",
        "totalDiscounts": 0.0,
        "totalBaseCharge": float(base),
        "totalNetCharge": float(total),
        "totalNetFedExCharge": float(total),
        "shipmentRateDetail": {
            "rateZone": ZONES[region(destination)],
            "dimDivisor": 139,
            "fuelSurchargePercent": float(FUEL_PERCENT),
            "totalSurcharges": float(fuel),
            "totalFreightDiscount": 0.0,
            "surCharges": [
                {"type": "FUEL", "description": "Fuel Surcharge", "level": "PACKAGE", "amount": float(fuel)}
            ],
            "totalBillingWeight": {"units": "KG", "value": float(weight)},
            "currency": currency,
        },
        "currency": currency,
    }


# --- Ship -------------------------------------------------------------------------------------------


def _ship(fake: Any, payload: dict) -> tuple[int, dict, bytes]:
    shipment = payload.get("requestedShipment") or {}
    recipients = shipment.get("recipients") or [{}]
    problems = _route_problems(shipment, recipients[0], payload)
    code = shipment.get("serviceType")
    if code not in SERVICES:
        problems.append(("SERVICE.TYPE.INVALID", f"Invalid service type {code!r} for an international shipment."))
    origin, destination = _country(shipment.get("shipper")), _country(recipients[0])
    if origin != destination:
        problems += _customs_problems(shipment.get("customsClearanceDetail"))
    if problems:
        return _errors(400, problems)

    image = (shipment.get("labelSpecification") or {}).get("imageType") or "PDF"
    label_format = "ZPL" if image.startswith("ZPL") else "PDF"
    weight = _billable_kg(shipment.get("requestedPackageLineItems") or [])
    currency = CURRENCY_BY_COUNTRY.get(origin, "USD")
    total, base, fuel = _price(code, destination, weight, currency)
    booked = fake.book(
        "fedex",
        service=code,
        reference=_reference(shipment),
        recipient_country=destination,
        recipient_city=((recipients[0].get("address") or {}).get("city")),
        shipper_country=origin,
        shipper_city=((shipment.get("shipper") or {}).get("address") or {}).get("city"),
        amount=str(total),
        currency=currency,
        label_format=label_format,
        request=payload,
    )
    number = booked["tracking_number"]
    label = base64.b64encode(booked["label"]).decode("ascii")
    documents = []
    wanted_documents = (shipment.get("shippingDocumentSpecification") or {}).get("shippingDocumentTypes") or []
    if "COMMERCIAL_INVOICE" in wanted_documents and origin != destination:
        invoice = pdf_label("FedEx commercial invoice", number, _invoice_number(shipment), destination)
        documents.append(
            {
                "contentKey": f"{number}-CI",
                "copiesToPrint": 3,
                "contentType": "COMMERCIAL_INVOICE",
                "trackingNumber": number,
                "docType": "PDF",
                "encodedLabel": base64.b64encode(invoice).decode("ascii"),
            }
        )
    name, _factor, days, service_id = SERVICES[code]
    ship_date = _date(shipment.get("shipDatestamp"))
    answer = {
        "transactionId": str(uuid.uuid4()),
        "output": {
            "transactionShipments": [
                {
                    "masterTrackingNumber": number,
                    "serviceType": code,
                    "shipDatestamp": f"{ship_date:%Y-%m-%d}",
                    "serviceCategory": "EXPRESS",
                    "serviceName": name,
                    "shipmentDocuments": documents,
                    "pieceResponses": [
                        {
                            "masterTrackingNumber": number,
                            "trackingNumber": number,
                            "additionalChargesDiscount": 0.0,
                            "netRateAmount": float(total),
                            "netChargeAmount": float(total),
                            "netDiscountAmount": 0.0,
                            "packageDocuments": [
                                {
                                    "contentType": "LABEL",
                                    "copiesToPrint": 1,
                                    "encodedLabel": label,
                                    "docType": "ZPLII" if label_format == "ZPL" else "PDF",
                                }
                            ],
                            "currency": currency,
                            "customerReferences": [
                                ref
                                for ref in (shipment.get("requestedPackageLineItems") or [{}])[0].get(
                                    "customerReferences"
                                )
                                or []
                            ],
                            "codcollectionAmount": 0.0,
                            "baseRateAmount": float(base),
                            "trackingIdType": "FEDEX",
                            "serviceCategory": "EXPRESS",
                        }
                    ],
                    "completedShipmentDetail": {
                        "usDomestic": False,
                        "carrierCode": "FDXE",
                        "masterTrackingId": {"trackingIdType": "FEDEX", "formId": "0430", "trackingNumber": number},
                        "serviceDescription": {"serviceType": code, "code": service_id, "description": name},
                        "packagingDescription": "Your Packaging",
                        "operationalDetail": {
                            "originLocationId": _station(origin),
                            "destinationLocationId": _station(destination),
                            "transitTime": _transit_words(days),
                            "ineligibleForMoneyBackGuarantee": False,
                        },
                        "shipmentRating": {
                            "actualRateType": "PAYOR_ACCOUNT_PACKAGE",
                            "shipmentRateDetails": [
                                {
                                    "rateType": "PAYOR_ACCOUNT_PACKAGE",
                                    "rateZone": ZONES[region(destination)],
                                    "totalBillingWeight": {"units": "KG", "value": float(weight)},
                                    "totalBaseCharge": float(base),
                                    "totalSurcharges": float(fuel),
                                    "totalNetCharge": float(total),
                                    "currency": currency,
                                }
                            ],
                        },
                    },
                }
            ]
        },
    }
    return _ok(answer)


def _cancel(fake: Any, payload: dict) -> tuple[int, dict, bytes]:
    number = str(payload.get("trackingNumber") or "")
    account = ((payload.get("accountNumber") or {}).get("value")) or ""
    if not number or not account:
        return _errors(
            400, [("TRACKINGNUMBER.REQUIRED", "Tracking number and account number are required to cancel a shipment.")]
        )
    booked = fake.shipments.get(number)
    if booked is None or booked.get("carrier") != "fedex":
        return _errors(
            404, [("TRACKING.TRACKINGNUMBER.NOTFOUND", f"Tracking number {number} cannot be found for this account.")]
        )
    if number in fake.voided:
        return _errors(400, [("SHIPMENT.ALREADY.CANCELLED", f"Shipment {number} has already been cancelled.")])
    if any(event["status"] is not TrackingStatus.LABEL_PURCHASED for event in fake.events_for(number)):
        return _errors(
            400,
            [
                (
                    "SHIPMENT.CANCEL.NOTALLOWED",
                    f"Shipment {number} has already been tendered to FedEx and can no longer be cancelled.",
                )
            ],
        )
    fake.voided.add(number)
    return _ok(
        {
            "transactionId": str(uuid.uuid4()),
            "output": {"cancelledShipment": True, "cancelledHistory": True, "successMessage": "Success"},
        }
    )


# --- Track ------------------------------------------------------------------------------------------


def _track(fake: Any, payload: dict) -> tuple[int, dict, bytes]:
    numbers = [
        str(((info.get("trackingNumberInfo") or {}).get("trackingNumber")) or "").strip()
        for info in payload.get("trackingInfo") or []
    ]
    if not numbers or not all(numbers):
        return _errors(400, [("TRACKING.TRACKINGNUMBER.EMPTY", "Please provide tracking number.")])
    if len(numbers) > 30:
        return _errors(
            400,
            [
                (
                    "TRACKING.TRACKINGNUMBERS.LIMITEXCEEDED",
                    "A maximum of 30 tracking numbers can be tracked in one request.",
                )
            ],
        )
    results = []
    for number in numbers:
        events = fake.events_for(number)
        if not events:
            results.append(
                {
                    "trackingNumber": number,
                    "trackResults": [
                        {
                            "trackingNumberInfo": {
                                "trackingNumber": number,
                                "trackingNumberUniqueId": "",
                                "carrierCode": "",
                            },
                            "error": {
                                "code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
                                "message": "Tracking number cannot be found. "
                                "Please correct the tracking number and try again.",
                            },
                        }
                    ],
                }
            )
            continue
        results.append({"trackingNumber": number, "trackResults": [_track_result(fake, number, events)]})
    return _ok({"transactionId": str(uuid.uuid4()), "output": {"completeTrackResults": results}})


def _track_result(fake: Any, number: str, events: list[dict]) -> dict:
    booked = fake.shipments.get(number, {})
    latest = events[-1]
    latest_code = _code(latest)
    derived_code, derived_text = DERIVED.get(latest_code, ("IT", "In transit"))
    service = booked.get("service") or "FEDEX_INTERNATIONAL_PRIORITY"
    name, _factor, days, _id = SERVICES.get(service, SERVICES["FEDEX_INTERNATIONAL_PRIORITY"])
    delivered = latest["status"] is TrackingStatus.DELIVERED
    start = booked.get("created_at") or events[0]["occurred_at"]
    result: dict[str, Any] = {
        "trackingNumberInfo": {
            "trackingNumber": number,
            "carrierCode": "FDXE",
            "trackingNumberUniqueId": f"12029~{number}~FDEG",
        },
        "additionalTrackingInfo": {
            "hasAssociatedShipments": False,
            "nickname": "",
            "packageIdentifiers": _identifiers(booked, number),
        },
        "shipperInformation": {
            "address": {"city": booked.get("shipper_city") or "", "countryCode": booked.get("shipper_country") or ""}
        },
        "recipientInformation": {
            "address": {
                "city": booked.get("recipient_city") or "",
                "countryCode": booked.get("recipient_country") or "",
            }
        },
        "latestStatusDetail": {
            "code": derived_code,
            "derivedCode": derived_code,
            "statusByLocale": derived_text,
            "description": latest["description"],
            "scanLocation": _scan_location(latest.get("location")),
        },
        "dateAndTimes": [{"type": "SHIP", "dateTime": _stamp(start)}],
        "serviceDetail": {
            "type": service,
            "description": name,
            "shortDescription": "IP" if service.endswith("PRIORITY") else "IE",
        },
        "originLocation": {
            "locationContactAndAddress": {
                "address": {
                    "city": booked.get("shipper_city") or "",
                    "countryCode": booked.get("shipper_country") or "",
                }
            }
        },
        "destinationLocation": {
            "locationContactAndAddress": {
                "address": {
                    "city": booked.get("recipient_city") or "",
                    "countryCode": booked.get("recipient_country") or "",
                }
            }
        },
        "packageDetails": {
            "packagingDescription": {"type": "YOUR_PACKAGING", "description": "Your Packaging"},
            "count": "1",
        },
        "availableImages": [],
        "specialHandlings": [],
        # FedEx lists the newest scan first.
        "scanEvents": [_scan(event) for event in reversed(events)],
    }
    if delivered:
        result["dateAndTimes"].append({"type": "ACTUAL_DELIVERY", "dateTime": _stamp(latest["occurred_at"])})
        result["deliveryDetails"] = {"receivedByName": "RECIPIENT", "deliveryAttempts": "0", "deliveryToday": False}
        result["availableImages"] = [{"type": "SIGNATURE_PROOF_OF_DELIVERY"}]
    else:
        estimate = add_business_days(start.date(), days)
        window = {"begins": f"{estimate:%Y-%m-%d}T00:00:00", "ends": f"{estimate:%Y-%m-%d}T23:59:59"}
        result["estimatedDeliveryTimeWindow"] = {"type": "ESTIMATED_DELIVERY", "window": window}
        result["standardTransitTimeWindow"] = {"type": "ESTIMATED_DELIVERY", "window": window}
    return result


def _scan(event: dict) -> dict:
    code = _code(event)
    derived_code, derived_text = DERIVED.get(code, ("IT", "In transit"))
    scan = {
        "date": _stamp(event["occurred_at"]),
        "eventType": code,
        "eventDescription": event["description"],
        "exceptionCode": "",
        "exceptionDescription": "",
        "scanLocation": _scan_location(event.get("location")),
        "locationType": "FEDEX_FACILITY",
        "derivedStatusCode": derived_code,
        "derivedStatus": derived_text,
    }
    if event["status"] in (TrackingStatus.FAILED_ATTEMPT, TrackingStatus.EXCEPTION):
        scan["exceptionCode"] = "08" if event["status"] is TrackingStatus.FAILED_ATTEMPT else "A25"
    return scan


def _proof_of_delivery(fake: Any, payload: dict) -> tuple[int, dict, bytes]:
    specs = payload.get("trackDocumentSpecification") or [{}]
    number = str(((specs[0].get("trackingNumberInfo") or {}).get("trackingNumber")) or "")
    if not any(event["status"] is TrackingStatus.DELIVERED for event in fake.events_for(number)):
        return _errors(
            404,
            [("TRACKING.DOCUMENTNOTAVAILABLE.ERROR", f"Signature proof of delivery is not available for {number}.")],
        )
    document = pdf_label("FedEx proof of delivery", number, "SPOD", None)
    return _ok(
        {
            "transactionId": str(uuid.uuid4()),
            "output": {
                "documentType": "SIGNATURE_PROOF_OF_DELIVERY",
                "documentFormat": "PDF",
                "documents": [base64.b64encode(document).decode()],
            },
        }
    )


def _code(event: dict) -> str:
    """The event's FedEx event type; a test's event for a number booked elsewhere gets FedEx's usual one."""
    status = event["status"]
    return EVENT_CODES[status] if event["code"] == status.value.upper() else event["code"]


# --- validation -------------------------------------------------------------------------------------


def _route_problems(shipment: dict, recipient: dict, payload: dict) -> list[tuple[str, str]]:
    problems = []
    if not ((payload.get("accountNumber") or {}).get("value")):
        problems.append(("ACCOUNTNUMBER.REQUIRED", "Account number is required."))
    for role, party in (("shipper", shipment.get("shipper") or {}), ("recipient", recipient)):
        address = party.get("address") or {}
        country = address.get("countryCode")
        if not country:
            problems.append((f"{role.upper()}.COUNTRY.REQUIRED", f"The {role} country code is required."))
        if not (address.get("city") or "").strip():
            problems.append((f"{role.upper()}.CITY.REQUIRED", f"The {role} city is required."))
        if country in POSTAL_CODE_COUNTRIES and not (address.get("postalCode") or "").strip():
            problems.append(
                (f"{role.upper()}.POSTALCODE.INVALID", f"The {role} postal code is required for {country}.")
            )
    if _country(shipment.get("shipper")) and _country(shipment.get("shipper")) == _country(recipient):
        problems.append(
            ("RATE.LOCATION.NOSERVICE", "FedEx international services are not available for a domestic shipment.")
        )
    items = shipment.get("requestedPackageLineItems") or []
    if not items:
        problems.append(("PACKAGE.REQUIRED", "At least one package is required."))
    for index, item in enumerate(items):
        if not positive((item.get("weight") or {}).get("value")):
            problems.append(("PACKAGE.WEIGHT.INVALID", f"Package {index + 1}: weight must be greater than zero."))
    return problems


def _customs_problems(clearance: Any) -> list[tuple[str, str]]:
    if not isinstance(clearance, dict):
        return [
            ("CUSTOMSCLEARANCEDETAIL.REQUIRED", "Customs clearance detail is required for international shipments.")
        ]
    problems = []
    duties = clearance.get("dutiesPayment") or {}
    if duties.get("paymentType") not in {"SENDER", "RECIPIENT", "THIRD_PARTY"}:
        problems.append(
            ("DUTIESPAYMENT.PAYMENTTYPE.INVALID", "Duties payment type must be SENDER, RECIPIENT or THIRD_PARTY.")
        )
    elif duties.get("paymentType") == "SENDER" and not (
        (((duties.get("payor") or {}).get("responsibleParty") or {}).get("accountNumber") or {}).get("value")
    ):
        problems.append(
            (
                "DUTIESPAYMENT.ACCOUNTNUMBER.REQUIRED",
                "The payor account number is required when the sender pays duties.",
            )
        )
    commodities = clearance.get("commodities") or []
    if not commodities:
        problems.append(("COMMODITIES.REQUIRED", "At least one commodity is required for international shipments."))
    for index, item in enumerate(commodities, start=1):
        if not (item.get("description") or "").strip():
            problems.append(("COMMODITY.DESCRIPTION.REQUIRED", f"Commodity {index}: description is required."))
        if not positive((item.get("customsValue") or {}).get("amount")):
            problems.append(
                ("COMMODITY.CUSTOMSVALUE.INVALID", f"Commodity {index}: customs value must be greater than zero.")
            )
        if not item.get("countryOfManufacture"):
            problems.append(
                ("COMMODITY.COUNTRYOFMANUFACTURE.REQUIRED", f"Commodity {index}: country of manufacture is required.")
            )
        if not positive(item.get("quantity")):
            problems.append(("COMMODITY.QUANTITY.INVALID", f"Commodity {index}: quantity must be greater than zero."))
    return problems


# --- helpers ----------------------------------------------------------------------------------------


def _price(code: str, destination: str, weight: Decimal, currency: str) -> tuple[Decimal, Decimal, Decimal]:
    return priced(
        ZONE_BASE_USD[region(destination)], Decimal("8.75"), SERVICES[code][1], weight, currency, FUEL_PERCENT
    )


def _billable_kg(items: list[dict]) -> Decimal:
    return chargeable_kg(
        (
            (item.get("weight") or {}).get("value"),
            ((item.get("weight") or {}).get("units") or "KG").upper() == "LB",
            tuple((item.get("dimensions") or {}).get(key) for key in ("length", "width", "height")),
            ((item.get("dimensions") or {}).get("units") or "CM").upper() == "IN",
        )
        for item in items
    )


def _transit_words(days: int) -> str:
    words = {
        1: "ONE",
        2: "TWO",
        3: "THREE",
        4: "FOUR",
        5: "FIVE",
        6: "SIX",
        7: "SEVEN",
        8: "EIGHT",
        9: "NINE",
        10: "TEN",
    }
    return f"{words.get(days, 'TEN')}_DAYS"


def _stamp(moment: datetime) -> str:
    """FedEx's local time with its UTC offset: 2025-03-16T09:12:00+08:00."""
    return moment.isoformat(timespec="seconds")


def _scan_location(location: str | None) -> dict:
    city, country = split_location(location)
    return {"city": city, "countryCode": country, "residential": False, "streetLines": [""]}


def _station(country: str | None) -> str:
    return {"CN": "SZXA", "HK": "HKGA", "US": "MEMH", "DE": "CGNA", "GB": "STNA", "JP": "NRTA", "FR": "CDGA"}.get(
        country or "", "HUBA"
    )


def _country(party: Any) -> str:
    return ((party or {}).get("address") or {}).get("countryCode") or ""


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return datetime.now(UTC).date()


def _reference(shipment: dict) -> str | None:
    for item in shipment.get("requestedPackageLineItems") or []:
        for ref in item.get("customerReferences") or []:
            if ref.get("customerReferenceType") == "CUSTOMER_REFERENCE" and ref.get("value"):
                return ref["value"]
    return None


def _invoice_number(shipment: dict) -> str | None:
    invoice = (shipment.get("customsClearanceDetail") or {}).get("commercialInvoice") or {}
    for ref in invoice.get("customerReferences") or []:
        if ref.get("customerReferenceType") == "INVOICE_NUMBER":
            return ref.get("value")
    return None


def _identifiers(booked: dict, number: str) -> list[dict]:
    reference = booked.get("reference")
    return (
        [{"type": "CUSTOMER_REFERENCE", "value": reference, "trackingNumberUniqueId": f"12029~{number}~FDEG"}]
        if reference
        else []
    )


def _errors_body(problems: list[tuple[str, str]]) -> bytes:
    return json.dumps(
        {
            "transactionId": str(uuid.uuid4()),
            "errors": [{"code": code, "message": message} for code, message in problems],
        }
    ).encode()


def _errors(status: int, problems: list[tuple[str, str]]) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json"}, _errors_body(problems)


def _ok(body: dict) -> tuple[int, dict, bytes]:
    return json_answer(200, body)
