"""Inventory in the admin: stock per warehouse, adjustments with a reason and history, transfers, locations."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from storefront.models import AuditLog, InventoryLevel, Location, StockMovement
from tests.fixtures.admin import csrf_token
from tests.fixtures.factories import make_location, make_product
from tests.web.test_query_counts import counted_statements


@pytest.fixture
def warehouses(db, store):
    store.low_stock_threshold = 3
    shenzhen = make_location(db.session, code="CN-SZ", name="Shenzhen", country_code="CN")
    los_angeles = make_location(db.session, code="US-LA", name="Los Angeles", country_code="US", ships_to=["US"])
    lamp = make_product(db.session, title="Desk Lamp", stock=10, location=shenzhen,
                        variants=[{"sku": "LAMP-1"}]).variants[0]
    tee = make_product(db.session, title="Crew Tee", stock=2, location=shenzhen,
                       variants=[{"sku": "TEE-S"}]).variants[0]
    # four lamps are held for unpaid orders: only six can be taken out
    level = db.session.get(InventoryLevel, (lamp.id, shenzhen.id))
    level.reserved = 4
    db.session.flush()
    return {"shenzhen": shenzhen, "los_angeles": los_angeles, "lamp": lamp, "tee": tee}


def levels(db, variant) -> dict[str, tuple[int, int]]:
    db.session.expire_all()
    rows = db.session.execute(select(Location.code, InventoryLevel.on_hand, InventoryLevel.reserved)
                              .join(Location, Location.id == InventoryLevel.location_id)
                              .where(InventoryLevel.variant_id == variant.id))
    return {code: (on_hand, reserved) for code, on_hand, reserved in rows}


def audit_actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


def skus(html: str) -> set[str]:
    return set(re.findall(r"<td>((?:LAMP|TEE)-\w+)</td>", html))


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/inventory"), **data})


# --- levels -----------------------------------------------------------------------------------------------


def test_inventory_shows_on_hand_reserved_and_available_per_location(admin_client, warehouses):
    response = admin_client.get("/admin/inventory")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    lamp_row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if "LAMP-1" in r)
    assert "Shenzhen" in lamp_row
    assert re.findall(r'<td class="num">(\d+)', lamp_row) == ["10", "4", "6"]
    assert "Low stock means 3 units or fewer available" in html


@pytest.mark.parametrize("query, expected", [
    ("", {"LAMP-1", "TEE-S"}),
    ("q=lamp-", {"LAMP-1"}),
    ("q=crew", {"TEE-S"}),
    ("low_stock=y", {"TEE-S"}),
    ("location={los_angeles}", set()),
])
def test_staff_find_stock_by_sku_title_location_or_low_stock(admin_client, warehouses, query, expected):
    html = admin_client.get("/admin/inventory?" + query.format(los_angeles=warehouses["los_angeles"].id)).get_data(
        as_text=True)
    assert skus(html) == expected


def test_the_low_stock_threshold_comes_from_the_store_settings(admin_client, db, warehouses, store):
    store.low_stock_threshold = 6
    db.session.flush()
    assert skus(admin_client.get("/admin/inventory?low_stock=y").get_data(as_text=True)) == {"LAMP-1", "TEE-S"}


# --- adjustments ------------------------------------------------------------------------------------------


def test_receiving_stock_adds_it_and_shows_in_the_history(admin_client, db, warehouses):
    lamp, shenzhen = warehouses["lamp"], warehouses["shenzhen"]
    response = post(admin_client, f"/admin/inventory/variants/{lamp.id}/adjust", location=shenzhen.id,
                    reason="received", delta="5", note="PO-2026-001")
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Stock adjusted." in page
    history = page[page.index("History"):]
    assert "Received" in history and "+5" in history and "PO-2026-001" in history
    assert admin_client.staff_user.email in history
    assert levels(db, lamp) == {"CN-SZ": (15, 4)}
    movement = db.session.scalars(select(StockMovement).where(StockMovement.variant_id == lamp.id)).one()
    assert (movement.delta, movement.reason, movement.staff_user_id) == (5, "received", admin_client.staff_user.id)
    assert audit_actions(db) == ["inventory.adjusted"]


def test_removing_more_than_is_available_is_refused_and_stock_never_goes_negative(admin_client, db, warehouses):
    lamp, shenzhen = warehouses["lamp"], warehouses["shenzhen"]
    response = post(admin_client, f"/admin/inventory/variants/{lamp.id}/adjust", location=shenzhen.id,
                    reason="damaged", delta="-7", note="water damage")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Only 6 units are available there (reserved units cannot be removed)." in html
    assert 'value="-7"' in html and 'value="water damage"' in html
    assert levels(db, lamp) == {"CN-SZ": (10, 4)}
    assert db.session.scalars(select(StockMovement)).all() == [] and audit_actions(db) == []
    assert post(admin_client, f"/admin/inventory/variants/{lamp.id}/adjust", location=shenzhen.id,
                reason="damaged", delta="-6").status_code == 303
    assert levels(db, lamp) == {"CN-SZ": (4, 4)}


@pytest.mark.parametrize("reason, delta, message", [
    ("damaged", "2", "This reason removes stock: type a negative number, e.g. -2."),
    ("received", "-2", "This reason adds stock: type a positive number."),
    ("correction", "0", "A change of zero units changes nothing."),
    ("correction", "", "Type how many units to add or remove."),
    ("correction", "many", "Not a valid integer value."),
])
def test_an_adjustment_that_makes_no_sense_is_explained(admin_client, db, warehouses, reason, delta, message):
    lamp = warehouses["lamp"]
    response = post(admin_client, f"/admin/inventory/variants/{lamp.id}/adjust",
                    location=warehouses["shenzhen"].id, reason=reason, delta=delta)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert levels(db, lamp) == {"CN-SZ": (10, 4)}


def test_receiving_stock_at_a_new_warehouse_starts_stocking_it_there(admin_client, db, warehouses):
    tee = warehouses["tee"]
    response = post(admin_client, f"/admin/inventory/variants/{tee.id}/adjust",
                    location=warehouses["los_angeles"].id, reason="received", delta="12")
    assert response.status_code == 303
    assert levels(db, tee) == {"CN-SZ": (2, 0), "US-LA": (12, 0)}


def test_an_adjustment_without_a_csrf_token_is_refused(admin_client, db, warehouses):
    lamp = warehouses["lamp"]
    response = admin_client.post(f"/admin/inventory/variants/{lamp.id}/adjust",
                                 data={"location": warehouses["shenzhen"].id, "reason": "received", "delta": "5"})
    assert response.status_code == 400
    assert levels(db, lamp) == {"CN-SZ": (10, 4)}


# --- transfers --------------------------------------------------------------------------------------------


def test_a_transfer_moves_units_between_warehouses_and_records_both_sides(admin_client, db, warehouses):
    lamp = warehouses["lamp"]
    response = post(admin_client, f"/admin/inventory/variants/{lamp.id}/transfer",
                    from_location=warehouses["shenzhen"].id, to_location=warehouses["los_angeles"].id,
                    quantity="6", note="Sea freight #12")
    assert response.status_code == 303
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "6 units transferred." in page
    assert "Transferred out" in page and "-6" in page and "Transferred in" in page and "+6" in page
    assert levels(db, lamp) == {"CN-SZ": (4, 4), "US-LA": (6, 0)}
    moved = db.session.scalars(select(StockMovement.delta).order_by(StockMovement.id)).all()
    assert moved == [-6, 6]
    assert audit_actions(db) == ["inventory.transferred"]


def test_a_transfer_of_more_than_is_available_moves_nothing(admin_client, db, warehouses):
    lamp = warehouses["lamp"]
    response = post(admin_client, f"/admin/inventory/variants/{lamp.id}/transfer",
                    from_location=warehouses["shenzhen"].id, to_location=warehouses["los_angeles"].id, quantity="7")
    assert response.status_code == 422
    assert "Only 6 units are available there" in response.get_data(as_text=True)
    assert levels(db, lamp) == {"CN-SZ": (10, 4)}
    assert db.session.scalars(select(StockMovement)).all() == [] and audit_actions(db) == []


def test_a_transfer_needs_two_different_warehouses(admin_client, db, warehouses):
    lamp, shenzhen = warehouses["lamp"], warehouses["shenzhen"]
    response = post(admin_client, f"/admin/inventory/variants/{lamp.id}/transfer",
                    from_location=shenzhen.id, to_location=shenzhen.id, quantity="1")
    assert response.status_code == 422
    assert "Choose two different locations." in response.get_data(as_text=True)
    assert levels(db, lamp) == {"CN-SZ": (10, 4)}


# --- locations --------------------------------------------------------------------------------------------


def test_staff_add_a_warehouse_with_the_countries_it_ships_to(admin_client, db, warehouses):
    response = post(admin_client, "/admin/inventory/locations", code="eu-ams", name="Amsterdam", country_code="NL",
                    ships_to="nl, de; be")
    assert response.status_code == 303
    page = admin_client.get("/admin/inventory/locations").get_data(as_text=True)
    assert "Location Amsterdam added." in page and "EU-AMS" in page and "Netherlands" in page
    location = db.session.scalars(select(Location).where(Location.code == "EU-AMS")).one()
    assert (location.country_code, location.ships_to) == ("NL", ["NL", "DE", "BE"])
    assert audit_actions(db) == ["location.created"]
    assert "Amsterdam" in admin_client.get("/admin/inventory").get_data(as_text=True), "it can be filtered on"


@pytest.mark.parametrize("fields, message", [
    ({"code": "cn-sz", "ships_to": "*"}, "A location with this code exists already."),
    ({"code": "EU AMS", "ships_to": "*"}, "Use letters, digits, - and _ only"),
    ({"code": "EU-AMS", "ships_to": "NL, Mars"}, "Not recognised: MARS"),
    ({"code": "EU-AMS", "ships_to": "*", "country_code": ""}, "This field is required."),
])
def test_a_location_with_bad_details_is_refused_and_keeps_what_was_typed(admin_client, db, warehouses, fields,
                                                                         message):
    data = {"name": "Amsterdam", "country_code": "NL", **fields}
    response = post(admin_client, "/admin/inventory/locations", **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and 'value="Amsterdam"' in html
    assert db.session.scalars(select(Location).where(Location.name == "Amsterdam")).all() == []
    assert audit_actions(db) == []


# --- who may manage stock ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "admin", "staff"])
def test_every_role_manages_stock(staff_client, db, warehouses, role):
    signed_in = staff_client(role)
    tee = warehouses["tee"]
    assert signed_in.get("/admin/inventory").status_code == 200
    assert signed_in.get(f"/admin/inventory/variants/{tee.id}").status_code == 200
    assert post(signed_in, f"/admin/inventory/variants/{tee.id}/adjust", location=warehouses["shenzhen"].id,
                reason="correction", delta="-1").status_code == 303
    assert levels(db, tee) == {"CN-SZ": (1, 0)}


def test_an_unknown_variant_is_not_found(admin_client, warehouses):
    assert admin_client.get("/admin/inventory/variants/999999").status_code == 404


def test_the_stock_list_runs_as_many_queries_for_many_variants_as_for_two(admin_client, db, warehouses):
    with counted_statements(db.engine) as two:
        assert admin_client.get("/admin/inventory").status_code == 200
    for n in range(20):
        make_product(db.session, title=f"Mug {n}", stock=n, location=warehouses["los_angeles"])
    with counted_statements(db.engine) as many:
        html = admin_client.get("/admin/inventory").get_data(as_text=True)
    assert "Mug 19" in html
    assert len(many) == len(two)
