"""The customs declaration built from the catalogue, and the addresses carriers accept."""
from __future__ import annotations

import pytest

from storefront.domain.fulfillment import FulfillmentError, FulfillmentErrorCode, build_customs, validate_address
from storefront.domain.fulfillment.address import to_carrier_address
from storefront.models import DutiesPolicy
from tests.fixtures.shipping import BERLIN, LONDON, NEW_YORK, make_shippable_order


def everything(order) -> dict[int, int]:
    return {line.id: line.quantity for line in order.lines}


def test_a_german_order_under_150_euros_ships_ddp_with_the_ioss_number(db, shippable_order):
    customs = build_customs(db.session, shippable_order, everything(shippable_order))

    assert (customs.incoterm, customs.duty_paid_by, customs.currency) == ("DDP", "sender", "EUR")
    assert (customs.ioss_number, customs.eori_number, customs.vat_number) == ("IM2760001234", "DE123456789012345", None)
    assert [(i.sku, i.hs_code, i.origin_country, i.quantity, i.unit_value, i.weight_grams) for i in customs.items] == [
        ("TEE-BLK-M", "6109.10", "CN", 2, 1600, 180),  # 19,04 € less the 19 % VAT it includes
        ("MUG-WHT", "6912.00", "CN", 1, 1200, 400),
    ]
    assert customs.items[0].description == "Men's T-shirt of knitted cotton"
    assert customs.invoice_number == f"INV-{shippable_order.number}-1"


def test_a_german_order_over_150_euros_has_no_ioss_number(db, markets, shipping_store, tee_and_mug):
    tee, _mug = tee_and_mug
    order = make_shippable_order(db.session, [(tee, 8, 2380)], market=markets["EU"], vat_percent=19)  # 8 × 20 €

    customs = build_customs(db.session, order, everything(order))

    assert customs.items[0].unit_value == 2000
    assert (customs.incoterm, customs.ioss_number, customs.eori_number) == ("DDP", None, "DE123456789012345")


def test_the_ioss_limit_is_judged_in_euros_for_an_order_in_another_currency(db, markets, shipping_store,
                                                                            tee_and_mug):
    """$180 is 144 € at 1 EUR = 1.25 USD: under the limit; $190 (152 €) is over."""
    tee, _mug = tee_and_mug
    under = make_shippable_order(db.session, [(tee, 1, 18000)], currency="USD", market=markets["EU"])
    over = make_shippable_order(db.session, [(tee, 1, 19000)], currency="USD", market=markets["EU"])

    assert build_customs(db.session, under, everything(under)).ioss_number == "IM2760001234"
    assert build_customs(db.session, over, everything(over)).ioss_number is None


def test_a_british_order_up_to_135_pounds_ships_dap_with_the_uk_vat_number(db, markets, shipping_store,
                                                                           tee_and_mug):
    tee, mug = tee_and_mug
    order = make_shippable_order(db.session, [(tee, 2, 1632), (mug, 1, 1224)], market=markets["GB"], currency="GBP",
                                 address=LONDON, duties_policy=DutiesPolicy.DAP.value)

    customs = build_customs(db.session, order, everything(order))

    assert (customs.incoterm, customs.duty_paid_by, customs.currency) == ("DAP", "recipient", "GBP")
    assert (customs.vat_number, customs.ioss_number, customs.eori_number) == ("GB123456789", None, None)
    assert [item.unit_value for item in customs.items] == [1632, 1224]


def test_a_british_order_over_135_pounds_has_no_uk_vat_number(db, markets, shipping_store, tee_and_mug):
    tee, _mug = tee_and_mug
    order = make_shippable_order(db.session, [(tee, 10, 1400)], market=markets["GB"], currency="GBP", address=LONDON,
                                 duties_policy=DutiesPolicy.DAP.value)

    assert build_customs(db.session, order, everything(order)).vat_number is None


def test_an_american_order_ships_dap_without_eu_or_uk_numbers(db, markets, shipping_store, tee_and_mug):
    tee, mug = tee_and_mug
    order = make_shippable_order(db.session, [(tee, 1, 2000), (mug, 3, 1500)], market=markets["US"], currency="USD",
                                 address=NEW_YORK)

    customs = build_customs(db.session, order, everything(order))

    assert (customs.incoterm, customs.ioss_number, customs.vat_number, customs.eori_number) == (
        "DAP", None, None, None)
    assert [(item.quantity, item.unit_value) for item in customs.items] == [(1, 2000), (3, 1500)]


def test_the_declared_value_is_after_the_discount(db, markets, shipping_store, tee_and_mug):
    tee, _mug = tee_and_mug
    order = make_shippable_order(db.session, [(tee, 2, 2000)], market=markets["US"], currency="USD",
                                 address=NEW_YORK)
    order.lines[0].discount_total = 400

    assert build_customs(db.session, order, everything(order)).items[0].unit_value == 1800


def test_only_the_chosen_lines_and_quantities_are_declared(db, shippable_order):
    tee_line = shippable_order.lines[0]

    customs = build_customs(db.session, shippable_order, {tee_line.id: 1})

    assert [(item.sku, item.quantity) for item in customs.items] == [("TEE-BLK-M", 1)]


@pytest.mark.parametrize("field, code, message", [
    ("hs_code", FulfillmentErrorCode.MISSING_HS_CODE,
     "Variant TEE-BLK-M has no HS code — add it under “Customs and compliance” on the product page."),
    ("origin_country", FulfillmentErrorCode.MISSING_ORIGIN,
     "Variant TEE-BLK-M has no country of origin — add it under “Customs and compliance” on the product page."),
    ("customs_description", FulfillmentErrorCode.MISSING_CUSTOMS_DESCRIPTION,
     "Variant TEE-BLK-M has no customs description — describe it in English under “Customs and compliance” on "
     "the product page."),
])
def test_missing_customs_data_names_the_variant_and_where_to_add_it(db, shippable_order, tee_and_mug, field, code,
                                                                    message):
    tee, _mug = tee_and_mug
    setattr(tee, field, None)
    setattr(shippable_order.lines[0], field, None)
    db.session.flush()

    with pytest.raises(FulfillmentError) as missing:
        build_customs(db.session, shippable_order, everything(shippable_order))

    assert (missing.value.code, missing.value.message) == (code, message)
    assert missing.value.field == f"lines-{shippable_order.lines[0].id}"


def test_an_hs_code_added_after_the_sale_is_used(db, shippable_order, tee_and_mug):
    """The order line kept the product's customs data at checkout; the owner fixing the product later counts."""
    tee, _mug = tee_and_mug
    shippable_order.lines[0].hs_code = None
    tee.hs_code = "6109.90"
    db.session.flush()

    assert build_customs(db.session, shippable_order, everything(shippable_order)).items[0].hs_code == "6109.90"


def test_a_complete_address_has_no_problems():
    assert validate_address(BERLIN) == []
    assert validate_address(NEW_YORK) == []
    assert validate_address({**LONDON, "phone": None}) == []


@pytest.mark.parametrize("change, problem", [
    ({"postal_code": ""}, "A postal code is required for Germany."),
    ({"postal_code": "1011"}, "1011 is not a valid postal code for Germany (for example 26133)."),
    ({"city": ""}, "The city is missing."),
    ({"address1": "", "address2": ""}, "The street address is missing."),
    ({"name": ""}, "The recipient's name is missing."),
    ({"country_code": "XX"}, "XX is not a country code."),
    ({"country_code": ""}, "The address has no country."),
])
def test_an_incomplete_german_address_says_what_to_fix(change, problem):
    assert validate_address({**BERLIN, **change}) == [problem]


def test_a_missing_state_is_taken_from_the_zip_code_when_it_tells():
    assert validate_address({**NEW_YORK, "province_code": ""}) == []
    assert to_carrier_address({**NEW_YORK, "province_code": ""}).state_code == "NY"
    assert to_carrier_address({**BERLIN, "postal_code": "10117"}).state_code is None
    ottawa = {"name": "Jean Tremblay", "address1": "111 Wellington Street", "city": "Ottawa", "postal_code": "K1A 0A9",
              "country_code": "CA"}
    assert validate_address(ottawa) == ["A state or province is required for Canada."]
    assert validate_address({**ottawa, "province_code": "ON"}) == []


def test_a_hong_kong_address_needs_no_postal_code():
    assert validate_address({"name": "Chan Tai Man", "address1": "1 Nathan Road", "city": "Tsim Sha Tsui",
                             "province_code": "Kowloon", "country_code": "HK"}) == []
