"""Database constraints protect data even when code forgets to."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storefront.models import InventoryLevel, Product, ProductTranslation, Variant
from tests.fixtures.factories import make_location, make_product


def _flush_fails(db):
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.flush()


def test_stock_on_hand_can_never_go_negative(db):
    product = make_product(db.session, stock=2)
    level = product.variants[0].inventory_levels[0]
    level.on_hand = -1
    _flush_fails(db)


def test_reserved_stock_can_never_exceed_stock_on_hand(db):
    product = make_product(db.session, stock=2)
    level = product.variants[0].inventory_levels[0]
    level.reserved = 3
    _flush_fails(db)


def test_two_products_cannot_share_a_handle_in_the_same_locale(db):
    first = make_product(db.session)
    second = make_product(db.session)
    db.session.add(ProductTranslation(product_id=first.id, locale="de", handle="hemd", title="Hemd"))
    db.session.flush()
    db.session.add(ProductTranslation(product_id=second.id, locale="de", handle="hemd", title="Hemd 2"))
    _flush_fails(db)


def test_the_same_handle_may_be_used_in_different_locales(db):
    first = make_product(db.session)
    second = make_product(db.session)
    db.session.add(ProductTranslation(product_id=first.id, locale="de", handle="tee", title="T-Shirt"))
    db.session.add(ProductTranslation(product_id=second.id, locale="fr", handle="tee", title="T-shirt"))
    db.session.flush()


def test_negative_prices_are_refused_by_the_database(db):
    product = make_product(db.session)
    product.variants[0].price = -5
    _flush_fails(db)


def test_deleting_a_product_removes_its_variants_and_stock(db):
    product = make_product(db.session, stock=5)
    variant_id = product.variants[0].id
    db.session.delete(product)
    db.session.flush()
    assert db.session.get(Variant, variant_id) is None
    assert db.session.scalars(select(InventoryLevel).where(InventoryLevel.variant_id == variant_id)).first() is None


def test_a_warehouse_with_stock_cannot_be_deleted(db):
    location = make_location(db.session)
    make_product(db.session, stock=5, location=location)
    db.session.delete(location)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.flush()


def test_datetimes_come_back_timezone_aware_in_utc(db):
    product = make_product(db.session, published_at=datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc))
    db.session.expire_all()
    loaded = db.session.get(Product, product.id)
    assert loaded.published_at == datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert loaded.published_at.tzinfo is not None
    assert loaded.created_at.tzinfo is not None


def test_naive_datetimes_are_refused(db):
    with pytest.raises(Exception, match="naive"):
        make_product(db.session, published_at=datetime(2026, 3, 1, 12, 0))
