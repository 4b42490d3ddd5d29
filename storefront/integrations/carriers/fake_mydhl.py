"""DHL Express MyDHL API, faked: rates, shipments, tracking and proof of delivery in DHL's own JSON.

Endpoints (as karrio.mydhl calls them under `server_url`): POST /rates, POST /shipments,
PATCH /shipments/<number>/upload-image, GET /tracking?shipmentTrackingNumber=..,
GET /shipments/<number>/proof-of-delivery. The MyDHL API has no label cancellation.
Basic authentication: any non-empty username and password, except the password "wrong" (401).
Errors use DHL's problem format: {"instance", "detail", "title", "status", "additionalDetails"}.
"""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from storefront.integrations.carriers.types import TrackingStatus

INSTANCE_PREFIX = "/expressapi"

# What a scan of each of our statuses is called at DHL Express.
EVENT_CODES = {
    TrackingStatus.LABEL_PURCHASED: "PU",
    TrackingStatus.IN_TRANSIT: "DF",
    TrackingStatus.OUT_FOR_DELIVERY: "WC",
    TrackingStatus.FAILED_ATTEMPT: "NH",
    TrackingStatus.DELIVERED: "OK",
    TrackingStatus.RETURNED: "RT",
    TrackingStatus.EXCEPTION: "OH",
}
# label data received, picked up, departed facility, clearance release, with delivery courier, delivered
PROGRESS_CODES = ("SD", "PU", "DF", "CR", "WC", "OK")

PRODUCTS = {
    # code: (name, network, price factor, transit days)
    "P": ("EXPRESS WORLDWIDE", "TD", Decimal("1.00"), 3),
    "Y": ("EXPRESS 9:00", "TD", Decimal("1.65"), 2),
    "T": ("EXPRESS 12:00", "TD", Decimal("1.35"), 2),
    "W": ("ECONOMY SELECT", "DD", Decimal("0.70"), 6),
    "7": ("EXPRESS WORLDWIDE", "TD", Decimal("0.95"), 3),  # B2C
}
EU = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
CURRENCY_BY_COUNTRY = {"CN": "CNY", "HK": "HKD", "US": "USD", "GB": "GBP", "JP": "JPY", **{c: "EUR" for c in EU}}
USD_RATE = {"USD": Decimal("1"), "CNY": Decimal("7.2"), "HKD": Decimal("7.8"), "EUR": Decimal("0.92"), "GBP": Decimal("0.79"), "JPY": Decimal("150")}
POSTAL_CODE_COUNTRIES = frozenset({"DE", "FR", "NL", "GB", "US", "JP", "CN", "ES", "IT", "AT", "CA", "AU"})


def new_tracking_number(fake: Any) -> str:
    """DHL Express waybills are 10 digits."""
    return f"{(4_600_000_000 + fake.next_sequence('mydhl') * 1_234_577) % 10_000_000_000:010d}"


def error_body(fake: Any, status: int, path: str) -> bytes:
    titles = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests",
              500: "Internal Server Error", 503: "Service Unavailable"}
    details = {500: "Internal server error, please try again later", 503: "Service temporarily unavailable",
               429: "Rate limit exceeded, please try again later"}
    return _problem(status, titles.get(status, "Error"), details.get(status, titles.get(status, "Error")), path)[2]


def handle(fake: Any, method: str, path: str, query: dict, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
    denied = _check_auth(headers, path)
    if denied is not None:
        return denied
    payload = _json(body)
    parts = [part for part in path.split("/") if part]
    if method == "POST" and parts == ["rates"]:
        return _rates(payload, path)
    if method == "POST" and parts == ["shipments"]:
        return _create_shipment(fake, payload, path)
    if method == "PATCH" and len(parts) == 3 and parts[0] == "shipments" and parts[2] == "upload-image":
        if not fake.knows(parts[1]):
            return _problem(404, "Not Found", f"Shipment {parts[1]} not found", path)
        return 200, {}, b""
    if method == "GET" and parts == ["tracking"]:
        return _tracking(fake, query.get("shipmentTrackingNumber") or [], path)
    if method == "GET" and len(parts) == 3 and parts[0] == "shipments" and parts[2] == "proof-of-delivery":
        return _proof_of_delivery(fake, parts[1], path)
    return _problem(404, "Not Found", f"No route for {method} {path}", path)


# --- endpoints ---------------------------------------------------------------------------------------


def _rates(payload: dict, path: str) -> tuple[int, dict, bytes]:
    customer = payload.get("customerDetails") or {}
    shipper = customer.get("shipperDetails") or {}
    receiver = customer.get("receiverDetails") or {}
    problems = _address_problems(shipper, "shipperDetails") + _address_problems(receiver, "receiverDetails")
    packages = payload.get("packages") or []
    if not packages:
        problems.append("packages: at least one package is required")
    problems += [f"packages/{i}/weight: must be greater than 0" for i, p in enumerate(packages) if not _positive(p.get("weight"))]
    if not any((account.get("number") for account in payload.get("accounts") or [])):
        problems.append("accounts/0/number: shipper account number is required")
    if problems:
        return _problem(400, "Bad Request", "Multiple problems found, see Additional Details", path, problems)

    origin, destination = shipper.get("countryCode"), receiver.get("countryCode")
    weight = _billable_kg(packages, payload.get("unitOfMeasurement"))
    currency = CURRENCY_BY_COUNTRY.get(origin, "USD")
    planned = _planned_date(payload.get("plannedShippingDateAndTime"))
    wanted = payload.get("productCode")
    codes = _products_for(origin, destination)
    if wanted:
        codes = [code for code in codes if code == wanted]
    if not codes:
        return _problem(
            400, "Bad Request", "No products available for the requested route", path,
            [f"productCode {wanted!r} is not offered from {origin} to {destination}"],
        )
    products = []
    for code in codes:
        name, network, factor, days = PRODUCTS[code]
        usd = (_zone_base(origin, destination) + Decimal("9.5") * weight) * factor
        total = _money(usd * USD_RATE.get(currency, Decimal(1)), currency)
        fuel = _money(total * Decimal("0.18"), currency)
        base = total - fuel
        delivery = planned + timedelta(days=days)
        products.append(
            {
                "productName": name,
                "productCode": code,
                "localProductCode": code,
                "localProductCountryCode": origin,
                "networkTypeCode": network,
                "isCustomerAgreement": False,
                "weight": {"volumetric": float(weight), "provided": float(weight), "unitOfMeasurement": "metric"},
                "totalPrice": [
                    {"currencyType": "BILLC", "priceCurrency": currency, "price": float(total)},
                    {"currencyType": "PULCL", "priceCurrency": currency, "price": float(total)},
                ],
                "totalPriceBreakdown": [
                    {
                        "currencyType": "BILLC",
                        "priceCurrency": currency,
                        "priceBreakdown": [
                            {"typeCode": "SPRQT", "price": float(base)},
                            {"typeCode": "STDIS", "price": 0},
                        ],
                    }
                ],
                "detailedPriceBreakdown": [
                    {
                        "currencyType": "BILLC",
                        "priceCurrency": currency,
                        "breakdown": [
                            {"name": name, "price": float(base)},
                            {"name": "FUEL SURCHARGE", "serviceCode": "FF", "price": float(fuel)},
                        ],
                    }
                ],
                "pickupCapabilities": {
                    "nextBusinessDay": False,
                    "localCutoffDateAndTime": f"{planned:%Y-%m-%d}T18:00:00",
                    "pickupEarliest": "09:00:00",
                    "pickupLatest": "18:00:00",
                    "originServiceAreaCode": _service_area(origin),
                    "originFacilityAreaCode": _service_area(origin),
                },
                "deliveryCapabilities": {
                    "deliveryTypeCode": "QDDC",
                    "estimatedDeliveryDateAndTime": f"{delivery:%Y-%m-%d}T23:59:00",
                    "destinationServiceAreaCode": _service_area(destination),
                    "destinationFacilityAreaCode": _service_area(destination),
                    "deliveryAdditionalDays": 0,
                    "deliveryDayOfWeek": delivery.isoweekday(),
                    "totalTransitDays": days,
                },
                "pricingDate": f"{planned:%Y-%m-%d}",
            }
        )
    return _ok({"products": products, "exchangeRates": []})


def _create_shipment(fake: Any, payload: dict, path: str) -> tuple[int, dict, bytes]:
    customer = payload.get("customerDetails") or {}
    shipper = customer.get("shipperDetails") or {}
    receiver = customer.get("receiverDetails") or {}
    shipper_address = shipper.get("postalAddress") or {}
    receiver_address = receiver.get("postalAddress") or {}
    content = payload.get("content") or {}
    problems = _address_problems(shipper_address, "customerDetails/shipperDetails/postalAddress")
    problems += _address_problems(receiver_address, "customerDetails/receiverDetails/postalAddress")
    if not (receiver_address.get("addressLine1") or "").strip():
        problems.append("customerDetails/receiverDetails/postalAddress/addressLine1: is required")
    code = payload.get("productCode")
    origin, destination = shipper_address.get("countryCode"), receiver_address.get("countryCode")
    if code not in _products_for(origin, destination):
        problems.append(f"productCode: {code!r} is not available from {origin} to {destination}")
    packages = content.get("packages") or []
    if not packages:
        problems.append("content/packages: at least one package is required")
    problems += [
        f"content/packages/{i}/weight: must be greater than 0" for i, p in enumerate(packages) if not _positive(p.get("weight"))
    ]
    if content.get("isCustomsDeclarable"):
        declaration = content.get("exportDeclaration") or {}
        lines = declaration.get("lineItems") or []
        if not lines:
            problems.append("content/exportDeclaration/lineItems: required for a customs declarable shipment")
        for index, line in enumerate(lines):
            where = f"content/exportDeclaration/lineItems/{index}"
            if not (line.get("description") or "").strip():
                problems.append(f"{where}/description: is required")
            if not _positive(line.get("price")):
                problems.append(f"{where}/price: must be greater than 0")
            if not line.get("manufacturerCountry"):
                problems.append(f"{where}/manufacturerCountry: is required")
        if not (declaration.get("invoice") or {}).get("number"):
            problems.append("content/exportDeclaration/invoice/number: is required")
        if content.get("incoterm") not in {"DDP", "DAP", "DDU", "EXW", "CPT", "CIP", "FCA"}:
            problems.append(f"content/incoterm: {content.get('incoterm')!r} is not a valid incoterm")
    if problems:
        return _problem(400, "Bad Request", "Multiple problems found, see Additional Details", path, problems)

    weight = _billable_kg(packages, content.get("unitOfMeasurement"))
    currency = CURRENCY_BY_COUNTRY.get(origin, "USD")
    name, _network, factor, _days = PRODUCTS[code]
    total = _money((_zone_base(origin, destination) + Decimal("9.5") * weight) * factor * USD_RATE.get(currency, Decimal(1)), currency)
    image = payload.get("outputImageProperties") or {}
    label_format = (image.get("encodingFormat") or "pdf").upper()
    booked = fake.book(
        "mydhl",
        service=code,
        reference=_reference(payload),
        recipient_country=destination,
        recipient_city=receiver_address.get("cityName"),
        shipper_country=origin,
        shipper_city=shipper_address.get("cityName"),
        amount=str(total),
        currency=currency,
        label_format="ZPL" if label_format == "ZPL" else "PDF",
        request=payload,
    )
    number = booked["tracking_number"]
    piece = f"JD01{int(number):016d}"
    answer = {
        "url": f"{INSTANCE_PREFIX}/shipments/{number}",
        "shipmentTrackingNumber": number,
        "cancelPickupUrl": None,
        "trackingUrl": f"https://express.api.dhl.com/mydhlapi/shipments/{number}/tracking",
        "dispatchConfirmationNumber": None,
        "packages": [
            {
                "referenceNumber": index,
                "trackingNumber": piece if index == 1 else f"JD01{int(number) + index:016d}",
                "trackingUrl": f"https://express.api.dhl.com/mydhlapi/shipments/{number}/tracking?pieceTrackingNumber={piece}",
            }
            for index, _package in enumerate(packages, start=1)
        ],
        "documents": [
            {
                "imageFormat": booked["label_format"],
                "content": base64.b64encode(booked["label"]).decode("ascii"),
                "typeCode": "label",
            }
        ],
        "shipmentDetails": [
            {
                "serviceHandlingFeatureCodes": [vas.get("serviceCode") for vas in payload.get("valueAddedServices") or []],
                "volumetricWeight": float(weight),
                "billingCode": "IEA",
                "serviceContentCode": "WPX",
                "customerDetails": {
                    "shipperDetails": {"postalAddress": {"countryCode": origin, "cityName": shipper_address.get("cityName")}},
                    "receiverDetails": {"postalAddress": {"countryCode": destination, "cityName": receiver_address.get("cityName")}},
                },
                "originServiceArea": {"facilityCode": _service_area(origin), "serviceAreaCode": _service_area(origin)},
                "destinationServiceArea": {"facilityCode": _service_area(destination), "serviceAreaCode": _service_area(destination)},
            }
        ],
    }
    if payload.get("getRateEstimates"):
        fuel = _money(total * Decimal("0.18"), currency)
        answer["shipmentCharges"] = [
            {
                "currencyType": "BILLC",
                "priceCurrency": currency,
                "price": float(total),
                "serviceBreakdown": [
                    {"name": name, "price": float(total - fuel)},
                    {"name": "FUEL SURCHARGE", "price": float(fuel), "typeCode": "FF"},
                ],
            }
        ]
    return 201, {"Content-Type": "application/json"}, json.dumps(answer).encode()


def _tracking(fake: Any, numbers: list[str], path: str) -> tuple[int, dict, bytes]:
    numbers = [number for value in numbers for number in value.split(",") if number]
    if not numbers:
        return _problem(400, "Bad Request", "shipmentTrackingNumber is required", path)
    shipments = []
    for number in numbers:
        events = fake.events_for(number)
        if not events:
            continue
        booked = fake.shipments.get(number, {})
        latest = events[-1]
        shipments.append(
            {
                "shipmentTrackingNumber": number,
                "status": "Success",
                "shipmentTimestamp": _local(booked.get("created_at") or events[0]["occurred_at"])[0] + "T" + _local(booked.get("created_at") or events[0]["occurred_at"])[1],
                "productCode": booked.get("service") or "P",
                "description": PRODUCTS.get(booked.get("service") or "P", ("EXPRESS WORLDWIDE",))[0],
                "shipperDetails": {"name": "", "postalAddress": {"cityName": booked.get("shipper_city"), "countryCode": booked.get("shipper_country")}},
                "receiverDetails": {"name": "", "postalAddress": {"cityName": booked.get("recipient_city"), "countryCode": booked.get("recipient_country")}},
                "totalWeight": 1,
                "unitOfMeasurements": "metric",
                "numberOfPieces": 1,
                "estimatedTimeOfDelivery": None if latest["status"] is TrackingStatus.DELIVERED else _estimate(booked, events),
                # MyDHL lists the newest scan first.
                "events": [_event(event) for event in reversed(events)],
            }
        )
    if not shipments:
        return _problem(404, "Not Found", "No shipments found for the given tracking number", f"{path}?shipmentTrackingNumber={','.join(numbers)}")
    return _ok({"shipments": shipments})


def _proof_of_delivery(fake: Any, number: str, path: str) -> tuple[int, dict, bytes]:
    events = fake.events_for(number)
    if not any(event["status"] is TrackingStatus.DELIVERED for event in events):
        return _problem(404, "Not Found", f"Proof of delivery for {number} is not available", path)
    from storefront.integrations.carriers.fake import pdf_label

    document = pdf_label("mydhl", number, "POD", None)
    return _ok({"documents": [{"encodingFormat": "PDF", "content": base64.b64encode(document).decode(), "typeCode": "POD"}]})


# --- helpers -----------------------------------------------------------------------------------------


def _check_auth(headers: dict, path: str) -> tuple[int, dict, bytes] | None:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if value.startswith("Basic "):
        try:
            username, _, password = base64.b64decode(value[6:]).decode("utf-8").partition(":")
        except ValueError:
            username = password = ""
        if username and password and password != "wrong":
            return None
    return _problem(401, "Unauthorized", "Invalid Credentials", path)


def _problem(status: int, title: str, detail: str, path: str, additional: list[str] | None = None) -> tuple[int, dict, bytes]:
    body: dict[str, Any] = {"instance": f"{INSTANCE_PREFIX}{path}", "detail": detail, "title": title, "status": status}
    if additional:
        body["additionalDetails"] = additional
    return status, {"Content-Type": "application/problem+json"}, json.dumps(body).encode()


def _ok(body: dict) -> tuple[int, dict, bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _json(body: bytes) -> dict:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _positive(value: Any) -> bool:
    try:
        return Decimal(str(value)) > 0
    except (ArithmeticError, ValueError):
        return False


def _address_problems(address: dict, where: str) -> list[str]:
    problems = []
    country = address.get("countryCode")
    if not country:
        problems.append(f"{where}/countryCode: is required")
    if not (address.get("cityName") or "").strip():
        problems.append(f"{where}/cityName: is required")
    if country in POSTAL_CODE_COUNTRIES and not (address.get("postalCode") or "").strip():
        problems.append(f"{where}/postalCode: is required for {country}")
    return problems


def _products_for(origin: str | None, destination: str | None) -> list[str]:
    if not origin or not destination or origin == destination:
        return []
    codes = ["P", "T"]
    if destination in EU or destination == "GB":
        codes.append("W")
    if destination in {"US", "GB", "DE", "FR", "JP"}:
        codes.append("Y")
    codes.append("7")
    return codes


def _zone_base(origin: str | None, destination: str | None) -> Decimal:
    if destination in EU or destination == "GB":
        return Decimal("28.00")
    if destination in {"US", "CA"}:
        return Decimal("31.00")
    if destination in {"JP", "KR", "HK", "SG", "TW"}:
        return Decimal("18.00")
    return Decimal("35.00")


def _billable_kg(packages: list[dict], unit: str | None) -> Decimal:
    total = Decimal(0)
    for package in packages:
        weight = Decimal(str(package.get("weight") or 0))
        if unit == "imperial":
            weight = weight * Decimal("0.45359237")
        dims = package.get("dimensions") or {}
        if all(dims.get(k) for k in ("length", "width", "height")):
            factor = Decimal("2.54") ** 3 if unit == "imperial" else Decimal(1)
            volumetric = Decimal(dims["length"]) * Decimal(dims["width"]) * Decimal(dims["height"]) * factor / 5000
            weight = max(weight, volumetric)
        total += weight
    # DHL bills in half kilos
    return max(Decimal("0.5"), (total * 2).to_integral_value(rounding="ROUND_CEILING") / 2)


def _money(amount: Decimal, currency: str) -> Decimal:
    quantum = Decimal(1) if currency == "JPY" else Decimal("0.01")
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def _planned_date(value: str | None) -> datetime:
    try:
        return datetime.strptime((value or "")[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return datetime.now(UTC)


def _service_area(country: str | None) -> str:
    return {"CN": "SZX", "HK": "HKG", "US": "JFK", "DE": "LEJ", "GB": "LHR", "JP": "NRT", "FR": "CDG"}.get(country or "", "HUB")


def _reference(payload: dict) -> str | None:
    for item in payload.get("customerReferences") or []:
        if item.get("value"):
            return item["value"]
    invoice = ((payload.get("content") or {}).get("exportDeclaration") or {}).get("invoice") or {}
    return invoice.get("number")


def _local(moment: datetime) -> tuple[str, str, str]:
    """DHL's date, time and GMTOffset of an aware datetime, in the datetime's own offset."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S"), f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _event(event: dict) -> dict:
    day, clock, offset = _local(event["occurred_at"])
    location = event.get("location")
    rendered = {
        "date": day,
        "time": clock,
        "GMTOffset": offset,
        "typeCode": event["code"],
        "description": event["description"],
        "serviceArea": [{"code": (location or "HUB")[:3].upper(), "description": location}] if location else [],
        "pieceIds": [],
    }
    if event["status"] is TrackingStatus.DELIVERED:
        rendered["signedBy"] = "RECIPIENT"
    return rendered


def _estimate(booked: dict, events: list[dict]) -> str:
    start = booked.get("created_at") or events[0]["occurred_at"]
    days = PRODUCTS.get(booked.get("service") or "P", ("", "", Decimal(1), 3))[3]
    return f"{(start + timedelta(days=days)):%Y-%m-%d}T23:59:00"
