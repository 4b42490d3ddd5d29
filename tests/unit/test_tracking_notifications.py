"""What the shopper receives about their parcel: shipped, delivered and delayed e-mails over real SMTP, in their
language, each once."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from storefront.domain.tracking import exceptions, notifications, sync
from storefront.integrations.carriers.types import TrackingStatus
from storefront.models import ShipmentException, ShipmentStatus
from tests.fixtures.factories import make_paid_order, make_product
from tests.fixtures.shipping import make_carrier_account, make_shipment, make_tracking_event

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def outbox(app, monkeypatch, tmp_path, smtp_server):
    """The shop sends through the fake SMTP server; its messages as received."""
    monkeypatch.setitem(app.config, "CLIPPER", replace(app.config["CLIPPER"], instance_path=tmp_path,
                                                       mail_url=smtp_server.url))
    return smtp_server.messages


@pytest.fixture
def dhl(db, fake_carriers):
    return make_carrier_account(db.session, "mydhl", server_url=fake_carriers.server_url("mydhl"))


def order_in(db, locale: str):
    tee = make_product(db.session, title="Linen Tee")
    return make_paid_order(db.session, [(tee, 2)], locale=locale, email=f"kunde-{locale}@example.com")


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def test_japanese_shopper_gets_the_shipped_email_with_tracking_link_and_date_in_japanese(db, store, dhl, outbox):
    order = order_in(db, "ja")
    shipment = make_shipment(db.session, order, account=dhl, tracking_number="4600000101",
                             service_name="EXPRESS WORLDWIDE", estimated_delivery=date(2026, 3, 4))

    assert notifications.notify_shipped(shipment.id) is True

    [message] = outbox
    assert message["To"] == "kunde-ja@example.com"
    assert "#%s" % order.number in message["Subject"]
    text = text_of(message)
    assert "配送業者: DHL Express (EXPRESS WORLDWIDE)" in text
    assert "4600000101" in text
    assert "2026年3月4日水曜日" in text
    assert "1 × Linen Tee" not in text and "2 × Linen Tee" in text
    assert 'href="https://www.dhl.com/' in html_of(message) and "4600000101" in html_of(message)
    assert "ご注文内容を確認する" in html_of(message)
    assert shipment.shipped_email_sent_at is not None
    assert order.events[-1].type == "email_sent" and order.events[-1].data["template"] == "shipment_shipped"


def test_the_shipped_email_goes_once_however_often_the_job_runs(db, store, dhl, outbox):
    shipment = make_shipment(db.session, order_in(db, "en"), account=dhl)

    notifications.notify_shipped(shipment.id)
    assert notifications.notify_shipped(shipment.id) is False

    assert len(outbox) == 1


def test_no_email_for_a_voided_label(db, store, dhl, outbox):
    shipment = make_shipment(db.session, order_in(db, "en"), account=dhl, status=ShipmentStatus.CANCELLED)

    assert notifications.notify_shipped(shipment.id) is False
    assert outbox == []


def test_delivery_found_by_sync_sends_one_delivered_email_in_german(db, store, dhl, fake_carriers, outbox):
    order = order_in(db, "de")
    shipment = make_shipment(db.session, order, account=dhl, tracking_number="4600000102")
    fake_carriers.add_event("4600000102", TrackingStatus.DELIVERED, "Delivered - Signed for by: ERIKA",
                            location="BERLIN - GERMANY", occurred_at=NOW - timedelta(hours=3), code="OK")

    sync.sync_tracking(db.session, now=NOW)
    sync.sync_tracking(db.session, now=NOW + timedelta(days=1), force=True)

    [message] = outbox
    assert message["To"] == "kunde-de@example.com"
    assert "Hier können Sie Ihre Bestellung verfolgen:" in text_of(message)
    assert "2. März 2026" in text_of(message)  # the delivery time, as a German reads it
    db.session.refresh(shipment)
    assert shipment.delivered_email_sent_at is not None


def test_delivered_email_waits_for_the_commit_and_is_not_sent_for_work_rolled_back(db, store, dhl, outbox):
    shipment = make_shipment(db.session, order_in(db, "en"), account=dhl)
    db.session.commit()

    sync.add_manual_event(db.session, shipment, occurred_at=NOW, status="delivered", description="Delivered",
                          now=NOW)
    assert outbox == []
    db.session.rollback()

    assert outbox == []
    db.session.refresh(shipment)
    assert shipment.status is ShipmentStatus.LABEL_PURCHASED


def test_stalled_parcel_gets_one_polite_delay_email(db, store, dhl, outbox):
    shipment = make_shipment(db.session, order_in(db, "en"), account=dhl, tracking_number="4600000103")
    make_tracking_event(db.session, shipment, occurred_at=NOW - timedelta(days=8), description="Departed facility")
    shipment.status = ShipmentStatus.IN_TRANSIT

    with time_machine.travel(NOW, tick=False):
        exceptions.detect_exceptions(db.session)
        db.session.commit()
        exceptions.detect_exceptions(db.session)
        db.session.commit()

    [message] = outbox
    assert "taking longer than expected" in text_of(message)
    assert "4600000103" in text_of(message)
    assert shipment.exception_notified_at is not None
    assert notifications.notify_delayed(shipment.id) is False


def test_customs_hold_email_says_customs(db, store, dhl, outbox):
    shipment = make_shipment(db.session, order_in(db, "en"), account=dhl, status=ShipmentStatus.IN_TRANSIT)
    make_tracking_event(db.session, shipment, status=ShipmentStatus.EXCEPTION, occurred_at=NOW - timedelta(hours=5),
                        description="Clearance delay - Customs status updated", code="CD")

    with time_machine.travel(NOW, tick=False):
        exceptions.detect_exceptions(db.session)
        db.session.commit()

    assert shipment.exception_kind is ShipmentException.CUSTOMS_HOLD
    [message] = outbox
    assert "held by customs" in text_of(message)


def test_a_failed_delivery_is_for_staff_first_and_sends_the_shopper_nothing(db, store, dhl, outbox):
    shipment = make_shipment(db.session, order_in(db, "en"), account=dhl, status=ShipmentStatus.FAILED_ATTEMPT)
    make_tracking_event(db.session, shipment, status=ShipmentStatus.FAILED_ATTEMPT,
                        occurred_at=NOW - timedelta(hours=5), description="Recipient not at home")

    with time_machine.travel(NOW, tick=False):
        exceptions.detect_exceptions(db.session)
        db.session.commit()

    assert shipment.exception_kind is ShipmentException.FAILED_DELIVERY
    assert outbox == []
    assert notifications.notify_delayed(shipment.id) is False
