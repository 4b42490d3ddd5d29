"""Who ships what from which warehouse, and what the parcel weighs."""
from __future__ import annotations

import pytest

from storefront.domain.fulfillment import FulfillmentError, FulfillmentErrorCode, draft_parcel, plan_fulfillment
from storefront.models import InventoryLevel
from tests.fixtures.factories import make_location, make_product
from tests.fixtures.shipping import NEW_YORK, make_box_preset, make_shipment, make_shippable_order


def test_an_order_sold_from_one_warehouse_ships_from_it_in_one_parcel(db, shippable_order, cn_warehouse):
    plan = plan_fulfillment(db.session, shippable_order)

    assert not plan.is_split and not plan.unassigned
    [group] = plan.groups
    assert group.location_id == cn_warehouse.id
    assert sorted(line.quantity for line in group.lines) == [1, 2]
    assert group.quantities == {line.id: line.quantity for line in shippable_order.lines}


def test_a_us_order_is_split_when_the_overseas_warehouse_lacks_one_item(db, markets, shipping_store, cn_warehouse,
                                                                        us_warehouse):
    """The New Jersey warehouse has the tee but not the mug: the tee ships from the US, the mug from China."""
    tee = make_product(db.session, hs_code="6109.10", location=us_warehouse,
                       variants=[{"sku": "TEE-US", "weight_grams": 180, "stock": 5}])
    mug = make_product(db.session, hs_code="6912.00", location=cn_warehouse,
                       variants=[{"sku": "MUG-CN", "weight_grams": 400, "stock": 5}])
    order = make_shippable_order(db.session, [(tee, 2, 2000), (mug, 1, 1500)], market=markets["US"],
                                 address=NEW_YORK, currency="USD")

    plan = plan_fulfillment(db.session, order)

    assert plan.is_split
    assert [(g.location_name, [line.sku for line in g.lines]) for g in plan.groups] == [
        ("New Jersey warehouse", ["TEE-US"]), ("Shenzhen warehouse", ["MUG-CN"])]


def test_one_line_is_split_when_no_warehouse_has_all_its_units(db, markets, shipping_store, cn_warehouse,
                                                               us_warehouse):
    lamp = make_product(db.session, location=us_warehouse, variants=[{"sku": "LAMP", "stock": 2}])
    db.session.add(InventoryLevel(variant_id=lamp.variants[0].id, location_id=cn_warehouse.id, on_hand=3))
    db.session.flush()
    order = make_shippable_order(db.session, [(lamp, 4, 3000)], market=markets["US"], address=NEW_YORK,
                                 currency="USD")

    plan = plan_fulfillment(db.session, order)

    assert [(g.location_id, g.lines[0].quantity) for g in plan.groups] == [(us_warehouse.id, 2), (cn_warehouse.id, 2)]


def test_a_warehouse_that_does_not_ship_to_the_country_is_never_planned(db, shippable_order, tee_and_mug,
                                                                        us_warehouse):
    """The US warehouse ships to the US and Canada only, however much it has."""
    tee, _mug = tee_and_mug
    db.session.add(InventoryLevel(variant_id=tee.variants[0].id, location_id=us_warehouse.id, on_hand=50))
    for line in shippable_order.lines:
        line.location_id = None
    db.session.flush()

    plan = plan_fulfillment(db.session, shippable_order)

    assert {g.location_id for g in plan.groups} == {tee.variants[0].inventory_levels[0].location_id}


def test_units_without_stock_anywhere_are_reported_unassigned(db, markets, shipping_store, cn_warehouse):
    gone = make_product(db.session, location=cn_warehouse, variants=[{"sku": "GONE", "stock": 0}])
    order = make_shippable_order(db.session, [(gone, 1, 1000)], market=markets["EU"])

    plan = plan_fulfillment(db.session, order)

    assert plan.groups == () and [line.sku for line in plan.unassigned] == ["GONE"]


def test_what_was_shipped_already_is_left_out_of_the_plan(db, shippable_order):
    tee_line, mug_line = shippable_order.lines
    make_shipment(db.session, shippable_order, lines={tee_line.id: 1})

    [group] = plan_fulfillment(db.session, shippable_order).groups

    assert group.quantities == {tee_line.id: 1, mug_line.id: 1}


def test_a_fully_shipped_order_has_nothing_to_plan(db, shippable_order):
    make_shipment(db.session, shippable_order)

    assert plan_fulfillment(db.session, shippable_order).is_empty


def test_parcel_weight_is_the_items_plus_the_default_box(db, shippable_order):
    make_box_preset(db.session, name="Small", length_mm=250, width_mm=180, height_mm=80, tare_weight_grams=90)
    make_box_preset(db.session, name="Medium", length_mm=350, width_mm=250, height_mm=120, tare_weight_grams=150,
                    is_default=True)
    lines = {line.id: line.quantity for line in shippable_order.lines}

    parcel = draft_parcel(db.session, shippable_order, lines)

    # 2 × 180 g tee + 1 × 400 g mug + 150 g box
    assert (parcel.contents_weight_grams, parcel.weight_grams) == (760, 910)
    assert (parcel.box_name, parcel.length_mm, parcel.width_mm, parcel.height_mm) == ("Medium", 350, 250, 120)


def test_the_chosen_box_wins_and_a_too_small_one_is_refused(db, shippable_order):
    small = make_box_preset(db.session, name="Padded envelope", length_mm=250, width_mm=180, height_mm=20,
                            tare_weight_grams=20, max_weight_grams=500)
    lines = {line.id: line.quantity for line in shippable_order.lines}
    tee_line = shippable_order.lines[0]

    assert draft_parcel(db.session, shippable_order, {tee_line.id: 2}, small.id).weight_grams == 380
    with pytest.raises(FulfillmentError) as refused:
        draft_parcel(db.session, shippable_order, lines, small.id)
    assert refused.value.code is FulfillmentErrorCode.BOX_TOO_SMALL
    assert "Padded envelope takes up to 500 g" in refused.value.message


def test_without_a_fitting_default_the_smallest_box_that_takes_the_weight_is_used(db, shippable_order):
    make_box_preset(db.session, name="Envelope", length_mm=250, width_mm=180, height_mm=20, tare_weight_grams=20,
                    max_weight_grams=500, is_default=True)
    make_box_preset(db.session, name="Crate", length_mm=600, width_mm=400, height_mm=400, tare_weight_grams=900)
    make_box_preset(db.session, name="Shoebox", length_mm=330, width_mm=200, height_mm=120, tare_weight_grams=120,
                    max_weight_grams=3000)
    lines = {line.id: line.quantity for line in shippable_order.lines}

    assert draft_parcel(db.session, shippable_order, lines).box_name == "Shoebox"


def test_without_box_presets_the_parcel_has_a_weight_and_no_size(db, shippable_order):
    parcel = draft_parcel(db.session, shippable_order, {shippable_order.lines[1].id: 1})

    assert (parcel.weight_grams, parcel.length_mm, parcel.box_preset_id) == (400, None, None)


def test_a_variant_without_weight_is_named_so_it_can_be_fixed(db, shippable_order, tee_and_mug):
    tee, _mug = tee_and_mug
    tee.variants[0].weight_grams = 0
    db.session.flush()

    with pytest.raises(FulfillmentError) as missing:
        draft_parcel(db.session, shippable_order, {line.id: line.quantity for line in shippable_order.lines})

    assert missing.value.code is FulfillmentErrorCode.MISSING_WEIGHT
    assert missing.value.message == "Variant TEE-BLK-M has no weight — enter its weight in grams on the product page."


def test_a_line_of_another_order_is_refused(db, shippable_order):
    with pytest.raises(FulfillmentError) as unknown:
        draft_parcel(db.session, shippable_order, {999999: 1})

    assert unknown.value.code is FulfillmentErrorCode.UNKNOWN_LINE


def test_a_location_id_matters_not_its_name(db, shippable_order):
    """A second warehouse with the same stock does not split an order sold from the first."""
    other = make_location(db.session, name="Guangzhou warehouse", country_code="CN", ships_to=["*"])
    for line in shippable_order.lines:
        db.session.add(InventoryLevel(variant_id=line.variant_id, location_id=other.id, on_hand=100))
    db.session.flush()

    assert len(plan_fulfillment(db.session, shippable_order).groups) == 1
