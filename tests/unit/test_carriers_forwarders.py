"""The Chinese forwarders as configured carriers: rate tables, our own label, tracking by URL."""
from __future__ import annotations

import dataclasses
import re
import zlib
from datetime import date

import pytest

from storefront.integrations import carriers
from storefront.integrations.carriers import forwarder_label, forwarders
from storefront.integrations.carriers.types import (
    Address,
    CarrierConfig,
    CarrierError,
    CarrierErrorCode,
    CustomsDeclaration,
    CustomsItem,
    Parcel,
    ShipmentRequest,
)

FORWARDERS = ("fourpx", "yunexpress", "yanwen", "chinapost", "cainiao")

SHENZHEN = Address(
    name="Clipper Warehouse", company="Clipper Trading & Co", street_lines=("1 Keji Road", "Nanshan"),
    city="Shenzhen", country_code="CN", postal_code="518000", state_code="Guangdong", phone="+86 755 1234 5678",
)


def recipient(country_code: str = "DE") -> Address:
    return Address(name="Anna Schmidt", street_lines=("Invalidenstraße 1",), city="Berlin", country_code=country_code,
                   postal_code="10115", phone="+49 30 123456")


CUSTOMS = CustomsDeclaration(
    currency="EUR", incoterm="DDP", invoice_number="INV-1001", invoice_date=date(2026, 3, 2),
    ioss_number="IM2760000001",
    items=(
        CustomsItem("Cotton T-shirt", 2, 1290, 180, hs_code="610910", origin_country="CN", sku="TS-1"),
        CustomsItem("Phone case <silicone>", 1, 890, 60, hs_code="392690", origin_country="CN"),
    ),
)


def config(carrier_name: str = "yunexpress", **overrides) -> CarrierConfig:
    return CarrierConfig(carrier_name=carrier_name, account_id=7, credentials={"customer_code": "C-88"}, **overrides)


def shipment(country_code: str = "DE", grams: int = 450, **overrides) -> ShipmentRequest:
    values = dict(shipper=SHENZHEN, recipient=recipient(country_code), parcels=(Parcel(grams, 200, 150, 50),),
                  reference="#1001", customs=CUSTOMS, ship_date=date(2026, 3, 2))
    values.update(overrides)
    return ShipmentRequest(**values)


def quote_for(carrier_name: str, service_code: str, country_code: str, grams: int, **config_overrides) -> int:
    quotes = carriers.fetch_rates(config(carrier_name, **config_overrides),
                                  shipment(country_code, grams, service_code=service_code))
    assert [quote.service_code for quote in quotes] == [service_code]
    return quotes[0].amount


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's compressed streams inflated, where WeasyPrint keeps the document's title."""
    inflated = b""
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            inflated += zlib.decompress(stream.group(1))
        except zlib.error:
            continue
    return inflated


# -- what the admin offers ---------------------------------------------------------------------------------------


def test_admin_offers_the_five_forwarders_as_carriers_without_an_api():
    specs = {spec.name: spec for spec in carriers.carrier_specs()}

    for name in FORWARDERS:
        spec = specs[name]
        assert spec.is_forwarder and spec.can_void and not spec.can_track
        assert "{tracking_number}" in spec.tracking_url_template
        assert spec.services and {service.level for service in spec.services} <= {"postal", "dedicated_line",
                                                                                  "standard"}
        assert all(not field.required for field in spec.credential_fields)
        assert [field.name for field in spec.credential_fields if field.secret] == ["api_token"]
    assert specs["yunexpress"].display_name == "YunExpress"
    assert ("yunexpress_standard", "dedicated_line") in {
        (service.code, service.level) for service in specs["yunexpress"].services}
    assert carriers.get_spec("chinapost").display_name == "China Post ePacket"


def test_every_forwarder_has_a_default_rate_table_for_the_demo_markets():
    for name in FORWARDERS:
        table = forwarders.DEFAULT_RATE_TABLES[name]
        assert forwarders.rate_table_problems(table, tuple(s.code for s in carriers.get_spec(name).services)) == []
        for country in ("DE", "FR", "GB", "US", "JP", "CA", "AU"):
            quotes = carriers.fetch_rates(config(name), shipment(country, 300))
            assert quotes and all(quote.currency == "CNY" and quote.amount > 0 for quote in quotes)


# -- rates --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "country, grams, amount",
    [
        ("DE", 100, 25_80),  # ¥18 registration + ¥78/kg, bracket up to 100 g
        ("DE", 500, 57_00),  # a bracket includes its maximum ...
        ("DE", 501, 96_00),  # ... and one gram more is the next bracket
        ("FR", 250, 37_50),
        ("GB", 500, 47_00),
        ("US", 1000, 118_00),
        ("JP", 2000, 98_00),
        ("JP", 2001, 140_00),  # above the last bracket: ¥42 per started kg
        ("JP", 3001, 182_00),
        ("BR", 500, 82_50),  # rest of the world
    ],
)
def test_yunexpress_rates_come_from_its_table_by_zone_and_weight_bracket(country, grams, amount):
    assert quote_for("yunexpress", "yunexpress_standard", country, grams) == amount


def test_a_quote_names_its_zone_transit_time_and_delivery_estimate():
    quote = carriers.fetch_rates(config(), shipment("DE", 450, service_code="yunexpress_standard"))[0]

    assert (quote.carrier_name, quote.account_id, quote.currency) == ("yunexpress", 7, "CNY")
    assert quote.service_name == "YunExpress Global Direct – Standard"
    assert quote.transit_days == 10 and quote.estimated_delivery == date(2026, 3, 12)
    assert quote.incoterm == "DDP"
    assert quote.meta["zone"] == "EU" and quote.meta["transit_days_min"] == 6


def test_postal_services_quote_duties_unpaid():
    quote = carriers.fetch_rates(config("chinapost"), shipment("DE", 450, service_code="chinapost_epacket"))[0]

    assert quote.incoterm == "DAP"


def test_rating_all_services_leaves_out_those_the_parcel_is_too_heavy_for():
    quotes = carriers.fetch_rates(config(), shipment("DE", 2500))

    assert [quote.service_code for quote in quotes] == ["yunexpress_standard"]


def test_account_services_limit_what_is_quoted():
    quotes = carriers.fetch_rates(config(services=("yunexpress_economy",)), shipment("DE", 450))

    assert [quote.service_code for quote in quotes] == ["yunexpress_economy"]
    with pytest.raises(CarrierError) as refused:
        carriers.fetch_rates(config(services=("yunexpress_economy",)),
                             shipment("DE", 450, service_code="yunexpress_standard"))
    assert refused.value.field == "service_code" and "not enabled" in refused.value.message


def test_an_epacket_over_two_kilos_is_refused_naming_the_limit():
    with pytest.raises(CarrierError) as refused:
        carriers.fetch_rates(config("chinapost"), shipment("US", 2001, service_code="chinapost_epacket"))

    assert refused.value.code is CarrierErrorCode.INVALID_REQUEST
    assert refused.value.field == "weight_grams"
    assert refused.value.message == "The parcel weighs 2.001 kg; China Post ePacket takes at most 2 kg to US."


def test_a_parcel_over_thirty_kilos_is_refused_by_every_service():
    with pytest.raises(CarrierError) as refused:
        carriers.fetch_rates(config(), shipment("DE", 30_001))

    assert "takes at most 30 kg to DE" in refused.value.message


def test_a_recipient_without_a_country_is_refused_even_with_a_rest_of_world_zone():
    with pytest.raises(CarrierError) as refused:
        carriers.fetch_rates(config(), shipment("XX", 450))

    assert refused.value.field == "recipient.country_code" and "'XX' is not a country code" in refused.value.message


def test_unknown_service_is_refused():
    with pytest.raises(CarrierError) as refused:
        carriers.fetch_rates(config(), shipment("DE", 450, service_code="yunexpress_rocket"))

    assert refused.value.field == "service_code" and "yunexpress_standard" in refused.value.message


GERMANY_ONLY = [{
    "name": "Germany", "countries": ["DE"], "currency": "USD",
    "services": {"yunexpress_standard": {"brackets": [[500, 6_50], [1000, 9_90]], "transit_days": [5, 7]}},
}]


def test_an_accounts_own_rate_table_replaces_the_default():
    settings = {"rate_table": GERMANY_ONLY}

    quote = carriers.fetch_rates(config(settings=settings), shipment("DE", 800))[0]

    assert (quote.service_code, quote.amount, quote.currency, quote.transit_days) == (
        "yunexpress_standard", 9_90, "USD", 7)
    assert quote.meta["rate_table"] == "account"


def test_a_destination_without_a_zone_is_refused():
    with pytest.raises(CarrierError) as refused:
        carriers.fetch_rates(config(settings={"rate_table": GERMANY_ONLY}), shipment("BR", 450))

    assert refused.value.code is CarrierErrorCode.INVALID_REQUEST
    assert refused.value.field == "recipient.country_code"
    assert "YunExpress does not ship to Brazil (BR)" in refused.value.message


def test_a_zone_without_the_requested_service_is_refused():
    with pytest.raises(CarrierError) as refused:
        carriers.fetch_rates(config(settings={"rate_table": GERMANY_ONLY}),
                             shipment("DE", 450, service_code="yunexpress_economy"))

    assert "does not offer YunExpress Global Direct – Economy to DE" in refused.value.message


def test_volumetric_weight_is_charged_when_the_table_asks_for_it():
    table = [{"name": "EU", "countries": ["DE"], "currency": "CNY", "services": {"yunexpress_standard": {
        "brackets": [[500, 50_00], [1000, 90_00], [2000, 150_00]], "volumetric_divisor": 8000}}}]
    bulky = Parcel(300, 250, 200, 200)  # 10 000 cm³ / 8000 = 1.25 kg

    quote = carriers.fetch_rates(config(settings={"rate_table": table}),
                                 shipment("DE", parcels=(bulky,), service_code="yunexpress_standard"))[0]

    assert quote.amount == 150_00 and quote.meta["chargeable_weight_grams"] == 1250


def test_a_broken_rate_table_is_refused_with_what_to_fix():
    broken = [{"name": "EU", "countries": ["DE", "XX"], "currency": "CNY",
               "services": {"yunexpress_standard": {"brackets": [[1000, 90_00], [500, 50_00]]},
                            "dhl_express": {"brackets": [[500, 1]]}}},
              {"name": "Also DE", "countries": ["DE"], "currency": "yuan",
               "services": {"yunexpress_standard": {"brackets": [[500, 12.5]]}}}]

    problems = forwarders.rate_table_problems(broken, ("yunexpress_standard", "yunexpress_economy"))

    assert problems == [
        "Zone 1 (EU): 'XX' is not an ISO 3166 country code.",
        "Zone 1 (EU), yunexpress_standard: bracket weights must rise from one bracket to the next.",
        "Zone 1 (EU): unknown service 'dhl_express'; this forwarder offers yunexpress_standard, yunexpress_economy.",
        "Zone 2 (Also DE): DE is already in zone EU.",
        "Zone 2 (Also DE): 'yuan' is not an ISO 4217 currency code.",
        "Zone 2 (Also DE), yunexpress_standard: brackets must be a list of [max grams, price in minor units], "
        "whole numbers.",
    ]
    with pytest.raises(CarrierError) as refused:
        carriers.fetch_rates(config(settings={"rate_table": broken}), shipment("DE", 450))
    assert refused.value.field == "rate_table" and refused.value.details == problems


def test_a_good_rate_table_has_no_problems():
    assert forwarders.rate_table_problems(GERMANY_ONLY) == []
    assert forwarders.rate_table_problems([]) == ["The rate table must be a non-empty list of zones."]


# -- booking ------------------------------------------------------------------------------------------------------


def book(carrier_name: str = "yunexpress", tracking_number: str | None = "YT2312345678901234", **overrides):
    request = shipment(service_code=overrides.pop("service_code", f"{carrier_name}_standard"),
                       tracking_number=tracking_number, **overrides)
    return carriers.book_shipment(config(carrier_name), request)


def test_booking_gives_our_pdf_label_with_the_forwarders_number_price_and_tracking_page():
    booked = book(tracking_number="yt 2312 3456 7890 1234")

    assert booked.tracking_number == "YT2312345678901234"
    assert (booked.carrier_name, booked.service_code, booked.amount, booked.currency) == (
        "yunexpress", "yunexpress_standard", 57_00, "CNY")
    assert booked.tracking_url == "https://www.yuntrack.com/parcelTracking?id=YT2312345678901234"
    assert booked.estimated_delivery == date(2026, 3, 12)
    assert booked.label.kind == "label" and booked.label.format == "PDF"
    assert booked.label.content.startswith(b"%PDF-") and len(booked.label.content) > 5_000
    assert b"(YunExpress YT2312345678901234)" in pdf_objects(booked.label.content)


def test_a_long_address_and_many_customs_items_still_fit_one_label():
    long_recipient = Address(
        name="Maximilian Alexander von Hohenzollern-Sigmaringen", company="Very Long Company Name GmbH & Co. KG",
        street_lines=("Kurfürstendamm 123, Hinterhaus, 3. OG links",), city="Berlin", country_code="DE",
        postal_code="10711", phone="+49 30 123456")
    watches = tuple(CustomsItem(f"Stainless steel wrist watch with leather strap, model {n}", 1, 150_00, 120,
                                hs_code="910211", origin_country="CN") for n in range(9))

    booked = book("chinapost", "LX123456785CN", service_code="chinapost_epacket", recipient=long_recipient,
                  customs=dataclasses.replace(CUSTOMS, items=watches))

    pages = re.findall(rb"/Type\s*/Page\b", pdf_objects(booked.label.content) + booked.label.content)
    assert len(pages) == 1


def test_booking_without_the_forwarders_tracking_number_is_refused():
    for missing in (None, "", "   "):
        with pytest.raises(CarrierError) as refused:
            book(tracking_number=missing)
        assert refused.value.code is CarrierErrorCode.INVALID_REQUEST
        assert refused.value.field == "tracking_number"
        assert "Enter the tracking number YunExpress gave" in refused.value.message


@pytest.mark.parametrize(
    "carrier_name, service_code, number",
    [
        ("yunexpress", "yunexpress_standard", "YT2312345678901234"),
        ("yunexpress", "yunexpress_standard", "LX123456785CN"),  # postal lines hand out UPU numbers
        ("fourpx", "fourpx_standard", "4PX3001234567890CN"),
        ("yanwen", "yanwen_special_line", "UG487593765YP"),
        ("chinapost", "chinapost_epacket", "LX123456785CN"),
        ("chinapost", "chinapost_epacket", "aa 473 124 829 cn"),
        ("cainiao", "cainiao_standard", "LP00123456789012"),
    ],
)
def test_forwarder_tracking_numbers_in_their_own_formats_are_accepted(carrier_name, service_code, number):
    booked = book(carrier_name, number, service_code=service_code)

    assert booked.tracking_number == number.replace(" ", "").upper()


@pytest.mark.parametrize(
    "carrier_name, service_code, number, expected",
    [
        ("yunexpress", "yunexpress_standard", "YT23123456", "expected YT followed by 16 digits (YT2312345678901234)"),
        ("chinapost", "chinapost_epacket", "LX123456789CN", "its check digit is wrong (it should be 5)"),
        ("chinapost", "chinapost_epacket", "LX123456785US", "expected a CN postal number (LX123456785CN)"),
        ("cainiao", "cainiao_standard", "1Z999AA10123456784", "not a Cainiao tracking number"),
    ],
)
def test_tracking_numbers_of_the_wrong_shape_are_refused(carrier_name, service_code, number, expected):
    with pytest.raises(CarrierError) as refused:
        book(carrier_name, number, service_code=service_code)

    assert refused.value.field == "tracking_number"
    assert expected in refused.value.message


def test_an_account_can_accept_a_tracking_number_format_of_its_own():
    request = shipment(service_code="yunexpress_standard", tracking_number="ZX-0042")

    booked = carriers.book_shipment(config(settings={"tracking_number_pattern": r"ZX\d{4}"}), request)

    assert booked.tracking_number == "ZX0042"
    with pytest.raises(CarrierError) as other:
        carriers.book_shipment(config(settings={"tracking_number_pattern": r"ZX\d{4}"}),
                               dataclasses.replace(request, tracking_number="YT2312345678901234"))
    assert other.value.field == "tracking_number"
    with pytest.raises(CarrierError) as broken:
        carriers.book_shipment(config(settings={"tracking_number_pattern": r"ZX(\d"}), request)
    assert broken.value.field == "tracking_number_pattern"


@pytest.mark.parametrize(
    "serial, check_digit", [("47312482", 9), ("12345678", 5), ("00000000", 5), ("00000001", 4), ("02000000", 0)])
def test_upu_s10_check_digit(serial, check_digit):
    assert forwarders.s10_check_digit(serial) == check_digit


def test_upu_s10_numbers_are_checked_for_check_digit_and_country():
    assert forwarders.is_s10("AA473124829GB")
    assert not forwarders.is_s10("AA473124828GB")
    assert not forwarders.is_s10("AA473124829XX")
    assert not forwarders.is_s10("AA473124829GB", country="CN")


def test_booking_refuses_what_a_forwarder_cannot_take():
    with pytest.raises(CarrierError) as several:
        book(parcels=(Parcel(400), Parcel(500)))
    assert several.value.field == "parcels"
    with pytest.raises(CarrierError) as undeclared:
        book(customs=None)
    assert undeclared.value.field == "customs" and "CN22/CN23" in undeclared.value.message
    with pytest.raises(CarrierError) as unpriced:
        book(grams=40_000)
    assert unpriced.value.field == "weight_grams"
    with pytest.raises(CarrierError) as format_:
        book(label_format="PNG")
    assert format_.value.field == "label_format"


def test_zpl_label_carries_the_same_content_for_thermal_printers():
    booked = book(label_format="ZPL")
    zpl = booked.label.content.decode()

    assert booked.label.format == "ZPL"
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert "^BCN,140,N,N,N,A^FH_^FDYT2312345678901234^FS" in zpl
    for text in ("YUNEXPRESS", "Anna Schmidt", "10115 BERLIN", "GERMANY", "REF #1001", "WEIGHT 0.450 kg",
                 "CUSTOMS DECLARATION CN22", "HS 610910", "25.80 EUR", "IOSS IM2760000001"):
        assert text in zpl


def test_tracking_page_comes_from_the_forwarders_template_or_the_accounts_own():
    assert carriers.tracking_url(config("chinapost"), "LX123456785CN") == (
        "https://t.17track.net/en#nums=LX123456785CN")
    assert carriers.tracking_url(config("fourpx"), "4PX3001234567890CN") == (
        "https://track.4px.com/#/result/0/4PX3001234567890CN")
    own = config("yanwen", tracking_url_template="https://parcels.example/{tracking_number}")
    booked = carriers.book_shipment(own, shipment(service_code="yanwen_special_line", tracking_number="UG487593765YP"))
    assert booked.tracking_url == "https://parcels.example/UG487593765YP"


def test_forwarder_parcels_are_not_yet_scanned_and_void_needs_no_call():
    results = carriers.fetch_tracking(config("cainiao"), ["LP00123456789012", "LX123456785CN"])

    assert {number: result.found for number, result in results.items()} == {
        "LP00123456789012": False, "LX123456785CN": False}
    assert all(not result.events for result in results.values())
    assert carriers.void_shipment(config("cainiao"), "LP00123456789012") is None


# -- the label itself ---------------------------------------------------------------------------------------------


def test_code128_encodes_digits_in_code_set_c_with_check_symbol():
    # Start C (105), 12, 34, 56, check (105 + 12 + 2·34 + 3·56) mod 103 = 44, stop.
    assert forwarder_label.code128_modules("123456") == (
        "11010011100" "10110011100" "10001011000" "11100010110" "10001101110" "1100011101011")


def test_code128_svg_draws_the_bars_with_quiet_zones():
    svg = forwarder_label.code128_svg("123456", width_mm=80, height_mm=15)
    modules = forwarder_label.code128_modules("123456")

    assert 'viewBox="0 0 88 1"' in svg  # 68 modules + 10 quiet modules either side
    assert svg.count("<rect") == len(re.findall("1+", modules))
    assert '<rect x="10" y="0" width="2" height="1"/>' in svg  # the start symbol's first bar


def label_sheet(**overrides) -> forwarder_label.LabelSheet:
    values = dict(carrier_name="Yanwen", service_name="Yanwen Special Line", tracking_number="UG487593765YP",
                  reference="#1001", shipper=SHENZHEN, recipient=recipient(), weight_grams=450,
                  ship_date=date(2026, 3, 2), customs=CUSTOMS, customer_code="C-88")
    values.update(overrides)
    return forwarder_label.LabelSheet(**values)


def test_label_shows_sender_recipient_service_reference_and_cn22():
    html = forwarder_label.render_html(label_sheet())

    for text in ("Clipper Trading &amp; Co", "Anna Schmidt", "Invalidenstraße 1", "10115 BERLIN", "GERMANY",
                 "Yanwen Special Line", "Customer C-88", "#1001", "0.450 kg", "UG487593765YP",
                 "CUSTOMS DECLARATION CN22", "SALE OF GOODS", "610910", "392690", "25.80 EUR", "34.70 EUR", "DDP",
                 "INV-1001", "IOSS IM2760000001"):
        assert text in html
    assert "Phone case &lt;silicone&gt;" in html  # escaped, not markup


def test_a_valuable_parcel_gets_a_cn23_and_long_contents_are_summed_up():
    watches = tuple(CustomsItem(f"Watch model {n}", 1, 150_00, 120, hs_code="910211") for n in range(7))
    customs = dataclasses.replace(CUSTOMS, items=watches)

    html = forwarder_label.render_html(label_sheet(customs=customs))

    assert "CUSTOMS DECLARATION CN23" in html
    assert "+ 2 more items, see the commercial invoice" in html
    assert "1050.00 EUR" in html
    assert forwarder_label.customs_form(dataclasses.replace(CUSTOMS, currency="XAF")) == "CN23"


def test_a_domestic_label_has_no_customs_block():
    html = forwarder_label.render_html(label_sheet(customs=None, recipient=dataclasses.replace(
        SHENZHEN, name="Li Wei", city="Guangzhou")))

    assert "CUSTOMS DECLARATION" not in html
