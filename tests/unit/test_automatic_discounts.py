"""Automatic discounts: who qualifies (minimum per currency, window, usage), the better of code and automatic
discount, and the words shoppers read."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from storefront.domain import discounts
from storefront.domain.cart.errors import CartErrorCode
from storefront.domain.fx import load_rate_table
from storefront.domain.markets import load_markets, localize
from storefront.domain.pricing import pricing_context
from storefront.domain.tax import load_tax_rates
from storefront.extensions import cache
from storefront.models import DiscountAmount, DiscountKind, DiscountRedemption
from tests.fixtures.factories import make_discount_code, make_paid_order, make_product

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def pricing(db, markets):
    """country → the pricing context a shopper there gets (1 USD = 0.80 EUR = 128 JPY)."""
    found, rates, taxes = load_markets(db.session), load_rate_table(db.session), load_tax_rates(db.session)
    return lambda country: pricing_context("USD", localize(found, query_country=country), rates, taxes)


def make_automatic(session, code="AUTO-10-OVER-80", *, minimum=8000, minimums=None, **overrides):
    """10 % off orders of $80 or more (the base minimum converts), with `minimums` per currency on top."""
    discount = make_discount_code(session, code, title="Spend 80, save 10 %", is_automatic=True,
                                  minimum_subtotal=minimum, **overrides)
    discount.amounts = [DiscountAmount(currency=c, amount=0, minimum_subtotal=m) for c, m in (minimums or {}).items()]
    session.flush()
    return discount


def test_the_base_minimum_converts_into_euros(db, pricing):
    automatic = make_automatic(db.session)
    germany = pricing("DE")

    assert discounts.best_automatic_discount(db.session, germany, 6400, now=NOW) is automatic  # $80 = 64,00 €
    assert discounts.best_automatic_discount(db.session, germany, 6399, now=NOW) is None


def test_a_currency_of_its_own_minimum_wins_over_the_converted_one(db, pricing):
    make_automatic(db.session, minimums={"JPY": 12000})
    japan = pricing("JP")

    # $80 would be ¥10,240; the discount asks for ¥12,000 in Japan.
    assert discounts.best_automatic_discount(db.session, japan, 11999, now=NOW) is None
    assert discounts.best_automatic_discount(db.session, japan, 12000, now=NOW) is not None
    assert discounts.discount_amount(discounts.best_automatic_discount(db.session, japan, 12000, now=NOW),
                                     12000, japan) == 1200


def test_only_running_discounts_apply(db, pricing):
    make_automatic(db.session, "LATER", starts_at=NOW + timedelta(hours=1))
    make_automatic(db.session, "OVER", ends_at=NOW)
    make_automatic(db.session, "OFF", active=False)
    make_automatic(db.session, "USED-UP", usage_limit=2, times_used=2)
    usa = pricing("US")

    assert discounts.best_automatic_discount(db.session, usa, 10000, now=NOW) is None
    later = discounts.best_automatic_discount(db.session, usa, 10000, now=NOW + timedelta(hours=1))
    assert later is not None and later.code == "LATER"


def test_a_once_per_customer_discount_is_not_given_twice_to_the_same_email(db, pricing):
    automatic = make_automatic(db.session, once_per_customer=True)
    order = make_paid_order(db.session, [(make_product(db.session), 1)])
    db.session.add(DiscountRedemption(discount_code_id=automatic.id, order_id=order.id, email="ana@example.com",
                                      currency="USD"))
    db.session.flush()
    usa = pricing("US")

    assert discounts.best_automatic_discount(db.session, usa, 10000, now=NOW, email="ANA@example.com") is None
    assert discounts.best_automatic_discount(db.session, usa, 10000, now=NOW, email="bo@example.com") is automatic


def test_the_automatic_discount_taking_most_off_is_chosen(db, pricing):
    make_automatic(db.session)
    make_discount_code(db.session, "FIVE-OFF", kind=DiscountKind.FIXED_AMOUNT, value=500, is_automatic=True,
                       title="$5 off")
    make_discount_code(db.session, "SHIP-FREE", kind=DiscountKind.FREE_SHIPPING, value=0, is_automatic=True,
                       title="Free shipping")
    usa = pricing("US")

    assert discounts.best_automatic_discount(db.session, usa, 10000, now=NOW).code == "AUTO-10-OVER-80"
    assert discounts.best_automatic_discount(db.session, usa, 4000, now=NOW).code == "FIVE-OFF"


def test_free_shipping_applies_when_nothing_takes_money_off(db, pricing):
    make_discount_code(db.session, "SHIP-FREE", kind=DiscountKind.FREE_SHIPPING, value=0, is_automatic=True)
    assert discounts.best_automatic_discount(db.session, pricing("US"), 4000, now=NOW).code == "SHIP-FREE"


def test_the_better_of_code_and_automatic_discount_applies(db, pricing):
    make_automatic(db.session)
    make_discount_code(db.session, "TWENTY", value=2000)
    make_discount_code(db.session, "FIVE", value=500)
    usa = pricing("US")

    better_code = discounts.choose_discount(db.session, "twenty", 10000, usa, "en", now=NOW)
    assert (better_code.discount.code, better_code.amount, better_code.outbid_code) == ("TWENTY", 2000, None)

    worse_code = discounts.choose_discount(db.session, "five", 10000, usa, "en", now=NOW)
    assert (worse_code.discount.code, worse_code.amount, worse_code.outbid_code) == ("AUTO-10-OVER-80", 1000, "FIVE")
    assert worse_code.code_error is None


def test_on_a_tie_the_shoppers_code_stays(db, pricing):
    make_automatic(db.session)
    make_discount_code(db.session, "KOL-MIKA", value=1000, commission_bp=800)

    choice = discounts.choose_discount(db.session, "KOL-MIKA", 10000, pricing("US"), "en", now=NOW)

    assert choice.discount.code == "KOL-MIKA" and choice.discount.commission_bp == 800
    assert choice.outbid_code is None


def test_a_code_below_its_minimum_leaves_the_automatic_discount_and_says_why(db, pricing):
    make_automatic(db.session, minimum=None)
    make_discount_code(db.session, "BIG", value=3000, minimum_subtotal=50000)

    choice = discounts.choose_discount(db.session, "BIG", 10000, pricing("US"), "en", now=NOW)

    assert choice.discount.code == "AUTO-10-OVER-80" and choice.amount == 1000
    assert choice.code_error.code is CartErrorCode.DISCOUNT_MINIMUM and choice.outbid_code is None


def test_no_code_and_no_automatic_discount_gives_nothing(db, pricing):
    make_automatic(db.session)
    choice = discounts.choose_discount(db.session, None, 5000, pricing("US"), "en", now=NOW)
    assert choice.discount is None and choice.amount == 0 and choice.code_error is None


def test_the_description_is_written_in_the_shoppers_language_and_currency(app, db, pricing):
    automatic = make_automatic(db.session, minimums={"JPY": 12000})
    fixed = make_discount_code(db.session, "TEN-OFF", kind=DiscountKind.FIXED_AMOUNT, value=1000,
                               amounts={"EUR": 900})

    with app.test_request_context("/de/"):
        german = discounts.describe(automatic, pricing("DE"), "de")
        japanese = discounts.describe(automatic, pricing("JP"), "ja")
        euros_off = discounts.describe(fixed, pricing("DE"), "de")

    # The sentences get translated; the numbers in them are what must be right.
    assert "10\xa0%" in german and "64,00\xa0€" in german
    assert "￥12,000" in japanese and "10,240" not in japanese
    assert "9,00\xa0€" in euros_off and "10,00" not in euros_off


def test_product_prices_below_the_minimum_get_no_offer(app, db, pricing):
    make_automatic(db.session)
    germany = pricing("DE")
    cache.clear()

    with app.test_request_context("/de/"):
        offers = discounts.automatic_offers(db.session, germany, "de", price=6400, now=NOW)
        none = discounts.automatic_offers(db.session, germany, "de", price=6399, now=NOW)

    assert [offer.title for offer in offers] == ["Spend 80, save 10 %"]
    assert "64,00\xa0€" in offers[0].description
    assert none == []


def test_the_cache_key_changes_when_a_discount_starts_and_ends(db, store):
    make_automatic(db.session, starts_at=NOW + timedelta(minutes=1), ends_at=NOW + timedelta(hours=1))
    cache.clear()

    before = discounts.automatic_discounts_key(db.session, now=NOW)
    running = discounts.automatic_discounts_key(db.session, now=NOW + timedelta(minutes=1))
    after = discounts.automatic_discounts_key(db.session, now=NOW + timedelta(hours=1))

    assert before == after == "" and running != ""


def test_a_percentage_of_a_subtotal_rounds_half_up_and_never_exceeds_it(db, pricing):
    discount = make_discount_code(db.session, "HALF", value=1250, is_automatic=True)
    usa = pricing("US")
    assert discounts.discount_amount(discount, 1004, usa) == 126  # 125.5 → 126
    assert discounts.discount_amount(make_discount_code(db.session, "ALL", value=10000), 999, usa) == 999
