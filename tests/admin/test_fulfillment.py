"""Shipping from the admin: rates side by side, buying, printing and voiding labels, fulfilled elsewhere, forwarders,
labels in bulk, tracking exceptions and tracking events typed or imported by staff."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from storefront.integrations import carriers
from storefront.models import (
    FulfillmentStatus,
    InventoryLevel,
    LabelBatch,
    OrderEvent,
    Shipment,
    ShipmentException,
    ShipmentStatus,
    TrackingEvent,
    utcnow,
)
from tests.fixtures.admin import csrf_token, table_rows
from tests.fixtures.factories import make_fx_rates, make_product
from tests.fixtures.shipping import (
    BERLIN,
    LONDON,
    NEW_YORK,
    make_carrier_account,
    make_shipment,
    make_shippable_order,
)

KEY_FIELD = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


@pytest.fixture
def dhl(db, fake_carriers, cn_warehouse):
    """A DHL Express account shipping from the Shenzhen warehouse, talking to the fake DHL; DHL bills a Chinese
    account in yuan, so the store knows the yuan's rate (1 EUR = 7.80 CNY; the base currency is USD)."""
    make_fx_rates(db.session, {"CNY": "7.80"})
    carriers.carrier_specs()  # karrio's first import is slow: keep it out of the rates' time box
    return make_carrier_account(db.session, "mydhl", server_url=fake_carriers.server_url("mydhl"),
                                locations=[cn_warehouse])


@pytest.fixture
def yunexpress(db, cn_warehouse):
    """A YunExpress forwarder account (rate table, our own label, no carrier API)."""
    carriers.carrier_specs()
    return make_carrier_account(db.session, "yunexpress", credentials={}, locations=[cn_warehouse])


def parcel_form(client, order, **overrides) -> dict:
    """The fulfil page's form as it comes prefilled for the suggested warehouse."""
    html = client.get(f"/admin/orders/{order.number}/fulfill").get_data(as_text=True)
    data = dict(re.findall(r'<input[^>]*name="(lines-\d+-(?:line_id|quantity)|location_id)"[^>]*value="([^"]*)"', html))
    for name in ("weight_grams", "length_mm", "width_mm", "height_mm"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
        data[name] = match.group(1) if match else ""
    selected = re.search(r'<option value="(\d*)"[^>]*selected', html)
    data["box_preset_id"] = selected.group(1) if selected else ""
    data["csrf_token"] = csrf_token(client, f"/admin/orders/{order.number}")
    data.update(overrides)
    return data


def rates_page(client, order, **overrides):
    return client.post(f"/admin/orders/{order.number}/fulfill", data=parcel_form(client, order, **overrides))


def buy_form(client, order, rate_value: str | None = None, **overrides) -> dict:
    """The rates page's "Buy label" form with the first quote (or `rate_value`) chosen."""
    form = parcel_form(client, order)
    html = client.post(f"/admin/orders/{order.number}/fulfill", data=form).get_data(as_text=True)
    form["idempotency_key"] = KEY_FIELD.search(html).group(1)
    form["rate"] = rate_value or re.search(r'name="rate" id="[^"]+" value="([^"]+)"', html).group(1)
    form["label_format"] = "PDF"
    form.update(overrides)
    return form


def shipments_of(db, order) -> list[Shipment]:
    db.session.expire_all()
    return list(db.session.scalars(select(Shipment).where(Shipment.order_id == order.id)))


def shipment_id_from(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/admin/shipments/(\d+)$", response.headers["Location"]).group(1))


# -- step 1 and 2: parcel and rates ----------------------------------------------------------------------------


def test_fulfil_page_prefills_what_the_warehouse_ships_and_the_parcel_weight(admin_client, shippable_order, dhl):
    response = admin_client.get(f"/admin/orders/{shippable_order.number}/fulfill")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Shenzhen warehouse" in html
    rows = table_rows(html, "parcel-lines")
    assert [row[0] for row in rows] == ["Linen Tee", "Stoneware Mug"]
    assert [row[3] for row in rows] == ["2", "1"]  # left to ship
    # 2 × 180 g + 400 g, no box preset
    assert re.search(r'name="weight_grams"[^>]*value="760"', html)
    assert "Fix these before buying a label" not in html


def test_rates_page_lists_dhl_services_in_yuan_and_in_dollars(admin_client, shippable_order, dhl):
    response = rates_page(admin_client, shippable_order)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    rows = table_rows(html, "rates")
    services = {row[2] for row in rows}
    assert {"DHL Express Worldwide", "DHL Economy Select"} <= services
    worldwide = next(row for row in rows if row[2] == "DHL Express Worldwide")
    assert worldwide[1].startswith("DHL Express")
    assert worldwide[3].startswith("CN¥") and worldwide[4].startswith("$")
    assert worldwide[6] == "DDP"  # the Eurozone market collects duties at checkout
    assert KEY_FIELD.search(html)


def test_a_carrier_that_fails_shows_its_message_beside_the_others(admin_client, shippable_order, dhl, yunexpress,
                                                                  fake_carriers):
    form = parcel_form(admin_client, shippable_order)
    fake_carriers.fail_next("mydhl", 500)
    response = admin_client.post(f"/admin/orders/{shippable_order.number}/fulfill", data=form)
    rows = table_rows(response.get_data(as_text=True), "rates")
    assert response.status_code == 200
    dhl_rows = [row for row in rows if row[1].startswith("DHL Express")]
    assert len(dhl_rows) == 1 and dhl_rows[0][2]  # the error message, no price
    assert any(row[1].startswith("YunExpress") and row[3] for row in rows)


def test_an_order_split_across_the_chinese_and_the_us_warehouse_ships_in_two_parcels(
        admin_client, db, markets, shipping_store, cn_warehouse, us_warehouse):
    lamp = make_product(db.session, title="Paper Lamp", location=cn_warehouse,
                        variants=[{"sku": "LAMP-1", "weight_grams": 900, "stock": 1}])
    lamp.variants[0].inventory_levels.append(InventoryLevel(location_id=us_warehouse.id, on_hand=1))
    db.session.flush()
    order = make_shippable_order(db.session, [(lamp, 2, 4000)], market=markets["US"], address=NEW_YORK,
                                 currency="USD")
    page = admin_client.get(f"/admin/orders/{order.number}/fulfill").get_data(as_text=True)
    assert "this order ships in 2 parcels" in page
    plan = re.search(r'<ul id="plan">(.*?)</ul>', page, re.S).group(1)
    assert "New Jersey warehouse" in plan and "Shenzhen warehouse" in plan
    us_page = admin_client.get(f"/admin/orders/{order.number}/fulfill?location={us_warehouse.id}")
    [row] = table_rows(us_page.get_data(as_text=True), "parcel-lines")
    assert row[0] == "Paper Lamp" and row[3] == "2"  # left to ship in all; this parcel takes the US unit
    assert re.search(r'name="lines-0-quantity"[^>]*value="1"', us_page.get_data(as_text=True))


def test_an_address_without_postal_code_is_shown_before_any_rate(admin_client, db, markets, shipping_store,
                                                                cn_warehouse, tee_and_mug, dhl):
    tee, _mug = tee_and_mug
    address = {key: value for key, value in BERLIN.items() if key != "postal_code"}
    order = make_shippable_order(db.session, [(tee, 1, 1904)], market=markets["EU"], address=address,
                                 location=cn_warehouse)
    page = admin_client.get(f"/admin/orders/{order.number}/fulfill").get_data(as_text=True)
    assert "Shipping address: A postal code is required for Germany." in page
    response = rates_page(admin_client, order)
    assert response.status_code == 422 and "A postal code is required for Germany." in response.get_data(as_text=True)


def test_a_parcel_without_weight_is_sent_back_with_the_error(admin_client, shippable_order, dhl):
    response = rates_page(admin_client, shippable_order, weight_grams="")
    assert response.status_code == 422
    assert "Enter the parcel's weight in grams." in response.get_data(as_text=True)


# -- step 3: buying, printing, voiding -------------------------------------------------------------------------


def test_owner_buys_a_dhl_label_prints_it_and_sees_the_customs_declaration(admin_client, db, shippable_order, dhl,
                                                                           fake_carriers):
    response = admin_client.post(f"/admin/orders/{shippable_order.number}/ship",
                                 data=buy_form(admin_client, shippable_order))
    shipment_id = shipment_id_from(response)
    [shipment] = shipments_of(db, shippable_order)
    assert shipment.id == shipment_id and shipment.status is ShipmentStatus.LABEL_PURCHASED
    assert shipment.tracking_number in fake_carriers.shipments
    assert shipment.cost_currency == "CNY" and shipment.cost_base

    page = admin_client.get(f"/admin/shipments/{shipment_id}").get_data(as_text=True)
    assert shipment.tracking_number in page and "Label created" in page
    customs = table_rows(page, "customs")
    assert [row[1] for row in customs] == ["6109.10", "6912.00"]
    assert "IOSS: IM2760001234" in page and "Incoterm: DDP" in page
    assert "Margin" in page

    label = admin_client.get(f"/admin/shipments/{shipment_id}/label")
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    assert label.headers["Content-Disposition"].startswith("inline")
    assert label.data.startswith(b"%PDF")
    invoice = admin_client.get(f"/admin/shipments/{shipment_id}/invoice")
    assert invoice.status_code == 200 and invoice.mimetype == "application/pdf"

    order_page = admin_client.get(f"/admin/orders/{shippable_order.number}").get_data(as_text=True)
    [row] = table_rows(order_page, "order-shipments")
    assert row[0] == shipment.tracking_number and row[1] == "Label created"
    assert f"/admin/orders/{shippable_order.number}/fulfill" not in order_page  # nothing left to ship
    assert "shipment_booked" in db.session.scalars(select(OrderEvent.type)
                                                   .where(OrderEvent.order_id == shippable_order.id)).all()


def test_a_zpl_label_downloads_for_the_thermal_printer(admin_client, db, shippable_order, dhl):
    form = buy_form(admin_client, shippable_order, label_format="ZPL")
    shipment_id = shipment_id_from(admin_client.post(f"/admin/orders/{shippable_order.number}/ship", data=form))
    page = admin_client.get(f"/admin/shipments/{shipment_id}").get_data(as_text=True)
    assert "Download label (ZPL)" in page
    label = admin_client.get(f"/admin/shipments/{shipment_id}/label")
    assert label.status_code == 200 and label.headers["Content-Disposition"].startswith("attachment")
    assert label.data.lstrip().startswith(b"^XA")


def test_a_double_click_on_buy_label_buys_one_label(admin_client, db, shippable_order, dhl, fake_carriers):
    form = buy_form(admin_client, shippable_order)
    first = admin_client.post(f"/admin/orders/{shippable_order.number}/ship", data=form)
    second = admin_client.post(f"/admin/orders/{shippable_order.number}/ship", data=form)
    assert shipment_id_from(first) == shipment_id_from(second)
    assert len(shipments_of(db, shippable_order)) == 1
    assert len(fake_carriers.shipments) == 1


def test_a_missing_hs_code_names_the_variant_and_books_nothing(admin_client, db, shippable_order, dhl, tee_and_mug,
                                                              fake_carriers):
    tee, _mug = tee_and_mug
    tee.hs_code = None
    shippable_order.lines[0].hs_code = None
    db.session.flush()
    page = admin_client.get(f"/admin/orders/{shippable_order.number}/fulfill").get_data(as_text=True)
    assert "Fix these before buying a label" in page and "TEE-BLK-M has no HS code" in page
    assert f'href="/admin/products/{tee.id}"' in page

    rates = rates_page(admin_client, shippable_order)
    assert rates.status_code == 422 and "TEE-BLK-M has no HS code" in rates.get_data(as_text=True)

    form = parcel_form(admin_client, shippable_order, rate=f"{dhl.id}:mydhl_express_worldwide",
                       idempotency_key="key-hs-code", label_format="PDF")
    response = admin_client.post(f"/admin/orders/{shippable_order.number}/ship", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "TEE-BLK-M has no HS code" in html and "Nothing was booked" in html
    assert shipments_of(db, shippable_order) == []
    assert not fake_carriers.shipments


def test_a_carrier_error_while_booking_is_shown_and_nothing_is_booked(admin_client, db, shippable_order, dhl,
                                                                     fake_carriers):
    form = buy_form(admin_client, shippable_order)
    fake_carriers.fail_next("mydhl", 500)
    response = admin_client.post(f"/admin/orders/{shippable_order.number}/ship", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "DHL Express could not be reached" in html and "Nothing was booked" in html
    assert shipments_of(db, shippable_order) == []
    assert db.session.get(type(shippable_order), shippable_order.id).fulfillment_status is \
        FulfillmentStatus.UNFULFILLED


def test_owner_voids_a_label_after_confirming(admin_client, db, shippable_order, dhl):
    shipment_id = shipment_id_from(admin_client.post(f"/admin/orders/{shippable_order.number}/ship",
                                                     data=buy_form(admin_client, shippable_order)))
    confirm = admin_client.get(f"/admin/shipments/{shipment_id}/void")
    assert confirm.status_code == 200 and "Void the DHL Express label" in confirm.get_data(as_text=True)
    assert db.session.get(Shipment, shipment_id).status is ShipmentStatus.LABEL_PURCHASED  # asking changes nothing

    response = admin_client.post(f"/admin/shipments/{shipment_id}/void",
                                 data={"csrf_token": csrf_token(admin_client, f"/admin/shipments/{shipment_id}")})
    assert response.status_code == 303
    db.session.expire_all()
    shipment = db.session.get(Shipment, shipment_id)
    assert shipment.status is ShipmentStatus.CANCELLED
    assert shipment.order_id == shippable_order.id
    page = admin_client.get(f"/admin/shipments/{shipment_id}").get_data(as_text=True)
    assert "Cancelled" in page and "Void label" not in page
    order_page = admin_client.get(f"/admin/orders/{shippable_order.number}").get_data(as_text=True)
    assert f"/admin/orders/{shippable_order.number}/fulfill" in order_page  # its items can ship again


def test_voiding_without_the_form_token_changes_nothing(admin_client, db, shippable_order):
    shipment = make_shipment(db.session, shippable_order)
    response = admin_client.post(f"/admin/shipments/{shipment.id}/void", data={})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Shipment, shipment.id).status is ShipmentStatus.LABEL_PURCHASED


# -- fulfilled elsewhere, forwarders ---------------------------------------------------------------------------


def test_owner_marks_an_order_fulfilled_elsewhere(admin_client, db, shippable_order):
    page = admin_client.get(f"/admin/orders/{shippable_order.number}/fulfilled-elsewhere").get_data(as_text=True)
    data = dict(re.findall(r'name="(lines-\d+-(?:line_id|quantity))"[^>]*value="([^"]*)"', page))
    data.update(csrf_token=csrf_token(admin_client, f"/admin/orders/{shippable_order.number}"),
                carrier_name="SF Express", tracking_number="SF1234567890",
                tracking_url="https://www.sf-express.com/track?no=SF1234567890")

    missing = admin_client.post(f"/admin/orders/{shippable_order.number}/fulfilled-elsewhere",
                                data={**data, "carrier_name": ""})
    assert missing.status_code == 422 and "Enter the carrier's name." in missing.get_data(as_text=True)
    assert shipments_of(db, shippable_order) == []

    shipment_id = shipment_id_from(admin_client.post(
        f"/admin/orders/{shippable_order.number}/fulfilled-elsewhere", data=data))
    db.session.expire_all()
    shipment = db.session.get(Shipment, shipment_id)
    assert shipment.fulfilled_elsewhere and shipment.tracking_number == "SF1234567890"
    assert db.session.get(type(shippable_order), shippable_order.id).fulfillment_status is FulfillmentStatus.FULFILLED
    page = admin_client.get(f"/admin/shipments/{shipment_id}").get_data(as_text=True)
    assert 'href="https://www.sf-express.com/track?no=SF1234567890"' in page


def test_a_forwarder_service_asks_for_the_forwarders_tracking_number(admin_client, db, shippable_order, yunexpress):
    html = rates_page(admin_client, shippable_order).get_data(as_text=True)
    rate = re.search(rf'name="rate" id="[^"]+" value="({yunexpress.id}:[^"]+)"', html).group(1)
    form = buy_form(admin_client, shippable_order, rate_value=rate)

    asked = admin_client.post(f"/admin/orders/{shippable_order.number}/ship", data=form)
    assert asked.status_code == 200
    assert "Enter the tracking number YunExpress gave" in asked.get_data(as_text=True)
    assert shipments_of(db, shippable_order) == []

    empty = admin_client.post(f"/admin/orders/{shippable_order.number}/ship", data={**form, "asked": "1"})
    assert empty.status_code == 422 and shipments_of(db, shippable_order) == []

    shipment_id = shipment_id_from(admin_client.post(f"/admin/orders/{shippable_order.number}/ship",
                                                     data={**form, "tracking_number": "YT2312345678901234"}))
    assert db.session.get(Shipment, shipment_id).tracking_number == "YT2312345678901234"
    label = admin_client.get(f"/admin/shipments/{shipment_id}/label")
    assert label.mimetype == "application/pdf"


def test_staff_record_a_forwarders_scan_by_hand(admin_client, db, shippable_order, yunexpress):
    shipment = make_shipment(db.session, shippable_order, carrier_name="yunexpress", account=yunexpress,
                             tracking_number="YT0001")
    page = admin_client.get(f"/admin/shipments/{shipment.id}").get_data(as_text=True)
    assert "Not yet scanned by the carrier." in page
    data = {"csrf_token": csrf_token(admin_client, f"/admin/shipments/{shipment.id}"),
            "occurred_at": "2026-01-05T14:05", "utc_offset": "480", "status": "in_transit",
            "description": "Departed Shenzhen sorting centre", "location": "Shenzhen"}

    wrong = admin_client.post(f"/admin/shipments/{shipment.id}/events", data={**data, "occurred_at": "yesterday"})
    assert wrong.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 0

    assert admin_client.post(f"/admin/shipments/{shipment.id}/events", data=data).status_code == 303
    page = admin_client.get(f"/admin/shipments/{shipment.id}").get_data(as_text=True)
    assert "Departed Shenzhen sorting centre" in page and "added by staff" in page
    event = db.session.scalars(select(TrackingEvent).where(TrackingEvent.shipment_id == shipment.id)).one()
    assert event.utc_offset_minutes == 480 and event.occurred_at.hour in (6, 14)


# -- bulk labels -----------------------------------------------------------------------------------------------


def test_owner_buys_labels_for_several_orders_and_follows_the_progress(admin_client, db, markets, shipping_store,
                                                                      cn_warehouse, tee_and_mug, dhl):
    tee, mug = tee_and_mug
    to_berlin = make_shippable_order(db.session, [(tee, 1, 1904)], market=markets["EU"], location=cn_warehouse)
    to_london = make_shippable_order(db.session, [(mug, 1, 1200)], market=markets["GB"], address=LONDON,
                                     currency="GBP", location=cn_warehouse)
    no_hs_code = make_product(db.session, title="Mystery Box", hs_code=None, location=cn_warehouse,
                              variants=[{"sku": "BOX-1", "weight_grams": 300}])
    incomplete = make_shippable_order(db.session, [(no_hs_code, 1, 1500)], market=markets["EU"],
                                      location=cn_warehouse)
    orders = admin_client.get("/admin/orders").get_data(as_text=True)
    assert f'name="order_id" value="{to_berlin.id}"' in orders

    ids = [to_berlin.id, to_london.id, incomplete.id]
    chooser = admin_client.get("/admin/label-batches/new?" + "&".join(f"order_id={i}" for i in ids))
    assert chooser.status_code == 200 and f"#{to_london.number}" in chooser.get_data(as_text=True)
    data = {"csrf_token": csrf_token(admin_client, "/admin/label-batches/new"),
            "service": f"{dhl.id}:mydhl_express_worldwide",
            **{f"order_ids-{n}": order_id for n, order_id in enumerate(ids)}}
    response = admin_client.post("/admin/label-batches", data=data)
    assert response.status_code == 303
    progress = admin_client.get(response.headers["Location"])
    html = progress.get_data(as_text=True)
    assert progress.status_code == 200
    assert 'http-equiv="refresh"' not in html  # the job ran after the response: finished
    results = {row[0]: row for row in table_rows(html, "batch-results")}
    assert results[f"#{to_berlin.number}"][1] == "Label bought" and "Print label" in results[f"#{to_berlin.number}"][2]
    assert results[f"#{to_london.number}"][1] == "Label bought"
    assert "BOX-1 has no HS code" in results[f"#{incomplete.number}"][1]
    batch = db.session.scalars(select(LabelBatch)).one()
    assert (batch.succeeded, batch.failed, batch.status) == (2, 1, "done")


def test_a_batch_without_orders_is_refused(admin_client, db):
    response = admin_client.post("/admin/label-batches",
                                 data={"csrf_token": csrf_token(admin_client, "/admin/label-batches/new")})
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/orders")
    assert db.session.scalar(select(func.count()).select_from(LabelBatch)) == 0


# -- exceptions and tracking imports ---------------------------------------------------------------------------


def test_stalled_parcel_is_listed_and_resolving_it_writes_the_timeline(admin_client, db, shippable_order, dhl):
    shipment = make_shipment(db.session, shippable_order, account=dhl, tracking_number="1234567890",
                             exception_kind=ShipmentException.STALLED,
                             exception_reason="No tracking event for 6 days.",
                             exception_since=utcnow() - timedelta(days=2))
    listing = admin_client.get("/admin/shipments/exceptions").get_data(as_text=True)
    [row] = table_rows(listing, "exceptions")
    assert row[0].startswith("Stalled") and "6 days" in row[0]
    assert row[1] == "2 days" and row[2] == f"#{shippable_order.number}"
    assert row[3] == "DHL Express" and row[4] == "1234567890"

    token = csrf_token(admin_client, f"/admin/shipments/{shipment.id}")
    unchosen = admin_client.post(f"/admin/shipments/{shipment.id}/resolve", data={"csrf_token": token})
    assert unchosen.status_code == 422
    assert db.session.get(Shipment, shipment.id).exception_kind is ShipmentException.STALLED

    response = admin_client.post(f"/admin/shipments/{shipment.id}/resolve",
                                 data={"csrf_token": token, "action": "reship", "note": "Sent a new parcel"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Shipment, shipment.id).exception_kind is None
    event = db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == shippable_order.id,
                                                        OrderEvent.type == "shipment_exception_resolved")).one()
    assert event.data["action"] == "reship" and event.data["note"] == "Sent a new parcel"
    assert table_rows(admin_client.get("/admin/shipments/exceptions").get_data(as_text=True), "exceptions") == []


def test_tracking_events_are_imported_from_csv_all_or_nothing(admin_client, db, shippable_order, yunexpress):
    shipment = make_shipment(db.session, shippable_order, carrier_name="yunexpress", account=yunexpress,
                             tracking_number="YT0002")
    token = csrf_token(admin_client, "/admin/shipments/events/import")
    header = "tracking_number,occurred_at,status,description,location\n"
    good = "YT0002,2026-01-05T14:05:00+08:00,in_transit,Departed Shenzhen,Shenzhen\n"

    bad_file = header + good + "YT9999,2026-01-06T09:00:00+08:00,in_transit,Arrived,Leipzig\n"
    refused = admin_client.post("/admin/shipments/events/import", content_type="multipart/form-data",
                                data={"csrf_token": token, "file": (io.BytesIO(bad_file.encode()), "events.csv")})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Row 3: No shipment has the tracking number “YT9999”." in html
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 0

    accepted = admin_client.post("/admin/shipments/events/import", content_type="multipart/form-data",
                                 data={"csrf_token": token, "file": (io.BytesIO((header + good).encode()), "ev.csv")})
    assert accepted.status_code == 303
    page = admin_client.get(accepted.headers["Location"]).get_data(as_text=True)
    assert "1 new tracking event recorded." in page
    assert db.session.scalars(select(TrackingEvent.description)
                              .where(TrackingEvent.shipment_id == shipment.id)).all() == ["Departed Shenzhen"]


# -- who may ship ----------------------------------------------------------------------------------------------


def test_staff_may_ship_orders(staff_client, db, shippable_order, dhl):
    signed_in = staff_client("staff")
    shipment_id = shipment_id_from(signed_in.post(f"/admin/orders/{shippable_order.number}/ship",
                                                  data=buy_form(signed_in, shippable_order)))
    assert signed_in.get(f"/admin/shipments/{shipment_id}").status_code == 200
    # staff cannot open products, so the fix-it link is not offered to them
    assert signed_in.get("/admin/shipments/exceptions").status_code == 200


def test_shipping_screens_open_in_the_chinese_admin(staff_client, db, shippable_order, dhl):
    signed_in = staff_client("owner")
    signed_in.staff_user.locale = "zh-CN"
    shipment = make_shipment(db.session, shippable_order, account=dhl)
    db.session.flush()
    for path in (f"/admin/orders/{shippable_order.number}/fulfill", f"/admin/shipments/{shipment.id}",
                 "/admin/shipments/exceptions", "/admin/shipments/events/import",
                 f"/admin/orders/{shippable_order.number}"):
        response = signed_in.get(path)
        assert response.status_code == 200, path
        assert '<html lang="zh-CN"' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/orders/1001/fulfill", "/admin/shipments/1", "/admin/shipments/1/label",
                                  "/admin/shipments/exceptions", "/admin/shipments/events/import",
                                  "/admin/label-batches/new", "/admin/label-batches/1",
                                  "/admin/orders/1001/fulfilled-elsewhere"])
def test_signed_out_visitors_are_sent_to_the_login(client, store, path):
    response = client.get(path)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_signed_out_post_books_nothing(client, db, shippable_order, dhl):
    response = client.post(f"/admin/orders/{shippable_order.number}/ship", data={"idempotency_key": "k"})
    assert response.status_code in (302, 400)
    assert shipments_of(db, shippable_order) == []
