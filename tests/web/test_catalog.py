"""Collection and product pages as a shopper sees them: language, filters, sorting, variants, taxes, caching."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from storefront.models import PaymentStatus, ProductStatus
from tests.fixtures.factories import (
    make_collection,
    make_image,
    make_location,
    make_option,
    make_paid_order,
    make_product,
    restrict_product,
)

def card_titles(html: str) -> list[str]:
    return re.findall(r'class="product-card__title">([^<]*)<', html)


def facet_counts(html: str, key: str) -> dict[str, int]:
    """{value: count} of one option facet's checkboxes."""
    found = re.findall(
        rf'name="filter\.v\.option\.{key}" value="([^"]*)"[^>]*>[^<]*<span class="facet__count">\((\d+)\)', html)
    return {value: int(count) for value, count in found}


def product_page(html: str) -> SimpleNamespace:
    """What the buy box shows: price, SKU, availability and the add-to-cart button."""
    def text(pattern: str) -> str | None:
        found = re.search(pattern, html, re.S)
        return found.group(1).strip() if found else None

    button = re.search(r"<button[^>]*data-add-to-cart[^>]*>(.*?)</button>", html, re.S)
    id_input = re.search(r"<input[^>]*data-variant-id[^>]*>", html).group(0)
    return SimpleNamespace(
        price=text(r"data-price>([^<]*)<"),
        sku=text(r"data-sku>([^<]*)<"),
        availability=text(r"data-availability[^>]*>([^<]*)<"),
        variant_id=re.search(r'value="(\d*)"', id_input).group(1),
        button_text=button.group(1).strip(),
        buy_disabled=" disabled" in button.group(0).split(">", 1)[0],
    )


# --- collections ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix, handle, title, product_title", [
    ("", "summer", "Summer", "Linen Shirt"),
    ("/de", "summer-de", "Sommer", "Leinenhemd"),
    ("/ja", "summer-ja", "夏物", "リネンシャツ"),
    ("/zh-CN", "summer-zh-cn", "夏季", "亚麻衬衫"),
])
def test_collection_title_and_products_are_in_the_shoppers_language(client, db, store, prefix, handle, title,
                                                                    product_title):
    shirt = make_product(db.session, title="Linen Shirt",
                         translations={"de": "Leinenhemd", "ja": "リネンシャツ", "zh-CN": "亚麻衬衫"})
    make_collection(db.session, [shirt], handle="summer", title="Summer",
                    translations={"de": "Sommer", "ja": "夏物", "zh-CN": "夏季"})
    response = client.get(f"{prefix}/collections/{handle}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in html
    assert card_titles(html) == [product_title]


@pytest.mark.parametrize("prefix, titles", [("", ["Linen Shirt"]), ("/de", ["Leinenhemd"]), ("/ja", ["リネンシャツ"])])
def test_all_products_lists_the_catalogue_in_the_shoppers_language(client, db, store, prefix, titles):
    make_product(db.session, title="Linen Shirt", translations={"de": "Leinenhemd", "ja": "リネンシャツ"})
    make_product(db.session, title="Secret Draft", status=ProductStatus.DRAFT)
    make_product(db.session, title="Not Yet Published", published_at=None)
    response = client.get(f"{prefix}/collections/all")
    assert response.status_code == 200
    assert card_titles(response.get_data(as_text=True)) == titles


def test_collections_show_24_products_per_page_with_links_to_the_next(client, db, store):
    location = make_location(db.session)
    products = [make_product(db.session, title=f"Mug {n:02d}", location=location) for n in range(30)]
    make_collection(db.session, products, handle="mugs")

    first = client.get("/collections/mugs").get_data(as_text=True)
    second = client.get("/collections/mugs?page=2").get_data(as_text=True)

    assert card_titles(first) == [f"Mug {n:02d}" for n in range(24)]
    assert card_titles(second) == [f"Mug {n:02d}" for n in range(24, 30)]
    assert "30 products" in first
    assert 'href="/collections/mugs?page=2" rel="next"' in first
    assert '<span aria-current="page">2</span>' in second
    assert 'rel="next"' not in second


@pytest.fixture
def fruit(db, store):
    """Three products whose orders differ for every sort: manual C, A, b."""
    def day(n: int) -> datetime:
        return datetime(2026, 1, n, tzinfo=timezone.utc)

    location = make_location(db.session)
    apple = make_product(db.session, title="Apple", variants=[{"price": 3000}], published_at=day(1), location=location)
    banana = make_product(db.session, title="banana", variants=[{"price": 1000}], published_at=day(3),
                          location=location)
    cherry = make_product(db.session, title="Cherry", variants=[{"price": 2000}], published_at=day(2),
                          location=location)
    make_paid_order(db.session, [(banana, 5), (apple, 1)])
    make_collection(db.session, [cherry, apple, banana], handle="fruit")
    return {"apple": apple, "banana": banana, "cherry": cherry}


@pytest.mark.parametrize("sort_by, expected", [
    ("manual", ["Cherry", "Apple", "banana"]),
    ("best-selling", ["banana", "Apple", "Cherry"]),
    ("title-ascending", ["Apple", "banana", "Cherry"]),
    ("title-descending", ["Cherry", "banana", "Apple"]),
    ("price-ascending", ["banana", "Cherry", "Apple"]),
    ("price-descending", ["Apple", "Cherry", "banana"]),
    ("created-descending", ["banana", "Cherry", "Apple"]),
    ("created-ascending", ["Apple", "Cherry", "banana"]),
])
def test_every_sort_order_lists_products_in_that_order(client, fruit, sort_by, expected):
    html = client.get(f"/collections/fruit?sort_by={sort_by}").get_data(as_text=True)
    assert card_titles(html) == expected
    assert f'<option value="{sort_by}" selected>' in html


def test_best_selling_ignores_unpaid_orders(client, db, fruit):
    make_paid_order(db.session, [(fruit["cherry"], 50)], payment_status=PaymentStatus.PENDING)
    html = client.get("/collections/fruit?sort_by=best-selling").get_data(as_text=True)
    assert card_titles(html) == ["banana", "Apple", "Cherry"]


def test_all_products_shows_the_newest_first_by_default(client, fruit):
    assert card_titles(client.get("/collections/all").get_data(as_text=True)) == ["banana", "Cherry", "Apple"]


@pytest.mark.parametrize("sort_by", ["junk", "", "price-ascending'--", "PRICE-ASCENDING"])
def test_an_unknown_sort_falls_back_to_the_collections_own_order(client, fruit, sort_by):
    response = client.get("/collections/fruit", query_string={"sort_by": sort_by})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert card_titles(html) == ["Cherry", "Apple", "banana"]
    assert '<option value="manual" selected>' in html


@pytest.fixture
def clothes(db, store):
    """Tee (S/M × Red/Blue), Hoodie (M/L × Black) and Cap (one colour: Red, no size)."""
    location = make_location(db.session)
    tee = make_product(db.session, title="Tee", location=location, variants=[
        {"option1": "S", "option2": "Red"}, {"option1": "S", "option2": "Blue"},
        {"option1": "M", "option2": "Red"}, {"option1": "M", "option2": "Blue"},
    ])
    make_option(db.session, tee, "Size", ["S", "M"], position=1)
    make_option(db.session, tee, "Color", ["Red", "Blue"], position=2)
    hoodie = make_product(db.session, title="Hoodie", location=location,
                          variants=[{"option1": "M", "option2": "Black"}, {"option1": "L", "option2": "Black"}])
    make_option(db.session, hoodie, "Size", ["M", "L"], position=1)
    make_option(db.session, hoodie, "Color", ["Black"], position=2)
    cap = make_product(db.session, title="Cap", location=location, variants=[{"option1": "Red"}])
    make_option(db.session, cap, "Color", ["Red"], position=1)
    return make_collection(db.session, [tee, hoodie, cap], handle="clothes")


@pytest.mark.parametrize("query, expected", [
    ("filter.v.option.size=S", ["Tee"]),
    ("filter.v.option.size=S&filter.v.option.size=L", ["Tee", "Hoodie"]),
    ("filter.v.option.color=Red", ["Tee", "Cap"]),
    ("filter.v.option.Color=Red", ["Tee", "Cap"]),
    ("filter.v.option.size=M&filter.v.option.color=Black", ["Hoodie"]),
    ("filter.v.option.size=L&filter.v.option.color=Red", []),
])
def test_option_filters_show_products_with_a_matching_variant(client, clothes, query, expected):
    response = client.get(f"/collections/clothes?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert card_titles(html) == expected
    assert '<meta name="robots" content="noindex, follow">' in html


def test_facets_count_products_per_value_given_the_other_filters(client, clothes):
    unfiltered = client.get("/collections/clothes").get_data(as_text=True)
    assert facet_counts(unfiltered, "size") == {"S": 1, "M": 2, "L": 1}
    assert facet_counts(unfiltered, "color") == {"Red": 2, "Blue": 1, "Black": 1}

    red = client.get("/collections/clothes?filter.v.option.color=Red").get_data(as_text=True)
    # Sizes are counted among red products only; colours ignore the colour filter itself.
    assert facet_counts(red, "size") == {"S": 1, "M": 1}
    assert facet_counts(red, "color") == {"Red": 2, "Blue": 1, "Black": 1}
    assert re.search(r'name="filter\.v\.option\.color" value="Red" checked', red)


@pytest.fixture
def price_ladder(db, store):
    """$10, $20 and $30 products: €9.52, €19.04 and €28.56 for a German shopper."""
    location = make_location(db.session)
    products = [make_product(db.session, title=f"Lamp {price // 100}", variants=[{"price": price}], location=location)
                for price in (1000, 2000, 3000)]
    return make_collection(db.session, products, handle="lamps")


@pytest.mark.parametrize("headers, query, expected", [
    ({}, "filter.v.price.gte=10&filter.v.price.lte=20", ["Lamp 10", "Lamp 20"]),
    ({"CF-IPCountry": "DE"}, "filter.v.price.gte=10&filter.v.price.lte=20", ["Lamp 20"]),
    ({"CF-IPCountry": "DE"}, "filter.v.price.gte=19,04", ["Lamp 20", "Lamp 30"]),
    ({"CF-IPCountry": "DE"}, "filter.v.price.lte=9.51", []),
    ({}, "filter.v.price.gte=20&filter.v.price.lte=10", ["Lamp 10", "Lamp 20"]),
])
def test_price_filter_is_in_the_shoppers_currency(client, markets, price_ladder, headers, query, expected):
    html = client.get(f"/collections/lamps?{query}", headers=headers).get_data(as_text=True)
    assert card_titles(html) == expected


def test_price_facet_names_the_highest_price_in_the_shoppers_currency(client, markets, price_ladder):
    html = client.get("/collections/lamps", headers={"CF-IPCountry": "DE"}).get_data(as_text=True)
    assert "€28.56" in html


def test_in_stock_filter_hides_sold_out_products(client, db, store):
    location = make_location(db.session)
    make_collection(db.session, [make_product(db.session, title="Kettle", stock=4, location=location),
                                 make_product(db.session, title="Toaster", stock=0, location=location)],
                    handle="kitchen")
    everything = client.get("/collections/kitchen").get_data(as_text=True)
    in_stock = client.get("/collections/kitchen?filter.v.availability=1").get_data(as_text=True)
    assert card_titles(everything) == ["Kettle", "Toaster"]
    assert "In stock only (1)" in everything
    assert card_titles(in_stock) == ["Kettle"]


def test_stock_in_a_warehouse_that_does_not_ship_to_the_shopper_counts_as_sold_out(client, db, markets):
    us_only = make_location(db.session, country_code="US", ships_to=["US"])
    make_collection(db.session, [make_product(db.session, title="Grill", location=us_only)], handle="garden")
    assert card_titles(client.get("/collections/garden?filter.v.availability=1",
                                  headers={"CF-IPCountry": "US"}).get_data(as_text=True)) == ["Grill"]
    assert card_titles(client.get("/collections/garden?filter.v.availability=1",
                                  headers={"CF-IPCountry": "DE"}).get_data(as_text=True)) == []


@pytest.fixture
def crowded(db, store):
    location = make_location(db.session)
    products = [make_product(db.session, title=f"Vase {n:02d}", location=location) for n in range(25)]
    return make_collection(db.session, products, handle="vases")


@pytest.mark.parametrize("page", ["-1", "0", "99999999999999999999", "abc", "3", "1.5", "²", "٣", ""])
def test_a_page_number_that_does_not_exist_shows_the_first_page(client, crowded, page):
    response = client.get("/collections/vases", query_string={"page": page})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert card_titles(html)[0] == "Vase 00"
    assert '<span aria-current="page">1</span>' in html


@pytest.mark.parametrize("query", [
    "filter.v.option.size=" + "x" * 5000,
    "filter.v.option.=x",
    "filter.v.option." + "n" * 200 + "=x",
    "filter.v.option.size=",
    "filter.v.price.gte=abc&filter.v.price.lte=",
    "filter.v.price.gte=NaN&filter.v.price.lte=Infinity",
    "filter.v.price.gte=-5&filter.v.price.lte=1e999999",
    "filter.v.price.gte=1e-999999999",
    "filter.v.availability=yes",
    "sort_by=%00&page=%FF",
])
def test_junk_filters_never_break_the_collection_page(client, crowded, query):
    response = client.get(f"/collections/vases?{query}")
    assert response.status_code == 200
    assert "Vase 00" in response.get_data(as_text=True)


@pytest.mark.parametrize("prefix, text", [("", "Page not found"), ("/de", "Seite nicht gefunden")])
def test_an_unknown_collection_is_a_404_in_the_shoppers_language(client, store, prefix, text):
    response = client.get(f"{prefix}/collections/nope")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_an_unpublished_collection_is_not_found(client, db, store):
    make_collection(db.session, [make_product(db.session)], handle="hidden", published=False)
    assert client.get("/collections/hidden").status_code == 404


@pytest.mark.parametrize("path, target", [
    ("/de/collections/summer", "/de/collections/summer-de"),
    ("/collections/summer-de", "/collections/summer"),
    ("/fr/collections/summer-de", "/fr/collections/summer"),
    ("/ja/collections/summer-de", "/ja/collections/summer-ja"),
])
def test_a_collection_handle_from_another_language_redirects_to_this_languages_handle(client, db, store, path, target):
    make_collection(db.session, [make_product(db.session)], handle="summer", title="Summer",
                    translations={"de": "Sommer", "ja": "夏物"})
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == target


def test_the_collection_redirect_keeps_every_filter(client, db, store):
    make_collection(db.session, [make_product(db.session)], handle="summer", translations={"de": "Sommer"})
    query = "filter.v.option.size=S&filter.v.option.size=M&sort_by=price-ascending"
    response = client.get(f"/de/collections/summer?{query}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/de/collections/summer-de?{query}"


@pytest.mark.parametrize("query", ["handle=other", "_external=1&_scheme=javascript", "_anchor=x"])
def test_redirect_parameters_cannot_hijack_the_redirect(client, db, store, query):
    make_collection(db.session, [make_product(db.session)], handle="summer", translations={"de": "Sommer"})
    response = client.get(f"/de/collections/summer?{query}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/de/collections/summer-de?{query}"


# --- product pages ----------------------------------------------------------------------------------------------


@pytest.fixture
def tee(db, store):
    """Size S (sold out), M (3 left, $21.00) and L ($22.00) in White; each with its own SKU."""
    product = make_product(db.session, title="Tee", handle="tee", translations={"de": "T-Shirt"}, variants=[
        {"option1": "S", "option2": "White", "price": 2000, "sku": "TEE-S", "stock": 0},
        {"option1": "M", "option2": "White", "price": 2100, "sku": "TEE-M", "stock": 3},
        {"option1": "L", "option2": "White", "price": 2200, "sku": "TEE-L", "stock": 10},
    ])
    make_option(db.session, product, "Size", ["S", "M", "L"], position=1)
    make_option(db.session, product, "Color", ["White"], position=2)
    return product


def test_product_page_preselects_the_first_variant_in_stock(client, tee):
    page = product_page(client.get("/products/tee").get_data(as_text=True))
    assert (page.price, page.sku, page.availability) == ("$21.00", "TEE-M", "Only 3 left")
    assert page.variant_id == str(tee.variants[1].id)
    assert not page.buy_disabled and page.button_text == "Add to cart"


@pytest.mark.parametrize("query, sku, price, availability", [
    ("variant={L}", "TEE-L", "$22.00", "In stock"),
    ("option1=L&option2=White", "TEE-L", "$22.00", "In stock"),
    ("option1=L", "TEE-L", "$22.00", "In stock"),
    ("variant={S}", "TEE-S", "$20.00", "Sold out"),
    ("option1=S&option2=White", "TEE-S", "$20.00", "Sold out"),
])
def test_a_variant_chosen_in_the_url_is_shown(client, tee, query, sku, price, availability):
    ids = {"S": tee.variants[0].id, "L": tee.variants[2].id}
    page = product_page(client.get(f"/products/tee?{query.format(**ids)}").get_data(as_text=True))
    assert (page.sku, page.price, page.availability) == (sku, price, availability)
    assert page.variant_id == str(next(v.id for v in tee.variants if v.sku == sku))


def test_a_sold_out_variant_cannot_be_added_to_the_cart(client, tee):
    page = product_page(client.get(f"/products/tee?variant={tee.variants[0].id}").get_data(as_text=True))
    assert page.buy_disabled
    assert page.button_text == "Sold out"
    german = product_page(client.get(f"/de/products/tee-de?variant={tee.variants[0].id}").get_data(as_text=True))
    assert german.availability == "Ausverkauft" and german.buy_disabled


@pytest.mark.parametrize("query", ["variant={other}", "variant=99999999", "variant=abc", "variant=-1",
                                   "option1=XXL", "option1=&option2=Purple", "option9=L"])
def test_a_variant_that_is_not_this_products_falls_back_to_the_first_in_stock(client, db, tee, query):
    other = make_product(db.session, title="Socks", variants=[{"sku": "SOCKS"}])
    response = client.get(f"/products/tee?{query.format(other=other.variants[0].id)}")
    assert response.status_code == 200
    page = product_page(response.get_data(as_text=True))
    assert (page.sku, page.variant_id) == ("TEE-M", str(tee.variants[1].id))


def test_the_no_js_variant_picker_submits_option_values_to_the_product_url(client, tee):
    html = client.get("/products/tee").get_data(as_text=True)
    assert re.search(r'<form class="variant-picker" method="get" action="/products/tee"', html)
    assert '<select id="option-1" name="option1"' in html
    assert '<option value="M" selected>M</option>' in html


def test_product_restricted_in_the_shoppers_market_says_it_cannot_be_shipped_there(client, db, markets):
    charger = make_product(db.session, title="Power Bank", handle="power-bank")
    restrict_product(db.session, charger, markets["EU"])
    german = product_page(client.get("/products/power-bank", headers={"CF-IPCountry": "DE"}).get_data(as_text=True))
    american = product_page(client.get("/products/power-bank", headers={"CF-IPCountry": "US"}).get_data(as_text=True))
    assert german.availability == "This product cannot be shipped to Germany."
    assert german.buy_disabled
    assert american.availability == "In stock" and not american.buy_disabled


def test_product_restricted_in_the_shoppers_market_is_left_out_of_collections(client, db, markets):
    charger = make_product(db.session, title="Power Bank")
    restrict_product(db.session, charger, markets["EU"])
    make_product(db.session, title="Cable")
    assert card_titles(client.get("/collections/all", headers={"CF-IPCountry": "DE"}).get_data(as_text=True)) == [
        "Cable"]
    assert "Power Bank" in card_titles(client.get("/collections/all").get_data(as_text=True))


def tax_note(html: str) -> str:
    return " ".join(re.search(r'<p class="tax-note">(.*?)</p>', html, re.S).group(1).split())


@pytest.mark.parametrize("country, price, tax, duties", [
    ("DE", "€19.04", "Includes VAT (19%).", "Import duties included"),
    ("US", "$20.00", "Taxes calculated at checkout.", "Import duties and taxes may be charged"),
    ("GB", "£16.32", "Includes VAT (", "Import duties included"),
    ("JP", "¥2,816", "Includes JCT (", "Import duties and taxes may be charged"),
])
def test_product_page_explains_taxes_and_duties_for_the_shoppers_country(client, db, markets, country, price, tax,
                                                                         duties):
    make_product(db.session, handle="lamp", variants=[{"price": 2000}])
    html = client.get("/products/lamp", headers={"CF-IPCountry": country}).get_data(as_text=True)
    assert product_page(html).price == price
    assert tax in tax_note(html)
    assert duties in tax_note(html)


@pytest.mark.parametrize("country, tax", [("GB", "Includes VAT (20%)."), ("JP", "Includes JCT (10%).")])
def test_round_vat_rates_are_shown_as_plain_numbers(client, db, markets, country, tax):
    make_product(db.session, handle="lamp", variants=[{"price": 2000}])
    html = client.get("/products/lamp", headers={"CF-IPCountry": country}).get_data(as_text=True)
    assert tax in tax_note(html)


def test_product_images_offer_webp_sizes_and_alt_text_in_the_shoppers_language(client, db, store):
    lamp = make_product(db.session, handle="lamp", title="Lamp", translations={"de": "Lampe"})
    image = make_image(db.session, lamp, key="products/lamp-abc", sizes=[360, 720], alt="Brass desk lamp",
                       alt_translations={"de": "Messing-Schreibtischlampe"})
    german = client.get("/de/products/lamp-de").get_data(as_text=True)
    english = client.get("/products/lamp").get_data(as_text=True)
    webp = re.search(r'<source type="image/webp" srcset="([^"]*)"', german).group(1)
    assert webp == "/media/products/lamp-abc-360.webp 360w, /media/products/lamp-abc-720.webp 720w"
    assert 'src="/media/products/lamp-abc-720.jpg"' in german
    assert f'width="{image.width}" height="{image.height}" alt="Messing-Schreibtischlampe"' in german
    assert 'alt="Brass desk lamp"' in english


def test_an_image_without_alt_text_is_described_by_the_product_title(client, db, store):
    lamp = make_product(db.session, handle="lamp", title="Lamp", translations={"de": "Lampe"})
    make_image(db.session, lamp, alt=None)
    assert 'alt="Lampe"' in client.get("/de/products/lamp-de").get_data(as_text=True)


def test_canonical_url_drops_currency_and_tracking_parameters(client, db, markets):
    make_product(db.session, handle="lamp", translations={"de": "Lampe"})
    html = client.get("/de/products/lamp-de?currency=GBP&utm_source=newsletter&utm_campaign=spring").get_data(
        as_text=True)
    assert '<link rel="canonical" href="http://localhost/de/products/lamp-de">' in html


def test_product_page_links_every_language_version_with_hreflang(client, db, store):
    make_product(db.session, handle="lamp")
    html = client.get("/ja/products/lamp?utm_source=x").get_data(as_text=True)
    links = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    assert links == {
        "en": "http://localhost/products/lamp", "de": "http://localhost/de/products/lamp",
        "fr": "http://localhost/fr/products/lamp", "es": "http://localhost/es/products/lamp",
        "ja": "http://localhost/ja/products/lamp", "zh-CN": "http://localhost/zh-CN/products/lamp",
        "x-default": "http://localhost/products/lamp",
    }


def test_hreflang_links_use_each_languages_own_handle(client, db, store):
    make_product(db.session, handle="lamp", translations={"de": "Lampe"})
    html = client.get("/products/lamp").get_data(as_text=True)
    assert '<link rel="alternate" hreflang="de" href="http://localhost/de/products/lamp-de">' in html


@pytest.mark.parametrize("path, target", [
    ("/de/products/lamp", "/de/products/lamp-de"),
    ("/products/lamp-de", "/products/lamp"),
    ("/de/products/lamp?variant=7&utm_source=x", "/de/products/lamp-de?variant=7&utm_source=x"),
])
def test_a_product_handle_from_another_language_redirects_to_this_languages_handle(client, db, store, path, target):
    make_product(db.session, handle="lamp", translations={"de": "Lampe"})
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == target


@pytest.mark.parametrize("prefix, text", [("", "Page not found"), ("/de", "Seite nicht gefunden")])
def test_an_unknown_or_draft_product_is_a_404(client, db, store, prefix, text):
    make_product(db.session, handle="draft", status=ProductStatus.DRAFT)
    for handle in ("nope", "draft"):
        response = client.get(f"{prefix}/products/{handle}")
        assert response.status_code == 404
        assert text in response.get_data(as_text=True)


# --- page cache -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/collections/all", "/products/lamp", "/de/products/lamp-de"])
def test_catalogue_pages_revalidate_with_etags(client, db, store, path):
    make_product(db.session, handle="lamp", translations={"de": "Lampe"})
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
    assert first.headers["ETag"]
    assert "Cookie" in first.headers["Vary"] and "CF-IPCountry" in first.headers["Vary"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_a_cached_page_is_never_served_in_another_currency(client, db, markets):
    make_product(db.session, handle="lamp", variants=[{"price": 2000}])
    euro = client.get("/products/lamp", headers={"CF-IPCountry": "DE"})
    pound = client.get("/products/lamp", headers={"CF-IPCountry": "GB"})
    euro_again = client.get("/products/lamp", headers={"CF-IPCountry": "DE"})
    assert "€19.04" in euro.get_data(as_text=True)
    assert "£16.32" in pound.get_data(as_text=True) and "€" not in product_page(pound.get_data(as_text=True)).price
    assert pound.headers["ETag"] != euro.headers["ETag"]
    assert euro_again.headers["X-Page-Cache"] == "hit"
    assert "€19.04" in euro_again.get_data(as_text=True)


def test_a_currency_cookie_gets_its_own_cached_page(client, db, markets):
    make_product(db.session, handle="lamp", variants=[{"price": 2000}])
    assert "€19.04" in client.get("/products/lamp", headers={"CF-IPCountry": "DE"}).get_data(as_text=True)
    client.get("/products/lamp?currency=GBP", headers={"CF-IPCountry": "DE"})
    html = client.get("/products/lamp", headers={"CF-IPCountry": "DE"}).get_data(as_text=True)
    assert product_page(html).price.startswith("£")


def test_a_forged_host_header_cannot_poison_the_cached_pages_links(client, db, store):
    make_product(db.session, handle="lamp")
    forged = client.get("/products/lamp", base_url="https://evil.example")
    assert '<link rel="canonical" href="https://evil.example/products/lamp">' in forged.get_data(as_text=True)
    html = client.get("/products/lamp").get_data(as_text=True)
    assert "evil.example" not in html
    assert '<link rel="canonical" href="http://localhost/products/lamp">' in html


def test_collection_canonical_keeps_the_page_but_not_sorting_or_filters(client, crowded):
    html = client.get("/de/collections/vases?page=2&sort_by=title-descending&filter.v.availability=1"
                      "&utm_source=mail").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/de/collections/vases?page=2">' in html
    assert '<link rel="alternate" hreflang="fr" href="http://localhost/fr/collections/vases?page=2">' in html
