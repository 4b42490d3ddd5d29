"""Tracking sync against the fake DHL Express API, events staff record by hand or from a CSV file, and the
`clipper tracking` commands."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storefront.domain import jobs
from storefront.domain.tracking import sync
from storefront.domain.tracking.errors import TrackingError, TrackingErrorCode, TrackingImportError
from storefront.integrations.carriers.types import TrackingStatus
from storefront.models import FulfillmentStatus, OrderEvent, ShipmentStatus, TrackingEvent
from tests.fixtures.factories import make_paid_order, make_product, make_staff_user
from tests.fixtures.shipping import make_carrier_account, make_shipment

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PICKED_UP = NOW - timedelta(days=1, hours=6)
DEPARTED = NOW - timedelta(days=1)
TOKYO = timedelta(hours=9)


@pytest.fixture
def dhl(db, fake_carriers):
    return make_carrier_account(db.session, "mydhl", server_url=fake_carriers.server_url("mydhl"))


@pytest.fixture
def order(db, store):
    return make_paid_order(db.session, [(make_product(db.session, title="Linen Tee"), 2)], locale="en")


@pytest.fixture
def parcel(db, order, dhl):
    return make_shipment(db.session, order, account=dhl, tracking_number="4600000001",
                         label_created_at=NOW - timedelta(days=2))


def timeline(db, order, type_):
    return db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.type == type_)
                              .order_by(OrderEvent.id)).all()


def tracking_calls(fake_carriers):
    return [call for call in fake_carriers.requests if call[0] == "mydhl" and "tracking" in call[2]]


def test_sync_records_dhl_scans_as_given_and_the_parcel_is_in_transit(db, fake_carriers, parcel, order):
    fake_carriers.add_event("4600000001", TrackingStatus.IN_TRANSIT, "Shipment picked up",
                            location="SHENZHEN - CHINA MAINLAND", occurred_at=PICKED_UP, code="PU")
    fake_carriers.add_event("4600000001", TrackingStatus.IN_TRANSIT, "Departed Facility in HONG KONG - HONG KONG",
                            location="HONG KONG - HONG KONG", occurred_at=DEPARTED, code="DF")

    report = sync.sync_tracking(db.session, now=NOW)

    assert (report.checked, report.new_events, report.errors) == (1, 2, 0)
    db.session.refresh(parcel)
    assert parcel.status is ShipmentStatus.IN_TRANSIT
    assert [e.description for e in parcel.events] == ["Shipment picked up",
                                                      "Departed Facility in HONG KONG - HONG KONG"]
    assert parcel.events[0].location == "SHENZHEN - CHINA MAINLAND"
    assert parcel.events[0].occurred_at == PICKED_UP
    assert parcel.shipped_at == PICKED_UP
    assert parcel.last_synced_at == NOW
    assert parcel.next_sync_at == NOW + sync.RECHECK_AFTER[ShipmentStatus.IN_TRANSIT]
    assert parcel.sync_error is None
    [changed] = timeline(db, order, "shipment_status_changed")
    assert changed.data == {"shipment_id": parcel.id, "tracking_number": "4600000001",
                            "from_status": "label_purchased", "to_status": "in_transit"}


def test_running_sync_twice_adds_nothing(db, fake_carriers, parcel, order):
    fake_carriers.add_event("4600000001", TrackingStatus.IN_TRANSIT, "Shipment picked up", occurred_at=PICKED_UP)
    sync.sync_tracking(db.session, now=NOW)

    again = sync.sync_tracking(db.session, now=NOW + timedelta(days=1))

    assert (again.checked, again.new_events) == (1, 0)
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)
                             .where(TrackingEvent.shipment_id == parcel.id)) == 1
    assert len(timeline(db, order, "shipment_status_changed")) == 1


def test_a_parcel_that_is_not_due_is_not_asked_about_again(db, fake_carriers, parcel):
    fake_carriers.add_event("4600000001", TrackingStatus.IN_TRANSIT, "Shipment picked up", occurred_at=PICKED_UP)
    sync.sync_tracking(db.session, now=NOW)
    calls = len(tracking_calls(fake_carriers))

    report = sync.sync_tracking(db.session, now=NOW + timedelta(minutes=30))

    assert report.checked == 0
    assert len(tracking_calls(fake_carriers)) == calls
    assert sync.sync_tracking(db.session, now=NOW + timedelta(minutes=30), force=True).checked == 1


def test_an_older_scan_reported_late_does_not_move_the_parcel_backwards(db, fake_carriers, parcel):
    fake_carriers.add_event("4600000001", TrackingStatus.OUT_FOR_DELIVERY, "With delivery courier",
                            occurred_at=NOW - timedelta(hours=2), code="WC")
    sync.sync_tracking(db.session, now=NOW)
    fake_carriers.add_event("4600000001", TrackingStatus.IN_TRANSIT, "Arrived at DHL Delivery Facility BERLIN",
                            occurred_at=NOW - timedelta(hours=5), code="AF")

    report = sync.sync_tracking(db.session, now=NOW + timedelta(hours=2))

    assert report.new_events == 1
    db.session.refresh(parcel)
    assert parcel.status is ShipmentStatus.OUT_FOR_DELIVERY
    assert [e.description for e in parcel.events] == ["Arrived at DHL Delivery Facility BERLIN",
                                                      "With delivery courier"]
    assert parcel.next_sync_at == NOW + timedelta(hours=2) + sync.RECHECK_AFTER[ShipmentStatus.OUT_FOR_DELIVERY]


def test_delivery_completes_the_order_and_a_later_scan_does_not_undo_it(db, fake_carriers, parcel, order):
    fake_carriers.add_event("4600000001", TrackingStatus.DELIVERED, "Delivered", location="BERLIN - GERMANY",
                            occurred_at=NOW - timedelta(hours=1), code="OK")

    report = sync.sync_tracking(db.session, now=NOW)

    assert report.delivered == 1
    db.session.refresh(parcel)
    db.session.refresh(order)
    assert parcel.status is ShipmentStatus.DELIVERED
    assert parcel.delivered_at == NOW - timedelta(hours=1)
    assert parcel.next_sync_at is None
    assert order.fulfillment_status is FulfillmentStatus.DELIVERED
    assert [e.data["to_status"] for e in timeline(db, order, "fulfillment_status_changed")] == ["delivered"]
    # Delivered parcels are not polled any more; an odd later scan recorded by hand keeps it delivered.
    sync.add_manual_event(db.session, parcel, occurred_at=NOW, status="in_transit", description="Scanned")
    assert parcel.status is ShipmentStatus.DELIVERED
    assert sync.sync_tracking(db.session, now=NOW + timedelta(days=1), force=True).checked == 0


def test_a_number_dhl_does_not_know_yet_is_not_yet_scanned_not_an_error(db, fake_carriers, parcel):
    report = sync.sync_tracking(db.session, now=NOW)

    assert (report.checked, report.not_scanned, report.errors, report.new_events) == (1, 1, 0, 0)
    db.session.refresh(parcel)
    assert parcel.status is ShipmentStatus.LABEL_PURCHASED
    assert parcel.sync_error is None
    assert parcel.events == []
    assert parcel.next_sync_at == NOW + sync.NOT_SCANNED_RECHECK


def test_dhl_down_backs_off_exponentially_and_stops_asking_in_this_run(db, fake_carriers, order, dhl):
    dhl.settings = {**dhl.settings, "tracking_batch_size": 1}
    first = make_shipment(db.session, order, account=dhl, tracking_number="4600000011", fulfil=False)
    second = make_shipment(db.session, order, account=dhl, tracking_number="4600000012", fulfil=False)
    fake_carriers.fail_next("mydhl", 500)

    report = sync.sync_tracking(db.session, now=NOW)

    assert report.errors == 1 and report.checked == 0
    assert report.problems and dhl.account_label in report.problems[0]
    assert len(tracking_calls(fake_carriers)) == 1  # the second batch was not sent to a carrier that is down
    for shipment in (first, second):
        db.session.refresh(shipment)
        assert shipment.sync_failures == 1
        assert shipment.sync_error
        assert shipment.next_sync_at == NOW + timedelta(minutes=15)
    assert sync.sync_tracking(db.session, now=NOW + timedelta(minutes=5)).checked == 0

    fake_carriers.fail_next("mydhl", 503)
    sync.sync_tracking(db.session, now=NOW + timedelta(minutes=15))
    db.session.refresh(first)
    assert first.sync_failures == 2
    assert first.next_sync_at == NOW + timedelta(minutes=15 + 30)

    report = sync.sync_tracking(db.session, now=NOW + timedelta(hours=1))
    assert report.checked == 2 and report.errors == 0
    db.session.refresh(first)
    assert (first.sync_failures, first.sync_error) == (0, None)


def test_back_off_never_waits_more_than_twelve_hours():
    assert sync.backoff(1) == timedelta(minutes=15)
    assert sync.backoff(3) == timedelta(hours=1)
    assert sync.backoff(30) == timedelta(hours=12)


def test_refused_credentials_are_reported_for_the_account_and_retried_later(db, fake_carriers, order, store):
    account = make_carrier_account(db.session, "mydhl", server_url=fake_carriers.server_url("mydhl"),
                                   credentials={"username": "clipper-test", "password": "wrong",
                                                "account_number": "950000001"})
    shipment = make_shipment(db.session, order, account=account, tracking_number="4600000021")

    report = sync.sync_tracking(db.session, now=NOW)

    assert report.errors == 1
    db.session.refresh(shipment)
    assert shipment.sync_failures == 1 and shipment.sync_error
    assert shipment.status is ShipmentStatus.LABEL_PURCHASED


def test_limit_caps_how_many_parcels_one_run_checks(db, fake_carriers, order, dhl):
    for n in range(3):
        make_shipment(db.session, order, account=dhl, tracking_number=f"460000010{n}", fulfil=False)

    assert sync.sync_tracking(db.session, now=NOW, limit=2).checked == 2
    assert sync.sync_tracking(db.session, now=NOW).checked == 1


def test_forwarder_parcels_are_not_polled_but_parcels_shipped_elsewhere_with_dhl_are(db, fake_carriers, order, dhl):
    forwarder = make_shipment(db.session, order, carrier_name="yunexpress", tracking_number="YT2400000000001",
                              fulfil=False)
    elsewhere = make_shipment(db.session, order, carrier_name="mydhl", tracking_number="4600000031",
                              fulfilled_elsewhere=True, fulfil=False)
    fake_carriers.add_event("4600000031", TrackingStatus.IN_TRANSIT, "Shipment picked up", occurred_at=PICKED_UP)

    report = sync.sync_tracking(db.session, now=NOW)

    assert report.checked == 1
    db.session.refresh(elsewhere)
    db.session.refresh(forwarder)
    assert elsewhere.status is ShipmentStatus.IN_TRANSIT
    assert forwarder.last_synced_at is None
    assert not any("YT2400000000001" in str(call) for call in fake_carriers.requests)


def test_record_events_is_idempotent_even_when_the_same_scan_comes_twice_in_one_call(db, parcel):
    scan = sync.parse_event(occurred_at="2026-03-01T14:05:00+09:00", status="picked_up",
                            description="Shipment picked up", code="PU", now=NOW)

    assert sync.record_events(db.session, parcel, [scan, scan], now=NOW) == 1
    assert sync.record_events(db.session, parcel, [scan], now=NOW) == 0
    [event] = parcel.events
    assert event.utc_offset_minutes == 9 * 60
    assert event.occurred_at == datetime(2026, 3, 1, 5, 5, tzinfo=UTC)


# -- by hand and from a CSV file -------------------------------------------------------------------------------


def test_staff_add_an_event_read_off_the_forwarders_site(db, order, store):
    staff = make_staff_user(db.session)
    shipment = make_shipment(db.session, order, carrier_name="yunexpress", tracking_number="YT2400000000002")

    added = sync.add_manual_event(db.session, shipment, occurred_at="2026-03-01T10:00:00+08:00",
                                  status="in_transit", description="Departed from Shenzhen sorting center",
                                  location="Shenzhen, CN", actor=staff, now=NOW)

    assert added is True
    assert shipment.status is ShipmentStatus.IN_TRANSIT
    [event] = shipment.events
    assert (event.source, event.location, event.utc_offset_minutes) == ("manual", "Shenzhen, CN", 480)
    [entry] = timeline(db, order, "tracking_event_added")
    assert entry.staff_user_id == staff.id
    assert sync.add_manual_event(db.session, shipment, occurred_at="2026-03-01T10:00:00+08:00", status="in_transit",
                                 description="Departed from Shenzhen sorting center", now=NOW) is False


@pytest.mark.parametrize("fields, code", [
    ({"occurred_at": "2026-03-01 10:00"}, TrackingErrorCode.NO_UTC_OFFSET),
    ({"occurred_at": "yesterday"}, TrackingErrorCode.INVALID_TIME),
    ({"occurred_at": "2026-04-01T10:00:00+00:00"}, TrackingErrorCode.FUTURE_TIME),
    ({"status": "lost in space"}, TrackingErrorCode.INVALID_STATUS),
    ({"description": "x" * 501}, TrackingErrorCode.TOO_LONG),
])
def test_a_manual_event_with_bad_input_is_refused_and_nothing_is_recorded(db, parcel, fields, code):
    values = {"occurred_at": "2026-03-01T10:00:00+08:00", "status": "in_transit", "description": "Scanned"} | fields

    with pytest.raises(TrackingError) as error:
        sync.add_manual_event(db.session, parcel, now=NOW, **values)

    assert error.value.code is code
    assert error.value.message
    assert parcel.events == []


CSV_OK = """tracking_number,occurred_at,status,description,location,code
YT2400000000003,2026-02-27T09:30:00+08:00,label_created,Order information received,,
YT2400000000003,2026-02-28T18:00:00+08:00,in_transit,Departed from Shenzhen sorting center,"Shenzhen, CN",SZ01
YT2400000000004,2026-03-01T08:15:00+01:00,delivered,Delivered to mailbox,"Berlin, DE",
"""


def test_a_forwarder_csv_is_imported_once(db, order, store):
    first = make_shipment(db.session, order, carrier_name="yunexpress", tracking_number="YT2400000000003",
                          fulfil=False)
    second = make_shipment(db.session, order, carrier_name="yunexpress", tracking_number="YT2400000000004",
                           fulfil=False)

    report = sync.import_events_csv(db.session, CSV_OK, now=NOW)

    assert (report.rows, report.new_events, report.shipments, report.duplicates) == (3, 3, 2, 0)
    assert first.status is ShipmentStatus.IN_TRANSIT
    assert second.status is ShipmentStatus.DELIVERED
    assert [e.description for e in first.events] == ["Order information received",
                                                     "Departed from Shenzhen sorting center"]
    again = sync.import_events_csv(db.session, CSV_OK.encode("utf-8-sig"), now=NOW)
    assert (again.new_events, again.duplicates) == (0, 3)


def test_a_csv_with_bad_rows_names_each_row_and_records_nothing(db, order, store):
    shipment = make_shipment(db.session, order, carrier_name="yunexpress", tracking_number="YT2400000000005")
    text = ("tracking_number,occurred_at,status,description\n"
            "YT2400000000005,2026-02-28T18:00:00+08:00,in_transit,Departed\n"
            "YT9999999999999,2026-02-28T18:00:00+08:00,in_transit,Departed\n"
            "YT2400000000005,2026-02-28 19:00,in_transit,Arrived\n"
            "YT2400000000005,2026-02-28T20:00:00+08:00,teleported,Arrived\n")

    with pytest.raises(TrackingImportError) as error:
        sync.import_events_csv(db.session, text, now=NOW)

    problems = error.value.problems
    assert [(p.row, p.code) for p in problems] == [(3, TrackingErrorCode.UNKNOWN_TRACKING_NUMBER),
                                                   (4, TrackingErrorCode.NO_UTC_OFFSET),
                                                   (5, TrackingErrorCode.INVALID_STATUS)]
    assert problems[0].message.startswith("Row 3: ")
    assert "YT9999999999999" in problems[0].message
    assert shipment.events == []


@pytest.mark.parametrize("text, code", [
    ("", TrackingErrorCode.MISSING_COLUMN),
    ("tracking_number,status\nYT1,in_transit\n", TrackingErrorCode.MISSING_COLUMN),
    ("tracking_number,occurred_at,status\n", TrackingErrorCode.EMPTY_FILE),
    (b"\xff\xfe\x00garbage", TrackingErrorCode.NOT_CSV),
])
def test_a_file_that_is_not_a_tracking_csv_is_refused(db, store, text, code):
    with pytest.raises(TrackingImportError) as error:
        sync.import_events_csv(db.session, text, now=NOW)

    assert error.value.problems[0].code is code


# -- clipper tracking ------------------------------------------------------------------------------------------


def test_clipper_tracking_sync_prints_what_it_did(runner, db, fake_carriers, parcel):
    fake_carriers.add_event("4600000001", TrackingStatus.IN_TRANSIT, "Shipment picked up", occurred_at=PICKED_UP)

    result = runner.invoke(args=["tracking", "sync", "--limit", "10"])

    assert result.exit_code == 0, result.output
    assert "Checked 1 shipment: 1 new event, 0 delivered, 0 not yet scanned." in result.output


def test_clipper_tracking_sync_reports_carrier_trouble_without_a_traceback(runner, db, fake_carriers, parcel):
    fake_carriers.fail_next("mydhl", 503)

    result = runner.invoke(args=["tracking", "sync"])

    assert result.exit_code == 0
    assert "Carrier trouble, will retry later:" in result.output
    assert "Traceback" not in result.output


def test_clipper_tracking_import_reads_a_csv_file(runner, db, order, tmp_path):
    make_shipment(db.session, order, carrier_name="yunexpress", tracking_number="YT2400000000003", fulfil=False)
    make_shipment(db.session, order, carrier_name="yunexpress", tracking_number="YT2400000000004", fulfil=False)
    good = tmp_path / "yun.csv"
    good.write_text(CSV_OK, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("tracking_number,occurred_at,status\nNOPE,2026-02-28T18:00:00+08:00,in_transit\n")

    result = runner.invoke(args=["tracking", "import", str(good)])
    refused = runner.invoke(args=["tracking", "import", str(bad)])

    assert result.exit_code == 0, result.output
    assert "3 new events on 2 shipments (0 already recorded)" in result.output
    assert refused.exit_code == 2
    assert "Row 2:" in refused.output and "NOPE" in refused.output
    assert "nothing was imported" in refused.output


def test_the_periodic_job_syncs_through_the_job_runner(db, fake_carriers, parcel):
    fake_carriers.add_event("4600000001", TrackingStatus.IN_TRANSIT, "Shipment picked up", occurred_at=PICKED_UP)

    report = jobs.run_job("storefront.domain.tracking.sync.sync_tracking_job")

    assert (report.checked, report.new_events) == (1, 1)
    assert ("storefront.domain.tracking.sync.sync_tracking_job", 900) in jobs.PERIODIC
