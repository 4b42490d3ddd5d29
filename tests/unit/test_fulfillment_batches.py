"""Labels for several orders in one background job, with progress and one bad order not stopping the rest."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storefront.domain.fulfillment import (
    FulfillmentError,
    FulfillmentErrorCode,
    run_label_batch_job,
    start_label_batch,
)
from storefront.models import AuditLog, FulfillmentStatus, LabelBatch, Order, Shipment, ShipmentStatus
from tests.fixtures.factories import make_fx_rates, make_product
from tests.fixtures.shipping import make_box_preset, make_carrier_account, make_shippable_order


@pytest.fixture
def dhl(db, markets, cn_warehouse, fake_carriers):
    make_fx_rates(db.session, {"CNY": "7.80"})
    make_box_preset(db.session, name="Medium", is_default=True)
    return make_carrier_account(db.session, "mydhl", server_url=fake_carriers.server_url("mydhl"),
                                locations=[cn_warehouse], settings={"default_service": "mydhl_express_worldwide"})


def test_a_batch_books_every_order_and_reports_the_one_it_could_not(db, markets, shipping_store, cn_warehouse,
                                                                     tee_and_mug, dhl, fake_carriers):
    tee, mug = tee_and_mug
    no_hs = make_product(db.session, title="Mystery Box", hs_code=None, customs_description="Gift box",
                         location=cn_warehouse, variants=[{"sku": "MYSTERY", "weight_grams": 300}])
    first = make_shippable_order(db.session, [(tee, 1, 1904)], market=markets["EU"], location=cn_warehouse)
    broken = make_shippable_order(db.session, [(no_hs, 1, 2500)], market=markets["EU"], location=cn_warehouse)
    last = make_shippable_order(db.session, [(mug, 2, 1428)], market=markets["EU"], location=cn_warehouse)
    ids = [first.id, broken.id, last.id]

    batch = start_label_batch(db.session, ids, actor=None)

    assert (batch.status, batch.total, batch.succeeded, batch.failed) == ("done", 3, 2, 1)
    assert [r["order_id"] for r in batch.results] == ids
    assert [r["ok"] for r in batch.results] == [True, False, True]
    assert batch.results[1]["message"] == (
        "Variant MYSTERY has no HS code — add it under “Customs and compliance” on the product page.")
    assert batch.finished_at is not None
    for order_id in (first.id, last.id):
        order = db.session.get(Order, order_id)
        [shipment_id] = next(r for r in batch.results if r["order_id"] == order_id)["shipment_ids"]
        assert order.fulfillment_status is FulfillmentStatus.FULFILLED
        shipment = next(s for s in _shipments(db, order_id) if s.id == shipment_id)
        assert (shipment.status, shipment.batch_id, shipment.service_code) == (
            ShipmentStatus.LABEL_PURCHASED, batch.id, "mydhl_express_worldwide")
        assert shipment.parcel["box_name"] == "Medium"
    broken = db.session.get(Order, broken.id)
    assert broken.fulfillment_status is FulfillmentStatus.UNFULFILLED and _shipments(db, broken.id) == []
    assert [e.data["reason"] for e in broken.events if e.type == "label_batch_failed"] == [
        batch.results[1]["message"]]
    assert len([r for r in fake_carriers.requests if r[2].endswith("/shipments")]) == 2
    assert set(db.session.scalars(select(AuditLog.action).where(AuditLog.entity_type == "label_batch"))) == {
        "label_batch.start", "label_batch.finish"}


def test_running_a_finished_batch_again_books_nothing_more(db, shippable_order, dhl, fake_carriers):
    batch = start_label_batch(db.session, [shippable_order.id], actor=None)
    run_label_batch_job(batch.id)

    assert len([r for r in fake_carriers.requests if r[2].endswith("/shipments")]) == 1
    assert db.session.get(LabelBatch, batch.id).succeeded == 1


def test_an_order_only_a_forwarder_can_take_is_left_for_its_own_page(db, shippable_order, cn_warehouse):
    make_carrier_account(db.session, "yunexpress", credentials={}, locations=[cn_warehouse])

    batch = start_label_batch(db.session, [shippable_order.id], actor=None)

    assert (batch.status, batch.failed) == ("failed", 1)
    assert "book this order on its own page" in batch.results[0]["message"]


def test_a_shipped_order_in_a_batch_is_reported_not_booked_twice(db, shippable_order, dhl, fake_carriers):
    first = start_label_batch(db.session, [shippable_order.id], actor=None)
    second = start_label_batch(db.session, [shippable_order.id], actor=None)

    assert (first.succeeded, second.failed) == (1, 1)
    assert second.results[0]["message"] == "Everything in this order has been shipped already."


def test_a_batch_needs_orders(db, dhl):
    with pytest.raises(FulfillmentError) as empty:
        start_label_batch(db.session, [], actor=None)

    assert empty.value.code is FulfillmentErrorCode.NO_ORDERS
    assert db.session.scalar(select(func.count()).select_from(LabelBatch)) == 0


def _shipments(db, order_id) -> list[Shipment]:
    return list(db.session.scalars(select(Shipment).where(Shipment.order_id == order_id)))
