"""Redirects made by renaming products, collections and pages: which rows appear, change or go."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront.domain.seo.redirects import redirect_target
from storefront.models import Product, Redirect
from tests.fixtures.factories import make_collection, make_page, make_product, make_store


def redirects(db) -> dict[str, tuple[str, int]]:
    return {r.path: (r.target, r.status_code) for r in db.session.scalars(select(Redirect))}


@pytest.fixture
def shop_in_three_languages(db):
    return make_store(db.session, enabled_locales=["en", "de", "ja"])


def test_renaming_a_product_redirects_every_language_that_uses_the_default_handle(db, shop_in_three_languages):
    product = make_product(db.session, handle="old", translations={"de": "Alt"})

    product.handle = "new"
    db.session.flush()

    assert redirects(db) == {"/products/old": ("/products/new", 301), "/ja/products/old": ("/ja/products/new", 301)}


def test_renaming_a_translation_redirects_only_its_language(db, shop_in_three_languages):
    collection = make_collection(db.session, handle="summer", translations={"de": "Sommer"})

    collection.translations[0].handle = "sommer"
    db.session.flush()

    assert redirects(db) == {"/de/collections/summer-de": ("/de/collections/sommer", 301)}


def test_renaming_a_page_redirects_it_too(db, shop_in_three_languages):
    page = make_page(db.session, handle="shipping", translations={"de": ("Versand", "versand")})

    page.translations[0].handle = "lieferung"
    page.handle = "delivery"
    db.session.flush()

    assert redirects(db) == {"/pages/shipping": ("/pages/delivery", 301),
                             "/ja/pages/shipping": ("/ja/pages/delivery", 301),
                             "/de/pages/versand": ("/de/pages/lieferung", 301)}


def test_a_translation_for_the_default_language_is_addressed_without_prefix(db, shop_in_three_languages):
    product = make_product(db.session, handle="mug", translations={"en": "Mug"})

    product.translations[0].handle = "coffee-mug"
    db.session.flush()

    assert redirects(db) == {"/products/mug-en": ("/products/coffee-mug", 301)}


def test_other_edits_make_no_redirect(db, shop_in_three_languages):
    product = make_product(db.session, handle="mug", translations={"de": "Becher"})

    product.title = "Big Mug"
    product.translations[0].title = "Großer Becher"
    product.handle = "mug"  # set to the same value
    db.session.flush()

    assert redirects(db) == {}


def test_a_product_renamed_before_it_was_ever_saved_leaves_nothing_behind(db, shop_in_three_languages):
    product = Product(handle="draft-name", title="Mug")
    db.session.add(product)
    product.handle = "mug"
    db.session.flush()

    assert redirects(db) == {}


def test_a_hand_made_redirect_from_the_old_address_is_replaced(db, shop_in_three_languages):
    product = make_product(db.session, handle="old")
    db.session.add(Redirect(path="/products/old", target="/collections/sale", status_code=302, hits=7))
    db.session.flush()

    product.handle = "new"
    db.session.flush()

    replaced = db.session.scalar(select(Redirect).where(Redirect.path == "/products/old"))
    assert (replaced.target, replaced.status_code, replaced.hits) == ("/products/new", 301, 7)


def test_earlier_redirects_to_the_old_address_follow_it_to_the_new_one(db, shop_in_three_languages):
    product = make_product(db.session, handle="b")
    db.session.add(Redirect(path="/old-site/b.html", target="/products/b"))
    db.session.flush()

    product.handle = "c"
    db.session.flush()

    assert redirects(db)["/old-site/b.html"] == ("/products/c", 301)


def test_an_address_that_is_live_again_loses_its_redirect(db, shop_in_three_languages):
    product = make_product(db.session, handle="a")
    product.handle = "b"
    db.session.flush()

    product.handle = "a"
    db.session.flush()

    assert redirects(db) == {"/products/b": ("/products/a", 301), "/de/products/b": ("/de/products/a", 301),
                             "/ja/products/b": ("/ja/products/a", 301)}


def test_renaming_back_and_forth_within_one_save_is_no_move(db, shop_in_three_languages):
    product = make_product(db.session, handle="a")

    product.handle = "b"
    product.handle = "a"
    db.session.flush()

    assert redirects(db) == {}


@pytest.mark.parametrize("target, allowed", [
    ("/products/mug", True),
    ("/de/collections/all?sort_by=price-ascending", True),
    ("https://blog.example/post", True),
    ("http://blog.example/", True),
    ("//evil.example/x", False),
    ("/\\evil.example", False),
    ("/\t/evil.example", False),
    ("javascript:alert(1)", False),
    ("ftp://files.example/", False),
    ("https:///no-host", False),
    ("products/mug", False),
    ("", False),
])
def test_only_paths_on_this_site_and_web_addresses_are_redirect_targets(target, allowed):
    assert (redirect_target(target) is not None) is allowed
