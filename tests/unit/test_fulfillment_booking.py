"""Booking a shipment: live rates, label, customs papers, idempotency, carrier failures, void, partial and
elsewhere fulfilment, and what the label cost does to the order's margin."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from storefront.domain.fulfillment import (
    FulfillmentError,
    FulfillmentErrorCode,
    Parcel,
    book_shipment,
    cancel_draft,
    draft_parcel,
    invoice_document,
    label_document,
    mark_fulfilled_elsewhere,
    order_margin,
    quote_rates,
    void_shipment,
)
from storefront.domain.fulfillment.documents import commercial_invoice_html, documents_root
from storefront.models import FulfillmentStatus, OrderEvent, PaymentStatus, Shipment, ShipmentStatus
from tests.fixtures.factories import make_fx_rates, make_product
from tests.fixtures.shipping import (
    NEW_YORK,
    make_box_preset,
    make_carrier_account,
    make_shipment,
    make_shippable_order,
)

YT_NUMBER = "YT2312345678901234"


@pytest.fixture
def cny_rate(db, markets):
    """1 EUR = 7.80 CNY beside the markets' EUR, USD, GBP and JPY rates (1 USD = 6.24 CNY)."""
    make_fx_rates(db.session, {"CNY": "7.80"})


@pytest.fixture
def yunexpress(db, cn_warehouse, cny_rate):
    return make_carrier_account(db.session, "yunexpress", credentials={}, locations=[cn_warehouse],
                                tracking_url_template="https://www.yuntrack.com/parcelTracking?id={tracking_number}")


@pytest.fixture
def dhl(db, cn_warehouse, fake_carriers, cny_rate):
    return make_carrier_account(db.session, "mydhl", server_url=fake_carriers.server_url("mydhl"),
                                locations=[cn_warehouse], settings={"default_service": "mydhl_express_worldwide"})


def everything(order) -> dict[int, int]:
    return {line.id: line.quantity for line in order.lines}


def book(db, order, account, *, lines=None, service_code=None, key=None, tracking_number=None, **kwargs):
    lines = lines or everything(order)
    location_id = kwargs.pop("location_id", None) or account.locations[0].location_id
    return book_shipment(
        db.session, order, location_id=location_id, lines=lines,
        parcel=kwargs.pop("parcel", None) or draft_parcel(db.session, order, lines),
        account_id=account.id, service_code=service_code or (
            "yunexpress_standard" if account.carrier_name == "yunexpress" else "mydhl_express_worldwide"),
        idempotency_key=key or uuid.uuid4().hex, tracking_number=tracking_number, **kwargs)


def dhl_label_requests(fake) -> list:
    return [r for r in fake.requests if r[0] == "mydhl" and r[1] == "POST" and r[2].endswith("/shipments")]


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_forwarder_label_is_booked_with_the_tracking_number_from_its_portal(db, shippable_order, yunexpress):
    shipment = book(db, shippable_order, yunexpress, tracking_number="yt 2312 3456 7890 1234")

    assert shipment.status is ShipmentStatus.LABEL_PURCHASED
    assert (shipment.carrier_name, shipment.service_code, shipment.tracking_number) == (
        "yunexpress", "yunexpress_standard", YT_NUMBER)
    assert shipment.tracking_url == f"https://www.yuntrack.com/parcelTracking?id={YT_NUMBER}"
    content, mimetype, filename = label_document(shipment)
    assert content.startswith(b"%PDF") and mimetype == "application/pdf" and filename == f"label-{YT_NUMBER}.pdf"
    assert shipment.cost_currency == "CNY" and shipment.cost > 0
    # CNY → USD at 7.80 CNY / 1.25 USD per euro
    assert shipment.cost_base == round(Decimal(shipment.cost) / Decimal("6.24"))
    assert shipment.customs["invoice_number"] == f"INV-{shippable_order.number}-1"
    assert shipment.customs["ioss_number"] == "IM2760001234"
    assert [line.quantity_fulfilled for line in shippable_order.lines] == [2, 1]
    assert shippable_order.fulfillment_status is FulfillmentStatus.FULFILLED
    [event] = [e for e in shippable_order.events if e.type == "shipment_booked"]
    assert event.data["tracking_number"] == YT_NUMBER and event.data["carrier"] == "yunexpress"


def test_a_forwarder_needs_its_tracking_number_and_nothing_is_saved_without_it(db, shippable_order, yunexpress):
    with pytest.raises(FulfillmentError) as refused:
        book(db, shippable_order, yunexpress)

    assert refused.value.code is FulfillmentErrorCode.TRACKING_NUMBER_REQUIRED
    assert refused.value.message == "Enter the tracking number YunExpress gave for this parcel (from its portal or app)."
    assert count(db, Shipment) == 0


def test_a_mistyped_forwarder_number_is_refused_in_the_forwarders_words(db, shippable_order, yunexpress):
    with pytest.raises(FulfillmentError) as refused:
        book(db, shippable_order, yunexpress, tracking_number="YT12")

    assert refused.value.code is FulfillmentErrorCode.CARRIER_REJECTED
    assert "YT12 is not a YunExpress tracking number" in refused.value.message
    assert count(db, Shipment) == 0 and shippable_order.fulfillment_status is FulfillmentStatus.UNFULFILLED


def test_a_dhl_label_is_bought_with_the_customs_declaration(db, shippable_order, dhl, fake_carriers):
    shipment = book(db, shippable_order, dhl)

    assert shipment.status is ShipmentStatus.LABEL_PURCHASED
    assert shipment.tracking_number in fake_carriers.shipments
    assert label_document(shipment)[0] == fake_carriers.shipments[shipment.tracking_number]["label"]
    assert (shipment.cost, shipment.cost_currency) == (
        int(Decimal(fake_carriers.shipments[shipment.tracking_number]["amount"]) * 100), "CNY")
    [(_carrier, _method, _path, sent)] = dhl_label_requests(fake_carriers)
    declaration = sent["content"]["exportDeclaration"]
    assert sent["content"]["incoterm"] == "DDP"
    assert [(line["commodityCodes"][0]["value"], line["quantity"]["value"]) for line in declaration["lineItems"]] == [
        ("6109.10", 2), ("6912.00", 1)]
    assert declaration["invoice"]["number"] == f"INV-{shippable_order.number}-1"
    assert any(number.get("number") == "IM2760001234"
               for number in sent["customerDetails"]["shipperDetails"].get("registrationNumbers", []))


def test_the_same_idempotency_key_twice_books_one_label(db, shippable_order, dhl, fake_carriers):
    first = book(db, shippable_order, dhl, key="buy-label-1")
    second = book(db, shippable_order, dhl, key="buy-label-1")

    assert second.id == first.id
    assert len(dhl_label_requests(fake_carriers)) == 1
    assert count(db, Shipment) == 1


def test_a_key_from_another_orders_form_is_refused(db, shippable_order, dhl, markets, tee_and_mug):
    book(db, shippable_order, dhl, key="buy-label-2")
    other = make_shippable_order(db.session, [(tee_and_mug[0], 1, 1904)], market=markets["EU"])

    with pytest.raises(FulfillmentError) as refused:
        book(db, other, dhl, key="buy-label-2")

    assert refused.value.code is FulfillmentErrorCode.KEY_USED_FOR_OTHER_ORDER


def test_a_carrier_refusal_leaves_no_shipment_and_shows_the_carriers_words(db, shippable_order, dhl,
                                                                           fake_carriers):
    events_before = count(db, OrderEvent)
    fake_carriers.fail_next("mydhl", 400, {"instance": "/expressapi/shipments", "title": "Bad Request",
                                           "status": 400, "detail": "Receiver postal code 10117 is not serviced"})

    with pytest.raises(FulfillmentError) as refused:
        book(db, shippable_order, dhl, key="refused-once")

    assert refused.value.code is FulfillmentErrorCode.CARRIER_REJECTED
    assert "DHL Express refused the shipment" in refused.value.message
    assert "Receiver postal code 10117 is not serviced" in refused.value.message
    assert count(db, Shipment) == 0 and count(db, OrderEvent) == events_before
    assert [line.quantity_fulfilled for line in shippable_order.lines] == [0, 0]
    # the same click again, now that DHL answers, books the label
    assert book(db, shippable_order, dhl, key="refused-once").status is ShipmentStatus.LABEL_PURCHASED


def test_a_carrier_that_is_down_says_try_again(db, shippable_order, dhl, fake_carriers):
    fake_carriers.fail_next("mydhl", 503)

    with pytest.raises(FulfillmentError) as down:
        book(db, shippable_order, dhl)

    assert down.value.code is FulfillmentErrorCode.CARRIER_UNAVAILABLE and down.value.status == 503
    assert "try again in a moment" in down.value.message
    assert count(db, Shipment) == 0


@pytest.mark.parametrize("spoil, code, words", [
    (lambda order, tee: setattr(tee, "hs_code", None) or setattr(order.lines[0], "hs_code", None),
     FulfillmentErrorCode.MISSING_HS_CODE, "Variant TEE-BLK-M has no HS code"),
    (lambda order, tee: setattr(tee.variants[0], "weight_grams", 0),
     FulfillmentErrorCode.MISSING_WEIGHT, "Variant TEE-BLK-M has no weight"),
    (lambda order, tee: setattr(order, "shipping_address", {**order.shipping_address, "postal_code": ""}),
     FulfillmentErrorCode.INVALID_ADDRESS, "A postal code is required for Germany."),
])
def test_bad_catalogue_or_address_data_books_nothing_and_writes_nothing(db, shippable_order, dhl, fake_carriers,
                                                                        tee_and_mug, spoil, code, words):
    parcel = Parcel(weight_grams=900)
    spoil(shippable_order, tee_and_mug[0])
    db.session.flush()
    events_before = count(db, OrderEvent)

    with pytest.raises(FulfillmentError) as refused:
        book(db, shippable_order, dhl, parcel=parcel)

    assert refused.value.code is code and words in refused.value.message
    assert count(db, Shipment) == 0 and count(db, OrderEvent) == events_before
    assert dhl_label_requests(fake_carriers) == []


def test_an_unpaid_order_cannot_be_shipped(db, shippable_order, yunexpress):
    shippable_order.payment_status = PaymentStatus.PENDING

    with pytest.raises(FulfillmentError) as refused:
        book(db, shippable_order, yunexpress, tracking_number=YT_NUMBER, parcel=Parcel(weight_grams=900))

    assert refused.value.code is FulfillmentErrorCode.NOT_PAID


def test_partial_fulfilment_then_the_rest(db, shippable_order, yunexpress):
    tee_line, mug_line = shippable_order.lines

    first = book(db, shippable_order, yunexpress, lines={tee_line.id: 1}, tracking_number=YT_NUMBER)
    assert shippable_order.fulfillment_status is FulfillmentStatus.PARTIALLY_FULFILLED
    with pytest.raises(FulfillmentError) as too_many:
        book(db, shippable_order, yunexpress, lines={tee_line.id: 2}, tracking_number="YT2312345678900001")
    assert too_many.value.message == "Only 1 of TEE-BLK-M are left to ship, not 2."

    second = book(db, shippable_order, yunexpress, lines={tee_line.id: 1, mug_line.id: 1},
                  tracking_number="YT2312345678900001")

    assert shippable_order.fulfillment_status is FulfillmentStatus.FULFILLED
    assert (first.customs["invoice_number"], second.customs["invoice_number"]) == (
        f"INV-{shippable_order.number}-1", f"INV-{shippable_order.number}-2")
    assert [c["quantity"] for c in second.customs["commodities"]] == [1, 1]


def test_voiding_a_label_puts_its_items_back_to_ship_and_keeps_the_label(db, shippable_order, dhl):
    shipment = book(db, shippable_order, dhl)

    void_shipment(db.session, shipment)

    assert shipment.status is ShipmentStatus.CANCELLED and shipment.cancelled_at is not None
    assert [line.quantity_fulfilled for line in shippable_order.lines] == [0, 0]
    assert shippable_order.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert label_document(shipment)[0].startswith(b"%PDF")
    assert "shipment_voided" in [e.type for e in shippable_order.events]
    assert order_margin(db.session, shippable_order).shipping_costs == 0
    with pytest.raises(FulfillmentError) as again:
        void_shipment(db.session, shipment)
    assert again.value.code is FulfillmentErrorCode.ALREADY_CANCELLED


def test_a_scanned_parcel_cannot_be_voided(db, shippable_order, yunexpress):
    shipment = book(db, shippable_order, yunexpress, tracking_number=YT_NUMBER)
    shipment.status = ShipmentStatus.IN_TRANSIT
    db.session.flush()

    with pytest.raises(FulfillmentError) as refused:
        void_shipment(db.session, shipment)

    assert refused.value.code is FulfillmentErrorCode.NOT_VOIDABLE


def test_a_stuck_draft_can_be_cancelled_and_its_items_shipped_again(db, shippable_order, yunexpress):
    draft = make_shipment(db.session, shippable_order, status=ShipmentStatus.DRAFT, fulfil=False,
                          idempotency_key="stuck")
    with pytest.raises(FulfillmentError):
        book(db, shippable_order, yunexpress, tracking_number=YT_NUMBER)

    cancel_draft(db.session, draft)

    assert draft.status is ShipmentStatus.CANCELLED and draft.idempotency_key is None
    assert book(db, shippable_order, yunexpress, tracking_number=YT_NUMBER).status is ShipmentStatus.LABEL_PURCHASED
    with pytest.raises(FulfillmentError) as not_draft:
        cancel_draft(db.session, draft)
    assert not_draft.value.code is FulfillmentErrorCode.NOT_A_DRAFT


def test_fulfilled_elsewhere_records_the_manual_tracking_number(db, shippable_order):
    tee_line, mug_line = shippable_order.lines

    shipment = mark_fulfilled_elsewhere(db.session, shippable_order, lines={tee_line.id: 2},
                                        carrier_name="yunexpress", tracking_number=YT_NUMBER)

    assert shipment.fulfilled_elsewhere and shipment.status is ShipmentStatus.IN_TRANSIT
    assert shipment.tracking_url == f"https://www.yuntrack.com/parcelTracking?id={YT_NUMBER}"
    assert shippable_order.fulfillment_status is FulfillmentStatus.PARTIALLY_FULFILLED
    assert "fulfilled_elsewhere" in [e.type for e in shippable_order.events]
    local = mark_fulfilled_elsewhere(db.session, shippable_order, lines={mug_line.id: 1}, carrier_name="Local courier",
                                     tracking_number=None, tracking_url=None)
    assert local.tracking_url is None and shippable_order.fulfillment_status is FulfillmentStatus.FULFILLED
    with pytest.raises(FulfillmentError) as nothing_left:
        mark_fulfilled_elsewhere(db.session, shippable_order, lines={mug_line.id: 1}, carrier_name="Local courier",
                                 tracking_number=None)
    assert nothing_left.value.code is FulfillmentErrorCode.TOO_MANY


def test_fulfilled_elsewhere_needs_a_carrier_name_and_a_web_address(db, shippable_order):
    lines = {shippable_order.lines[0].id: 1}

    with pytest.raises(FulfillmentError) as no_carrier:
        mark_fulfilled_elsewhere(db.session, shippable_order, lines=lines, carrier_name=" ", tracking_number="1")
    with pytest.raises(FulfillmentError) as bad_url:
        mark_fulfilled_elsewhere(db.session, shippable_order, lines=lines, carrier_name="Courier", tracking_number="1",
                                 tracking_url="javascript:alert(1)")

    assert (no_carrier.value.field, bad_url.value.field) == ("carrier_name", "tracking_url")
    assert count(db, Shipment) == 0


def test_the_commercial_invoice_is_a_pdf_with_hs_codes_and_values(db, shippable_order, yunexpress):
    shipment = book(db, shippable_order, yunexpress, tracking_number=YT_NUMBER)

    html = commercial_invoice_html(db.session, shipment)
    content, mimetype, filename = invoice_document(shipment)

    assert content.startswith(b"%PDF") and mimetype == "application/pdf"
    assert filename == f"INV-{shippable_order.number}-1.pdf"
    for text in ("COMMERCIAL INVOICE", f"INV-{shippable_order.number}-1", "6109.10", "6912.00", "China",
                 "Men&#39;s T-shirt of knitted cotton", "16.00", "32.00", "12.00", "44.00 EUR", "DDP",
                 "IOSS: IM2760001234", "EORI: DE123456789012345", "Sale of goods", "Erika Mustermann",
                 "Harbor &amp; Loom Trading Co., Ltd.", YT_NUMBER, "Signature"):
        assert text in html, text


def test_a_domestic_shipment_has_no_customs_papers(db, markets, shipping_store, us_warehouse, cny_rate):
    lamp = make_product(db.session, location=us_warehouse, variants=[{"sku": "LAMP", "weight_grams": 900}])
    order = make_shippable_order(db.session, [(lamp, 1, 3000)], market=markets["US"], currency="USD",
                                 address=NEW_YORK, location=us_warehouse)
    account = make_carrier_account(db.session, "cainiao", credentials={}, locations=[us_warehouse],
                                   settings={"rate_table": [{"name": "US", "countries": ["US"], "currency": "USD",
                                                             "services": {"cainiao_standard": {
                                                                 "brackets": [[1000, 650], [5000, 1200]]}}}]})

    shipment = book(db, order, account, service_code="cainiao_standard", tracking_number="LP00123456789012")

    assert shipment.customs == {} and shipment.invoice_key is None
    assert (shipment.cost, shipment.cost_currency, shipment.cost_base) == (650, "USD", 650)
    with pytest.raises(FulfillmentError) as none:
        invoice_document(shipment)
    assert none.value.code is FulfillmentErrorCode.DOCUMENT_MISSING


def test_labels_are_kept_privately_under_the_instance_folder(db, shippable_order, yunexpress, app):
    shipment = book(db, shippable_order, yunexpress, tracking_number=YT_NUMBER, label_format="ZPL")

    path = documents_root() / shipment.label_key
    assert path == documents_root() / "labels" / f"{shipment.id}.zpl" and path.exists()
    assert str(path).startswith(str(app.config["CLIPPER"].instance_path))
    assert label_document(shipment)[1:] == ("application/x-zpl", f"label-{YT_NUMBER}.zpl")


def test_the_margin_is_revenue_less_refunds_less_shipping_costs(db, shippable_order, yunexpress):
    shippable_order.base_currency, shippable_order.fx_rate = "USD", Decimal("0.8")  # 1 USD = 0.80 EUR
    shippable_order.base_total = 6300  # $63.00 for 50,40 €
    shippable_order.total_refunded = 800  # 8,00 € = $10.00
    shipment = book(db, shippable_order, yunexpress, tracking_number=YT_NUMBER)

    margin = order_margin(db.session, shippable_order)

    assert (margin.currency, margin.revenue, margin.refunded) == ("USD", 6300, 1000)
    assert margin.shipping_costs == shipment.cost_base > 0
    assert margin.amount == 6300 - 1000 - shipment.cost_base


def test_live_rates_come_side_by_side_in_the_account_and_base_currency(db, shippable_order, dhl, yunexpress):
    lines = everything(shippable_order)
    make_box_preset(db.session, is_default=True)

    answers = quote_rates(db.session, shippable_order, dhl.locations[0].location_id, lines,
                          draft_parcel(db.session, shippable_order, lines))

    by_carrier = {answer.carrier_name: answer for answer in answers}
    assert set(by_carrier) == {"mydhl", "yunexpress"} and all(answer.ok for answer in answers)
    express = next(q for q in by_carrier["mydhl"].quotes if q.service_code == "mydhl_express_worldwide")
    assert express.currency == "CNY" and express.base_currency == "USD"
    assert express.base_amount == round(Decimal(express.amount) / Decimal("6.24"))
    assert express.incoterm == "DDP" and express.transit_days
    assert by_carrier["yunexpress"].quotes[0].currency == "CNY"


def test_a_failing_carrier_does_not_hide_the_others(db, shippable_order, dhl, yunexpress, fake_carriers):
    fake_carriers.fail_next("mydhl", 500)

    answers = quote_rates(db.session, shippable_order, dhl.locations[0].location_id, everything(shippable_order),
                          Parcel(weight_grams=900))

    by_carrier = {answer.carrier_name: answer for answer in answers}
    assert not by_carrier["mydhl"].ok and by_carrier["mydhl"].error and by_carrier["mydhl"].quotes == ()
    assert by_carrier["yunexpress"].ok and by_carrier["yunexpress"].quotes


def test_a_slow_carrier_is_cut_off_by_the_time_box(db, shippable_order, dhl, yunexpress, fake_carriers):
    fake_carriers.delay_seconds = 3

    answers = quote_rates(db.session, shippable_order, dhl.locations[0].location_id, everything(shippable_order),
                          Parcel(weight_grams=900), time_box_seconds=0.5)

    by_carrier = {answer.carrier_name: answer for answer in answers}
    assert by_carrier["mydhl"].error == "No answer within 0.5 seconds; try again, or choose another carrier."
    assert by_carrier["yunexpress"].ok


def test_an_american_order_without_phone_or_state_gets_a_dap_dhl_label(db, markets, tee_and_mug, dhl, fake_carriers,
                                                                      shipping_store):
    order = make_shippable_order(db.session, [(tee_and_mug[0], 1, 2000)], market=markets["US"], currency="USD",
                                 address={**NEW_YORK, "province_code": None})

    shipment = book(db, order, dhl)

    assert shipment.status is ShipmentStatus.LABEL_PURCHASED and shipment.customs["incoterm"] == "DAP"
    [(_carrier, _method, _path, sent)] = dhl_label_requests(fake_carriers)
    receiver = sent["customerDetails"]["receiverDetails"]["postalAddress"]
    assert (receiver["countryCode"], receiver.get("provinceCode"), receiver["postalCode"]) == ("US", "NY", "10118")


def test_a_fedex_label_without_a_price_in_the_answer_costs_what_fedex_quoted(db, shippable_order, cn_warehouse,
                                                                            fake_carriers, cny_rate):
    from tests.fakes.carriers import TEST_CREDENTIALS

    fedex = make_carrier_account(db.session, "fedex", credentials=dict(TEST_CREDENTIALS["fedex"]),
                                 server_url=fake_carriers.server_url("fedex"), locations=[cn_warehouse])
    shipment = book(db, shippable_order, fedex, service_code="fedex_international_priority")

    assert shipment.status is ShipmentStatus.LABEL_PURCHASED
    assert shipment.cost and shipment.cost > 0 and shipment.cost_currency and shipment.cost_base
    assert shipment.estimated_delivery is not None  # what the "late parcel" rule measures against


def test_a_dhl_label_knows_its_estimated_delivery_from_the_quote(db, shippable_order, dhl):
    shipment = book(db, shippable_order, dhl)
    assert shipment.estimated_delivery is not None and shipment.estimated_delivery > shipment.label_created_at.date()
