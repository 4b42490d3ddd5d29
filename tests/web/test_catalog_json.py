"""Shopify-compatible catalogue JSON: /products.json, /products/<handle>.js, /collections/<handle>/products.json."""
from __future__ import annotations

import pytest

from storefront.models import ProductStatus, ProductTag
from tests.fixtures.factories import (
    make_collection,
    make_image,
    make_location,
    make_option,
    make_product,
    restrict_product,
)

NOT_FOUND = {"status": 404, "message": "Page not found",
             "description": "The page you were looking for does not exist or has moved."}


@pytest.fixture
def hoodie(db, store):
    """A hoodie in M ($28.95, 4 in stock, own picture) and L ($30.00, sold out); tagged, typed, translated."""
    product = make_product(db.session, title="Hoodie", handle="hoodie", vendor="Northwind", product_type="Sweaters",
                           description_html="<p>Warm.</p>",
                           translations={"de": "Kapuzenpulli", "ja": "パーカー", "zh-CN": "连帽衫"},
                           variants=[{"option1": "M", "price": 2895, "compare_at_price": 3500, "sku": "HOOD-M",
                                      "stock": 4, "barcode": "4006381333931"},
                                     {"option1": "L", "price": 3000, "sku": "HOOD-L", "stock": 0}])
    option = make_option(db.session, product, "Size", ["M", "L"])
    option.name_translations = {"de": "Größe"}
    option.values[1].translations = {"de": "Groß"}
    product.tags = [ProductTag(tag="winter"), ProductTag(tag="cotton")]
    front = make_image(db.session, product, alt="Grey hoodie", alt_translations={"de": "Grauer Kapuzenpulli"},
                       position=1)
    make_image(db.session, product, alt="Back", position=2)
    product.variants[0].image_id = front.id
    db.session.flush()
    return product


def test_products_json_uses_shopifys_field_names_and_decimal_string_prices(client, hoodie):
    response = client.get("/products.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    [product] = response.json["products"]
    assert {k: product[k] for k in ("id", "title", "handle", "body_html", "vendor", "product_type")} == {
        "id": hoodie.id, "title": "Hoodie", "handle": "hoodie", "body_html": "<p>Warm.</p>", "vendor": "Northwind",
        "product_type": "Sweaters"}
    assert sorted(product["tags"]) == ["cotton", "winter"]
    medium, large = product["variants"]
    assert medium == medium | {"id": hoodie.variants[0].id, "title": "M", "option1": "M", "option2": None,
                               "sku": "HOOD-M", "price": "28.95", "compare_at_price": "35.00", "available": True,
                               "position": 1, "product_id": hoodie.id}
    assert (large["price"], large["compare_at_price"], large["available"]) == ("30.00", None, False)
    assert product["options"] == [{"name": "Size", "position": 1, "values": ["M", "L"]}]
    assert [image["alt"] for image in product["images"]] == ["Grey hoodie", "Back"]
    assert product["images"][0]["variant_ids"] == [hoodie.variants[0].id]
    assert product["images"][0]["src"].endswith(".jpg")
    assert medium["featured_image"]["id"] == product["images"][0]["id"]


def test_products_json_prices_are_in_the_shoppers_currency(client, hoodie, markets):
    [product] = client.get("/products.json", headers={"CF-IPCountry": "JP"}).json["products"]
    assert product["variants"][0]["price"] == "4076"  # 28.95 USD × 128 JPY/USD × 1.10 JCT, no yen decimals


@pytest.mark.parametrize("prefix, title, option, value", [
    ("/de", "Kapuzenpulli", "Größe", "Groß"), ("/ja", "パーカー", "Size", "L"), ("/zh-CN", "连帽衫", "Size", "L"),
])
def test_products_json_is_translated_under_a_language_prefix(client, hoodie, prefix, title, option, value):
    [product] = client.get(f"{prefix}/products.json").json["products"]
    assert product["title"] == title
    assert product["handle"] == f"hoodie-{prefix[1:].lower()}"
    assert product["options"][0]["name"] == option
    assert product["options"][0]["values"][1] == value


@pytest.fixture
def shelf(db, store):
    """31 products."""
    location = make_location(db.session)
    return [make_product(db.session, title=f"Book {n:02d}", location=location) for n in range(31)]


def test_products_json_pages_through_the_catalogue(client, shelf):
    def titles(query: str) -> list[str]:
        return [p["title"] for p in client.get(f"/products.json?{query}").json["products"]]

    assert len(titles("")) == 30
    first, second, third = titles("limit=12"), titles("limit=12&page=2"), titles("limit=12&page=3")
    assert (len(first), len(second), len(third)) == (12, 12, 7)
    assert sorted(first + second + third) == [f"Book {n:02d}" for n in range(31)]
    assert titles("limit=12&page=4") == []


@pytest.mark.parametrize("query", ["limit=0", "limit=-5", "limit=abc", "limit=²", "page=0", "page=-1", "page=x",
                                   "page=²", "limit=1e3", "page=99999999999999999999&limit=99999999999999999999"])
def test_products_json_shrugs_off_bad_paging_parameters(client, shelf, query):
    response = client.get(f"/products.json?{query}")
    assert response.status_code == 200
    assert isinstance(response.json["products"], list)


def test_products_json_returns_at_most_250_products(client, db, store):
    location = make_location(db.session)
    for n in range(252):
        make_product(db.session, title=f"Pin {n}", location=location, stock=None)
    assert len(client.get("/products.json?limit=1000").json["products"]) == 250
    assert len(client.get("/products.json?limit=250&page=2").json["products"]) == 2


def test_products_json_leaves_out_drafts_and_products_banned_in_the_shoppers_market(client, db, markets):
    make_product(db.session, title="Draft", status=ProductStatus.DRAFT)
    restrict_product(db.session, make_product(db.session, title="Power Bank"), markets["EU"])
    make_product(db.session, title="Cable")
    german = [p["title"] for p in client.get("/products.json", headers={"CF-IPCountry": "DE"}).json["products"]]
    american = [p["title"] for p in client.get("/products.json", headers={"CF-IPCountry": "US"}).json["products"]]
    assert german == ["Cable"]
    assert sorted(american) == ["Cable", "Power Bank"]


def test_product_js_has_integer_prices_in_minor_units(client, hoodie):
    response = client.get("/products/hoodie.js")
    assert response.status_code == 200
    product = response.json
    assert (product["id"], product["title"], product["handle"], product["type"]) == (
        hoodie.id, "Hoodie", "hoodie", "Sweaters")
    assert (product["price"], product["price_min"], product["price_max"], product["price_varies"]) == (
        2895, 2895, 3000, True)
    assert product["available"] is True
    assert product["currency"] == "USD"
    assert product["options"] == [{"name": "Size", "position": 1, "values": ["M", "L"]}]
    medium, large = product["variants"]
    assert (medium["id"], medium["price"], medium["compare_at_price"], medium["options"], medium["available"]) == (
        hoodie.variants[0].id, 2895, 3500, ["M"], True)
    assert (large["price"], large["options"], large["available"]) == (3000, ["L"], False)
    assert medium["name"] == "Hoodie - M"
    assert medium["featured_image"]["alt"] == "Grey hoodie"
    assert product["url"] == "/products/hoodie"


@pytest.mark.parametrize("country, currency, price", [("JP", "JPY", 4076), ("DE", "EUR", 2756), ("GB", "GBP", 2362)])
def test_product_js_prices_are_in_the_presentment_currencys_minor_units(client, hoodie, markets, country, currency,
                                                                       price):
    product = client.get("/products/hoodie.js", headers={"CF-IPCountry": country}).json
    assert product["currency"] == currency
    assert product["variants"][0]["price"] == price
    assert isinstance(product["price"], int)


def test_product_js_is_translated_under_a_language_prefix(client, hoodie):
    product = client.get("/de/products/hoodie-de.js").json
    assert product["title"] == "Kapuzenpulli"
    assert product["options"][0]["name"] == "Größe"
    assert product["variants"][1]["options"] == ["Groß"]
    assert product["variants"][0]["featured_image"]["alt"] == "Grauer Kapuzenpulli"
    assert product["url"] == "/de/products/hoodie-de"


def test_product_js_of_a_product_that_cannot_ship_to_the_shopper_is_unavailable(client, db, hoodie, markets):
    restrict_product(db.session, hoodie, markets["GB"])
    product = client.get("/products/hoodie.js", headers={"CF-IPCountry": "GB"}).json
    assert product["available"] is False
    assert not any(v["available"] for v in product["variants"])


def test_product_json_wraps_the_product(client, hoodie):
    response = client.get("/products/hoodie.json")
    assert response.status_code == 200
    assert response.json["product"]["variants"][0]["price"] == "28.95"


def test_collection_products_json_lists_only_that_collection(client, db, hoodie):
    make_product(db.session, title="Scarf")
    make_collection(db.session, [hoodie], handle="sweaters", translations={"de": "Pullover"})
    assert [p["title"] for p in client.get("/collections/sweaters/products.json").json["products"]] == ["Hoodie"]
    assert [p["title"] for p in client.get("/de/collections/sweaters-de/products.json").json["products"]] == [
        "Kapuzenpulli"]
    assert sorted(p["title"] for p in client.get("/collections/all/products.json").json["products"]) == [
        "Hoodie", "Scarf"]


@pytest.mark.parametrize("path", ["/products/nope.js", "/products/nope.json", "/collections/nope/products.json",
                                  "/de/products/nope.js", "/ja/collections/nope/products.json"])
def test_an_unknown_handle_is_a_json_404(client, store, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert set(response.json) == {"status", "message", "description"}
    assert response.json["status"] == 404


def test_the_json_404_is_shopify_shaped(client, store):
    assert client.get("/products/nope.js").json == NOT_FOUND


def test_product_js_revalidates_with_an_etag(client, hoodie):
    first = client.get("/products/hoodie.js")
    assert first.headers["ETag"]
    assert client.get("/products/hoodie.js", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
