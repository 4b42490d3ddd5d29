"""Parcels that need attention: each exception rule, clearing when the parcel moves on, the staff list, resolving
on the order timeline, and the owner's daily digest."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from storefront.domain import jobs
from storefront.domain.tracking import exceptions, sync
from storefront.domain.tracking.errors import TrackingError, TrackingErrorCode
from storefront.models import OrderEvent, ServiceLevel, ShipmentException, ShipmentStatus
from tests.fixtures.factories import make_paid_order, make_product, make_staff_user, make_store
from tests.fixtures.shipping import make_shipment, make_tracking_event

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def order(db, store):
    return make_paid_order(db.session, [(make_product(db.session, title="Linen Tee"), 1)])


def in_transit(db, order, *, last_scan: datetime, level: ServiceLevel | None = ServiceLevel.STANDARD, **overrides):
    shipment = make_shipment(db.session, order, status=ShipmentStatus.IN_TRANSIT, service_level=level,
                             label_created_at=last_scan - timedelta(days=1), fulfil=False, **overrides)
    make_tracking_event(db.session, shipment, occurred_at=last_scan, created_at=last_scan,
                        description="Departed facility")
    return shipment


def detect(db, at: datetime = NOW):
    with time_machine.travel(at, tick=False):
        return exceptions.detect_exceptions(db.session)


def timeline(db, order, type_):
    return db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.type == type_)
                              .order_by(OrderEvent.id)).all()


@pytest.mark.parametrize("level, idle_days, stalled", [
    (ServiceLevel.EXPRESS, 2, False),
    (ServiceLevel.EXPRESS, 4, True),
    (ServiceLevel.STANDARD, 4, False),
    (ServiceLevel.STANDARD, 6, True),
    (None, 6, True),  # no level recorded: treated as standard
    (ServiceLevel.POSTAL, 9, False),
    (ServiceLevel.POSTAL, 11, True),
    (ServiceLevel.DEDICATED_LINE, 11, True),
])
def test_a_parcel_without_news_for_longer_than_its_service_allows_is_stalled(db, order, level, idle_days, stalled):
    shipment = in_transit(db, order, last_scan=NOW - timedelta(days=idle_days), level=level)

    flagged = detect(db)

    assert (shipment in flagged) is stalled
    if stalled:
        assert shipment.exception_kind is ShipmentException.STALLED
        assert f"No tracking update for {idle_days} days" in shipment.exception_reason
        limit = exceptions.STALL_DAYS[level or ServiceLevel.STANDARD]
        assert shipment.exception_since == NOW - timedelta(days=idle_days) + timedelta(days=limit)
    else:
        assert shipment.exception_kind is None


def test_a_label_never_scanned_by_the_carrier_stalls_too(db, order):
    shipment = make_shipment(db.session, order, service_level=ServiceLevel.EXPRESS,
                             label_created_at=NOW - timedelta(days=4))

    detect(db)

    assert shipment.exception_kind is ShipmentException.STALLED
    assert shipment.exception_reason.startswith("No carrier scan since the label was created")


def test_a_forwarder_parcel_stalls_only_once_its_imported_scans_stop(db, order):
    silent = make_shipment(db.session, order, carrier_name="yunexpress", service_level=ServiceLevel.DEDICATED_LINE,
                           tracking_number="YT2400000000009", label_created_at=NOW - timedelta(days=12), fulfil=False)
    imported = in_transit(db, order, carrier_name="yunexpress", level=ServiceLevel.DEDICATED_LINE,
                          tracking_number="YT2400000000010", last_scan=NOW - timedelta(days=12))

    assert detect(db) == [imported]
    assert silent.exception_kind is None


def test_a_parcel_is_late_one_day_after_its_estimated_delivery(db, order):
    shipment = in_transit(db, order, last_scan=NOW - timedelta(hours=3), estimated_delivery=date(2026, 3, 8))

    assert detect(db, datetime(2026, 3, 9, 23, 0, tzinfo=UTC)) == []
    assert detect(db) == [shipment]

    assert shipment.exception_kind is ShipmentException.LATE
    assert shipment.exception_reason == "Expected on 2026-03-08, still not delivered 2 days later"
    assert shipment.exception_since == datetime(2026, 3, 10, tzinfo=UTC)


def test_a_delivered_parcel_is_never_late(db, order):
    shipment = make_shipment(db.session, order, status=ShipmentStatus.DELIVERED, estimated_delivery=date(2026, 3, 1))

    assert detect(db) == []
    assert shipment.exception_kind is None


def test_a_failed_delivery_attempt_is_flagged_and_cleared_when_the_courier_goes_out_again(db, order):
    shipment = in_transit(db, order, last_scan=NOW - timedelta(days=1))
    sync.add_manual_event(db.session, shipment, occurred_at=NOW - timedelta(hours=6), status="failed_attempt",
                          description="Recipient not at home", now=NOW)

    assert shipment.exception_kind is ShipmentException.FAILED_DELIVERY
    assert shipment.exception_reason == "Delivery attempt failed: Recipient not at home"
    [flag] = timeline(db, order, "shipment_exception")
    assert flag.data["kind"] == "failed_delivery"

    sync.add_manual_event(db.session, shipment, occurred_at=NOW - timedelta(hours=1), status="out_for_delivery",
                          description="With delivery courier", now=NOW)

    assert shipment.exception_kind is None and shipment.exception_reason is None
    [cleared] = timeline(db, order, "shipment_exception_cleared")
    assert cleared.data["kind"] == "failed_delivery"


def test_a_returned_parcel_is_flagged_at_once(db, order):
    shipment = in_transit(db, order, last_scan=NOW - timedelta(days=1))

    sync.add_manual_event(db.session, shipment, occurred_at=NOW - timedelta(hours=2), status="returned",
                          description="Returned to shipper: refused by recipient", now=NOW)

    assert shipment.status is ShipmentStatus.RETURNED
    assert shipment.exception_kind is ShipmentException.RETURNED
    assert "refused by recipient" in shipment.exception_reason
    assert detect(db) == []  # still flagged, not flagged twice
    assert len(timeline(db, order, "shipment_exception")) == 1


@pytest.mark.parametrize("status, description, code, carrier_status, kind", [
    (ShipmentStatus.EXCEPTION, "Shipment on hold", "OH", "on_hold", ShipmentException.CARRIER_EXCEPTION),
    (ShipmentStatus.EXCEPTION, "Held in customs - awaiting duties payment", "OH", "on_hold",
     ShipmentException.CUSTOMS_HOLD),
    (ShipmentStatus.IN_TRANSIT, "Clearance delay", "CD", "in_transit", ShipmentException.CUSTOMS_HOLD),
    (ShipmentStatus.IN_TRANSIT, "Zollabfertigung verzögert", "X1", None, ShipmentException.CUSTOMS_HOLD),
    (ShipmentStatus.IN_TRANSIT, "Customs clearance status updated: cleared", "CR", "in_transit", None),
    (ShipmentStatus.EXCEPTION, "Address problem: recipient moved", "BA", "delivery_failed",
     ShipmentException.CARRIER_EXCEPTION),
])
def test_customs_holds_and_carrier_problems_are_told_apart(db, order, status, description, code, carrier_status,
                                                           kind):
    shipment = in_transit(db, order, last_scan=NOW - timedelta(days=1))
    make_tracking_event(db.session, shipment, status=status, occurred_at=NOW - timedelta(hours=2),
                        description=description, code=code, carrier_status=carrier_status)

    detect(db)

    assert shipment.exception_kind is kind
    if kind is not None:
        assert description in shipment.exception_reason


def test_a_stalled_parcel_is_cleared_when_the_carrier_scans_it_again(db, order):
    shipment = in_transit(db, order, last_scan=NOW - timedelta(days=7))
    detect(db)
    assert shipment.exception_kind is ShipmentException.STALLED

    sync.add_manual_event(db.session, shipment, occurred_at=NOW - timedelta(hours=1), status="in_transit",
                          description="Arrived at sort facility", now=NOW)

    assert shipment.exception_kind is None
    assert detect(db) == []


def test_staff_see_open_exceptions_with_reason_and_age_oldest_first(db, order):
    older = in_transit(db, order, last_scan=NOW - timedelta(days=12))
    newer = in_transit(db, order, last_scan=NOW - timedelta(days=7))
    in_transit(db, order, last_scan=NOW - timedelta(days=1))
    detect(db)

    rows = exceptions.open_exceptions(db.session, now=NOW)

    assert [row.shipment for row in rows] == [older, newer]
    assert rows[0].order == order
    assert rows[0].kind is ShipmentException.STALLED
    assert rows[0].age == timedelta(days=7)
    assert str(rows[0].kind_label) == "Stalled"
    assert rows[0].carrier == "DHL Express"


def test_resolving_an_exception_is_written_on_the_order_timeline_and_not_raised_again_at_once(db, order):
    staff = make_staff_user(db.session)
    shipment = in_transit(db, order, last_scan=NOW - timedelta(days=7))
    detect(db)

    with time_machine.travel(NOW, tick=False):
        exceptions.resolve_exception(db.session, shipment, action="contact_carrier",
                                     note="DHL case 12345 opened", actor=staff)

    assert shipment.exception_kind is None
    [resolved] = timeline(db, order, "shipment_exception_resolved")
    assert resolved.staff_user_id == staff.id
    assert resolved.data == {"shipment_id": shipment.id, "tracking_number": shipment.tracking_number,
                             "kind": "stalled", "action": "contact_carrier", "note": "DHL case 12345 opened"}
    assert detect(db, NOW + timedelta(hours=1)) == []
    # Still no news a whole stall period later: it comes back.
    assert detect(db, NOW + timedelta(days=6)) == [shipment]


@pytest.mark.parametrize("action, note, code", [
    ("burn_it", "", TrackingErrorCode.INVALID_ACTION),
    ("dismiss", "x" * 1001, TrackingErrorCode.TOO_LONG),
])
def test_resolving_with_bad_input_changes_nothing(db, order, action, note, code):
    shipment = in_transit(db, order, last_scan=NOW - timedelta(days=7))
    detect(db)

    with pytest.raises(TrackingError) as error:
        exceptions.resolve_exception(db.session, shipment, action=action, note=note)

    assert error.value.code is code
    assert shipment.exception_kind is ShipmentException.STALLED
    assert timeline(db, order, "shipment_exception_resolved") == []


def test_resolving_a_parcel_without_an_exception_is_refused(db, order):
    shipment = in_transit(db, order, last_scan=NOW - timedelta(days=1))

    with pytest.raises(TrackingError) as error:
        exceptions.resolve_exception(db.session, shipment, action="dismiss")

    assert error.value.code is TrackingErrorCode.NOT_AN_EXCEPTION


@pytest.fixture
def outbox(app, monkeypatch, tmp_path, smtp_server):
    monkeypatch.setitem(app.config, "CLIPPER", replace(app.config["CLIPPER"], instance_path=tmp_path,
                                                       mail_url=smtp_server.url))
    return smtp_server.messages


def test_the_owner_gets_one_digest_listing_every_open_exception(db, outbox):
    make_store(db.session, contact_email="owner@shop.example")
    order = make_paid_order(db.session, [(make_product(db.session), 1)])
    in_transit(db, order, last_scan=NOW - timedelta(days=12), tracking_number="4600000201")
    in_transit(db, order, last_scan=NOW - timedelta(days=8), tracking_number="4600000202")
    detect(db)
    db.session.commit()
    outbox.clear()  # the shopper's delay e-mails

    with time_machine.travel(NOW, tick=False):
        assert exceptions.send_exception_digest(db.session) == 2

    [digest] = outbox
    assert digest["To"] == "owner@shop.example"
    assert digest["Subject"] == "2 shipments need attention"
    text = digest.get_body(("plain",)).get_content()
    assert "4600000201" in text and "4600000202" in text
    assert "Stalled" in text and "7 days" in text
    assert f"/admin/orders/{order.number}" in text


def test_no_digest_when_nothing_needs_attention_or_nobody_to_tell(db, outbox):
    make_store(db.session, contact_email=None)
    order = make_paid_order(db.session, [(make_product(db.session), 1)])

    assert exceptions.send_exception_digest(db.session) == 0
    in_transit(db, order, last_scan=NOW - timedelta(days=12))
    detect(db)
    db.session.commit()
    outbox.clear()
    assert exceptions.send_exception_digest(db.session) == 0
    assert outbox == []


def test_the_hourly_and_daily_jobs_run_through_the_job_runner(db, order):
    in_transit(db, order, last_scan=NOW - timedelta(days=12))

    with time_machine.travel(NOW, tick=False):
        assert jobs.run_job("storefront.domain.tracking.exceptions.detect_exceptions_job") == 1
        assert jobs.run_job("storefront.domain.tracking.exceptions.exception_digest_job") == 0  # no contact e-mail
    assert ("storefront.domain.tracking.exceptions.detect_exceptions_job", 3600) in jobs.PERIODIC
    assert ("storefront.domain.tracking.exceptions.exception_digest_job", 86400) in jobs.PERIODIC
