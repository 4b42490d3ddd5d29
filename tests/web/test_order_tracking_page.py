"""The shopper follows their parcels on /orders/<token>: carrier, tracking link, status in their language, the
carrier's own words at the scan's local time, estimated delivery, and "not yet scanned" before the first scan."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale

from storefront.domain.tracking.statuses import status_label
from storefront.models import ShipmentStatus
from tests.fixtures.factories import make_paid_order, make_product
from tests.fixtures.shipping import make_carrier_account, make_shipment, make_tracking_event
from tests.web.test_query_counts import counted_statements

SCAN = datetime(2026, 3, 1, 5, 5, tzinfo=UTC)  # 14:05 in Tokyo


@pytest.fixture
def order(db, store):
    tee = make_product(db.session, title="Linen Tee")
    return make_paid_order(db.session, [(tee, 3)], locale="ja")


@pytest.fixture
def dhl(db):
    return make_carrier_account(db.session, "mydhl")


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def delivered_parcel(db, order, dhl):
    shipment = make_shipment(db.session, order, account=dhl, tracking_number="4600000301",
                             lines={order.lines[0].id: 1},
                             service_name="EXPRESS WORLDWIDE", status=ShipmentStatus.DELIVERED,
                             delivered_at=SCAN + timedelta(hours=1))
    make_tracking_event(db.session, shipment, status=ShipmentStatus.IN_TRANSIT, occurred_at=SCAN - timedelta(days=2),
                        description="Shipment picked up", location="SHENZHEN - CHINA MAINLAND",
                        utc_offset_minutes=480)
    make_tracking_event(db.session, shipment, status=ShipmentStatus.DELIVERED, occurred_at=SCAN,
                        description="Delivered - Signed for by: TANAKA", location="TOKYO - JAPAN",
                        utc_offset_minutes=540)
    return shipment


def test_japanese_shopper_sees_the_parcel_delivered_in_japanese_with_dhls_words(client, db, order, dhl):
    delivered_parcel(db, order, dhl)

    html = page(client, f"/ja/orders/{order.token}")

    assert "配達済み" in html  # "Delivered", our status name in Japanese
    assert "Delivered - Signed for by: TANAKA" in html  # DHL's own words, untouched
    assert "TOKYO - JAPAN" in html
    assert "2026年3月1日 14:05 (GMT+09:00)" in html  # the scan's local time, written the Japanese way
    assert "DHL Express" in html and "EXPRESS WORLDWIDE" in html
    assert 'href="https://www.dhl.com/' in html and "4600000301" in html
    # newest scan first
    assert html.index("Delivered - Signed for by: TANAKA") < html.index("Shipment picked up")


def test_german_shopper_sees_status_names_and_estimated_delivery_in_german(client, db, order, dhl):
    shipment = make_shipment(db.session, order, account=dhl, tracking_number="4600000302",
                             lines={order.lines[0].id: 1},
                             status=ShipmentStatus.IN_TRANSIT, estimated_delivery=date(2026, 3, 4))
    make_tracking_event(db.session, shipment, status=ShipmentStatus.IN_TRANSIT, occurred_at=SCAN,
                        description="Departed Facility in LEIPZIG - GERMANY", utc_offset_minutes=60)
    delivered_parcel(db, order, dhl)
    with force_locale("de"):
        in_transit = str(status_label(ShipmentStatus.IN_TRANSIT))

    html = page(client, f"/de/orders/{order.token}")

    assert "Zugestellt" in html
    assert in_transit in html
    assert "Mittwoch, 4. März 2026" in html
    assert "1. März 2026, 06:05 (GMT+01:00)" in html
    assert "Departed Facility in LEIPZIG - GERMANY" in html
    assert html.count('class="parcel parcel--') == 2
    assert html.count("1 × Linen Tee") == 2  # two parcels: each lists what is inside


def test_a_parcel_without_a_scan_yet_says_not_yet_scanned(client, db, order, dhl):
    make_shipment(db.session, order, account=dhl, tracking_number="4600000303")

    html = page(client, f"/orders/{order.token}")

    assert "Not yet scanned" in html
    assert "Label created" in html
    assert "4600000303" in html


def test_a_parcel_shipped_elsewhere_links_to_the_tracking_page_staff_gave(client, db, order):
    make_shipment(db.session, order, carrier_name="Royal Mail", tracking_number="RM123456785GB",
                  tracking_url="https://www.royalmail.com/track-your-item#/tracking-results/RM123456785GB",
                  fulfilled_elsewhere=True)

    html = page(client, f"/orders/{order.token}")

    assert "Royal Mail" in html
    assert 'href="https://www.royalmail.com/track-your-item#/tracking-results/RM123456785GB"' in html


def test_a_forwarder_parcel_links_to_the_forwarders_tracking_page(client, db, order):
    make_shipment(db.session, order, carrier_name="yunexpress", tracking_number="YT2400000000001")

    html = page(client, f"/orders/{order.token}")

    assert "YunExpress" in html
    assert 'href="https://www.yuntrack.com/parcelTracking?id=YT2400000000001"' in html


def test_a_voided_label_and_an_order_not_shipped_show_no_parcel(client, db, order, dhl):
    make_shipment(db.session, order, account=dhl, tracking_number="4600000304", status=ShipmentStatus.CANCELLED)

    html = page(client, f"/orders/{order.token}")

    assert "4600000304" not in html
    assert "Not yet scanned" not in html


def test_a_tracking_url_that_is_not_a_web_address_is_not_linked(client, db, order):
    make_shipment(db.session, order, carrier_name="Local courier", tracking_number="LC1",
                  tracking_url="javascript:alert(1)", fulfilled_elsewhere=True)

    html = page(client, f"/orders/{order.token}")

    assert "javascript:alert" not in html
    assert "LC1" in html


def test_the_page_runs_the_same_queries_for_one_parcel_or_three(client, db, order, dhl):
    delivered_parcel(db, order, dhl)
    client.get(f"/orders/{order.token}")  # warm the shop context
    with counted_statements(db.engine) as one:
        page(client, f"/orders/{order.token}")
    for n in range(2):
        delivered_parcel(db, order, make_carrier_account(db.session, "mydhl"))

    with counted_statements(db.engine) as three:
        page(client, f"/orders/{order.token}")

    assert len(three) == len(one)
