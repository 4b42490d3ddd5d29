"""FedEx, UPS and USPS International through the carrier adapter and karrio, against fakes of their APIs.

Fake payloads (storefront/integrations/carriers/): fake_fedex.py (OAuth, Rate, Ship, cancel, Track and
proof of delivery in FedEx's JSON), fake_ups.py (OAuth, Rating Shop, Shipping with GIF label and
commercial invoice form, Void, Track), fake_usps.py (OAuth, payment authorization, prices search,
multipart international label, label cancellation, tracking). The assertions on what the fakes
received are what proves the customs declaration reaches each carrier.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from storefront.integrations import carriers
from storefront.integrations.carriers.types import (
    Address,
    CarrierConfig,
    CarrierError,
    CarrierErrorCode,
    CustomsDeclaration,
    CustomsItem,
    Parcel,
    ShipmentRequest,
    TrackingStatus,
)
from tests.fakes.carriers import TEST_CREDENTIALS, carrier_config

SHENZHEN = Address(
    name="Li Wei",
    company="Clipper Trading Ltd",
    street_lines=("Bao'an Avenue 88", "Building 3"),
    city="Shenzhen",
    postal_code="518000",
    country_code="CN",
    phone="+86 755 8888 0000",
)
ONTARIO_CA = Address(
    name="Sam Rivera",
    company="Clipper US Fulfilment",
    street_lines=("1200 S Milliken Ave",),
    city="Ontario",
    postal_code="91761",
    state_code="CA",
    country_code="US",
    phone="+1 909 555 0100",
)
BERLIN = Address(
    name="Anna Schmidt", street_lines=("Hauptstraße 5",), city="Berlin", postal_code="10115", country_code="DE"
)
LONDON = Address(
    name="Oliver Brown", street_lines=("10 Downing Lane",), city="London", postal_code="SW1A 2AA", country_code="GB"
)
AUSTIN = Address(
    name="Maria Garcia",
    street_lines=("500 Congress Ave",),
    city="Austin",
    postal_code="78701",
    state_code="TX",
    country_code="US",
)
TORONTO = Address(
    name="Chloé Tremblay",
    street_lines=("100 Queen St W",),
    city="Toronto",
    postal_code="M5H 2N2",
    state_code="ON",
    country_code="CA",
)
OSAKA = Address(name="佐藤 花子", street_lines=("1-1 Umeda",), city="Osaka", postal_code="530-0001", country_code="JP")

TSHIRT = CustomsItem("Cotton T-shirt", 2, 1250, 180, hs_code="610910", origin_country="CN", sku="TS-BLK-M")
MUG = CustomsItem("Ceramic mug", 1, 899, 350, hs_code="691200", origin_country="CN", sku="MUG-1")
USPS_CREDENTIALS = {**TEST_CREDENTIALS["usps_international"], "crid": "56982563", "mid": "902000000"}

def customs(currency: str, incoterm: str, **extra) -> CustomsDeclaration:
    return CustomsDeclaration(
        currency=currency,
        incoterm=incoterm,
        items=(TSHIRT, MUG),
        invoice_number="INV-1001",
        invoice_date=date(2025, 3, 14),
        **extra,
    )


def shipment(
    recipient: Address, declaration: CustomsDeclaration | None = None, *, shipper: Address = SHENZHEN, **extra
):
    return ShipmentRequest(
        shipper=shipper,
        recipient=recipient,
        parcels=(Parcel(weight_grams=850, length_mm=300, width_mm=220, height_mm=80),),
        reference="#1001",
        customs=declaration,
        **extra,
    )


def config_for(fake, carrier_name: str, **overrides):
    if carrier_name == "usps_international":
        overrides.setdefault("credentials", dict(USPS_CREDENTIALS))
    return carrier_config(fake, carrier_name, **overrides)


def received(fake, carrier: str, path_end: str):
    """The JSON body of the last request `carrier`'s fake received on a path ending with `path_end`."""
    return next(
        body for name, _method, path, body in reversed(fake.requests) if name == carrier and path.endswith(path_end)
    )


CHINA, GERMANY = timezone(timedelta(hours=8)), timezone(timedelta(hours=1))
SCANS = (  # (status, description, location, local time); each fake gives them its carrier's usual codes
    (TrackingStatus.IN_TRANSIT, "Picked up", "Shenzhen, CN", datetime(2025, 3, 14, 17, 5, tzinfo=CHINA)),
    (TrackingStatus.IN_TRANSIT, "Departed hub", "Guangzhou, CN", datetime(2025, 3, 15, 2, 40, tzinfo=CHINA)),
    (
        TrackingStatus.OUT_FOR_DELIVERY,
        "On vehicle for delivery",
        "Berlin, DE",
        datetime(2025, 3, 17, 8, 15, tzinfo=GERMANY),
    ),
)


def add_scans(fake, number: str) -> None:
    for status, description, location, when in SCANS:
        fake.add_event(number, status, description, location=location, occurred_at=when)


# --- what the admin offers --------------------------------------------------------------------------


def test_fedex_ups_and_usps_are_offered_with_their_international_services():
    fedex, ups, usps = (carriers.get_spec(name) for name in ("fedex", "ups", "usps_international"))

    assert [service.code for service in fedex.services] == [
        "fedex_international_priority",
        "fedex_international_economy",
        "fedex_international_connect_plus",
    ]
    assert [service.code for service in ups.services] == [
        "ups_worldwide_express",
        "ups_worldwide_saver",
        "ups_worldwide_expedited",
        "ups_standard",
        "ups_ground",
    ]
    assert {service.code for service in usps.services} == {
        "usps_priority_mail_express_international",
        "usps_priority_mail_international",
        "usps_first_class_package_international_service",
    }
    assert not any(service.supports_ddp for service in usps.services)  # postal mail: the recipient pays duties
    assert all(spec.can_void and spec.can_track for spec in (fedex, ups, usps))
    assert [field.name for field in fedex.credential_fields if field.secret] == ["secret_key", "track_secret_key"]
    assert [field.name for field in usps.credential_fields if field.required] == [
        "client_id",
        "client_secret",
        "account_number",
        "crid",
        "mid",
    ]


@pytest.mark.parametrize(
    ("carrier_name", "number", "page"),
    [
        ("fedex", "794912345678", "https://www.fedex.com/fedextrack/?trknbr=794912345678"),
        ("ups", "1ZA1B2C30712345675", "https://www.ups.com/track?loc=en_US&tracknum=1ZA1B2C30712345675"),
        ("usps_international", "CP100079198US", "https://tools.usps.com/go/TrackConfirmAction?tLabels=CP100079198US"),
    ],
)
def test_tracking_links_go_to_the_carriers_public_page(carrier_name, number, page):
    config = CarrierConfig(carrier_name=carrier_name, account_id=None, credentials={})

    assert carriers.tracking_url(config, number) == page


# --- FedEx ------------------------------------------------------------------------------------------


def test_fedex_rates_list_each_international_service_with_its_transit_time(fake_carriers):
    quotes = carriers.fetch_rates(config_for(fake_carriers, "fedex"), shipment(BERLIN, customs("EUR", "DDP")))

    by_service = {quote.service_code: quote for quote in quotes}
    assert set(by_service) == {
        "fedex_international_priority",
        "fedex_international_economy",
        "fedex_international_connect_plus",
    }
    priority = by_service["fedex_international_priority"]
    assert priority.service_name == "FedEx International Priority"
    assert priority.currency == "CNY" and isinstance(priority.amount, int) and priority.amount > 0
    assert priority.transit_days == 3 and priority.estimated_delivery is not None
    assert by_service["fedex_international_connect_plus"].amount < priority.amount
    sent = received(fake_carriers, "fedex", "/rates/quotes")["requestedShipment"]
    assert sent["recipient"]["address"]["countryCode"] == "DE"
    assert sent["requestedPackageLineItems"][0]["weight"] == {"units": "KG", "value": 0.85}
    assert [item["harmonizedCode"] for item in sent["customsClearanceDetail"]["commodities"]] == ["610910", "691200"]


def test_fedex_rates_come_in_the_currency_asked_for_and_only_for_enabled_services(fake_carriers):
    config = config_for(fake_carriers, "fedex", services=("fedex_international_economy",))

    quotes = carriers.fetch_rates(config, shipment(LONDON, customs("GBP", "DAP"), currency="GBP"))

    assert [(quote.service_code, quote.currency) for quote in quotes] == [("fedex_international_economy", "GBP")]
    rated = received(fake_carriers, "fedex", "/rates/quotes")["requestedShipment"]
    assert rated["preferredCurrency"] == "GBP"
    assert rated["customsClearanceDetail"]["dutiesPayment"]["paymentType"] == "RECIPIENT"  # DAP


def test_fedex_rates_without_a_postal_code_say_what_fedex_refused(fake_carriers):
    no_postcode = dataclasses.replace(BERLIN, postal_code=None)

    with pytest.raises(CarrierError) as caught:
        carriers.fetch_rates(config_for(fake_carriers, "fedex"), shipment(no_postcode, customs("EUR", "DDP")))

    assert caught.value.code is CarrierErrorCode.INVALID_REQUEST and caught.value.carrier == "fedex"
    assert "recipient postal code is required for DE" in caught.value.message


def test_fedex_booking_to_germany_ddp_declares_every_commodity_and_the_ioss_number(fake_carriers):
    request = shipment(
        BERLIN, customs("EUR", "DDP", ioss_number="IM2760000742"), service_code="fedex_international_priority"
    )

    booked = carriers.book_shipment(config_for(fake_carriers, "fedex"), request)

    number = booked.tracking_number
    assert number in fake_carriers.shipments and len(number) == 12 and number.isdigit()
    assert booked.label.format == "PDF" and booked.label.content.startswith(b"%PDF-")  # re-bundled by karrio
    assert [document.kind for document in booked.documents] == ["invoice"]
    assert booked.documents[0].content.startswith(b"%PDF-")
    assert booked.tracking_url == f"https://www.fedex.com/fedextrack/?trknbr={number}"
    sent = received(fake_carriers, "fedex", "/ship/v1/shipments")["requestedShipment"]
    assert sent["serviceType"] == "FEDEX_INTERNATIONAL_PRIORITY"
    clearance = sent["customsClearanceDetail"]
    assert [
        (
            item["harmonizedCode"],
            item["quantity"],
            item["unitPrice"],
            item["customsValue"],
            item["countryOfManufacture"],
        )
        for item in clearance["commodities"]
    ] == [
        ("610910", 2, {"amount": 12.5, "currency": "EUR"}, {"amount": 25.0, "currency": "EUR"}, "CN"),
        ("691200", 1, {"amount": 8.99, "currency": "EUR"}, {"amount": 8.99, "currency": "EUR"}, "CN"),
    ]
    assert clearance["commercialInvoice"]["termsOfSale"] == "DDP"
    assert {"customerReferenceType": "INVOICE_NUMBER", "value": "INV-1001"} in clearance["commercialInvoice"][
        "customerReferences"
    ]
    duties = clearance["dutiesPayment"]
    assert duties["paymentType"] == "SENDER"
    assert duties["payor"]["responsibleParty"]["accountNumber"]["value"] == TEST_CREDENTIALS["fedex"]["account_number"]
    assert {"number": "IM2760000742", "tinType": "BUSINESS_UNION", "usage": "IOSS"} in sent["shipper"]["tins"]


@pytest.mark.parametrize(
    ("recipient", "currency", "extra", "tins"),
    [
        (
            LONDON,
            "GBP",
            {"vat_number": "GB123456789"},
            [{"number": "GB123456789", "tinType": "BUSINESS_NATIONAL", "usage": "VAT"}],
        ),
        (AUSTIN, "USD", {}, []),
    ],
    ids=["GB", "US"],
)
def test_fedex_booking_dap_bills_duties_to_the_recipient(fake_carriers, recipient, currency, extra, tins):
    request = shipment(recipient, customs(currency, "DAP", **extra), service_code="fedex_international_economy")

    booked = carriers.book_shipment(config_for(fake_carriers, "fedex"), request)

    assert fake_carriers.shipments[booked.tracking_number]["recipient_country"] == recipient.country_code
    sent = received(fake_carriers, "fedex", "/ship/v1/shipments")["requestedShipment"]
    clearance = sent["customsClearanceDetail"]
    assert clearance["dutiesPayment"]["paymentType"] == "RECIPIENT"
    assert clearance["commercialInvoice"]["termsOfSale"] == "DAP"
    assert {item["customsValue"]["currency"] for item in clearance["commodities"]} == {currency}
    assert (sent["shipper"].get("tins") or []) == tins


def test_fedex_booking_with_a_commodity_without_value_is_refused_and_nothing_is_booked(fake_carriers):
    declaration = dataclasses.replace(customs("EUR", "DAP"), items=(dataclasses.replace(TSHIRT, unit_value=0),))

    with pytest.raises(CarrierError) as caught:
        carriers.book_shipment(
            config_for(fake_carriers, "fedex"),
            shipment(BERLIN, declaration, service_code="fedex_international_priority"),
        )

    assert caught.value.code is CarrierErrorCode.INVALID_REQUEST
    assert "Commodity 1: customs value must be greater than zero." in caught.value.message
    assert fake_carriers.shipments == {}


def test_fedex_label_is_voided_once_and_not_after_pickup(fake_carriers):
    config = config_for(fake_carriers, "fedex")
    first = carriers.book_shipment(
        config, shipment(BERLIN, customs("EUR", "DDP"), service_code="fedex_international_priority")
    )
    second = carriers.book_shipment(
        config, shipment(BERLIN, customs("EUR", "DDP"), service_code="fedex_international_priority")
    )
    fake_carriers.add_event(second.tracking_number, TrackingStatus.IN_TRANSIT, "Picked up")

    carriers.void_shipment(config, first.tracking_number, first.carrier_shipment_id)

    assert fake_carriers.voided == {first.tracking_number}
    assert received(fake_carriers, "fedex", "/cancel")["trackingNumber"] == first.tracking_number
    with pytest.raises(CarrierError) as again:
        carriers.void_shipment(config, first.tracking_number)
    assert again.value.code is CarrierErrorCode.INVALID_REQUEST and "already been cancelled" in again.value.message
    with pytest.raises(CarrierError) as picked_up:
        carriers.void_shipment(config, second.tracking_number)
    assert "can no longer be cancelled" in picked_up.value.message
    assert second.tracking_number not in fake_carriers.voided


def test_fedex_tracking_returns_new_scans_at_their_exact_local_times(fake_carriers):
    config = config_for(fake_carriers, "fedex")
    add_scans(fake_carriers, "794900000017")

    result = carriers.fetch_tracking(config, ["794900000017"])["794900000017"]

    assert result.found is True
    assert [(event.code, event.status) for event in result.events] == [
        ("IT", TrackingStatus.IN_TRANSIT),
        ("IT", TrackingStatus.IN_TRANSIT),
        ("OD", TrackingStatus.OUT_FOR_DELIVERY),
    ]
    first, last = result.events[0], result.events[-1]
    assert first.occurred_at == datetime(2025, 3, 14, 9, 5, tzinfo=UTC) and first.utc_offset_minutes == 480
    assert last.occurred_at == datetime(2025, 3, 17, 7, 15, tzinfo=UTC) and last.utc_offset_minutes == 60
    assert first.description == "Picked up" and first.location == "Shenzhen, CN"
    assert result.status is TrackingStatus.OUT_FOR_DELIVERY and result.delivered is False
    assert received(fake_carriers, "fedex", "/trackingnumbers")["trackingInfo"][0]["trackingNumberInfo"] == {
        "trackingNumber": "794900000017"
    }


def test_fedex_tracking_a_delivered_parcel_and_a_number_fedex_never_scanned(fake_carriers):
    config = config_for(fake_carriers, "fedex")
    add_scans(fake_carriers, "794900000017")
    fake_carriers.add_event(
        "794900000017",
        TrackingStatus.DELIVERED,
        "Delivered",
        location="Berlin, DE",
        occurred_at=datetime(2025, 3, 17, 14, 2, tzinfo=GERMANY),
    )

    results = carriers.fetch_tracking(config, ["794900000017", "794999999990"])

    delivered = results["794900000017"]
    assert delivered.delivered is True and delivered.status is TrackingStatus.DELIVERED
    assert delivered.events[-1].code == "DL" and delivered.events[-1].carrier_status == "delivered"
    assert results["794999999990"].found is False and results["794999999990"].events == ()


# --- UPS --------------------------------------------------------------------------------------------


def test_ups_rates_from_china_name_each_service_once(fake_carriers):
    quotes = carriers.fetch_rates(config_for(fake_carriers, "ups"), shipment(BERLIN, customs("EUR", "DDP")))

    by_service = {quote.service_code: quote for quote in quotes}
    assert set(by_service) == {"ups_worldwide_express", "ups_worldwide_saver", "ups_worldwide_expedited"}
    express = by_service["ups_worldwide_express"]
    assert express.service_name == "UPS Worldwide Express"
    assert express.currency == "CNY" and express.amount > 0 and express.transit_days == 3
    sent = received(fake_carriers, "ups", "/Shop")["RateRequest"]["Shipment"]
    assert sent["Shipper"]["ShipperNumber"] == TEST_CREDENTIALS["ups"]["account_number"]
    assert sent["Package"][0]["PackageWeight"]["Weight"] == "0.85"


def test_ups_standard_is_offered_between_neighbours_only(fake_carriers):
    config = config_for(fake_carriers, "ups", services=("ups_standard", "ups_worldwide_saver"))

    to_canada = carriers.fetch_rates(config, shipment(TORONTO, customs("CAD", "DAP"), shipper=ONTARIO_CA))
    to_japan = carriers.fetch_rates(config, shipment(OSAKA, customs("JPY", "DAP"), shipper=ONTARIO_CA))

    assert sorted(quote.service_code for quote in to_canada) == ["ups_standard", "ups_worldwide_saver"]
    assert [quote.service_code for quote in to_japan] == ["ups_worldwide_saver"]
    assert {quote.currency for quote in to_canada + to_japan} == {"USD"}


def test_ups_booking_to_germany_ddp_declares_every_product_and_the_ioss_number(fake_carriers):
    request = shipment(BERLIN, customs("EUR", "DDP", ioss_number="IM2760000742"), service_code="ups_worldwide_express")

    booked = carriers.book_shipment(config_for(fake_carriers, "ups"), request)

    number = booked.tracking_number
    assert number.startswith("1ZA1B2C307") and len(number) == 18 and number in fake_carriers.shipments
    assert booked.label.format == "PDF" and booked.label.content.startswith(b"%PDF-")  # UPS's GIF, made a PDF
    assert [document.kind for document in booked.documents] == ["invoice"]
    sent = received(fake_carriers, "ups", "/ship")["ShipmentRequest"]["Shipment"]
    forms = sent["ShipmentServiceOptions"]["InternationalForms"]
    assert [
        (product["CommodityCode"], product["Unit"]["Number"], product["Unit"]["Value"], product["OriginCountryCode"])
        for product in forms["Product"]
    ] == [("610910", "2", "12.5", "CN"), ("691200", "1", "8.99", "CN")]
    assert forms["CurrencyCode"] == "EUR" and forms["TermsOfShipment"] == "DDP"
    assert forms["InvoiceNumber"] == "INV-1001" and forms["InvoiceDate"] == "20250314"
    assert sent["InvoiceLineTotal"] == {"CurrencyCode": "EUR", "MonetaryValue": "33.99"}
    duties = [charge for charge in sent["PaymentInformation"]["ShipmentCharge"] if charge["Type"] == "02"]
    assert duties == [{"Type": "02", "BillShipper": {"AccountNumber": TEST_CREDENTIALS["ups"]["account_number"]}}]
    assert sent["ShipFrom"]["VendorInfo"] == {
        "VendorCollectIDTypeCode": "0356",
        "VendorCollectIDNumber": "IM2760000742",
        "ConsigneeType": "02",
    }
    assert sent["Description"] == "Cotton T-shirt, Ceramic mug"


@pytest.mark.parametrize(
    ("recipient", "currency", "extra", "vendor"),
    [
        (
            LONDON,
            "GBP",
            {"vat_number": "GB123456789"},
            {"VendorCollectIDTypeCode": "0358", "VendorCollectIDNumber": "GB123456789", "ConsigneeType": "02"},
        ),
        (AUSTIN, "USD", {}, None),
    ],
    ids=["GB", "US"],
)
def test_ups_booking_dap_leaves_duties_to_the_receiver(fake_carriers, recipient, currency, extra, vendor):
    request = shipment(recipient, customs(currency, "DAP", **extra), service_code="ups_worldwide_saver")

    booked = carriers.book_shipment(config_for(fake_carriers, "ups"), request)

    assert fake_carriers.shipments[booked.tracking_number]["service"] == "65"
    sent = received(fake_carriers, "ups", "/ship")["ShipmentRequest"]["Shipment"]
    assert [charge["Type"] for charge in sent["PaymentInformation"]["ShipmentCharge"]] == ["01"]  # no duties bill
    forms = sent["ShipmentServiceOptions"]["InternationalForms"]
    assert forms["TermsOfShipment"] == "DDU" and forms["CurrencyCode"] == currency
    assert sent["ShipFrom"].get("VendorInfo") == vendor


def test_ups_zpl_labels_stay_zpl(fake_carriers):
    request = shipment(AUSTIN, customs("USD", "DAP"), service_code="ups_worldwide_express", label_format="ZPL")

    booked = carriers.book_shipment(config_for(fake_carriers, "ups"), request)

    assert booked.label.format == "ZPL" and booked.label.content.startswith(b"^XA")


def test_ups_label_is_voided_once_and_not_after_pickup(fake_carriers):
    config = config_for(fake_carriers, "ups")
    first = carriers.book_shipment(
        config, shipment(BERLIN, customs("EUR", "DDP"), service_code="ups_worldwide_express")
    )
    second = carriers.book_shipment(
        config, shipment(BERLIN, customs("EUR", "DDP"), service_code="ups_worldwide_express")
    )
    fake_carriers.add_event(second.tracking_number, TrackingStatus.IN_TRANSIT, "Origin Scan", code="OR")

    carriers.void_shipment(config, first.tracking_number, first.carrier_shipment_id)

    assert fake_carriers.voided == {first.tracking_number}
    assert any(
        method == "DELETE" and path.endswith(f"/void/cancel/{first.tracking_number}")
        for name, method, path, _body in fake_carriers.requests
        if name == "ups"
    )
    with pytest.raises(CarrierError) as again:
        carriers.void_shipment(config, first.tracking_number)
    assert again.value.code is CarrierErrorCode.INVALID_REQUEST and "void period" in again.value.message
    with pytest.raises(CarrierError) as picked_up:
        carriers.void_shipment(config, second.tracking_number)
    assert "already been picked up" in picked_up.value.message


def test_ups_tracking_maps_activities_to_our_statuses_at_their_local_times(fake_carriers):
    config = config_for(fake_carriers, "ups")
    number = "1ZA1B2C30712345675"
    add_scans(fake_carriers, number)
    fake_carriers.add_event(
        number,
        TrackingStatus.FAILED_ATTEMPT,
        "The receiver was not available for delivery.",
        location="Berlin, DE",
        occurred_at=datetime(2025, 3, 17, 12, 30, tzinfo=GERMANY),
    )

    result = carriers.fetch_tracking(config, [number, "1ZA1B2C30799999991"])

    tracked = result[number]
    assert [(event.code, event.status) for event in tracked.events] == [
        ("DP", TrackingStatus.IN_TRANSIT),
        ("DP", TrackingStatus.IN_TRANSIT),
        ("OT", TrackingStatus.OUT_FOR_DELIVERY),  # UPS files it under "in progress"
        ("UU", TrackingStatus.FAILED_ATTEMPT),  # UPS files it under "exception"
    ]
    assert tracked.events[0].occurred_at == datetime(2025, 3, 14, 9, 5, tzinfo=UTC)
    assert tracked.events[0].utc_offset_minutes == 480 and tracked.events[-1].utc_offset_minutes == 60
    assert tracked.events[0].location == "Shenzhen, CN"
    assert tracked.status is TrackingStatus.FAILED_ATTEMPT and tracked.delivered is False
    assert result["1ZA1B2C30799999991"].found is False


def test_ups_tracking_a_delivered_parcel(fake_carriers):
    number = "1ZA1B2C30712345675"
    fake_carriers.add_event(
        number,
        TrackingStatus.DELIVERED,
        "DELIVERED",
        location="Berlin, DE",
        occurred_at=datetime(2025, 3, 17, 14, 2, tzinfo=GERMANY),
    )

    result = carriers.fetch_tracking(config_for(fake_carriers, "ups"), [number])[number]

    assert result.delivered is True and result.status is TrackingStatus.DELIVERED
    assert result.events[-1].code == "KB"


# --- USPS International -----------------------------------------------------------------------------


def test_usps_rates_from_the_us_warehouse_list_the_mail_classes_in_dollars(fake_carriers):
    quotes = carriers.fetch_rates(
        config_for(fake_carriers, "usps_international"), shipment(OSAKA, customs("JPY", "DAP"), shipper=ONTARIO_CA)
    )

    by_service = {quote.service_code: quote for quote in quotes}
    assert set(by_service) == {
        "usps_priority_mail_express_international",
        "usps_priority_mail_international",
        "usps_first_class_package_international_service",
    }
    assert {quote.currency for quote in quotes} == {"USD"}
    assert by_service["usps_priority_mail_international"].service_name == "Priority Mail International"
    assert (
        by_service["usps_first_class_package_international_service"].amount
        < by_service["usps_priority_mail_international"].amount
    )
    sent = received(fake_carriers, "usps_international", "/options/search")
    assert sent["originZIPCode"] == "91761" and sent["destinationCountryCode"] == "JP"
    assert sent["pricingOptions"][0]["paymentAccount"] == {
        "accountType": "EPS",
        "accountNumber": USPS_CREDENTIALS["account_number"],
    }


def test_usps_cannot_ship_from_the_china_warehouse(fake_carriers):
    with pytest.raises(CarrierError) as caught:
        carriers.fetch_rates(config_for(fake_carriers, "usps_international"), shipment(BERLIN, customs("EUR", "DAP")))

    assert caught.value.code is CarrierErrorCode.INVALID_REQUEST
    assert "CN" in caught.value.message
    assert not any(
        name == "usps_international" and path.endswith("/options/search")
        for name, _m, path, _b in fake_carriers.requests
    )


def test_usps_booking_to_germany_declares_the_contents_and_the_ioss_number(fake_carriers):
    request = shipment(
        BERLIN,
        customs("USD", "DAP", ioss_number="IM2760000742"),
        shipper=ONTARIO_CA,
        service_code="usps_priority_mail_international",
    )

    booked = carriers.book_shipment(config_for(fake_carriers, "usps_international"), request)

    number = booked.tracking_number
    assert number.startswith("CP") and number.endswith("US") and len(number) == 13
    assert booked.label.format == "PDF" and booked.label.content == fake_carriers.shipments[number]["label"]
    assert booked.currency == "USD" and booked.amount and booked.amount > 0
    label = received(fake_carriers, "usps_international", "/international-label")
    assert label["packageDescription"]["mailClass"] == "PRIORITY_MAIL_INTERNATIONAL"
    assert label["toAddress"]["countryISOAlpha2Code"] == "DE"
    form = label["customsForm"]
    assert [
        (
            item["HSTariffNumber"],
            item["itemQuantity"],
            item["itemValue"],
            item["itemTotalValue"],
            item["countryofOrigin"],
        )
        for item in form["contents"]
    ] == [("610910", 2, 12.5, 25.0, "CN"), ("691200", 1, 8.99, 8.99, "CN")]
    assert form["invoiceNumber"] == "INV-1001" and form["customsContentType"] == "MERCHANDISE"
    assert form["importersReference"] == {"referenceType": "IOSS", "reference": "IM2760000742"}
    roles = received(fake_carriers, "usps_international", "/payment-authorization")["roles"]
    assert {(role["roleName"], role["CRID"], role["MID"]) for role in roles} == {
        ("LABEL_OWNER", "56982563", "902000000"),
        ("PAYER", "56982563", "902000000"),
    }


def test_usps_booking_to_the_uk_carries_the_uk_vat_number(fake_carriers):
    request = shipment(
        LONDON,
        customs("USD", "DAP", vat_number="GB123456789"),
        shipper=ONTARIO_CA,
        service_code="usps_priority_mail_express_international",
    )

    booked = carriers.book_shipment(config_for(fake_carriers, "usps_international"), request)

    assert booked.tracking_number.startswith("EC")
    form = received(fake_carriers, "usps_international", "/international-label")["customsForm"]
    assert form["importersReference"] == {"referenceType": "VAT", "reference": "GB123456789"}


def test_usps_international_does_not_take_parcels_for_the_us(fake_carriers):
    request = shipment(
        AUSTIN, customs("USD", "DAP"), shipper=ONTARIO_CA, service_code="usps_priority_mail_international"
    )

    with pytest.raises(CarrierError) as caught:
        carriers.book_shipment(config_for(fake_carriers, "usps_international"), request)

    assert caught.value.code is CarrierErrorCode.INVALID_REQUEST
    assert fake_carriers.shipments == {}


def test_usps_booking_without_a_crid_says_what_usps_needs(fake_carriers):
    # a client of its own: karrio keeps payment authorizations per client id and secret
    credentials = {**USPS_CREDENTIALS, "client_id": "clipper-no-crid"}
    del credentials["crid"]
    request = shipment(
        BERLIN, customs("USD", "DAP"), shipper=ONTARIO_CA, service_code="usps_priority_mail_international"
    )

    with pytest.raises(CarrierError) as caught:
        carriers.book_shipment(config_for(fake_carriers, "usps_international", credentials=credentials), request)

    assert caught.value.code is CarrierErrorCode.INVALID_REQUEST
    assert "CRID is required for role LABEL_OWNER." in caught.value.message
    assert fake_carriers.shipments == {}


def test_usps_label_is_cancelled_once_and_not_after_acceptance(fake_carriers):
    config = config_for(fake_carriers, "usps_international")
    request = shipment(
        OSAKA, customs("USD", "DAP"), shipper=ONTARIO_CA, service_code="usps_priority_mail_international"
    )
    first, second = carriers.book_shipment(config, request), carriers.book_shipment(config, request)
    fake_carriers.add_event(second.tracking_number, TrackingStatus.IN_TRANSIT, "USPS in possession of item", code="03")

    carriers.void_shipment(config, first.tracking_number, first.carrier_shipment_id)

    assert fake_carriers.voided == {first.tracking_number}
    with pytest.raises(CarrierError) as again:
        carriers.void_shipment(config, first.tracking_number)
    assert "already been canceled" in again.value.message
    with pytest.raises(CarrierError) as accepted:
        carriers.void_shipment(config, second.tracking_number)
    assert "can no longer be canceled" in accepted.value.message


def test_usps_tracking_reads_scans_with_their_gmt_offsets(fake_carriers):
    config = config_for(fake_carriers, "usps_international")
    number = "CP100079198US"
    pacific = timezone(timedelta(hours=-7))
    fake_carriers.add_event(
        number,
        TrackingStatus.LABEL_PURCHASED,
        "Shipping Label Created, USPS Awaiting Item",
        location="Ontario, US",
        occurred_at=datetime(2025, 3, 13, 16, 0, tzinfo=pacific),
    )
    fake_carriers.add_event(
        number,
        TrackingStatus.IN_TRANSIT,
        "Processed Through Facility",
        location="Los Angeles, US",
        occurred_at=datetime(2025, 3, 14, 22, 30, tzinfo=pacific),
    )
    fake_carriers.add_event(
        number,
        TrackingStatus.FAILED_ATTEMPT,
        "Notice Left (No Authorized Recipient Available)",
        location="Berlin, DE",
        occurred_at=datetime(2025, 3, 20, 11, 0, tzinfo=GERMANY),
    )

    results = carriers.fetch_tracking(config, [number, "CP999999995US"])

    tracked = results[number]
    assert [(event.code, event.status) for event in tracked.events] == [
        ("GX", TrackingStatus.LABEL_PURCHASED),
        ("10", TrackingStatus.IN_TRANSIT),
        ("02", TrackingStatus.FAILED_ATTEMPT),
    ]
    assert tracked.events[1].occurred_at == datetime(2025, 3, 15, 5, 30, tzinfo=UTC)
    assert tracked.events[1].utc_offset_minutes == -420
    assert tracked.events[1].description == "Processed Through Facility"
    assert tracked.status is TrackingStatus.FAILED_ATTEMPT and tracked.estimated_delivery is not None
    assert results["CP999999995US"].found is False


# --- failures, for each carrier ---------------------------------------------------------------------

WRONG_CREDENTIALS = {
    "fedex": {**TEST_CREDENTIALS["fedex"], "secret_key": "wrong"},
    "ups": {**TEST_CREDENTIALS["ups"], "client_secret": "wrong"},
    "usps_international": {**USPS_CREDENTIALS, "client_secret": "wrong"},
}
ROUTES = {  # carrier: (shipper, recipient, currency, service)
    "fedex": (SHENZHEN, BERLIN, "EUR", "fedex_international_priority"),
    "ups": (SHENZHEN, BERLIN, "EUR", "ups_worldwide_express"),
    "usps_international": (ONTARIO_CA, BERLIN, "USD", "usps_priority_mail_international"),
}


@pytest.mark.parametrize(
    ("carrier_name", "operation"),
    [
        (carrier_name, operation)
        for carrier_name in ("fedex", "ups", "usps_international")
        for operation in ("rates", "book", "track")
    ],
)
def test_refused_credentials_are_an_authentication_error(fake_carriers, carrier_name, operation):
    shipper, recipient, currency, service = ROUTES[carrier_name]
    config = config_for(fake_carriers, carrier_name, credentials=WRONG_CREDENTIALS[carrier_name])
    request = shipment(recipient, customs(currency, "DAP"), shipper=shipper, service_code=service)

    with pytest.raises(CarrierError) as caught:
        if operation == "rates":
            carriers.fetch_rates(config, request)
        elif operation == "book":
            carriers.book_shipment(config, request)
        else:
            carriers.fetch_tracking(config, ["794900000017"])

    assert caught.value.code is CarrierErrorCode.AUTHENTICATION and caught.value.carrier == carrier_name
    assert fake_carriers.shipments == {}


@pytest.mark.parametrize("carrier_name", ["fedex", "ups", "usps_international"])
def test_a_carrier_server_error_is_unavailable_and_the_next_call_goes_through(fake_carriers, carrier_name):
    shipper, recipient, currency, _service = ROUTES[carrier_name]
    config = config_for(fake_carriers, carrier_name)
    request = shipment(recipient, customs(currency, "DAP"), shipper=shipper)
    carriers.fetch_rates(config, request)  # signed in: the OAuth token is kept, the next request is for rates
    fake_carriers.fail_next(carrier_name, 500)

    with pytest.raises(CarrierError) as caught:
        carriers.fetch_rates(config, request)

    assert caught.value.code is CarrierErrorCode.UNAVAILABLE and caught.value.retryable
    assert carriers.fetch_rates(config, request)


@pytest.mark.parametrize("carrier_name", ["fedex", "ups"])
def test_a_server_error_while_booking_books_nothing(fake_carriers, carrier_name):
    shipper, recipient, currency, service = ROUTES[carrier_name]
    fake_carriers.fail_next(carrier_name, 503)

    with pytest.raises(CarrierError) as caught:
        carriers.book_shipment(
            config_for(fake_carriers, carrier_name),
            shipment(recipient, customs(currency, "DDP"), shipper=shipper, service_code=service),
        )

    assert caught.value.code is CarrierErrorCode.UNAVAILABLE
    assert fake_carriers.shipments == {}


@pytest.mark.parametrize(
    ("carrier_name", "codes"),
    [
        ("fedex", ["OC", "PU", "DP", "CC", "OD", "DL"]),
        ("ups", ["MP", "OR", "DP", "SR", "OT", "KB"]),
        ("usps_international", ["GX", "03", "10", "PC", "OF", "01"]),
    ],
)
def test_demo_parcels_advance_in_each_carriers_own_codes(fake_carriers, carrier_name, codes):
    fake_carriers.auto_progress = True
    shipper, recipient, currency, service = ROUTES[carrier_name]
    config = config_for(fake_carriers, carrier_name)
    booked = carriers.book_shipment(
        config, shipment(recipient, customs(currency, "DAP"), shipper=shipper, service_code=service)
    )
    fake_carriers.shipments[booked.tracking_number]["created_at"] -= timedelta(hours=1)

    result = carriers.fetch_tracking(config, [booked.tracking_number])[booked.tracking_number]

    assert [event.code for event in result.events] == codes
    assert result.events[0].status is TrackingStatus.LABEL_PURCHASED
    assert result.delivered is True and result.status is TrackingStatus.DELIVERED


def test_ups_ground_quotes_a_parcel_inside_the_us_and_nothing_international(fake_carriers):
    quotes = carriers.fetch_rates(config_for(fake_carriers, "ups"), shipment(AUSTIN))  # from Shenzhen
    assert quotes and "ups_ground" not in {quote.service_code for quote in quotes}
    quotes = carriers.fetch_rates(config_for(fake_carriers, "ups"), shipment(AUSTIN, shipper=ONTARIO_CA))
    assert [quote.service_code for quote in quotes] == ["ups_ground"]
    assert quotes[0].amount > 0 and quotes[0].currency == "USD"
