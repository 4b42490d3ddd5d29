"""The demo shop ships for real: an owner can quote and declare every demo order to every market against the
local fake carriers, and `clipper demo` sets up the shipping desk once."""
from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.demo import store_setup as setup
from storefront.demo.seed import BASE_CURRENCY, DemoSeeder
from storefront.demo.shipping import seed_shipping
from storefront.domain import carrier_accounts
from storefront.domain.fulfillment import (
    FulfillmentError,
    build_customs,
    draft_parcel,
    plan_fulfillment,
    quote_rates,
    validate_address,
)
from storefront.domain.fx import load_rate_table
from storefront.domain.money import minor_exponent
from storefront.extensions import db
from storefront.models import (
    BoxPreset,
    CarrierAccount,
    Location,
    Market,
    Product,
    ShippingRate,
    StoreSettings,
)
from tests.fixtures.shipping import BERLIN, LONDON, NEW_YORK, make_shippable_order

pytestmark = pytest.mark.slow

# Where each market's typical order goes: a real-looking address in its main country.
ADDRESSES = {
    "US": NEW_YORK,
    "DE": BERLIN,
    "GB": LONDON,
    "JP": {"name": "Yamada Hanako", "address1": "1-1 Chiyoda", "city": "Chiyoda-ku", "province_code": "13",
           "postal_code": "100-0001", "country_code": "JP"},
    "CA": {"name": "Emily Tremblay", "address1": "100 King Street West", "city": "Toronto", "province_code": "ON",
           "postal_code": "M5X 1A9", "country_code": "CA"},
    "AU": {"name": "Jack Wilson", "address1": "1 Martin Place", "city": "Sydney", "province_code": "NSW",
           "postal_code": "2000", "country_code": "AU"},
    "CH": {"name": "Lena Meier", "address1": "Bahnhofstrasse 1", "city": "Zürich", "postal_code": "8001",
           "country_code": "CH"},
}
# A typical basket: a tee, a mug set and a charger (apparel, ceramics, electronics).
BASKET = ["organic-cotton-crew-tee", "speckled-stoneware-mug-set", "usb-c-30w-compact-charger"]


@pytest.fixture(scope="module")
def demo(app, tmp_path_factory):
    """The demo store (pictures not drawn) with its shipping desk, in a transaction rolled back at the end."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        DemoSeeder(session, tmp_path_factory.mktemp("media"), render_pictures=False).run()
        first = seed_shipping(session, app.config["CLIPPER"].secret_key)
        session.flush()
        yield session, first
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def shop(demo, app, fake_carriers, monkeypatch):
    """The demo session with the carriers pointed at the fakes, as `clipper demo` does; each test's orders
    are rolled back after it."""
    session, _first = demo
    monkeypatch.setitem(app.config, "CLIPPER",
                        dataclasses.replace(app.config["CLIPPER"], carrier_api_base=fake_carriers.url))
    savepoint = session.begin_nested()
    yield session
    savepoint.rollback()


def location(session, code: str) -> Location:
    return session.scalars(select(Location).where(Location.code == code)).one()


def demo_order(session, market: Market, country: str, handles: list[str], warehouse: Location):
    """A paid order of one unit of each product, priced in the market's currency at the day's rate, its stock
    taken from `warehouse` at payment."""
    rate = load_rate_table(session).rate(BASE_CURRENCY, market.currency)
    lines = []
    for handle in handles:
        product = session.scalars(select(Product).where(Product.handle == handle)).one()
        price = Decimal(product.variants[0].price).scaleb(-minor_exponent(BASE_CURRENCY)) * rate
        lines.append((product, 1, int(price.scaleb(minor_exponent(market.currency)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP))))
    return make_shippable_order(session, lines, market=market, address=dict(ADDRESSES[country]),
                                currency=market.currency, location=warehouse)


def sellable(session, market: Market) -> list[str]:
    return [p.handle for p in session.scalars(select(Product).order_by(Product.id))
            if all(r.market_id != market.id for r in p.restrictions)]


def ship_plan(session, order) -> list[tuple[str, list[str]]]:
    """For each warehouse the plan sends a parcel from: its code and the carriers that quoted."""
    plan = plan_fulfillment(session, order)
    assert plan.groups and not plan.unassigned
    result = []
    for group in plan.groups:
        build_customs(session, order, group.quantities)
        parcel = draft_parcel(session, order, group.quantities)
        answers = quote_rates(session, order, group.location_id, group.quantities, parcel)
        quoted = [answer.carrier_name for answer in answers if answer.quotes]
        assert quoted, {answer.carrier_name: answer.error for answer in answers}
        result.append((session.get(Location, group.location_id).code, quoted))
    return result


MARKETS = sorted(setup.MAIN_COUNTRIES.items())


@pytest.mark.parametrize("market_code, country", MARKETS)
def test_a_demo_order_from_shenzhen_can_be_quoted_and_declared_for_every_market(shop, market_code, country):
    market = shop.scalars(select(Market).where(Market.code == market_code)).one()
    assert validate_address(ADDRESSES[country]) == []
    order = demo_order(shop, market, country, BASKET, location(shop, "CN-SZX"))
    [(warehouse, quoted)] = ship_plan(shop, order)
    assert warehouse == "CN-SZX"
    assert "mydhl" in quoted
    assert {"yunexpress", "fourpx", "chinapost"} & set(quoted), quoted


@pytest.mark.parametrize("country", ["US", "CA"])
def test_the_new_jersey_warehouse_ships_its_orders_too(shop, country):
    market_code = next(code for code, main in setup.MAIN_COUNTRIES.items() if main == country)
    market = shop.scalars(select(Market).where(Market.code == market_code)).one()
    order = demo_order(shop, market, country, BASKET, location(shop, "US-EWR"))
    [(warehouse, quoted)] = ship_plan(shop, order)
    assert warehouse == "US-EWR" and quoted


@pytest.mark.parametrize("market_code, country", MARKETS)
def test_every_demo_product_sold_in_a_market_has_what_its_customs_declaration_needs(shop, market_code, country):
    market = shop.scalars(select(Market).where(Market.code == market_code)).one()
    handles = sellable(shop, market)
    order = demo_order(shop, market, country, handles, location(shop, "CN-SZX"))
    declaration = build_customs(shop, order, {line.id: line.quantity for line in order.lines})
    assert len(declaration.items) == len(handles)
    assert all(item.hs_code and item.origin_country and item.description and item.weight_grams > 0
               and item.unit_value > 0 for item in declaration.items)
    if country == "DE":
        assert declaration.eori_number == setup.EORI_NUMBER and declaration.incoterm == "DDP"


def test_a_product_without_an_hs_code_is_named_when_declaring(shop):
    market = shop.scalars(select(Market).where(Market.code == "EU")).one()
    order = demo_order(shop, market, "DE", BASKET, location(shop, "CN-SZX"))
    tee = shop.scalars(select(Product).where(Product.handle == BASKET[0])).one()
    tee.hs_code = None
    order.lines[0].hs_code = None
    with pytest.raises(FulfillmentError) as refused:
        build_customs(shop, order, {line.id: line.quantity for line in order.lines})
    assert "HS code" in refused.value.message


def test_the_demo_shipping_desk_is_set_up(shop, demo):
    _session, first = demo
    assert first == {"carrier accounts": 7, "box presets": 4, "live shipping rates": 1}
    accounts = {a.carrier_name: a for a in shop.scalars(select(CarrierAccount))}
    assert set(accounts) == {"mydhl", "fedex", "ups", "usps_international", "yunexpress", "fourpx", "chinapost"}
    shenzhen, new_jersey = location(shop, "CN-SZX").id, location(shop, "US-EWR").id
    ships_from = {name: carrier_accounts.location_ids(a) for name, a in accounts.items()}
    assert ships_from["mydhl"] == ships_from["fedex"] == ships_from["ups"] == sorted([shenzhen, new_jersey])
    assert ships_from["usps_international"] == [new_jersey]
    assert ships_from["yunexpress"] == ships_from["fourpx"] == ships_from["chinapost"] == [shenzhen]
    assert all(a.test_mode and a.active for a in accounts.values())
    dhl = carrier_accounts.config_for(accounts["mydhl"])
    assert dhl.credentials["account_number"] and dhl.server_url.endswith("/mydhl")
    assert "demo" not in carrier_accounts.masked_credentials(accounts["mydhl"])["password"]

    boxes = shop.scalars(select(BoxPreset).order_by(BoxPreset.name)).all()
    assert [b.name for b in boxes if b.is_default] == ["Small mailer box"] and len(boxes) == 4

    store = shop.get(StoreSettings, 1)
    assert store.eori_number == setup.EORI_NUMBER and store.ioss_number.startswith("IM")

    [live] = shop.scalars(select(ShippingRate).where(ShippingRate.live_rate.is_(True))).all()
    assert (live.carrier_account_id, live.service_hint, live.margin_bp) == (
        accounts["mydhl"].id, "mydhl_express_worldwide", 1000)
    assert live.brackets, "the table price stays as the fallback"


def test_seeding_the_shipping_desk_again_adds_nothing(shop, app):
    before = {model: shop.scalar(select(func.count()).select_from(model)) for model in (CarrierAccount, BoxPreset)}
    assert seed_shipping(shop, app.config["CLIPPER"].secret_key) == {}
    after = {model: shop.scalar(select(func.count()).select_from(model)) for model in (CarrierAccount, BoxPreset)}
    assert after == before
    assert shop.scalar(select(func.count()).select_from(ShippingRate).where(ShippingRate.live_rate.is_(True))) == 1
