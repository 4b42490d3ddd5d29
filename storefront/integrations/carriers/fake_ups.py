"""UPS REST APIs, faked: OAuth, Rating (Shop), Shipping, Void and Track answers in UPS's own JSON.

Endpoints (as karrio.ups calls them under `server_url`): POST /security/v1/oauth/token (HTTP Basic client
id and secret, form `grant_type=client_credentials`), POST /api/rating/v2409/Shop, POST
/api/shipments/v2409/ship, DELETE /api/shipments/v2409/void/cancel/<shipment id>,
GET /api/track/v1/details/<inquiry number>.
OAuth: any non-empty client id and secret except the secret "wrong" (401, code 10401); every other
endpoint wants a bearer token this fake issued (401, code 250002). Errors use UPS's envelope:
{"response": {"errors": [{"code", "message"}]}}; an inquiry number UPS has never scanned is a 404 with
TW0001 "Tracking Information Not Found". Labels come as a GIF image (karrio turns it into a PDF) or ZPL,
international shipments also get UPS's commercial invoice as a PDF form.
"""

from __future__ import annotations

import base64
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from storefront.integrations.carriers.fake import pdf_label
from storefront.integrations.carriers.fake_fedex import (
    add_business_days,
    bearer_token,
    chargeable_kg,
    header,
    issue_token,
    json_answer,
    json_object,
    money,
    positive,
    priced,
    region,
    split_location,
    token_is_valid,
)
from storefront.integrations.carriers.fake_mydhl import CURRENCY_BY_COUNTRY, POSTAL_CODE_COUNTRIES
from storefront.integrations.carriers.types import TrackingStatus

TOKEN_KEY = b"clipper-fake-ups"

# What a scan of each of our statuses is called at UPS (activity status codes).
EVENT_CODES = {
    TrackingStatus.LABEL_PURCHASED: "MP",
    TrackingStatus.IN_TRANSIT: "DP",
    TrackingStatus.OUT_FOR_DELIVERY: "OT",
    TrackingStatus.FAILED_ATTEMPT: "UU",
    TrackingStatus.DELIVERED: "KB",
    TrackingStatus.RETURNED: "RS",
    TrackingStatus.EXCEPTION: "HX",
}
# label created, origin scan, departure scan, released by customs, out for delivery, delivered
PROGRESS_CODES = ("MP", "OR", "DP", "SR", "OT", "KB")
# UPS's activity type letter for each code: M manifest, P pickup, I in progress, X exception, D delivered
ACTIVITY_TYPES = {
    "MP": "M",
    "OR": "P",
    "PU": "P",
    "DP": "I",
    "AR": "I",
    "SR": "I",
    "OT": "I",
    "UU": "X",
    "HX": "X",
    "RS": "X",
    "KB": "D",
    "FS": "D",
}
STATUS_TYPES = {
    TrackingStatus.LABEL_PURCHASED: "M",
    TrackingStatus.IN_TRANSIT: "I",
    TrackingStatus.OUT_FOR_DELIVERY: "I",
    TrackingStatus.FAILED_ATTEMPT: "X",
    TrackingStatus.DELIVERED: "D",
    TrackingStatus.RETURNED: "X",
    TrackingStatus.EXCEPTION: "X",
}

SERVICES = {
    # UPS code: (name, price factor, business days in transit)
    "07": ("UPS Worldwide Express", Decimal("1.00"), 3),
    "65": ("UPS Worldwide Saver", Decimal("0.90"), 4),
    "08": ("UPS Worldwide Expedited", Decimal("0.72"), 6),
    "11": ("UPS Standard", Decimal("0.45"), 4),
    "03": ("UPS Ground", Decimal("0.30"), 3),
}
FUEL_PERCENT = Decimal("16.50")
NEGOTIATED_DISCOUNT = Decimal("0.88")
DISCLAIMER = [
    {
        "Code": "01",
        "Description": "Taxes are included in the shipping cost and apply to the transportation charges but "
        "additional duties/taxes may apply and are not reflected in the total amount due.",
    }
]
ZONE_BASE_USD = {
    "europe": Decimal("29.50"),
    "north_america": Decimal("33.00"),
    "asia": Decimal("19.50"),
    "world": Decimal("37.00"),
}
ZONES = {"europe": "005", "north_america": "008", "asia": "002", "world": "009"}


def error_body(fake: Any, status: int, path: str) -> bytes:
    code, message = {
        401: ("250002", "Invalid Authentication Information."),
        403: ("250003", "Invalid Access License number"),
        429: ("190100", "Rate limit exceeded. Please retry later."),
        503: ("190001", "The UPS system is temporarily unavailable. Please try again later."),
    }.get(status, ("190001", "The UPS system is temporarily unavailable. Please try again later."))
    return _errors_body([(code, message)])


def handle(fake: Any, method: str, path: str, query: dict, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
    if method == "POST" and path == "/security/v1/oauth/token":
        return _token(headers, body)
    if not token_is_valid(TOKEN_KEY, bearer_token(headers)):
        return _errors(401, [("250002", "Invalid Authentication Information.")])
    payload = json_object(body)
    parts = [part for part in path.split("/") if part]
    if method == "POST" and parts[:3] == ["api", "rating", "v2409"] and parts[3:] in (["Shop"], ["Rate"]):
        return _rates(payload, shop=parts[3] == "Shop")
    if method == "POST" and parts == ["api", "shipments", "v2409", "ship"]:
        return _ship(fake, payload)
    if method == "DELETE" and parts[:5] == ["api", "shipments", "v2409", "void", "cancel"] and len(parts) == 6:
        return _void(fake, parts[5])
    if method == "GET" and parts[:4] == ["api", "track", "v1", "details"] and len(parts) == 5:
        return _track(fake, parts[4])
    return _errors(404, [("250000", f"Resource not found: {method} {path}")])


# --- OAuth ------------------------------------------------------------------------------------------


def _token(headers: dict, body: bytes) -> tuple[int, dict, bytes]:
    value = header(headers, "authorization")
    client_id = secret = ""
    if value.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(value[6:]).decode("utf-8").partition(":")
        except ValueError:
            client_id = secret = ""
    if b"grant_type=client_credentials" not in body or not client_id or not secret or secret == "wrong":
        return _errors(401, [("10401", "ClientId is Invalid")])
    issued = int(datetime.now(UTC).timestamp() * 1000)
    return _ok(
        {
            "token_type": "Bearer",
            "issued_at": str(issued),
            "client_id": client_id,
            "access_token": issue_token(TOKEN_KEY, client_id),
            "expires_in": "14399",
            "refresh_count": "0",
            "status": "approved",
        }
    )


# --- Rating -----------------------------------------------------------------------------------------


def _rates(payload: dict, *, shop: bool) -> tuple[int, dict, bytes]:
    request = payload.get("RateRequest") or {}
    shipment = request.get("Shipment") or {}
    problems = _route_problems(shipment)
    if problems:
        return _errors(400, problems)
    origin, destination = _country(shipment.get("Shipper")), _country(shipment.get("ShipTo"))
    wanted = (shipment.get("Service") or {}).get("Code")
    codes = [code for code in _services_for(origin, destination) if shop or code == wanted]
    if not codes:
        return _errors(400, [("111210", "The requested service is unavailable between the selected locations.")])
    currency = CURRENCY_BY_COUNTRY.get(origin, "USD")
    weight = _billable_kg(shipment.get("Package") or [])
    pickup = _date(((shipment.get("DeliveryTimeInformation") or {}).get("Pickup") or {}).get("Date"))
    negotiated = ((shipment.get("ShipmentRatingOptions") or {}).get("NegotiatedRatesIndicator")) == "Y"
    rated = []
    for code in codes:
        name, _factor, days = SERVICES[code]
        total, base, fuel = _price(code, destination, weight, currency)
        arrival = add_business_days(pickup, days)
        entry: dict[str, Any] = {
            "Disclaimer": DISCLAIMER,
            "Service": {"Code": code, "Description": ""},
            "Zone": ZONES[region(destination)],
            "RatedShipmentAlert": [
                {"Code": "110971", "Description": "Your invoice may vary from the displayed reference rates"}
            ],
            "BillingWeight": {
                "UnitOfMeasurement": {"Code": "KGS", "Description": "Kilograms"},
                "Weight": f"{weight:.1f}",
            },
            "TransportationCharges": _amount(total, currency),
            "BaseServiceCharge": _amount(base, currency),
            "ItemizedCharges": [{"Code": "375", **_amount(fuel, currency)}],
            "ServiceOptionsCharges": _amount(Decimal(0), currency),
            "TotalCharges": _amount(total, currency),
            "TimeInTransit": {
                "PickupDate": f"{pickup:%Y%m%d}",
                "PackageBillType": "03",
                "ServiceSummary": {
                    "Service": {"Description": name.upper()},
                    "EstimatedArrival": {
                        "Arrival": {"Date": f"{arrival:%Y%m%d}", "Time": "230000"},
                        "BusinessDaysInTransit": str(days),
                        "Pickup": {"Date": f"{pickup:%Y%m%d}", "Time": "170000"},
                        "DayOfWeek": f"{arrival:%a}".upper(),
                        "TotalTransitDays": str((arrival - pickup).days),
                    },
                    "SaturdayDelivery": "0",
                    "GuaranteedIndicator": "" if code == "08" else "Y",
                },
            },
            "RatedPackage": [{"TransportationCharges": _amount(total, currency), "Weight": f"{weight:.1f}"}],
        }
        if negotiated:
            net_base = money(base * NEGOTIATED_DISCOUNT, currency)
            net_fuel = money(fuel * NEGOTIATED_DISCOUNT, currency)
            entry["NegotiatedRateCharges"] = {
                "BaseServiceCharge": _amount(net_base, currency),
                "ItemizedCharges": [{"Code": "375", **_amount(net_fuel, currency)}],
                "TotalCharge": _amount(net_base + net_fuel, currency),
            }
        rated.append(entry)
    return _ok(
        {
            "RateResponse": {
                "Response": {
                    "ResponseStatus": {"Code": "1", "Description": "Success"},
                    "Alert": [
                        {"Code": "110971", "Description": "Your invoice may vary from the displayed reference rates"}
                    ],
                    "TransactionReference": _transaction(request),
                },
                "RatedShipment": rated,
            }
        }
    )


# --- Shipping ---------------------------------------------------------------------------------------


def _ship(fake: Any, payload: dict) -> tuple[int, dict, bytes]:
    request = payload.get("ShipmentRequest") or {}
    shipment = request.get("Shipment") or {}
    problems = _route_problems(shipment)
    origin, destination = _country(shipment.get("Shipper")), _country(shipment.get("ShipTo"))
    code = (shipment.get("Service") or {}).get("Code")
    if code not in _services_for(origin, destination):
        problems.append(
            ("111210", f"The requested service {code!r} is unavailable between {origin} and {destination}.")
        )
    if origin != destination:
        problems += _international_problems(shipment)
    if problems:
        return _errors(400, problems)

    image_format = (((request.get("LabelSpecification") or {}).get("LabelImageFormat")) or {}).get("Code") or "GIF"
    label_format = "ZPL" if image_format.upper() in {"ZPL", "EPL", "SPL"} else "PDF"
    weight = _billable_kg(shipment.get("Package") or [])
    currency = CURRENCY_BY_COUNTRY.get(origin, "USD")
    total, base, fuel = _price(code, destination, weight, currency)
    number = _tracking_number(fake, (shipment.get("Shipper") or {}).get("ShipperNumber") or "", code)
    booked = fake.book(
        "ups",
        service=code,
        reference=(shipment.get("ReferenceNumber") or {}).get("Value") or _transaction(request).get("CustomerContext"),
        recipient_country=destination,
        recipient_city=((shipment.get("ShipTo") or {}).get("Address") or {}).get("City"),
        shipper_country=origin,
        shipper_city=((shipment.get("Shipper") or {}).get("Address") or {}).get("City"),
        amount=str(total),
        currency=currency,
        label_format=label_format,
        tracking_number=number,
        request=payload,
    )
    if label_format == "ZPL":
        label = {
            "ImageFormat": {"Code": "ZPL", "Description": "ZPL"},
            "GraphicImage": base64.b64encode(booked["label"]).decode(),
        }
    else:
        label = {
            "ImageFormat": {"Code": "GIF", "Description": "GIF"},
            "GraphicImage": _gif_label(number, booked["reference"], destination),
        }
    results: dict[str, Any] = {
        "Disclaimer": DISCLAIMER,
        "ShipmentCharges": {
            "BaseServiceCharge": _amount(base, currency),
            "TransportationCharges": _amount(total, currency),
            "ItemizedCharges": [{"Code": "375", **_amount(fuel, currency)}],
            "ServiceOptionsCharges": _amount(Decimal(0), currency),
            "TotalCharges": _amount(total, currency),
        },
        "RatingMethod": "01",
        "BillableWeightCalculationMethod": "02",
        "BillingWeight": {"UnitOfMeasurement": {"Code": "KGS", "Description": "Kilograms"}, "Weight": f"{weight:.1f}"},
        "ShipmentIdentificationNumber": number,
        "PackageResults": [
            {"TrackingNumber": number, "ServiceOptionsCharges": _amount(Decimal(0), currency), "ShippingLabel": label}
        ],
    }
    forms = (shipment.get("ShipmentServiceOptions") or {}).get("InternationalForms")
    if isinstance(forms, dict) and forms.get("FormType") in ("01", ["01"]):
        invoice = pdf_label("UPS commercial invoice", number, forms.get("InvoiceNumber"), destination)
        results["Form"] = {
            "Code": "01",
            "Description": "All Requested International Forms",
            "Image": {
                "ImageFormat": {"Code": "PDF", "Description": "PDF"},
                "GraphicImage": base64.b64encode(invoice).decode(),
            },
            "FormGroupId": uuid.uuid4().hex[:26].upper(),
        }
    return _ok(
        {
            "ShipmentResponse": {
                "Response": {
                    "ResponseStatus": {"Code": "1", "Description": "Success"},
                    "TransactionReference": _transaction(request),
                },
                "ShipmentResults": results,
            }
        }
    )


def _void(fake: Any, number: str) -> tuple[int, dict, bytes]:
    booked = fake.shipments.get(number)
    if booked is None or booked.get("carrier") != "ups":
        return _errors(400, [("190117", f"The Shipment Identification Number {number} is invalid.")])
    if number in fake.voided:
        return _errors(400, [("190102", f"No shipment found within the allowed void period for {number}.")])
    if any(event["status"] is not TrackingStatus.LABEL_PURCHASED for event in fake.events_for(number)):
        return _errors(400, [("190101", f"Shipment {number} has already been picked up and cannot be voided.")])
    fake.voided.add(number)
    return _ok(
        {
            "VoidShipmentResponse": {
                "Response": {
                    "ResponseStatus": {"Code": "1", "Description": "Success"},
                    "TransactionReference": {"CustomerContext": ""},
                },
                "SummaryResult": {"Status": {"Code": "1", "Description": "Voided"}},
                "PackageLevelResult": [{"TrackingNumber": number, "Status": {"Code": "1", "Description": "Voided"}}],
            }
        }
    )


# --- Track ------------------------------------------------------------------------------------------


def _track(fake: Any, number: str) -> tuple[int, dict, bytes]:
    number = number.strip().upper()
    if not number.isalnum() or len(number) < 9:
        return _errors(400, [("TV1002", "Invalid inquiry number")])
    events = fake.events_for(number)
    if not events:
        return _errors(404, [("TW0001", "Tracking Information Not Found")])
    booked = fake.shipments.get(number, {})
    latest = events[-1]
    service = booked.get("service") or "07"
    delivered = latest["status"] is TrackingStatus.DELIVERED
    start = booked.get("created_at") or events[0]["occurred_at"]
    package: dict[str, Any] = {
        "trackingNumber": number,
        "deliveryDate": [
            {"type": "DEL", "date": _local(latest["occurred_at"])[0]}
            if delivered
            else {
                "type": "SDD",
                "date": f"{add_business_days(start.date(), SERVICES.get(service, SERVICES['07'])[2]):%Y%m%d}",
            }
        ],
        "deliveryTime": {
            "type": "DEL" if delivered else "EOD",
            "endTime": _local(latest["occurred_at"])[1] if delivered else "235900",
        },
        "activity": [_activity(event) for event in reversed(events)],  # newest first
        "currentStatus": _status(latest),
        "packageAddress": [
            {
                "type": "ORIGIN",
                "address": {
                    "city": booked.get("shipper_city") or "",
                    "countryCode": booked.get("shipper_country") or "",
                    "country": booked.get("shipper_country") or "",
                },
            },
            {
                "type": "DESTINATION",
                "address": {
                    "city": booked.get("recipient_city") or "",
                    "countryCode": booked.get("recipient_country") or "",
                    "country": booked.get("recipient_country") or "",
                },
            },
        ],
        "packageCount": 1,
        "referenceNumber": [{"type": "SHIPMENT", "number": booked["reference"]}] if booked.get("reference") else [],
        "service": {"code": f"5{service}", "description": SERVICES.get(service, ("UPS Worldwide Express",))[0]},
        "weight": {"unitOfMeasurement": "KGS", "weight": "1.00"},
    }
    if delivered:
        package["deliveryInformation"] = {"location": "Front Door", "receivedBy": "RECIPIENT"}
    return _ok({"trackResponse": {"shipment": [{"inquiryNumber": number, "package": [package], "userRelation": []}]}})


def _activity(event: dict) -> dict:
    day, clock, offset = _local(event["occurred_at"])
    gmt = event["occurred_at"].astimezone(UTC)
    return {
        "location": {"address": _address(event.get("location")), "slic": "8566"},
        "status": _status(event),
        "date": day,
        "time": clock,
        "gmtDate": f"{gmt:%Y%m%d}",
        "gmtOffset": offset,
        "gmtTime": f"{gmt:%H:%M:%S}",
    }


def _status(event: dict) -> dict:
    code = _code(event)
    kind = ACTIVITY_TYPES.get(code) or STATUS_TYPES[event["status"]]
    return {
        "type": kind,
        "description": event["description"],
        "simplifiedTextDescription": {"D": "Delivered", "X": "Exception", "M": "Label Created"}.get(kind, "On the Way"),
        "code": code,
        "statusCode": {"D": "011", "X": "007", "M": "003"}.get(kind, "005"),
    }


def _code(event: dict) -> str:
    """The event's UPS activity code; a test's event for a number booked elsewhere gets UPS's usual one."""
    status = event["status"]
    return EVENT_CODES[status] if event["code"] == status.value.upper() else event["code"]


# --- validation -------------------------------------------------------------------------------------


def _route_problems(shipment: dict) -> list[tuple[str, str]]:
    problems = []
    if not ((shipment.get("Shipper") or {}).get("ShipperNumber")):
        problems.append(("120100", "Missing or invalid shipper number"))
    for role, party in (("Shipper", shipment.get("Shipper") or {}), ("ShipTo", shipment.get("ShipTo") or {})):
        address = party.get("Address") or {}
        country = address.get("CountryCode")
        if not country:
            problems.append(("120101" if role == "Shipper" else "120201", f"Missing or invalid {role} country code"))
        if not (address.get("City") or "").strip():
            problems.append(("120104" if role == "Shipper" else "120204", f"Missing or invalid {role} city"))
        if country in POSTAL_CODE_COUNTRIES and not (address.get("PostalCode") or "").strip():
            problems.append(("111285", f"The postal code is missing or invalid for {role} country {country}."))
    packages = shipment.get("Package") or []
    if not packages:
        problems.append(("120700", "Missing or invalid package information"))
    for package in packages:
        if not positive((package.get("PackageWeight") or {}).get("Weight")):
            problems.append(("120702", "Missing or invalid package weight"))
    return problems


def _international_problems(shipment: dict) -> list[tuple[str, str]]:
    problems = []
    if not (shipment.get("Description") or "").strip():
        problems.append(
            ("120541", "Missing or invalid shipment description; it is required for international shipments.")
        )
    forms = (shipment.get("ShipmentServiceOptions") or {}).get("InternationalForms")
    if not isinstance(forms, dict):
        return problems + [("120607", "International forms are required for this shipment.")]
    products = forms.get("Product") or []
    if not products:
        problems.append(("120608", "Missing or invalid product information on the international forms."))
    for index, product in enumerate(products, start=1):
        unit = product.get("Unit") or {}
        if not (product.get("Description") or "").strip():
            problems.append(("120609", f"Product {index}: missing or invalid description."))
        if not positive(unit.get("Value")):
            problems.append(("120612", f"Product {index}: missing or invalid unit value."))
        if not positive(unit.get("Number")):
            problems.append(("120611", f"Product {index}: missing or invalid number of units."))
        if not product.get("OriginCountryCode"):
            problems.append(("120613", f"Product {index}: missing or invalid origin country code."))
    if not forms.get("CurrencyCode"):
        problems.append(("120617", "Missing or invalid currency code on the international forms."))
    for charge in ((shipment.get("PaymentInformation") or {}).get("ShipmentCharge")) or []:
        receiver = charge.get("BillReceiver")
        if receiver is not None and not receiver.get("AccountNumber"):
            problems.append(("120412", "Missing or invalid receiver account number for bill receiver."))
    return problems


# --- helpers ----------------------------------------------------------------------------------------


def _services_for(origin: str, destination: str) -> list[str]:
    if not origin or not destination:
        return []
    if origin == destination:
        return ["03"] if origin == "US" else []  # UPS Ground is the domestic US service
    codes = ["07", "65", "08"]
    if region(origin) == region(destination) in {"europe", "north_america"}:
        codes.append("11")  # UPS Standard is a road service between neighbours
    return codes


def _price(code: str, destination: str, weight: Decimal, currency: str) -> tuple[Decimal, Decimal, Decimal]:
    return priced(
        ZONE_BASE_USD[region(destination)], Decimal("9.10"), SERVICES[code][1], weight, currency, FUEL_PERCENT
    )


def _billable_kg(packages: list[dict]) -> Decimal:
    return chargeable_kg(
        (
            (package.get("PackageWeight") or {}).get("Weight"),
            (((package.get("PackageWeight") or {}).get("UnitOfMeasurement") or {}).get("Code") or "KGS").upper()
            == "LBS",
            tuple((package.get("Dimensions") or {}).get(key) for key in ("Length", "Width", "Height")),
            (((package.get("Dimensions") or {}).get("UnitOfMeasurement") or {}).get("Code") or "CM").upper() == "IN",
        )
        for package in packages
    )


def _tracking_number(fake: Any, account: str, service: str) -> str:
    """A 1Z number: shipper number, service, package serial and UPS's check digit."""
    body = f"{account.upper()[:6]:0>6}{service[-2:]:0>2}{fake.next_sequence('ups') * 104_729 % 10_000_000:07d}"
    total = 0
    for position, char in enumerate(body, start=1):
        digit = int(char) if char.isdigit() else (ord(char) - 63) % 10
        total += digit * (2 if position % 2 == 0 else 1)
    return f"1Z{body}{(10 - total % 10) % 10}"


def _gif_label(number: str, reference: str | None, country: str | None) -> str:
    """UPS sends labels as a landscape GIF image, base64."""
    image = Image.new("1", (1200, 800), 1)  # bilevel, as thermal labels are
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=56)
    draw.rectangle((10, 10, 1189, 789), outline=0, width=6)
    for row, text in enumerate(("UPS", number, f"Ref {reference or '-'}", f"To {country or '-'}")):
        draw.text((60, 50 + row * 100), text, fill=0, font=font)
    for index, char in enumerate(number):
        x = 60 + index * 55
        draw.rectangle((x, 500, x + 10 + ord(char) % 30, 700), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="GIF")
    return base64.b64encode(buffer.getvalue()).decode()


def _address(location: str | None) -> dict:
    city, country = split_location(location)
    return {"city": city, "stateProvince": "", "postalCode": "", "country": country, "countryCode": country}


def _local(moment: datetime) -> tuple[str, str, str]:
    """UPS's local date, time and GMT offset of a scan, in the scan's own offset."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{moment:%Y%m%d}", f"{moment:%H%M%S}", f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _amount(value: Decimal, currency: str) -> dict:
    return {
        "CurrencyCode": currency,
        "MonetaryValue": f"{value:.2f}" if currency not in {"JPY", "KRW"} else f"{value:.0f}",
    }


def _country(party: Any) -> str:
    return ((party or {}).get("Address") or {}).get("CountryCode") or ""


def _date(value: Any) -> date:
    try:
        return datetime.strptime(str(value), "%Y%m%d").date()
    except ValueError:
        return datetime.now(UTC).date()


def _transaction(request: dict) -> dict:
    reference = ((request.get("Request") or {}).get("TransactionReference")) or {}
    return {"CustomerContext": reference.get("CustomerContext") or "", "TransactionIdentifier": uuid.uuid4().hex[:22]}


def _errors_body(problems: list[tuple[str, str]]) -> bytes:
    return json.dumps(
        {"response": {"errors": [{"code": code, "message": message} for code, message in problems]}}
    ).encode()


def _errors(status: int, problems: list[tuple[str, str]]) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json"}, _errors_body(problems)


def _ok(body: dict) -> tuple[int, dict, bytes]:
    return json_answer(200, body)
