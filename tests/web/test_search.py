"""The /search page and /search/suggest.json as shoppers use them."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from storefront.domain.search import service
from storefront.models import CollectionProduct, Product, SearchQueryStat
from tests.fixtures.factories import make_collection, make_image, make_option, make_page, make_product


@pytest.fixture
def shop(app, db, store):
    tee = make_product(db.session, title="Organic Cotton Crew Tee", vendor="Harbor & Loom", product_type="T-Shirts",
                       translations={"de": "Rundhals-T-Shirt aus Bio-Baumwolle", "fr": "T-shirt en coton bio"},
                       variants=[{"option1": "S", "price": 2490}, {"option1": "XL", "price": 2690}])
    make_option(db.session, tee, "Size", ["S", "XL"])
    make_image(db.session, tee)
    kids = make_product(db.session, title="Kids' Organic Cotton Tee", vendor="Harbor & Loom", product_type="T-Shirts",
                        stock=0)
    sock = make_product(db.session, title="Cotton Crew Socks", vendor="Northwake", product_type="Socks")
    charger = make_product(db.session, title="65W GaN Charger", vendor="Ampwell", product_type="Chargers",
                           translations={"de": "65-W-GaN-Ladegerät"})
    apparel = make_collection(db.session, [tee, kids, sock], title="Apparel", translations={"de": "Bekleidung"})
    make_collection(db.session, [tee], title="Basics")
    make_page(db.session, title="Shipping policy", handle="shipping")
    service.rebuild(db.session, app.config["CLIPPER"])
    return {"tee": tee, "kids": kids, "sock": sock, "charger": charger, "apparel": apparel}


def titles(html: str) -> list[str]:
    return [re.sub("<[^>]+>", "", t) for t in re.findall(r'product-card__title">(.*?)</h3>', html, re.S)]


def test_shopper_finds_products_with_the_words_highlighted(client, shop):
    response = client.get("/search?q=cotton")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert set(titles(html)) == {"Organic Cotton Crew Tee", "Kids' Organic Cotton Tee", "Cotton Crew Socks"}
    assert '<mark class="match term0">Cotton</mark>' in html
    assert 'name="robots" content="noindex, follow"' in html
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_german_shopper_searches_in_german(client, shop):
    html = client.get("/de/search?q=ladegerat").get_data(as_text=True)
    assert titles(html) == ["65-W-GaN-Ladegerät"]


def test_a_typo_still_finds_the_product_and_offers_the_right_spelling(client, shop):
    html = client.get("/search?q=chagrer").get_data(as_text=True)
    assert titles(html) == ["65W GaN Charger"]
    html = client.get("/search?q=cottn%20tee").get_data(as_text=True)
    assert "Did you mean" in html and "cotton tee" in html


def test_facet_counts_match_the_database(client, db, shop):
    html = client.get("/search?q=cotton").get_data(as_text=True)
    apparel_id = shop["apparel"].id
    in_apparel = db.session.scalar(select(func.count()).select_from(CollectionProduct)
                                   .where(CollectionProduct.collection_id == apparel_id))
    assert re.search(rf'name="filter.p.collection" value="{apparel_id}"[^>]*> Apparel <span class="facet__count">\({in_apparel}\)', html)
    harbor = db.session.scalar(select(func.count()).select_from(Product).where(Product.vendor == "Harbor & Loom"))
    assert re.search(rf'value="Harbor &amp; Loom"[^>]*> Harbor &amp; Loom <span class="facet__count">\({harbor}\)', html)
    assert "In stock only (2)" in html


def test_facets_filter_the_results_and_keep_the_query(client, shop):
    html = client.get("/search?q=cotton&filter.p.vendor=Northwake").get_data(as_text=True)
    assert titles(html) == ["Cotton Crew Socks"]
    assert 'name="q" value="cotton"' in html
    html = client.get("/search?q=cotton&filter.v.availability=1").get_data(as_text=True)
    assert "Kids' Organic Cotton Tee" not in titles(html)


def test_results_can_be_sorted_by_price(client, shop):
    html = client.get("/search?q=cotton&sort_by=price-descending").get_data(as_text=True)
    assert titles(html)[0] == "Organic Cotton Crew Tee"


@pytest.mark.parametrize("query", ['"unbalanced', "(((", "*" * 300, "a AND OR NOT", "%00nul", "title:x^9~",
                                   "<script>alert(1)</script>", "' OR 1=1 --", "😀", "\u202e"])
def test_hostile_queries_get_a_normal_page_with_everything_escaped(client, shop, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_an_absurdly_long_query_is_a_bad_request(client, shop):
    assert client.get("/search", query_string={"q": "x" * 5000}).status_code == 400
    assert client.get("/search/suggest.json", query_string={"q": "x" * 5000}).status_code == 400


def test_an_empty_query_shows_the_search_form(client, shop):
    response = client.get("/search?q=")
    assert response.status_code == 200 and 'name="q"' in response.get_data(as_text=True)


def test_searches_and_zero_results_are_counted_per_day(client, db, shop):
    client.get("/search?q=Cotton")
    client.get("/search?q=cotton")
    client.get("/search?q=unicorn")
    rows = {r.query: (r.count, r.zero_result_count) for r in db.session.scalars(select(SearchQueryStat))}
    assert rows == {"cotton": (2, 0), "unicorn": (1, 1)}


def test_suggestions_return_products_with_prices_collections_pages_and_popular_queries(client, db, shop):
    client.get("/search?q=cotton crew")
    data = client.get("/search/suggest.json?q=cot").json
    assert {p["title"] for p in data["products"]} >= {"Organic Cotton Crew Tee", "Cotton Crew Socks"}
    tee = next(p for p in data["products"] if p["title"] == "Organic Cotton Crew Tee")
    assert tee["price"] == "$24.90" and tee["url"].endswith("/products/" + shop["tee"].handle)
    assert tee["image"].endswith(".jpg")
    assert data["queries"] == ["cotton crew"]
    assert client.get("/search/suggest.json?q=ship").json["pages"] == [{"title": "Shipping policy",
                                                                         "url": "/pages/shipping"}]
    assert client.get("/search/suggest.json?q=app").json["collections"][0]["title"] == "Apparel"


def test_suggestions_need_two_characters(client, shop):
    assert client.get("/search/suggest.json?q=c").json["products"] == []


def test_suggestions_are_in_the_shoppers_language_and_currency(client, shop, markets):
    data = client.get("/de/search/suggest.json?q=baum", headers={"CF-IPCountry": "DE"}).json
    assert data["products"][0]["title"] == "Rundhals-T-Shirt aus Bio-Baumwolle"
    assert data["products"][0]["price"].endswith("€")
    assert data["products"][0]["url"].startswith("/de/products/")
