"""Two "buy label" clicks at the same moment, in two threads with their own database connections: one label."""
from __future__ import annotations

import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from storefront import create_app
from storefront.domain.fulfillment import Parcel, book_shipment
from storefront.extensions import db
from storefront.models import DutiesPolicy, Order, Shipment, ShipmentStatus
from tests.fixtures.factories import make_fx_rates, make_location, make_market, make_product, make_store
from tests.fixtures.shipping import SHENZHEN, make_carrier_account, make_shippable_order

LOCAL_STORAGE = {"RATELIMIT_STORAGE_URI": "memory://", "CACHE_TYPE": "SimpleCache"}
CLICKS = 2


@pytest.mark.slow
def test_a_double_click_on_buy_label_buys_one_label(app_config, fresh_database, fake_carriers, tmp_path):
    race_app = create_app({**app_config, **LOCAL_STORAGE, "database_url": fresh_database,
                           "instance_path": str(tmp_path),
                           "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 5} if fresh_database.startswith("postgresql")
                           else {"connect_args": {"timeout": 60}}})
    with race_app.app_context():
        upgrade()
        make_store(db.session, legal_name="Harbor & Loom Trading Co., Ltd.", address=dict(SHENZHEN),
                   ioss_number="IM2760001234")
        market = make_market(db.session, "EU", currency="EUR", countries=["DE"], duties_policy=DutiesPolicy.DDP)
        make_fx_rates(db.session, {"USD": "1.25", "CNY": "7.80"})
        warehouse = make_location(db.session, name="Shenzhen warehouse", address=dict(SHENZHEN))
        tee = make_product(db.session, customs_description="Men's T-shirt of knitted cotton", location=warehouse,
                           variants=[{"sku": "TEE-BLK-M", "weight_grams": 180}])
        order = make_shippable_order(db.session, [(tee, 2, 1904)], market=market, location=warehouse)
        account = make_carrier_account(db.session, "mydhl", server_url=fake_carriers.server_url("mydhl"),
                                       locations=[warehouse])
        order_id, line_id, account_id, location_id = order.id, order.lines[0].id, account.id, warehouse.id
        db.session.commit()
    fake_carriers.delay_seconds = 0.5  # the second click arrives while the first is at DHL

    barrier = threading.Barrier(CLICKS)
    outcomes: list[tuple[int, ShipmentStatus] | Exception] = []
    lock = threading.Lock()

    def click() -> None:
        with race_app.app_context():
            try:
                clicked_order = db.session.get(Order, order_id)
                barrier.wait(timeout=30)
                shipment = book_shipment(db.session, clicked_order, location_id=location_id, lines={line_id: 2},
                                         parcel=Parcel(weight_grams=500), account_id=account_id,
                                         service_code="mydhl_express_worldwide", idempotency_key="order-page-4f2a")
                outcome: tuple[int, ShipmentStatus] | Exception = (shipment.id, shipment.status)
            except Exception as error:  # noqa: BLE001 - reported below
                outcome = error
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=click) for _ in range(CLICKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert len({shipment_id for shipment_id, _status in outcomes}) == 1
    # the second click came while the first was at DHL: it got the draft being booked, not a second label
    assert sorted(status.value for _id, status in outcomes) == ["draft", "label_purchased"]
    assert len([r for r in fake_carriers.requests if r[0] == "mydhl" and r[2].endswith("/shipments")]) == 1
    with race_app.app_context():
        [shipment] = db.session.scalars(select(Shipment)).all()
        assert shipment.status is ShipmentStatus.LABEL_PURCHASED
        assert db.session.get(Order, order_id).lines[0].quantity_fulfilled == 2
        db.session.remove()
        db.engine.dispose()
