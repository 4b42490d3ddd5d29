"""`clipper demo --no-serve` seeds a believable store once; a second run changes nothing."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from storefront.domain import staff
from storefront.models import (
    Campaign,
    Collection,
    InventoryLevel,
    Location,
    Market,
    Page,
    Product,
    ProductImage,
    ProductTranslation,
    ShippingZone,
    Variant,
)
from tests.unit.test_cli import run_clipper

COUNTED = [Product, Variant, ProductTranslation, ProductImage, Collection, Market, Location, ShippingZone, Page, Campaign]


def _counts(session: Session) -> dict[str, int]:
    return {model.__name__: session.scalar(select(func.count()).select_from(model)) for model in COUNTED}


@pytest.mark.slow
def test_demo_seeds_once_and_a_second_run_changes_nothing(tmp_path, fresh_database):
    env = {"CLIPPER_DATABASE_URL": fresh_database}
    first = run_clipper("demo", "--no-serve", instance=tmp_path, extra_env={**env, "CLIPPER_SECRET_KEY": ""},
                        timeout=300)
    assert first.returncode == 0, first.stderr
    assert "http://127.0.0.1:8000/" in first.stdout
    password = re.search(r"password: (\S+)", first.stdout).group(1)
    email = re.search(r"e-mail:\s+(\S+)", first.stdout).group(1)
    assert (tmp_path / "secret_key").is_file()

    engine = create_engine(fresh_database)
    with Session(engine) as session:
        counts = _counts(session)
        assert counts["Product"] >= 60
        assert counts["Collection"] >= 6
        assert counts["Market"] == 7 and counts["Location"] == 2
        assert staff.authenticate(session, email, password) is not None
        _assert_catalogue_is_believable(session, tmp_path / "media")

    second = run_clipper("demo", "--no-serve", instance=tmp_path, extra_env={**env, "CLIPPER_SECRET_KEY": ""},
                         timeout=300)
    assert second.returncode == 0, second.stderr
    assert "password:" not in second.stdout
    with Session(engine) as session:
        assert _counts(session) == counts
    engine.dispose()


def _assert_catalogue_is_believable(session: Session, media) -> None:
    products = session.scalars(select(Product)).all()
    for product in products:
        assert {t.locale for t in product.translations} == {"de", "fr", "es", "ja", "zh-CN"}, product.handle
        assert all(t.title and t.title != product.title for t in product.translations if t.locale in ("ja", "zh-CN"))
        assert product.hs_code and product.origin_country
        assert product.images, product.handle
        for variant in product.variants:
            assert variant.sku and variant.weight_grams > 0
            assert len(variant.inventory_levels) == 2
    available = [sum(level.on_hand for level in v.inventory_levels) for p in products for v in p.variants]
    assert any(a == 0 for a in available), "some variants are sold out"
    assert any(0 < a <= 3 for a in available), "some variants are low on stock"
    assert session.scalar(select(func.count()).select_from(InventoryLevel).where(InventoryLevel.on_hand > 0)
                          .join(Location).where(Location.country_code == "US")) > 0
    image = session.scalars(select(ProductImage)).first()
    for width in image.sizes:
        assert (media / f"{image.key}-{width}.webp").is_file()
        assert (media / f"{image.key}-{width}.jpg").is_file()
