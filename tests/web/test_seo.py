"""What search engines and link previews see: sitemaps, robots.txt, JSON-LD, Open Graph tags and redirects."""
from __future__ import annotations

import html as html_lib
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser
from urllib.robotparser import RobotFileParser

import pytest
from sqlalchemy import select

from storefront.extensions import cache
from storefront.models import ProductStatus, Redirect
from storefront.settings import SUPPORTED_LOCALES
from storefront.web import seo
from tests.fixtures.factories import (
    make_collection,
    make_image,
    make_location,
    make_page,
    make_product,
    make_store,
)
from tests.web.test_query_counts import counted_statements

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml",
      "image": "http://www.google.com/schemas/sitemap-image/1.1"}
KINDS = ("products", "collections", "pages")
ROOT = "http://localhost"


def xml_of(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.data)


def sitemap_urls(client, path: str) -> dict[str, ET.Element]:
    """{loc: <url>} of one child sitemap."""
    root = xml_of(client.get(path))
    assert root.tag == f"{{{NS['sm']}}}urlset"
    return {url.findtext("sm:loc", namespaces=NS): url for url in root.findall("sm:url", NS)}


def alternates(url: ET.Element) -> dict[str, str]:
    return {link.get("hreflang"): link.get("href") for link in url.findall("xhtml:link", NS)
            if link.get("rel") == "alternate"}


def json_ld(html: str) -> list[dict]:
    return [json.loads(block) for block in
            re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]


def json_ld_of_type(html: str, kind: str) -> dict:
    found = [item for item in json_ld(html) if item["@type"] == kind]
    assert len(found) == 1, json_ld(html)
    return found[0]


def script_elements(html: str) -> list[tuple[str | None, str]]:
    """(type, text) of every <script> element, as an HTML parser splits the page."""
    found: list[tuple[str | None, str]] = []

    class Scripts(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "script":
                found.append((dict(attrs).get("type"), ""))

        def handle_data(self, data):
            if self.lasttag == "script" and found and self.cdata_elem:
                found[-1] = (found[-1][0], found[-1][1] + data)

    Scripts().feed(html)
    return found


def meta(html: str) -> dict[str, str]:
    """Open Graph and Twitter tags: {property or name: content} (the last one if repeated)."""
    return {key: html_lib.unescape(value) for key, value in
            re.findall(r'<meta (?:property|name)="((?:og|twitter):[^"]+)" content="([^"]*)">', html)}


# --- sitemaps ---------------------------------------------------------------------------------------------------


def test_sitemap_index_lists_products_collections_and_pages_sitemaps_for_every_language(client, store):
    response = client.get("/sitemap.xml")
    root = xml_of(response)

    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    locs = [loc.text for loc in root.findall("sm:sitemap/sm:loc", NS)]
    assert sorted(locs) == sorted(f"{ROOT}/sitemaps/{locale}/{kind}.xml"
                                  for locale in SUPPORTED_LOCALES for kind in KINDS)
    assert response.headers["Cache-Control"] == "public, max-age=3600"


def test_sitemap_index_leaves_out_languages_the_shop_does_not_offer(client, db):
    make_store(db.session, enabled_locales=["en", "de"])
    locs = [loc.text for loc in xml_of(client.get("/sitemap.xml")).findall("sm:sitemap/sm:loc", NS)]

    assert {loc.split("/")[4] for loc in locs} == {"en", "de"}
    assert client.get("/sitemaps/fr/products.xml").status_code == 404


def test_each_product_is_listed_in_each_language_with_that_languages_handle(client, db, store):
    make_product(db.session, handle="mug", title="Mug", translations={"de": "Becher", "zh-CN": "杯子"})

    english = sitemap_urls(client, "/sitemaps/en/products.xml")
    german = sitemap_urls(client, "/sitemaps/de/products.xml")
    japanese = sitemap_urls(client, "/sitemaps/ja/products.xml")

    assert list(english) == [f"{ROOT}/products/mug"]
    assert list(german) == [f"{ROOT}/de/products/mug-de"]
    assert list(japanese) == [f"{ROOT}/ja/products/mug"]  # no Japanese copy yet: the default handle
    assert alternates(german[f"{ROOT}/de/products/mug-de"]) == {
        "en": f"{ROOT}/products/mug", "de": f"{ROOT}/de/products/mug-de", "fr": f"{ROOT}/fr/products/mug",
        "es": f"{ROOT}/es/products/mug", "ja": f"{ROOT}/ja/products/mug",
        "zh-CN": f"{ROOT}/zh-CN/products/mug-zh-cn", "x-default": f"{ROOT}/products/mug",
    }


@pytest.mark.parametrize("kind, page_path, sitemap_loc", [
    ("products", "/de/products/mug-de", f"{ROOT}/de/products/mug-de"),
    ("collections", "/de/collections/cups-de", f"{ROOT}/de/collections/cups-de"),
])
def test_a_page_and_the_sitemap_name_the_same_address_for_every_language(client, db, store, kind, page_path,
                                                                        sitemap_loc):
    mug = make_product(db.session, handle="mug", translations={"de": "Becher"})
    make_collection(db.session, [mug], handle="cups", translations={"de": "Tassen"})

    page = client.get(page_path).get_data(as_text=True)
    on_page = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page))
    in_sitemap = alternates(sitemap_urls(client, f"/sitemaps/de/{kind}.xml")[sitemap_loc])

    assert on_page == in_sitemap
    assert on_page["fr"] == f"{ROOT}/fr/{kind}/{'mug' if kind == 'products' else 'cups'}"


def test_product_sitemap_gives_the_last_change_as_a_w3c_datetime(client, db, store):
    product = make_product(db.session, handle="mug")

    url = sitemap_urls(client, "/sitemaps/en/products.xml")[f"{ROOT}/products/mug"]
    lastmod = url.findtext("sm:lastmod", namespaces=NS)

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", lastmod)
    assert datetime.fromisoformat(lastmod) == product.updated_at.replace(microsecond=0)


def test_product_sitemap_lists_each_products_pictures_at_full_size(client, db, store):
    product = make_product(db.session, handle="mug")
    make_image(db.session, product, key="products/mug-front", sizes=[360, 720, 1080])
    make_image(db.session, product, key="products/mug-side", sizes=[360, 720])
    make_product(db.session, handle="bare")

    urls = sitemap_urls(client, "/sitemaps/de/products.xml")
    pictures = {loc: [i.text for i in url.findall("image:image/image:loc", NS)] for loc, url in urls.items()}

    assert pictures == {
        f"{ROOT}/de/products/mug": [f"{ROOT}/media/products/mug-front-1080.jpg",
                                    f"{ROOT}/media/products/mug-side-720.jpg"],
        f"{ROOT}/de/products/bare": [],
    }


def test_drafts_archived_and_unpublished_products_are_not_in_the_sitemap(client, db, store):
    make_product(db.session, handle="on-sale")
    make_product(db.session, handle="draft", status=ProductStatus.DRAFT)
    make_product(db.session, handle="archived", status=ProductStatus.ARCHIVED)
    make_product(db.session, handle="unpublished", published_at=None)

    assert list(sitemap_urls(client, "/sitemaps/en/products.xml")) == [f"{ROOT}/products/on-sale"]


def test_collection_sitemap_lists_all_products_and_published_collections(client, db, store):
    make_collection(db.session, handle="summer", translations={"de": "Sommer"})
    make_collection(db.session, handle="hidden", published=False)

    german = sitemap_urls(client, "/sitemaps/de/collections.xml")

    assert list(german) == [f"{ROOT}/de/collections/all", f"{ROOT}/de/collections/summer-de"]
    assert alternates(german[f"{ROOT}/de/collections/summer-de"])["x-default"] == f"{ROOT}/collections/summer"


def test_page_sitemap_lists_published_pages_but_not_noindex_or_hidden_ones(client, db, store):
    make_page(db.session, handle="about", translations={"de": ("Über uns", "ueber-uns")})
    make_page(db.session, handle="thanks", noindex=True)
    make_page(db.session, handle="draft-page", published=False)

    assert list(sitemap_urls(client, "/sitemaps/de/pages.xml")) == [f"{ROOT}/de/pages/ueber-uns"]
    assert list(sitemap_urls(client, "/sitemaps/en/pages.xml")) == [f"{ROOT}/pages/about"]


@pytest.mark.parametrize("path", [
    "/sitemaps/xx/products.xml", "/sitemaps/en/orders.xml", "/sitemaps/en/products.xml?page=2",
    "/sitemaps/en/products.xml?page=zero", "/sitemaps/en/products.xml?page=0", "/de/sitemap.xml",
])
def test_unknown_sitemaps_are_not_found(client, db, store, path):
    make_product(db.session)  # one product: page 1 exists, page 2 does not
    assert client.get(path).status_code == 404


def test_large_catalogues_are_split_into_several_product_sitemaps(client, db, store, monkeypatch):
    monkeypatch.setattr(seo, "PRODUCTS_PER_SITEMAP", 2)
    location = make_location(db.session)
    for n in range(5):
        make_product(db.session, handle=f"p{n}", location=location)

    index = [loc.text for loc in xml_of(client.get("/sitemap.xml")).findall("sm:sitemap/sm:loc", NS)]
    pages = [list(sitemap_urls(client, f"/sitemaps/en/products.xml{query}")) for query in ("", "?page=2", "?page=3")]

    assert [loc for loc in index if "/en/products" in loc] == [
        f"{ROOT}/sitemaps/en/products.xml", f"{ROOT}/sitemaps/en/products.xml?page=2",
        f"{ROOT}/sitemaps/en/products.xml?page=3"]
    assert pages == [[f"{ROOT}/products/p0", f"{ROOT}/products/p1"], [f"{ROOT}/products/p2", f"{ROOT}/products/p3"],
                     [f"{ROOT}/products/p4"]]
    assert client.get("/sitemaps/en/products.xml?page=4").status_code == 404


def test_product_sitemap_queries_do_not_grow_with_the_catalogue(client, db, store):
    location = make_location(db.session)

    def statements() -> int:
        cache.clear()
        with counted_statements(db.engine) as seen:
            assert client.get("/sitemaps/de/products.xml").status_code == 200
        return len(seen)

    for n in range(2):
        make_image(db.session, make_product(db.session, translations={"de": f"Produkt {n}"}, location=location))
    few = statements()
    for n in range(30):
        make_image(db.session, make_product(db.session, translations={"de": f"Mehr {n}"}, location=location))

    assert statements() == few


def test_sitemap_text_is_escaped_xml(client, db, store):
    make_product(db.session, handle="a&b<c>")

    assert list(sitemap_urls(client, "/sitemaps/en/products.xml")) == [f"{ROOT}/products/a&b<c>"]


# --- robots.txt -------------------------------------------------------------------------------------------------


def test_robots_txt_keeps_crawlers_out_of_carts_checkout_orders_admin_and_search(client, db):
    make_store(db.session, enabled_locales=["en", "de"])
    response = client.get("/robots.txt")
    text = response.get_data(as_text=True)
    robots = RobotFileParser()
    robots.parse(text.splitlines())

    assert response.mimetype == "text/plain"
    assert text.startswith("User-agent: *\n")
    for path in ("/cart", "/cart.js", "/checkout", "/orders/abc123", "/admin/products", "/de/cart", "/de/orders/x"):
        assert not robots.can_fetch("*", f"{ROOT}{path}"), path
    for path in ("/", "/products/cart-organiser", "/de/products/mug", "/collections/all"):
        assert robots.can_fetch("*", f"{ROOT}{path}"), path
    assert "Disallow: /search?" in text.splitlines()
    assert "Disallow: /de/search?" in text.splitlines()
    assert "Disallow: /fr/cart" not in text  # French is not offered
    assert f"Sitemap: {ROOT}/sitemap.xml" in text.splitlines()


def test_robots_txt_is_only_at_the_root(client, store):
    assert client.get("/de/robots.txt").status_code == 404


def test_robots_txt_names_the_public_address_behind_a_proxy(app_config, db, store):
    from storefront import create_app

    app = create_app({**app_config, "public_url": "https://shop.example"})
    text = app.test_client().get("/robots.txt").get_data(as_text=True)

    assert "Sitemap: https://shop.example/sitemap.xml" in text.splitlines()


# --- JSON-LD ----------------------------------------------------------------------------------------------------


@pytest.fixture
def kettle(db, markets):
    """$30.41 → 24,33 € + 19 % VAT = 28,95 € for a shopper in Germany; one variant sold out."""
    product = make_product(db.session, handle="kettle", title="Kettle", translations={"de": "Wasserkocher"},
                           vendor="Brewer & Sons", description_html="<p>Boils <strong>fast</strong>.</p><p>1.7 l</p>",
                           variants=[{"price": 3041, "sku": "KET-1", "barcode": "4006381333931", "option1": "Steel"},
                                     {"price": 3041, "sku": "KET-2", "barcode": "012345678905", "option1": "Black",
                                      "stock": 0}])
    product.translations[0].description_html = "<p>Kocht <em>schnell</em>.</p>"
    make_image(db.session, product, key="products/kettle", sizes=[360, 1080])
    db.session.flush()
    return product


def test_german_shopper_sees_product_structured_data_in_euros_with_vat(client, kettle):
    html = client.get("/de/products/kettle-de", headers={"CF-IPCountry": "DE"}).get_data(as_text=True)
    product = json_ld_of_type(html, "Product")
    steel, black = kettle.variants

    assert product["@context"] == "https://schema.org"
    assert product["name"] == "Wasserkocher"
    assert product["description"] == "Kocht schnell."
    assert product["url"] == f"{ROOT}/de/products/kettle-de"
    assert product["image"] == [f"{ROOT}/media/products/kettle-1080.jpg"]
    assert product["brand"] == {"@type": "Brand", "name": "Brewer & Sons"}
    assert product["sku"] == "KET-1"
    assert product["gtin13"] == "4006381333931"
    assert product["offers"] == [
        {"@type": "Offer", "url": f"{ROOT}/de/products/kettle-de?variant={steel.id}", "price": "28.95",
         "priceCurrency": "EUR", "availability": "https://schema.org/InStock", "sku": "KET-1",
         "gtin13": "4006381333931"},
        {"@type": "Offer", "url": f"{ROOT}/de/products/kettle-de?variant={black.id}", "price": "28.95",
         "priceCurrency": "EUR", "availability": "https://schema.org/OutOfStock", "sku": "KET-2"},
    ]


def test_us_shopper_sees_the_dollar_price_in_structured_data(client, kettle):
    html = client.get("/products/kettle", headers={"CF-IPCountry": "US"}).get_data(as_text=True)
    offers = json_ld_of_type(html, "Product")["offers"]

    assert [(o["price"], o["priceCurrency"]) for o in offers] == [("30.41", "USD"), ("30.41", "USD")]


def test_a_barcode_that_is_not_13_digits_is_not_claimed_as_gtin13(client, kettle):
    black = kettle.variants[1]
    html = client.get(f"/products/kettle?variant={black.id}").get_data(as_text=True)
    product = json_ld_of_type(html, "Product")

    assert product["sku"] == "KET-2"
    assert "gtin13" not in product


def test_product_breadcrumbs_go_home_then_its_collection_then_the_product(client, db, kettle):
    make_collection(db.session, [kettle], handle="kitchen", title="Kitchen", translations={"de": "Küche"})

    html = client.get("/de/products/kettle-de").get_data(as_text=True)
    crumbs = json_ld_of_type(html, "BreadcrumbList")["itemListElement"]

    assert [(c["position"], c["name"], c["item"]) for c in crumbs] == [
        (1, "Startseite", f"{ROOT}/de/"),
        (2, "Küche", f"{ROOT}/de/collections/kitchen-de"),
        (3, "Wasserkocher", f"{ROOT}/de/products/kettle-de"),
    ]


def test_a_product_in_no_collection_has_all_products_as_its_breadcrumb(client, kettle):
    html = client.get("/products/kettle").get_data(as_text=True)
    crumbs = json_ld_of_type(html, "BreadcrumbList")["itemListElement"]

    assert [c["name"] for c in crumbs] == ["Home", "All products", "Kettle"]
    assert crumbs[1]["item"] == f"{ROOT}/collections/all"


def test_a_hostile_product_title_cannot_break_out_of_the_structured_data(client, db, store):
    hostile = '</script><script>alert("x")</script><!--'
    make_product(db.session, handle="hostile", title=hostile)

    html = client.get("/products/hostile").get_data(as_text=True)

    scripts = script_elements(html)

    assert 'alert("x")' not in [text for _, text in scripts]
    assert [json.loads(text)["@type"] for kind, text in scripts if kind == "application/ld+json"] == [
        "Product", "BreadcrumbList"]
    assert json_ld_of_type(html, "Product")["name"] == hostile


def test_collection_page_has_breadcrumbs(client, db, store):
    make_collection(db.session, handle="summer", title="Summer", translations={"de": "Sommer"})

    german = json_ld_of_type(client.get("/de/collections/summer-de").get_data(as_text=True), "BreadcrumbList")
    everything = json_ld_of_type(client.get("/collections/all").get_data(as_text=True), "BreadcrumbList")

    assert [(c["name"], c["item"]) for c in german["itemListElement"]] == [
        ("Startseite", f"{ROOT}/de/"), ("Sommer", f"{ROOT}/de/collections/summer-de")]
    assert [c["name"] for c in everything["itemListElement"]] == ["Home", "All products"]


def test_home_page_describes_the_shop_and_its_search_box(client, db):
    make_store(db.session, name="Harbour Goods", contact_email="help@harbour.example",
               theme_settings={"logo": "brand/logo.png"})
    html = client.get("/de/").get_data(as_text=True)
    organization = json_ld_of_type(html, "Organization")
    website = json_ld_of_type(html, "WebSite")

    assert organization["name"] == "Harbour Goods"
    assert organization["url"] == f"{ROOT}/"
    assert organization["logo"] == f"{ROOT}/media/brand/logo.png"
    assert organization["contactPoint"] == {"@type": "ContactPoint", "contactType": "customer service",
                                            "email": "help@harbour.example"}
    assert website["url"] == f"{ROOT}/de/"
    assert website["potentialAction"] == {
        "@type": "SearchAction", "target": f"{ROOT}/de/search?q={{search_term_string}}",
        "query-input": "required name=search_term_string"}


def test_home_page_without_logo_or_email_leaves_them_out(client, store):
    organization = json_ld_of_type(client.get("/").get_data(as_text=True), "Organization")

    assert "logo" not in organization and "contactPoint" not in organization


def test_product_pages_only_carry_their_own_structured_data(client, kettle):
    kinds = [item["@type"] for item in json_ld(client.get("/products/kettle").get_data(as_text=True))]

    assert kinds == ["Product", "BreadcrumbList"]


# --- Open Graph and Twitter cards -------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix, handle, og_locale", [
    ("", "kettle", "en_US"), ("/de", "kettle-de", "de_DE"), ("/ja", "kettle", "ja_JP"), ("/zh-CN", "kettle", "zh_CN"),
])
def test_product_link_previews_show_title_picture_and_page_in_the_shoppers_language(client, kettle, prefix, handle,
                                                                                   og_locale):
    html = client.get(f"{prefix}/products/{handle}").get_data(as_text=True)
    tags = meta(html)

    assert tags["og:type"] == "product"
    assert tags["og:site_name"] == "Test Shop"
    assert tags["og:url"] == f"{ROOT}{prefix}/products/{handle}"
    assert f'<link rel="canonical" href="{tags["og:url"]}">' in html
    assert tags["og:image"] == f"{ROOT}/media/products/kettle-1080.jpg"
    assert tags["og:locale"] == og_locale
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["twitter:image"] == tags["og:image"]
    assert html.count('property="og:title"') == 1
    assert html.count('property="og:image"') == 1


def test_link_previews_use_the_seo_title_and_description_when_set(client, db, store):
    make_product(db.session, handle="lamp", title="Lamp", seo_title="Brass Desk Lamp – hand made",
                 seo_description="A lamp for late nights.")
    tags = meta(client.get("/products/lamp").get_data(as_text=True))

    assert tags["og:title"] == tags["twitter:title"] == "Brass Desk Lamp – hand made"
    assert tags["og:description"] == tags["twitter:description"] == "A lamp for late nights."


def test_without_seo_description_previews_show_the_start_of_the_description(client, db, store):
    words = " ".join(f"word{n}" for n in range(60))
    make_product(db.session, handle="lamp", title="Lamp", description_html=f"<p><strong>Bright</strong> {words}</p>")
    html = client.get("/products/lamp").get_data(as_text=True)
    description = meta(html)["og:description"]

    assert meta(html)["og:title"] == "Lamp"
    assert description.startswith("Bright word0 word1")
    assert description.endswith("…") and len(description) <= 155
    assert f'<meta name="description" content="{description}">' in html


def test_without_any_description_previews_show_the_store_name(client, db, store):
    make_product(db.session, handle="lamp", title="Lamp", description_html="")

    assert meta(client.get("/products/lamp").get_data(as_text=True))["og:description"] == "Test Shop"


@pytest.mark.parametrize("path, title", [("/", "Test Shop"), ("/collections/summer", "Summer"),
                                         ("/pages/about", "About us")])
def test_other_pages_are_previewed_as_websites(client, db, store, path, title):
    make_collection(db.session, handle="summer", title="Summer", description_html="<p>Sun hats</p>")
    make_page(db.session, handle="about", title="About us", body_html="<p>We ship from <b>Lisbon</b>.</p>")
    tags = meta(client.get(path).get_data(as_text=True))

    assert tags["og:type"] == "website"
    assert tags["og:title"] == title
    assert tags["og:description"] != ""
    assert tags["og:url"] == f"{ROOT}{path}"


def test_page_preview_describes_the_page_body(client, db, store):
    make_page(db.session, handle="about", title="About us", body_html="<p>We ship from <b>Lisbon</b>.</p>")

    assert meta(client.get("/pages/about").get_data(as_text=True))["og:description"] == "We ship from Lisbon."


def test_search_results_stay_out_of_search_engines(client, store):
    html = client.get("/search?q=mug").get_data(as_text=True)

    assert '<meta name="robots" content="noindex, follow">' in html


# --- redirects --------------------------------------------------------------------------------------------------


def add_redirect(db, path: str, target: str, **overrides) -> Redirect:
    redirect = Redirect(path=path, target=target, **overrides)
    db.session.add(redirect)
    db.session.flush()
    return redirect


def hits(db, redirect: Redirect) -> int:
    db.session.expire(redirect)
    return redirect.hits


def test_an_old_address_is_redirected_permanently_and_the_visit_counted(client, db, store):
    make_product(db.session, handle="mug")
    redirect = add_redirect(db, "/old-shop/mug.html", "/products/mug")

    response = client.get("/old-shop/mug.html?utm_source=news&ref=1")

    assert response.status_code == 301
    assert response.headers["Location"] == "/products/mug?utm_source=news&ref=1"
    assert hits(db, redirect) == 1
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_redirect_keeps_its_own_status_and_query(client, db, store):
    add_redirect(db, "/de/sale", "/de/collections/all?sort_by=price-ascending", status_code=302)

    response = client.get("/de/sale?page=2")

    assert response.status_code == 302
    assert response.headers["Location"] == "/de/collections/all?sort_by=price-ascending&page=2"


def test_a_redirect_is_matched_with_its_language_prefix(client, db, store):
    add_redirect(db, "/de/alt", "/de/pages/neu")

    assert client.get("/alt").status_code == 404
    assert client.get("/de/alt").headers["Location"] == "/de/pages/neu"


def test_a_redirect_may_send_shoppers_to_another_site(client, db, store):
    add_redirect(db, "/blog", "https://blog.example/")

    assert client.get("/blog").headers["Location"] == "https://blog.example/"


@pytest.mark.parametrize("target", ["//evil.example/x", "javascript:alert(1)", "/\t/evil.example", "ftp://x.example/"])
def test_an_unsafe_redirect_target_is_not_followed(client, db, store, target):
    redirect = add_redirect(db, "/bad", target)

    assert client.get("/bad").status_code == 404
    assert hits(db, redirect) == 0


def test_a_live_page_wins_over_a_redirect_from_its_address(client, db, store):
    make_product(db.session, handle="mug")
    redirect = add_redirect(db, "/products/mug", "/collections/all")

    assert client.get("/products/mug").status_code == 200
    assert hits(db, redirect) == 0


def test_only_page_views_are_redirected(client, db, store):
    add_redirect(db, "/old-form", "/pages/contact")

    assert client.post("/old-form").status_code in (404, 405)


def test_renaming_a_product_keeps_its_old_address_working(client, db, store):
    product = make_product(db.session, handle="old-mug", translations={"de": "Becher"})

    product.handle = "new-mug"
    db.session.flush()
    old = client.get("/products/old-mug?variant=1")
    untranslated = client.get("/ja/products/old-mug")

    assert old.status_code == 301
    assert old.headers["Location"] == "/products/new-mug?variant=1"
    assert untranslated.headers["Location"] == "/ja/products/new-mug"
    assert client.get("/de/products/old-mug-de").status_code == 200  # the German handle did not change
    assert client.get(old.headers["Location"]).status_code == 200


def test_renaming_a_translated_handle_redirects_that_language_only(client, db, store):
    product = make_product(db.session, handle="mug", translations={"de": "Becher"})

    product.translations[0].handle = "kaffeebecher"
    db.session.flush()
    response = client.get("/de/products/mug-de")

    assert response.status_code == 301
    assert response.headers["Location"] == "/de/products/kaffeebecher"
    assert client.get("/de/products/kaffeebecher").status_code == 200
    assert db.session.scalars(select(Redirect.path)).all() == ["/de/products/mug-de"]


def test_renaming_a_collection_keeps_its_old_address_working(client, db, store):
    collection = make_collection(db.session, handle="summer-2025")

    collection.handle = "summer"
    db.session.flush()
    response = client.get("/collections/summer-2025")

    assert response.status_code == 301
    assert response.headers["Location"] == "/collections/summer"


def test_renaming_twice_sends_the_first_address_straight_to_the_last(client, db, store):
    product = make_product(db.session, handle="a", translations={})
    for handle in ("b", "c"):
        product.handle = handle
        db.session.flush()

    first = client.get("/products/a")

    assert first.headers["Location"] == "/products/c"
    assert client.get("/products/b").headers["Location"] == "/products/c"


def test_renaming_back_does_not_redirect_the_live_address(client, db, store):
    product = make_product(db.session, handle="a")
    for handle in ("b", "a"):
        product.handle = handle
        db.session.flush()

    assert client.get("/products/a").status_code == 200
    assert client.get("/products/b").headers["Location"] == "/products/a"
    assert db.session.scalar(select(Redirect).where(Redirect.path == "/products/a")) is None
