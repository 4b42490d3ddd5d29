"""The carrier adapter against a fake DHL Express (MyDHL API) over real HTTP, through karrio.

Fake payloads: storefront/integrations/carriers/fake_mydhl.py (POST /rates, POST /shipments,
GET /tracking, GET /shipments/<n>/proof-of-delivery, DHL problem+json errors).
"""
from __future__ import annotations

import dataclasses
import socket
import time
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from storefront.integrations import carriers
from storefront.integrations.carriers import karrio_runtime
from storefront.integrations.carriers.karrio_connector import decimal_to_minor, minor_to_decimal
from storefront.integrations.carriers.types import (
    Address,
    CarrierError,
    CarrierErrorCode,
    CustomsDeclaration,
    CustomsItem,
    Parcel,
    ShipmentRequest,
    TrackingStatus,
)
from tests.fakes.carriers import carrier_config

SHENZHEN = Address(
    name="Li Wei",
    company="Clipper Trading Ltd",
    street_lines=("Bao'an Avenue 88", "Building 3"),
    city="Shenzhen",
    postal_code="518000",
    country_code="CN",
    phone="+86 755 8888 0000",
)
BERLIN = Address(name="Anna Schmidt", street_lines=("Hauptstraße 5",), city="Berlin", postal_code="10115", country_code="DE")
LONDON = Address(name="Oliver Brown", street_lines=("10 Downing Lane",), city="London", postal_code="SW1A 2AA", country_code="GB")
AUSTIN = Address(
    name="Maria Garcia", street_lines=("500 Congress Ave",), city="Austin", postal_code="78701", state_code="TX", country_code="US"
)

TSHIRT = CustomsItem("Cotton T-shirt", 2, 1250, 180, hs_code="610910", origin_country="CN", sku="TS-BLK-M")
MUG = CustomsItem("Ceramic mug", 1, 899, 350, hs_code="691200", origin_country="CN", sku="MUG-1")


def customs(currency: str, incoterm: str, **extra) -> CustomsDeclaration:
    return CustomsDeclaration(
        currency=currency,
        incoterm=incoterm,
        items=(TSHIRT, MUG),
        invoice_number="INV-1001",
        invoice_date=date(2025, 3, 14),
        **extra,
    )


def shipment_to(recipient: Address, declaration: CustomsDeclaration | None = None, **extra) -> ShipmentRequest:
    return ShipmentRequest(
        shipper=SHENZHEN,
        recipient=recipient,
        parcels=(Parcel(weight_grams=850, length_mm=300, width_mm=220, height_mm=80),),
        reference="#1001",
        customs=declaration,
        **extra,
    )


def last_request(fake, path: str) -> dict:
    return next(body for carrier, method, p, body in reversed(fake.requests) if carrier == "mydhl" and p == path)


# --- rates --------------------------------------------------------------------------------------------


def test_dhl_rates_list_each_product_for_the_route_with_price_in_minor_units(fake_carriers):
    quotes = carriers.fetch_rates(carrier_config(fake_carriers, "mydhl"), shipment_to(BERLIN, customs("EUR", "DDP")))

    by_service = {quote.service_code: quote for quote in quotes}
    assert {"mydhl_express_worldwide", "mydhl_economy_select"} <= set(by_service)
    worldwide = by_service["mydhl_express_worldwide"]
    assert worldwide.service_name == "DHL Express Worldwide"
    assert worldwide.currency == "CNY"
    assert isinstance(worldwide.amount, int) and worldwide.amount > 0
    assert worldwide.transit_days == 3
    assert worldwide.estimated_delivery is not None
    assert worldwide.incoterm == "DDP"
    assert worldwide.account_id == 1
    sent = last_request(fake_carriers, "/rates")
    assert sent["customerDetails"]["receiverDetails"]["countryCode"] == "DE"
    assert sent["packages"][0]["weight"] == 0.85  # grams → kg
    assert sent["packages"][0]["dimensions"] == {"length": 30, "width": 22, "height": 8}  # mm → cm


def test_dhl_rates_only_show_the_services_enabled_on_the_account(fake_carriers):
    config = carrier_config(fake_carriers, "mydhl", services=("mydhl_economy_select",))

    quotes = carriers.fetch_rates(config, shipment_to(LONDON, customs("GBP", "DAP")))

    assert [quote.service_code for quote in quotes] == ["mydhl_economy_select"]


def test_dhl_rates_without_a_postal_code_say_which_field_dhl_refused(fake_carriers):
    no_postcode = dataclasses.replace(BERLIN, postal_code=None)

    with pytest.raises(CarrierError) as caught:
        carriers.fetch_rates(carrier_config(fake_carriers, "mydhl"), shipment_to(no_postcode, customs("EUR", "DDP")))

    assert caught.value.code is CarrierErrorCode.INVALID_REQUEST
    assert caught.value.carrier == "mydhl"
    assert "see Additional Details" in caught.value.message
    assert any("receiverDetails/postalCode" in detail for detail in caught.value.details)


# --- booking ------------------------------------------------------------------------------------------


def test_booking_to_germany_ddp_sends_the_ioss_number_and_every_commodity(fake_carriers):
    request = shipment_to(BERLIN, customs("EUR", "DDP", ioss_number="IM2760000742"), service_code="mydhl_express_worldwide")

    booked = carriers.book_shipment(carrier_config(fake_carriers, "mydhl"), request)

    assert booked.tracking_number in fake_carriers.shipments
    assert len(booked.tracking_number) == 10 and booked.tracking_number.isdigit()
    assert booked.label.kind == "label" and booked.label.format == "PDF"
    assert booked.label.content.startswith(b"%PDF-")
    assert booked.label.content == fake_carriers.shipments[booked.tracking_number]["label"]
    assert booked.currency == "CNY" and booked.amount == decimal_to_minor(
        fake_carriers.shipments[booked.tracking_number]["amount"], "CNY"
    )
    assert booked.tracking_url.endswith(f"tracking-id={booked.tracking_number}")
    sent = last_request(fake_carriers, "/shipments")
    assert sent["productCode"] == "P"
    assert sent["customerReferences"] == [{"value": "#1001", "typeCode": "CU"}]
    assert sent["customerDetails"]["shipperDetails"]["registrationNumbers"] == [
        {"typeCode": "SDT", "number": "IM2760000742", "issuerCountryCode": "DE"}
    ]
    assert {"serviceCode": "DD"} in sent["valueAddedServices"]  # duties and taxes paid by the shipper
    content = sent["content"]
    assert content["incoterm"] == "DDP"
    assert content["isCustomsDeclarable"] is True
    assert content["declaredValue"] == 33.99 and content["declaredValueCurrency"] == "EUR"
    lines = content["exportDeclaration"]["lineItems"]
    assert [(line["description"], line["price"], line["quantity"]["value"]) for line in lines] == [
        ("Cotton T-shirt", 12.5, 2),
        ("Ceramic mug", 8.99, 1),
    ]
    assert [line["commodityCodes"][0]["value"] for line in lines] == ["610910", "691200"]
    assert {line["manufacturerCountry"] for line in lines} == {"CN"}
    assert lines[0]["weight"]["netValue"] == 0.36  # 2 × 180 g
    assert content["exportDeclaration"]["invoice"] == {"number": "INV-1001", "date": "2025-03-14"}


@pytest.mark.parametrize(
    ("recipient", "currency", "vat_number", "expected_numbers"),
    [
        (LONDON, "GBP", "GB123456789", [{"typeCode": "VAT", "number": "GB123456789", "issuerCountryCode": "GB"}]),
        (AUSTIN, "USD", None, None),
    ],
    ids=["GB", "US"],
)
def test_booking_dap_leaves_duties_to_the_recipient(fake_carriers, recipient, currency, vat_number, expected_numbers):
    request = shipment_to(recipient, customs(currency, "DAP", vat_number=vat_number), service_code="mydhl_express_worldwide")

    booked = carriers.book_shipment(carrier_config(fake_carriers, "mydhl"), request)

    assert fake_carriers.shipments[booked.tracking_number]["recipient_country"] == recipient.country_code
    sent = last_request(fake_carriers, "/shipments")
    assert sent["content"]["incoterm"] == "DAP"
    assert "DD" not in [service["serviceCode"] for service in sent.get("valueAddedServices") or []]
    assert sent["customerDetails"]["shipperDetails"].get("registrationNumbers") == expected_numbers
    assert sent["content"]["declaredValueCurrency"] == currency
    assert booked.label.content.startswith(b"%PDF-")


def test_booking_a_zpl_label_returns_zpl(fake_carriers):
    request = shipment_to(AUSTIN, customs("USD", "DAP"), service_code="mydhl_express_worldwide", label_format="ZPL")

    booked = carriers.book_shipment(carrier_config(fake_carriers, "mydhl"), request)

    assert booked.label.format == "ZPL"
    assert booked.label.content.startswith(b"^XA") and booked.tracking_number.encode() in booked.label.content


def test_booking_a_commodity_without_a_price_is_refused_and_nothing_is_booked(fake_carriers):
    free = dataclasses.replace(TSHIRT, unit_value=0)
    declaration = dataclasses.replace(customs("EUR", "DAP"), items=(free,))

    with pytest.raises(CarrierError) as caught:
        carriers.book_shipment(
            carrier_config(fake_carriers, "mydhl"), shipment_to(BERLIN, declaration, service_code="mydhl_express_worldwide")
        )

    assert caught.value.code is CarrierErrorCode.INVALID_REQUEST
    assert any("lineItems/0/price" in detail for detail in caught.value.details)
    assert fake_carriers.shipments == {}


def test_booking_without_a_service_is_refused_before_calling_dhl(fake_carriers):
    with pytest.raises(CarrierError) as caught:
        carriers.book_shipment(carrier_config(fake_carriers, "mydhl"), shipment_to(BERLIN, customs("EUR", "DDP")))

    assert caught.value.code is CarrierErrorCode.INVALID_REQUEST and caught.value.field == "service_code"
    assert fake_carriers.requests == []


def test_dhl_labels_cannot_be_voided_through_the_api(fake_carriers):
    spec = carriers.get_spec("mydhl")
    assert spec.can_void is False and spec.display_name == "DHL Express"

    with pytest.raises(CarrierError) as caught:
        carriers.void_shipment(carrier_config(fake_carriers, "mydhl"), "1234567890")

    assert caught.value.code is CarrierErrorCode.UNSUPPORTED
    assert fake_carriers.requests == []


# --- tracking -----------------------------------------------------------------------------------------


def test_tracking_returns_new_events_with_their_local_offsets(fake_carriers):
    config = carrier_config(fake_carriers, "mydhl")
    booked = carriers.book_shipment(config, shipment_to(BERLIN, customs("EUR", "DDP"), service_code="mydhl_express_worldwide"))
    number = booked.tracking_number
    china, germany = timezone(timedelta(hours=8)), timezone(timedelta(hours=2))
    fake_carriers.add_event(number, TrackingStatus.IN_TRANSIT, "Shipment picked up", location="SHENZHEN - CHINA",
                            occurred_at=datetime(2025, 3, 14, 17, 5, tzinfo=china), code="PU")
    fake_carriers.add_event(number, TrackingStatus.IN_TRANSIT, "Clearance processing complete", location="LEIPZIG - GERMANY",
                            occurred_at=datetime(2025, 3, 16, 6, 40, tzinfo=germany), code="CR")
    fake_carriers.add_event(number, TrackingStatus.OUT_FOR_DELIVERY, "Shipment is out with courier for delivery",
                            location="BERLIN - GERMANY", occurred_at=datetime(2025, 3, 17, 8, 15, tzinfo=germany))

    result = carriers.fetch_tracking(config, [number])[number]

    assert result.found is True
    assert [event.code for event in result.events] == ["PU", "CR", "WC"]
    assert [event.status for event in result.events] == [
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.OUT_FOR_DELIVERY,
    ]
    first = result.events[0]
    assert first.occurred_at == datetime(2025, 3, 14, 9, 5, tzinfo=UTC)
    assert first.occurred_at.tzinfo is not None and first.utc_offset_minutes == 480
    assert result.events[-1].utc_offset_minutes == 120
    assert first.description == "Shipment picked up" and first.location == "SHENZHEN - CHINA"
    assert result.status is TrackingStatus.OUT_FOR_DELIVERY and result.delivered is False
    assert result.estimated_delivery is not None


def test_tracking_a_delivered_parcel_says_delivered(fake_carriers):
    config = carrier_config(fake_carriers, "mydhl")
    fake_carriers.add_event("5839201746", TrackingStatus.IN_TRANSIT, "Departed Facility", code="DF",
                            occurred_at=datetime(2025, 3, 15, 1, 0, tzinfo=UTC))
    fake_carriers.add_event("5839201746", TrackingStatus.DELIVERED, "Delivered", code="OK",
                            occurred_at=datetime(2025, 3, 17, 11, 0, tzinfo=UTC))

    result = carriers.fetch_tracking(config, ["5839201746"])["5839201746"]

    assert result.delivered is True and result.status is TrackingStatus.DELIVERED
    assert result.events[-1].carrier_status == "delivered"


def test_a_tracking_number_dhl_does_not_know_is_not_found_rather_than_an_error(fake_carriers):
    config = carrier_config(fake_carriers, "mydhl")
    fake_carriers.add_event("5839201746", TrackingStatus.IN_TRANSIT, "Departed Facility")

    alone = carriers.fetch_tracking(config, ["1000000009"])
    mixed = carriers.fetch_tracking(config, ["1000000009", "5839201746"])

    assert alone["1000000009"].found is False and alone["1000000009"].events == ()
    assert mixed["1000000009"].found is False
    assert mixed["5839201746"].found is True


# --- failures -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["rates", "book", "track"])
def test_refused_credentials_are_an_authentication_error(fake_carriers, operation):
    config = carrier_config(fake_carriers, "mydhl", credentials={"username": "clipper", "password": "wrong", "account_number": "1"})
    request = shipment_to(BERLIN, customs("EUR", "DDP"), service_code="mydhl_express_worldwide")

    with pytest.raises(CarrierError) as caught:
        if operation == "rates":
            carriers.fetch_rates(config, request)
        elif operation == "book":
            carriers.book_shipment(config, request)
        else:
            carriers.fetch_tracking(config, ["5839201746"])

    assert caught.value.code is CarrierErrorCode.AUTHENTICATION
    assert caught.value.message == "Invalid Credentials"
    assert fake_carriers.shipments == {}


def test_a_dhl_server_error_is_unavailable_and_retryable(fake_carriers):
    fake_carriers.fail_next("mydhl", 500)

    with pytest.raises(CarrierError) as caught:
        carriers.fetch_rates(carrier_config(fake_carriers, "mydhl"), shipment_to(BERLIN, customs("EUR", "DDP")))

    assert caught.value.code is CarrierErrorCode.UNAVAILABLE and caught.value.retryable
    # the next call goes through
    assert carriers.fetch_rates(carrier_config(fake_carriers, "mydhl"), shipment_to(BERLIN, customs("EUR", "DDP")))


def test_a_gateway_error_page_instead_of_json_is_unavailable(fake_carriers):
    fake_carriers.fail_next("mydhl", 502, "<html><body>502 Bad Gateway</body></html>")

    with pytest.raises(CarrierError) as caught:
        carriers.book_shipment(
            carrier_config(fake_carriers, "mydhl"),
            shipment_to(BERLIN, customs("EUR", "DDP"), service_code="mydhl_express_worldwide"),
        )

    assert caught.value.code is CarrierErrorCode.UNAVAILABLE


def test_a_slow_carrier_is_unavailable_within_the_timeout(fake_carriers):
    fake_carriers.delay_seconds = 5
    config = carrier_config(fake_carriers, "mydhl", timeout_seconds=0.5)

    started = time.monotonic()
    with pytest.raises(CarrierError) as caught:
        carriers.fetch_rates(config, shipment_to(BERLIN, customs("EUR", "DDP")))

    assert time.monotonic() - started < 2
    assert caught.value.code is CarrierErrorCode.UNAVAILABLE
    assert "0.5 seconds" in caught.value.message


def test_a_carrier_that_cannot_be_reached_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = carrier_config(type("Closed", (), {"server_url": lambda self, name: f"http://127.0.0.1:{port}/{name}"})(), "mydhl")

    with pytest.raises(CarrierError) as caught:
        carriers.fetch_tracking(config, ["5839201746"])

    assert caught.value.code is CarrierErrorCode.UNAVAILABLE
    assert "could not be reached" in caught.value.message


def test_pointing_one_account_at_the_fake_leaves_dhls_own_address_alone(fake_carriers):
    carriers.fetch_tracking(carrier_config(fake_carriers, "mydhl"), ["5839201746"])

    gateway = karrio_runtime.gateway("mydhl", {"username": "u", "password": "p", "test_mode": True})

    assert gateway.settings.server_url == "https://express.api.dhl.com/mydhlapi/test"


# --- specs and money ----------------------------------------------------------------------------------


def test_every_karrio_carrier_is_offered_with_its_credential_fields():
    specs = {spec.name: spec for spec in carriers.carrier_specs()}

    assert {"mydhl", "fedex", "ups", "usps_international"} <= set(specs)
    dhl = specs["mydhl"]
    assert [field.name for field in dhl.credential_fields] == ["username", "password", "account_number"]
    assert [field.name for field in dhl.credential_fields if field.secret] == ["password"]
    assert all(service.code.startswith("mydhl_") for service in dhl.services)


def test_tracking_url_uses_dhls_public_page_unless_the_account_overrides_it(fake_carriers):
    config = carrier_config(fake_carriers, "mydhl")

    assert carriers.tracking_url(config, "5839201746").endswith("tracking-id=5839201746")
    custom = dataclasses.replace(config, tracking_url_template="https://t.17track.net/en#nums={tracking_number}")
    assert carriers.tracking_url(custom, "5839201746") == "https://t.17track.net/en#nums=5839201746"


@pytest.mark.parametrize(
    ("minor", "currency", "decimal_text"), [(1250, "EUR", "12.50"), (1980, "JPY", "1980"), (12345, "BHD", "12.345")]
)
def test_customs_values_follow_each_currencys_minor_digits(minor, currency, decimal_text):
    assert str(minor_to_decimal(minor, currency)) == decimal_text
    assert decimal_to_minor(float(decimal_text), currency) == minor


def test_many_tracking_numbers_are_asked_in_batches(fake_carriers):
    numbers = [f"{5839201700 + index}" for index in range(25)]
    fake_carriers.add_event(numbers[-1], TrackingStatus.IN_TRANSIT, "Departed Facility")

    results = carriers.fetch_tracking(carrier_config(fake_carriers, "mydhl"), numbers)

    assert len(results) == 25 and results[numbers[-1]].found and not results[numbers[0]].found
    asked = [call["query"]["shipmentTrackingNumber"] for call in fake_carriers.calls if call["path"] == "/tracking"]
    assert [len(batch) for batch in asked] == [20, 5]


# --- the demo's fake --------------------------------------------------------------------------------


def test_demo_parcels_advance_from_label_to_delivered_as_time_passes(fake_carriers):
    fake_carriers.auto_progress = True
    config = carrier_config(fake_carriers, "mydhl")
    booked = carriers.book_shipment(config, shipment_to(BERLIN, customs("EUR", "DDP"), service_code="mydhl_express_worldwide"))
    number = booked.tracking_number

    fresh = carriers.fetch_tracking(config, [number])[number]
    assert [event.status for event in fresh.events] == [TrackingStatus.LABEL_PURCHASED]
    assert fresh.delivered is False

    fake_carriers.shipments[number]["created_at"] -= timedelta(hours=1)
    later = carriers.fetch_tracking(config, [number])[number]

    assert [event.code for event in later.events] == ["SD", "PU", "DF", "CR", "WC", "OK"]
    assert later.events[-1].location == "Berlin, DE"
    assert later.delivered is True and later.status is TrackingStatus.DELIVERED
