"""Hot pages run a fixed number of SQL statements, however many variants, pictures or products they show."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from storefront.extensions import cache
from storefront.models import ProductTag
from tests.fixtures.factories import make_collection, make_image, make_location, make_option, make_product

# Cold cache: store settings, markets, FX rates, taxes and warehouses are loaded too.
PRODUCT_PAGE_MAX = 19  # + 1: every locale's handle for hreflang; + 1: the collection in the breadcrumb (JSON-LD);
# + 1: the automatic discounts running now (cached for a minute afterwards)
COLLECTION_PAGE_MAX = 26  # + 1 hreflang handles, + 2 vendor/type/collection facets
PRODUCTS_JSON_MAX = 21

SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
COLOURS = ["Red", "Blue", "Green", "Black", "White"]


@contextmanager
def counted_statements(engine):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "SAVEPOINT" not in statement:  # the test's per-request savepoints, not the app's work
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def statements_for(client, db):
    """Statements one cold-cache request runs (page cache and shop snapshot cleared first)."""
    def run(path: str, **kwargs) -> list[str]:
        cache.clear()
        with counted_statements(db.engine) as statements:
            response = client.get(path, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return statements

    return run


def make_rich_product(session, handle: str, sizes: list[str], colours: list[str], images: int, **overrides):
    """A translated product with every size × colour as a variant, and `images` pictures."""
    variants = [{"option1": size, "option2": colour, "price": 2000 + 100 * n}
                for n, (size, colour) in enumerate((s, c) for s in sizes for c in colours)]
    product = make_product(session, handle=handle, variants=variants,
                           translations={"de": f"{handle} (de)"}, **overrides)
    make_option(session, product, "Size", sizes, position=1)
    make_option(session, product, "Color", colours, position=2)
    for _ in range(images):
        make_image(session, product, alt_translations={"de": "Bild"})
    return product


def test_product_page_queries_do_not_grow_with_variants_or_pictures(db, markets, statements_for):
    make_rich_product(db.session, "plain", ["M"], ["Red"], images=1)
    make_rich_product(db.session, "rich", SIZES, COLOURS, images=10)

    plain = statements_for("/de/products/plain-de", headers={"CF-IPCountry": "DE"})
    rich = statements_for("/de/products/rich-de", headers={"CF-IPCountry": "DE"})

    assert len(rich) == len(plain), "\n\n".join(rich)
    assert len(rich) <= PRODUCT_PAGE_MAX


def test_collection_page_queries_do_not_grow_with_products(db, markets, statements_for):
    location = make_location(db.session)
    few = [make_rich_product(db.session, f"few-{n}", ["S", "M"], ["Red"], images=1, location=location)
           for n in range(3)]
    many = [make_rich_product(db.session, f"many-{n}", ["S", "M"], ["Red"], images=2, location=location)
            for n in range(30)]
    make_collection(db.session, few, handle="few")
    make_collection(db.session, many, handle="many")

    small = statements_for("/collections/few", headers={"CF-IPCountry": "DE"})
    large = statements_for("/collections/many", headers={"CF-IPCountry": "DE"})
    filtered = statements_for("/collections/many?filter.v.option.size=S&sort_by=best-selling&page=2",
                              headers={"CF-IPCountry": "DE"})

    assert len(large) == len(small), "\n\n".join(large)
    assert len(large) <= COLLECTION_PAGE_MAX
    assert len(filtered) <= len(large) + 1  # best-selling reads the sales once


def test_products_json_queries_do_not_grow_with_products(db, store, statements_for):
    location = make_location(db.session)
    for n in range(30):
        product = make_rich_product(db.session, f"json-{n}", ["S", "M"], ["Red"], images=1, location=location)
        product.tags = [ProductTag(tag="new")]
    db.session.flush()

    three = statements_for("/products.json?limit=3")
    thirty = statements_for("/products.json?limit=30")

    assert len(thirty) == len(three), "\n\n".join(thirty)
    assert len(thirty) <= PRODUCTS_JSON_MAX


def test_a_cached_product_page_needs_only_the_store_settings(client, db, store):
    make_product(db.session, handle="lamp")
    client.get("/products/lamp")
    with counted_statements(db.engine) as statements:
        response = client.get("/products/lamp")
    assert response.headers["X-Page-Cache"] == "hit"
    assert len(statements) <= 1, statements
