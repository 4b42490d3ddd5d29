"""USPS APIs v3, faked for international mail: OAuth, payment authorization, prices, labels, tracking.

Endpoints (as karrio.usps_international calls them under `server_url`): POST /oauth2/v3/token
(form-encoded client credentials), POST /payments/v3/payment-authorization (CRID, MID and EPS account of
the label owner and payer), POST /shipments/v3/options/search, POST /international-labels/v3/
international-label (a multipart answer: the label metadata as JSON and the label PDF), DELETE
/international-labels/v3/international-label/<tracking number>, GET /tracking/v3/tracking/<number>.
OAuth: any non-empty client id and secret except the secret "wrong" (401 invalid_client); the other
endpoints want a bearer token this fake issued, labels also a payment authorization token.
International mail leaves only from the US. Errors use USPS's envelope:
{"apiVersion", "error": {"code", "message", "errors": [{"status", "code", "title", "detail", "source"}]}};
a number USPS has never scanned is a 404 with TRACKING_NUMBER_NOT_FOUND.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs

from storefront.integrations.carriers.fake import s10_tracking_number
from storefront.integrations.carriers.fake_fedex import (
    bearer_token,
    header,
    issue_token,
    json_answer,
    json_object,
    positive,
    region,
    split_location,
    token_is_valid,
)
from storefront.integrations.carriers.types import TrackingStatus

CARRIER = "usps_international"
TOKEN_KEY = b"clipper-fake-usps"
PAYMENT_KEY = b"clipper-fake-usps-payment"

# What a scan of each of our statuses is called at USPS (event codes).
EVENT_CODES = {
    TrackingStatus.LABEL_PURCHASED: "GX",
    TrackingStatus.IN_TRANSIT: "10",
    TrackingStatus.OUT_FOR_DELIVERY: "OF",
    TrackingStatus.FAILED_ATTEMPT: "02",
    TrackingStatus.DELIVERED: "01",
    TrackingStatus.RETURNED: "09",
    TrackingStatus.EXCEPTION: "16",
}
# label created, accepted, processed through facility, customs clearance, out for delivery, delivered
PROGRESS_CODES = ("GX", "03", "10", "PC", "OF", "01")
STATUS_CATEGORIES = {
    TrackingStatus.LABEL_PURCHASED: "Pre-Shipment",
    TrackingStatus.IN_TRANSIT: "In Transit",
    TrackingStatus.OUT_FOR_DELIVERY: "Out for Delivery",
    TrackingStatus.FAILED_ATTEMPT: "Delivery Attempt",
    TrackingStatus.DELIVERED: "Delivered",
    TrackingStatus.RETURNED: "Returned",
    TrackingStatus.EXCEPTION: "Alert",
}

MAIL_CLASSES = {
    # mail class: (product name, S10 prefix, base USD, USD per lb, max lb, commitment)
    "PRIORITY_MAIL_EXPRESS_INTERNATIONAL": (
        "Priority Mail Express International",
        "EC",
        Decimal("52.50"),
        Decimal("6.80"),
        66,
        "3 - 5 Business Days",
    ),
    "PRIORITY_MAIL_INTERNATIONAL": (
        "Priority Mail International",
        "CP",
        Decimal("38.40"),
        Decimal("5.10"),
        66,
        "6 - 10 Business Days",
    ),
    "FIRST-CLASS_PACKAGE_INTERNATIONAL_SERVICE": (
        "First-Class Package International Service",
        "LZ",
        Decimal("16.10"),
        Decimal("7.20"),
        4,
        "Varies by destination",
    ),
}
FIRST_CLASS_MAX_VALUE = Decimal(400)
TRANSIT_DAYS = {
    "PRIORITY_MAIL_EXPRESS_INTERNATIONAL": 4,
    "PRIORITY_MAIL_INTERNATIONAL": 8,
    "FIRST-CLASS_PACKAGE_INTERNATIONAL_SERVICE": 12,
}


def new_tracking_number(fake: Any) -> str:
    return s10_tracking_number("CP", fake.next_sequence(CARRIER) * 7_919 + 10_000_000)


def error_body(fake: Any, status: int, path: str) -> bytes:
    title = {
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        429: "Too Many Requests",
        503: "Service Unavailable",
    }.get(status, "Internal Server Error")
    return _envelope(
        path,
        status,
        title,
        [
            (
                str(status),
                title,
                "The service encountered a problem; please try again later." if status >= 500 else title,
                None,
            )
        ],
    )


def handle(fake: Any, method: str, path: str, query: dict, headers: dict, body: bytes) -> tuple[int, dict, bytes]:
    if method == "POST" and path == "/oauth2/v3/token":
        return _token(body)
    if not token_is_valid(TOKEN_KEY, bearer_token(headers)):
        return _error(
            path,
            401,
            "Unauthorized",
            [("UNAUTHORIZED", "Unauthorized", "The access token is missing, invalid or expired.", None)],
        )
    payload = json_object(body)
    parts = [part for part in path.split("/") if part]
    if method == "POST" and path == "/payments/v3/payment-authorization":
        return _payment_authorization(path, payload)
    if method == "POST" and path == "/shipments/v3/options/search":
        return _prices(path, payload)
    if parts[:3] == ["international-labels", "v3", "international-label"]:
        if not token_is_valid(PAYMENT_KEY, header(headers, "x-payment-authorization-token")):
            return _error(
                path,
                401,
                "Unauthorized",
                [
                    (
                        "PAYMENT_AUTHORIZATION_INVALID",
                        "Unauthorized",
                        "The payment authorization token is missing or invalid.",
                        None,
                    )
                ],
            )
        if method == "POST" and len(parts) == 3:
            return _label(fake, path, payload)
        if method == "DELETE" and len(parts) == 4:
            return _cancel(fake, path, parts[3])
    if method == "GET" and parts[:3] == ["tracking", "v3", "tracking"] and len(parts) == 4:
        return _track(fake, path, parts[3])
    return _error(path, 404, "Not Found", [("404", "Not Found", f"No resource for {method} {path}.", None)])


# --- OAuth and payment authorization ----------------------------------------------------------------


def _token(body: bytes) -> tuple[int, dict, bytes]:
    form = {key: values[-1] for key, values in parse_qs(body.decode("utf-8", "replace")).items()}
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if form.get("grant_type") != "client_credentials" or not client_id or not secret or secret == "wrong":
        return json_answer(
            401,
            {
                "error": {
                    "code": "invalid_client",
                    "message": "Client authentication failed: the consumer key or secret is not valid.",
                }
            },
        )
    now = datetime.now(UTC)
    return _ok(
        {
            "access_token": issue_token(TOKEN_KEY, client_id),
            "token_type": "Bearer",
            "issued_at": int(now.timestamp() * 1000),
            "expires_in": 28799,
            "status": "approved",
            "scope": form.get("scope", ""),
            "issuer": "api.usps.com",
            "client_id": client_id,
            "application_name": "Clipper",
        }
    )


def _payment_authorization(path: str, payload: dict) -> tuple[int, dict, bytes]:
    problems = []
    for index, role in enumerate(payload.get("roles") or []):
        for field in ("CRID", "MID", "accountNumber"):
            if not role.get(field):
                problems.append(
                    (
                        "MISSING_FIELD",
                        "Bad Request",
                        f"{field} is required for role {role.get('roleName')}.",
                        f"roles[{index}].{field}",
                    )
                )
        if role.get("accountType") not in {"EPS", "PERMIT", "METER"}:
            problems.append(
                (
                    "INVALID_FIELD",
                    "Bad Request",
                    "accountType must be EPS, PERMIT or METER.",
                    f"roles[{index}].accountType",
                )
            )
    if not {role.get("roleName") for role in payload.get("roles") or []} >= {"LABEL_OWNER", "PAYER"}:
        problems.append(("MISSING_FIELD", "Bad Request", "A LABEL_OWNER and a PAYER role are required.", "roles"))
    if problems:
        return _error(path, 400, "Bad Request", problems)
    payer = next(role for role in payload["roles"] if role.get("roleName") == "PAYER")
    return _ok(
        {"paymentAuthorizationToken": issue_token(PAYMENT_KEY, str(payer["accountNumber"])), "roles": payload["roles"]}
    )


# --- prices -----------------------------------------------------------------------------------------


def _prices(path: str, payload: dict) -> tuple[int, dict, bytes]:
    package = payload.get("packageDescription") or {}
    destination = payload.get("destinationCountryCode") or ""
    problems = []
    if not payload.get("originZIPCode"):
        problems.append(("MISSING_FIELD", "Bad Request", "originZIPCode is required.", "originZIPCode"))
    if not destination or destination == "US":
        problems.append(
            (
                "INVALID_FIELD",
                "Bad Request",
                "destinationCountryCode must be a country other than the US.",
                "destinationCountryCode",
            )
        )
    if not positive(package.get("weight")):
        problems.append(("INVALID_FIELD", "Bad Request", "weight must be greater than 0.", "packageDescription.weight"))
    if problems:
        return _error(path, 400, "Bad Request", problems)
    wanted = package.get("mailClass") or "ALL"
    pounds = Decimal(str(package["weight"]))
    value = Decimal(str(package.get("packageValue") or 0))
    options = []
    for mail_class in MAIL_CLASSES:
        if wanted not in ("ALL", mail_class) or not _accepts(mail_class, pounds, value):
            continue
        name, _prefix, _base, _per_lb, _max, commitment = MAIL_CLASSES[mail_class]
        price = _postage(mail_class, destination, pounds)
        mailing = _date(package.get("mailingDate"))
        rate = {
            "description": f"{name} ISC Single-piece",
            "startDate": f"{mailing:%Y-01-19}",
            "endDate": "",
            "price": float(price),
            "zone": _price_group(destination),
            "weight": float(pounds),
            "dimensionalWeight": 0,
            "fees": [],
            "priceType": (payload.get("pricingOptions") or [{}])[0].get("priceType") or "RETAIL",
            "mailClass": mail_class,
            "productName": name,
            "productDefinition": "",
            "processingCategory": "NON_MACHINABLE"
            if mail_class != "FIRST-CLASS_PACKAGE_INTERNATIONAL_SERVICE"
            else "MACHINABLE",
            "rateIndicator": "PA" if mail_class.startswith("PRIORITY_MAIL_EXPRESS") else "SP",
            "destinationEntryFacilityType": "NONE",
            "SKU": f"I{mail_class[:2]}XP0XXXXR{_price_group(destination)}0200",
        }
        options.append(
            {
                "mailClass": mail_class,
                "rateOptions": [
                    {"totalPrice": float(price), "totalBasePrice": float(price), "rates": [rate], "extraServices": []}
                ],
            }
        )
    if not options:
        return _error(
            path,
            400,
            "Bad Request",
            [
                (
                    "NO_RATES",
                    "Bad Request",
                    f"No {wanted} prices for this package to {destination}.",
                    "packageDescription.mailClass",
                )
            ],
        )
    return _ok(
        {
            "originZIPCode": payload.get("originZIPCode"),
            "foreignPostalCode": payload.get("foreignPostalCode"),
            "destinationCountryCode": destination,
            "pricingOptions": [
                {
                    "shippingOptions": options,
                    "priceType": (payload.get("pricingOptions") or [{}])[0].get("priceType") or "RETAIL",
                    "paymentAccount": (payload.get("pricingOptions") or [{}])[0].get("paymentAccount"),
                }
            ],
        }
    )


# --- labels -----------------------------------------------------------------------------------------


def _label(fake: Any, path: str, payload: dict) -> tuple[int, dict, bytes]:
    to, sender = payload.get("toAddress") or {}, payload.get("fromAddress") or {}
    package = payload.get("packageDescription") or {}
    form = payload.get("customsForm") or {}
    problems = []
    if not to.get("countryISOAlpha2Code") or to.get("countryISOAlpha2Code") == "US":
        problems.append(
            (
                "INVALID_FIELD",
                "Bad Request",
                "toAddress.countryISOAlpha2Code must be a country other than the US.",
                "toAddress.countryISOAlpha2Code",
            )
        )
    for field in ("streetAddress", "city"):
        if not (to.get(field) or "").strip():
            problems.append(("MISSING_FIELD", "Bad Request", f"toAddress.{field} is required.", f"toAddress.{field}"))
    for field in ("streetAddress", "city", "state", "ZIPCode"):
        if not (sender.get(field) or "").strip():
            problems.append(
                ("MISSING_FIELD", "Bad Request", f"fromAddress.{field} is required.", f"fromAddress.{field}")
            )
    mail_class = package.get("mailClass")
    if mail_class not in MAIL_CLASSES:
        problems.append(
            (
                "INVALID_FIELD",
                "Bad Request",
                f"mailClass {mail_class!r} is not an international mail class.",
                "packageDescription.mailClass",
            )
        )
    if not positive(package.get("weight")):
        problems.append(("INVALID_FIELD", "Bad Request", "weight must be greater than 0.", "packageDescription.weight"))
    contents = form.get("contents") or []
    if not contents:
        problems.append(
            (
                "MISSING_FIELD",
                "Bad Request",
                "customsForm.contents is required for international mail.",
                "customsForm.contents",
            )
        )
    for index, item in enumerate(contents):
        where = f"customsForm.contents[{index}]"
        if not (item.get("itemDescription") or "").strip():
            problems.append(
                ("MISSING_FIELD", "Bad Request", f"{where}.itemDescription is required.", f"{where}.itemDescription")
            )
        if not positive(item.get("itemValue")):
            problems.append(
                ("INVALID_FIELD", "Bad Request", f"{where}.itemValue must be greater than 0.", f"{where}.itemValue")
            )
        if not positive(item.get("itemQuantity")):
            problems.append(
                (
                    "INVALID_FIELD",
                    "Bad Request",
                    f"{where}.itemQuantity must be greater than 0.",
                    f"{where}.itemQuantity",
                )
            )
        if not item.get("countryofOrigin"):
            problems.append(
                ("MISSING_FIELD", "Bad Request", f"{where}.countryofOrigin is required.", f"{where}.countryofOrigin")
            )
    if problems:
        return _error(path, 400, "Bad Request", problems)
    pounds = Decimal(str(package["weight"]))
    value = sum((Decimal(str(item.get("itemTotalValue") or 0)) for item in contents), Decimal(0))
    if not _accepts(mail_class, pounds, value):
        return _error(
            path,
            400,
            "Bad Request",
            [
                (
                    "INVALID_FIELD",
                    "Bad Request",
                    f"The package exceeds the weight or value limit of {MAIL_CLASSES[mail_class][0]}.",
                    "packageDescription.weight",
                )
            ],
        )

    destination = to["countryISOAlpha2Code"]
    name, prefix, _base, _per_lb, _max, commitment = MAIL_CLASSES[mail_class]
    postage = _postage(mail_class, destination, pounds)
    number = s10_tracking_number(prefix, fake.next_sequence(CARRIER) * 7_919 + 10_000_000)
    image = (payload.get("imageInfo") or {}).get("imageType") or "PDF"
    references = package.get("customerReference") or [{}]
    booked = fake.book(
        CARRIER,
        service=mail_class,
        reference=references[0].get("referenceNumber"),
        recipient_country=destination,
        recipient_city=to.get("city"),
        shipper_country="US",
        shipper_city=sender.get("city"),
        amount=str(postage),
        currency="USD",
        label_format="ZPL" if image.startswith("ZPL") else "PDF",
        tracking_number=number,
        request=payload,
    )
    mailing = _date(package.get("mailingDate"))
    metadata = {
        "labelAddress": {
            "streetAddress": to.get("streetAddress"),
            "secondaryAddress": to.get("secondaryAddress") or "",
            "city": (to.get("city") or "").upper(),
            "postalCode": to.get("postalCode"),
            "province": to.get("province") or "",
            "country": destination,
            "countryISOAlpha2Code": destination,
            "firstName": to.get("firstName"),
            "lastName": to.get("lastName"),
            "firm": to.get("firm") or "",
            "ignoreBadAddress": True,
        },
        "routingInformation": "",
        "trackingNumber": number,
        "constructCode": "C01",
        "SKU": f"I{mail_class[:2]}XP0XXXXR{_price_group(destination)}0200",
        "postage": float(postage),
        "extraServices": [],
        "internationalPriceGroup": _price_group(destination),
        "zone": _price_group(destination),
        "commitment": {
            "name": commitment,
            "scheduleDeliveryDate": f"{mailing + timedelta(days=TRANSIT_DAYS[mail_class]):%Y-%m-%d}",
        },
        "weightUOM": "lb",
        "weight": float(pounds),
        "dimensionalWeight": 0,
        "fees": [],
        "bannerText": "USPS TRACKING # EP" if mail_class.startswith("PRIORITY") else "",
        "retailDistributionCode": "02",
        "serviceTypeCode": {
            "PRIORITY_MAIL_EXPRESS_INTERNATIONAL": 610,
            "PRIORITY_MAIL_INTERNATIONAL": 620,
            "FIRST-CLASS_PACKAGE_INTERNATIONAL_SERVICE": 630,
        }[mail_class],
    }
    boundary = f"usps-{uuid.uuid4().hex[:24]}"
    content_type, filename = (
        ("application/zpl", "labelImage.zpl") if image.startswith("ZPL") else ("application/pdf", "labelImage.pdf")
    )
    body = (
        f"--{boundary}\r\n"
        "Content-Type: application/json\r\n"
        'Content-Disposition: form-data; name="labelMetadata"\r\n\r\n'
        f"{json.dumps(metadata)}\r\n"
        f"--{boundary}\r\n"
        f"Content-Type: {content_type}\r\n"
        f'Content-Disposition: form-data; filename="{filename}"; name="labelImage"\r\n\r\n'
        f"{base64.b64encode(booked['label']).decode()}\r\n"
        f"--{boundary}--\r\n"
    )
    return 200, {"Content-Type": f"multipart/form-data; boundary={boundary}"}, body.encode()


def _cancel(fake: Any, path: str, number: str) -> tuple[int, dict, bytes]:
    booked = fake.shipments.get(number)
    if booked is None or booked.get("carrier") != CARRIER:
        return _error(
            path,
            404,
            "Not Found",
            [("LABEL_NOT_FOUND", "Not Found", f"No label was found for tracking number {number}.", None)],
        )
    if number in fake.voided:
        return _error(
            path,
            400,
            "Bad Request",
            [("LABEL_ALREADY_CANCELED", "Bad Request", f"The label {number} has already been canceled.", None)],
        )
    if any(event["status"] is not TrackingStatus.LABEL_PURCHASED for event in fake.events_for(number)):
        return _error(
            path,
            400,
            "Bad Request",
            [
                (
                    "LABEL_IN_USE",
                    "Bad Request",
                    f"The label {number} has been scanned by USPS and can no longer be canceled.",
                    None,
                )
            ],
        )
    fake.voided.add(number)
    return _ok({"trackingNumber": number, "status": "CANCELED"})


# --- tracking ---------------------------------------------------------------------------------------


def _track(fake: Any, path: str, number: str) -> tuple[int, dict, bytes]:
    events = fake.events_for(number)
    if not events:
        return _error(
            path,
            404,
            "Not Found",
            [
                (
                    "TRACKING_NUMBER_NOT_FOUND",
                    "Tracking number not found",
                    "The tracking number may be incorrect or the status update is not yet available. "
                    "Please verify your tracking number and try again later.",
                    None,
                )
            ],
        )
    booked = fake.shipments.get(number, {})
    latest = events[-1]
    mail_class = booked.get("service") or "PRIORITY_MAIL_INTERNATIONAL"
    start = booked.get("created_at") or events[0]["occurred_at"]
    answer: dict[str, Any] = {
        "trackingNumber": number,
        "mailClass": MAIL_CLASSES.get(mail_class, MAIL_CLASSES["PRIORITY_MAIL_INTERNATIONAL"])[0],
        "mailType": "IN",
        "originCity": (booked.get("shipper_city") or "").upper(),
        "originCountry": booked.get("shipper_country") or "US",
        "destinationCity": (booked.get("recipient_city") or "").upper(),
        "destinationCountryCode": booked.get("recipient_country") or "",
        "emailEnabled": True,
        "proofOfDeliveryEnabled": False,
        "status": latest["description"],
        "statusCategory": STATUS_CATEGORIES[latest["status"]],
        "statusSummary": f"{latest['description']}, {_local(latest['occurred_at'])[0]}.",
        "services": ["Priority Mail International<SUP>&#174;</SUP>"]
        if mail_class == "PRIORITY_MAIL_INTERNATIONAL"
        else [],
        "trackingEvents": [_event(event) for event in reversed(events)],  # newest first
    }
    if latest["status"] is not TrackingStatus.DELIVERED:
        expected = start + timedelta(days=TRANSIT_DAYS.get(mail_class, 8))
        answer["expectedDeliveryTimeStamp"] = f"{expected:%Y-%m-%dT00:00:00Z}"
    return _ok(answer)


def _event(event: dict) -> dict:
    local, offset = _local(event["occurred_at"])
    city, country = split_location(event.get("location"))
    return {
        "eventType": event["description"],
        "eventTimestamp": local,
        "GMTTimestamp": f"{event['occurred_at'].astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
        "GMTOffset": offset,
        "eventCountry": country or None,
        "eventCity": city.upper() or None,
        "eventState": None,
        "eventZIP": None,
        "firm": None,
        "name": None,
        "authorizedAgent": False,
        "eventCode": _code(event),
    }


def _code(event: dict) -> str:
    """The event's USPS code; a test's event for a number booked elsewhere gets USPS's usual one."""
    status = event["status"]
    return EVENT_CODES[status] if event["code"] == status.value.upper() else event["code"]


# --- helpers ----------------------------------------------------------------------------------------


def _accepts(mail_class: str, pounds: Decimal, value: Decimal) -> bool:
    if pounds > MAIL_CLASSES[mail_class][4]:
        return False
    return not (mail_class == "FIRST-CLASS_PACKAGE_INTERNATIONAL_SERVICE" and value > FIRST_CLASS_MAX_VALUE)


def _postage(mail_class: str, destination: str, pounds: Decimal) -> Decimal:
    _name, _prefix, base, per_lb, _max, _commitment = MAIL_CLASSES[mail_class]
    group = {"north_america": Decimal(1), "europe": Decimal("1.18")}.get(region(destination), Decimal("1.25"))
    billed = pounds.to_integral_value(rounding="ROUND_CEILING")
    return ((base + per_lb * max(Decimal(0), billed - 1)) * group).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _price_group(destination: str) -> str:
    """USPS's international price group (1 Canada, 2 Mexico, 5 most of Europe, 3 Japan...)."""
    return {"CA": "01", "MX": "02", "JP": "03"}.get(destination) or ("05" if region(destination) == "europe" else "08")


def _local(moment: datetime) -> tuple[str, str]:
    """USPS's local timestamp of a scan and its GMT offset."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{moment:%Y-%m-%dT%H:%M:%S}", f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return datetime.now(UTC).date()


def _envelope(path: str, status: int, message: str, problems: list[tuple[str, str, str, str | None]]) -> bytes:
    api = "/" + "/".join(path.strip("/").split("/")[:2])
    return json.dumps(
        {
            "apiVersion": api,
            "error": {
                "code": str(status),
                "message": message,
                "errors": [
                    {
                        "status": str(status),
                        "code": code,
                        "title": title,
                        "detail": detail,
                        **({"source": {"parameter": source}} if source else {}),
                    }
                    for code, title, detail, source in problems
                ],
            },
        }
    ).encode()


def _error(
    path: str, status: int, message: str, problems: list[tuple[str, str, str, str | None]]
) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json"}, _envelope(path, status, message, problems)


def _ok(body: dict) -> tuple[int, dict, bytes]:
    return json_answer(200, body)
