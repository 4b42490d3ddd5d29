"""Thirty shoppers check out the last unit at the same moment: exactly one gets it, stock never goes negative."""
from __future__ import annotations

import re
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from storefront import create_app
from storefront.extensions import db
from storefront.models import InventoryLevel, Order
from tests.fakes.stripe import STRIPE_TEST_SECRET_KEY
from tests.fixtures.factories import make_market, make_product, make_shipping_zone, make_store

SHOPPERS = 30
LOCAL_STORAGE = {"RATELIMIT_STORAGE_URI": "memory://", "CACHE_TYPE": "SimpleCache"}


@pytest.mark.slow
def test_thirty_shoppers_race_for_the_last_unit(app_config, fresh_database, fake_stripe, tmp_path):
    race_app = create_app({**app_config, **LOCAL_STORAGE, "database_url": fresh_database,
                           "instance_path": str(tmp_path), "stripe_secret_key": STRIPE_TEST_SECRET_KEY,
                           "stripe_api_base": fake_stripe.base_url, "stripe_webhook_secret": fake_stripe.webhook_secret,
                           "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 10, "max_overflow": 25, "pool_timeout": 60}
                           if fresh_database.startswith("postgresql") else {"connect_args": {"timeout": 60}}})
    with race_app.app_context():
        upgrade()
        make_store(db.session)
        make_market(db.session, "US", currency="USD", countries=["US"], is_default=True)
        make_shipping_zone(db.session, "World", [], "USD", is_fallback=True)
        lamp = make_product(db.session, title="Last Lamp", stock=1)
        variant_id = lamp.variants[0].id
        db.session.commit()

    barrier = threading.Barrier(SHOPPERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def shopper() -> None:
        client = race_app.test_client()
        client.post("/cart/add.js", json={"id": variant_id, "quantity": 1}, headers={"X-Requested-With": "XMLHttpRequest"})
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/cart").get_data(as_text=True)).group(1)
        barrier.wait(timeout=60)
        response = client.post("/checkout", data={"csrf_token": token})
        location = response.headers.get("Location", "")
        if location.startswith(fake_stripe.base_url):
            outcome = "paid page"
        else:
            page = client.get(location).get_data(as_text=True)
            outcome = "sold out" if "sold out while you were shopping" in page else f"other: {response.status_code} {location}"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=shopper) for _ in range(SHOPPERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes) == ["paid page"] + ["sold out"] * (SHOPPERS - 1)
    with race_app.app_context():
        level = db.session.scalars(select(InventoryLevel).where(InventoryLevel.variant_id == variant_id)).one()
        assert (level.on_hand, level.reserved) == (1, 1)
        assert len(db.session.scalars(select(Order)).all()) == 1
        db.session.remove()
        db.engine.dispose()
