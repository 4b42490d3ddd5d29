"""Product feeds for Google Merchant Center and Meta: one per market and language, priced as the shop prices."""
from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest
from sqlalchemy import event

from storefront.domain import jobs
from storefront.domain.marketing import feeds
from storefront.models import AuditLog, InventoryPolicy, ProductStatus, StoreSettings
from tests.fixtures.factories import (
    make_image,
    make_market,
    make_option,
    make_product,
    make_shipping_zone,
    restrict_product,
)

G = "{http://base.google.com/ns/1.0}"
ROOT = "https://shop.example"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
GOOGLE_REQUIRED = ("g:id", "g:item_group_id", "title", "description", "link", "g:image_link", "g:availability",
                   "g:price", "g:brand", "g:condition")
META_REQUIRED = ("g:id", "g:item_group_id", "g:title", "g:description", "g:link", "g:image_link", "g:availability",
                 "g:price", "g:brand", "g:condition")


@pytest.fixture(autouse=True)
def no_feed_files(app):
    """Feed files live in the instance folder every test shares: start and end without any."""
    with app.app_context():
        folder = feeds.feeds_folder()
    shutil.rmtree(folder, ignore_errors=True)
    yield
    shutil.rmtree(folder, ignore_errors=True)


def tag(name: str) -> str:
    return name.replace("g:", G)


def parse(body: bytes) -> list[ET.Element]:
    root = ET.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.findall("./channel/item")


def field(item: ET.Element, name: str) -> str | None:
    found = item.find(tag(name))
    return found.text if found is not None else None


def by_id(items: list[ET.Element]) -> dict[str, ET.Element]:
    return {field(item, "g:id"): item for item in items}


def google(db, market, locale: str) -> list[ET.Element]:
    return parse(feeds.build_google_feed(db.session, market, locale, root=ROOT, now=NOW))


def meta(db, market, locale: str) -> list[ET.Element]:
    return parse(feeds.build_meta_feed(db.session, market, locale, root=ROOT, now=NOW))


def pictured(session, **overrides):
    """A $20.00 product with one picture (feeds leave out what has none)."""
    product = make_product(session, **overrides)
    make_image(session, product)
    return product


# -- prices per market -----------------------------------------------------------------------------------------
def test_each_market_feed_is_priced_in_its_currency_as_the_shop_shows_it(db, markets):
    product = pictured(db.session, variants=[{"price": 2000}], translations={"de": "Becher", "ja": "マグカップ"})
    key = f"clipper_{product.variants[0].id}"
    # $20.00 = 16 € + 19 % German VAT; 16 € × 160 = ¥2,560 + 10 % JCT; the US shows prices before tax.
    assert field(by_id(google(db, markets["EU"], "de"))[key], "g:price") == "19.04 EUR"
    assert field(by_id(google(db, markets["JP"], "ja"))[key], "g:price") == "2816 JPY"
    assert field(by_id(google(db, markets["US"], "en"))[key], "g:price") == "20.00 USD"
    assert field(by_id(meta(db, markets["EU"], "fr"))[key], "g:price") == "19.20 EUR"  # French VAT is 20 %


def test_a_fixed_market_price_wins_over_conversion(db, markets):
    from storefront.models import VariantMarketPrice

    product = pictured(db.session, variants=[{"price": 2000}])
    db.session.add(VariantMarketPrice(variant_id=product.variants[0].id, market_id=markets["JP"].id, currency="JPY",
                                      price=2980))
    db.session.flush()
    assert field(google(db, markets["JP"], "ja")[0], "g:price") == "2980 JPY"


def test_compare_at_price_becomes_the_price_and_the_price_the_sale_price(db, markets):
    pictured(db.session, variants=[{"price": 2000, "compare_at_price": 2500}])
    item = google(db, markets["US"], "en")[0]
    assert field(item, "g:price") == "25.00 USD"
    assert field(item, "g:sale_price") == "20.00 USD"
    meta_item = meta(db, markets["EU"], "de")[0]
    assert field(meta_item, "g:price") == "23.80 EUR" and field(meta_item, "g:sale_price") == "19.04 EUR"


def test_without_compare_at_price_there_is_no_sale_price(db, markets):
    pictured(db.session, variants=[{"price": 2000, "compare_at_price": 1500}])  # lower "was" price: not a sale
    item = google(db, markets["US"], "en")[0]
    assert field(item, "g:price") == "20.00 USD" and field(item, "g:sale_price") is None


def test_a_variant_without_a_price_or_a_product_without_a_picture_is_left_out(db, markets):
    free = pictured(db.session, variants=[{"price": 0}, {"price": 1500}])
    make_product(db.session)  # no picture
    items = google(db, markets["US"], "en")
    assert [field(i, "g:id") for i in items] == [f"clipper_{free.variants[1].id}"]


# -- what is listed --------------------------------------------------------------------------------------------
def test_drafts_archived_and_unpublished_products_are_not_listed(db, markets):
    shown = pictured(db.session, title="On sale")
    pictured(db.session, title="Draft", status=ProductStatus.DRAFT)
    pictured(db.session, title="Archived", status=ProductStatus.ARCHIVED)
    pictured(db.session, title="Not published", published_at=None)
    titles = [field(item, "title") for item in google(db, markets["US"], "en")]
    assert titles == [shown.title]


def test_a_product_restricted_in_a_market_is_absent_from_that_markets_feeds_only(db, markets):
    battery = pictured(db.session, title="Power bank")
    restrict_product(db.session, battery, markets["EU"])
    assert google(db, markets["EU"], "de") == [] and meta(db, markets["EU"], "de") == []
    assert [field(i, "title") for i in google(db, markets["US"], "en")] == ["Power bank"]


def test_one_item_per_variant_grouped_by_product_with_size_and_colour(db, markets):
    product = pictured(db.session, translations={"de": "T-Shirt"},
                       variants=[{"option1": "M", "option2": "Blue"}, {"option1": "L", "option2": "Blue"}])
    size = make_option(db.session, product, "Size", ["M", "L"], position=1)
    colour = make_option(db.session, product, "Color", ["Blue"], position=2)
    size.name_translations = {"de": "Größe"}
    colour.values[0].translations = {"de": "Blau"}
    db.session.flush()
    items = google(db, markets["EU"], "de")
    assert [field(i, "title") for i in items] == ["T-Shirt – M / Blau", "T-Shirt – L / Blau"]
    assert {field(i, "g:item_group_id") for i in items} == {f"clipper_{product.id}"}
    assert [(field(i, "g:size"), field(i, "g:color")) for i in items] == [("M", "Blau"), ("L", "Blau")]


def test_options_that_are_not_size_or_colour_give_neither(db, markets):
    product = pictured(db.session, variants=[{"option1": "Cotton"}])
    make_option(db.session, product, "Material", ["Cotton"])
    item = google(db, markets["US"], "en")[0]
    assert field(item, "g:size") is None and field(item, "g:color") is None


def test_every_item_has_the_fields_google_and_meta_require(db, markets):
    for n in range(3):
        pictured(db.session, variants=[{"price": 1000 + n}, {"price": 2000 + n}])
    for market, locale in [("US", "en"), ("EU", "de"), ("JP", "ja")]:
        for item in google(db, markets[market], locale):
            assert all(field(item, name) for name in GOOGLE_REQUIRED), ET.tostring(item)
            assert field(item, "g:gtin") or field(item, "g:mpn") or field(item, "g:identifier_exists") == "no"
        for item in meta(db, markets[market], locale):
            assert all(field(item, name) for name in META_REQUIRED), ET.tostring(item)


# -- text, links, pictures -------------------------------------------------------------------------------------
def test_ampersands_and_angle_brackets_in_titles_are_escaped(db, markets):
    pictured(db.session, title="Salt & Pepper <Deluxe>", description_html="<p>Fish &amp; chips</p>")
    body = feeds.build_google_feed(db.session, markets["US"], "en", root=ROOT, now=NOW)
    assert b"Salt &amp; Pepper &lt;Deluxe&gt;" in body
    item = parse(body)[0]
    assert field(item, "title") == "Salt & Pepper <Deluxe>"
    assert field(item, "description") == "Fish & chips"


def test_japanese_and_chinese_titles_come_through_intact(db, markets):
    pictured(db.session, translations={"ja": "南部鉄器の急須", "zh-CN": "铸铁茶壶"})
    assert field(google(db, markets["JP"], "ja")[0], "title") == "南部鉄器の急須"
    body = feeds.build_meta_feed(db.session, markets["JP"], "ja", root=ROOT, now=NOW)
    assert "南部鉄器の急須".encode() in body  # as UTF-8, not character references
    assert field(parse(body)[0], "g:title") == "南部鉄器の急須"


def test_characters_xml_cannot_hold_are_dropped_not_breaking_the_file(db, markets):
    pictured(db.session, title="Bad\x0bpaste\x1f")
    assert field(google(db, markets["US"], "en")[0], "title") == "Badpaste"


def test_description_is_plain_text_capped_at_5000_characters(db, markets):
    pictured(db.session, description_html="<p>" + "word " * 2000 + "</p>")
    description = field(google(db, markets["US"], "en")[0], "description")
    assert len(description) <= 5000 and "<" not in description and description.endswith("…")


def test_the_link_lands_on_the_product_in_the_feed_language_market_and_currency(db, markets):
    product = pictured(db.session, handle="mug", translations={"de": "Becher"})
    variant = product.variants[0]
    assert field(google(db, markets["EU"], "de")[0], "link") == \
        f"{ROOT}/de/products/mug-de?variant={variant.id}&country=DE&currency=EUR"
    assert field(google(db, markets["US"], "en")[0], "link") == \
        f"{ROOT}/products/mug?variant={variant.id}&country=US&currency=USD"
    assert field(meta(db, markets["EU"], "en")[0], "g:link").endswith("country=DE&currency=EUR")


def test_pictures_are_absolute_jpeg_urls_variant_picture_first(db, markets):
    product = make_product(db.session)
    first = make_image(db.session, product, key="products/mug-a")
    second = make_image(db.session, product, key="products/mug-b", sizes=[360, 720])
    product.variants[0].image_id = second.id
    db.session.flush()
    item = google(db, markets["US"], "en")[0]
    assert field(item, "g:image_link") == f"{ROOT}/media/products/mug-b-720.jpg"
    assert [e.text for e in item.findall(tag("g:additional_image_link"))] == [f"{ROOT}/media/{first.key}-1080.jpg"]


def test_at_most_ten_additional_pictures(db, markets):
    product = make_product(db.session)
    for _ in range(13):
        make_image(db.session, product)
    assert len(google(db, markets["US"], "en")[0].findall(tag("g:additional_image_link"))) == 10


# -- availability and identifiers ------------------------------------------------------------------------------
def test_availability_follows_stock(db, markets):
    product = pictured(db.session, variants=[
        {"stock": 5}, {"stock": 0}, {"stock": 0, "inventory_policy": InventoryPolicy.CONTINUE},
        {"stock": 0, "track_inventory": False},
    ])
    google_items = by_id(google(db, markets["US"], "en"))
    meta_items = by_id(meta(db, markets["US"], "en"))
    ids = [f"clipper_{v.id}" for v in product.variants]
    assert [field(google_items[i], "g:availability") for i in ids] == \
        ["in_stock", "out_of_stock", "backorder", "in_stock"]
    assert [field(meta_items[i], "g:availability") for i in ids] == \
        ["in stock", "out of stock", "available for order", "in stock"]
    assert field(google_items[ids[2]], "g:availability_date") == "2026-03-15T12:00Z"
    assert field(google_items[ids[0]], "g:availability_date") is None


def test_a_valid_barcode_is_the_gtin_otherwise_the_sku_is_the_mpn(db, markets):
    product = pictured(db.session, variants=[
        {"barcode": "4006381333931", "sku": "MUG-1"},  # a valid EAN-13
        {"barcode": "4006381333932", "sku": "MUG-2"},  # wrong check digit
        {"barcode": "036000291452", "sku": "MUG-3"},  # a valid UPC-A
        {"barcode": None, "sku": None},
    ])
    items = by_id(google(db, markets["US"], "en"))
    found = [(field(items[f"clipper_{v.id}"], "g:gtin"), field(items[f"clipper_{v.id}"], "g:mpn"),
              field(items[f"clipper_{v.id}"], "g:identifier_exists")) for v in product.variants]
    assert found == [("4006381333931", None, None), (None, "MUG-2", None), ("036000291452", None, None),
                     (None, None, "no")]


@pytest.mark.parametrize("code, valid", [
    ("96385074", True), ("96385075", False), ("10012345678902", True), ("4006381333931", True),
    ("400638133393", False), ("ABCDEFGHIJKLM", False), ("", False), (None, False), ("４００６３８１３３３９３１", False),
    # Right check digit, but numbers for in-store use and coupons, which Google refuses:
    ("2011179612855", False), ("412345678903", False), ("21234569", False), ("9812345678902", False),
    ("00012345678905", True),
])
def test_gtin_check_digits_and_reserved_ranges(code, valid):
    assert (feeds.valid_gtin(code) is not None) is valid


def test_brand_is_the_vendor_or_the_store_name(db, markets):
    pictured(db.session, vendor="Nambu")
    pictured(db.session, vendor=None)
    assert [field(i, "g:brand") for i in google(db, markets["US"], "en")] == ["Nambu", "Test Shop"]


# -- shipping --------------------------------------------------------------------------------------------------
def test_shipping_is_the_cheapest_rate_of_the_feed_countrys_zone_for_the_variant_weight(db, markets):
    make_shipping_zone(db.session, "Europe", ["DE", "FR", "AT"], "EUR", rates=[
        {"name": "Express", "brackets": [(1000, 2500)], "translations": {"de": "Express"}},
        {"name": "Standard", "brackets": [(500, 690), (2000, 990)], "translations": {"de": "Standardversand"}},
    ])
    light = pictured(db.session, variants=[{"weight_grams": 200}, {"weight_grams": 900}, {"weight_grams": 5000}])
    items = by_id(google(db, markets["EU"], "de"))

    def shipping(variant):
        element = items[f"clipper_{variant.id}"].find(tag("g:shipping"))
        return (field(element, "g:country"), field(element, "g:service"), field(element, "g:price"))

    # 200 g + 150 g packaging ≤ 500 g; 900 g + 150 g needs the 2 kg bracket; 5 kg fits no rate.
    assert shipping(light.variants[0]) == ("DE", "Standardversand", "6.90 EUR")
    assert shipping(light.variants[1]) == ("DE", "Standardversand", "9.90 EUR")
    assert items[f"clipper_{light.variants[2].id}"].find(tag("g:shipping")) is None
    assert field(items[f"clipper_{light.variants[0].id}"], "g:shipping_weight") == "200 g"


def test_shipping_is_converted_to_the_market_currency_and_free_over_the_threshold(db, markets):
    make_shipping_zone(db.session, "Japan", ["JP"], "USD", rates=[
        {"name": "Economy", "brackets": [(2000, 1000)], "free_over": 5000}])
    cheap = pictured(db.session, variants=[{"price": 2000}])
    dear = pictured(db.session, variants=[{"price": 9000}])
    items = by_id(google(db, markets["JP"], "ja"))
    # $10.00 = 8 € = ¥1,280; the $50 threshold is ¥6,400 and the $90 product shows ¥12,672.
    assert field(items[f"clipper_{cheap.variants[0].id}"].find(tag("g:shipping")), "g:price") == "1280 JPY"
    assert field(items[f"clipper_{dear.variants[0].id}"].find(tag("g:shipping")), "g:price") == "0 JPY"


def test_a_market_without_countries_of_its_own_has_no_shipping_and_no_vat(db, markets):
    world = make_market(db.session, "INTL", name="Rest of world", currency="USD", locales=["en"])
    make_shipping_zone(db.session, "Everywhere", [], "USD", is_fallback=True)
    pictured(db.session, variants=[{"price": 2000}])
    item = google(db, world, "en")[0]
    assert field(item, "g:price") == "20.00 USD"
    assert item.find(tag("g:shipping")) is None
    assert field(item, "link").endswith("&currency=USD") and "country=" not in field(item, "link")


# -- which feeds -----------------------------------------------------------------------------------------------
def test_there_is_one_feed_per_kind_market_and_language_the_market_offers(db, markets):
    names = {spec.filename for spec in feeds.list_feeds(db.session)}
    assert names == {f"{kind}-{market}-{locale}.xml" for kind in ("google", "meta")
                     for market, locale in [("US", "en"), ("EU", "de"), ("EU", "fr"), ("EU", "en"), ("GB", "en"),
                                            ("JP", "ja"), ("JP", "en")]}


def test_a_language_the_store_switched_off_has_no_feed(db, markets):
    db.session.get(StoreSettings, 1).enabled_locales = ["en", "de", "ja"]
    db.session.flush()
    assert feeds.find_feed(db.session, "google", "EU", "fr") is None
    assert feeds.find_feed(db.session, "google", "EU", "de") is not None


def test_an_unknown_market_or_language_is_refused(db, markets):
    with pytest.raises(feeds.FeedError) as refused:
        feeds.build_google_feed(db.session, markets["JP"], "de")
    assert refused.value.code is feeds.FeedErrorCode.UNKNOWN_FEED


def test_a_market_whose_currency_has_no_rate_cannot_be_priced(db, markets):
    swiss = make_market(db.session, "CH", currency="CHF", countries=["CH"], locales=["de"])
    with pytest.raises(feeds.FeedError) as refused:
        feeds.build_google_feed(db.session, swiss, "de")
    assert refused.value.code is feeds.FeedErrorCode.NO_EXCHANGE_RATE


@pytest.mark.parametrize("market, locale, country", [("EU", "de", "DE"), ("EU", "fr", "FR"), ("EU", "en", "DE"),
                                                     ("JP", "en", "JP"), ("GB", "en", "GB"), ("US", "en", "US")])
def test_a_feed_is_priced_for_the_country_that_speaks_its_language(db, markets, market, locale, country):
    info = next(m for m in feeds.feed_markets(db.session, db.session.get(StoreSettings, 1)) if m.code == market)
    assert feeds.feed_country(info, locale) == country


def test_the_feed_loads_the_catalogue_in_a_fixed_number_of_queries(db, markets):
    def statements_for_products(count: int) -> int:
        for n in range(count):
            product = pictured(db.session, variants=[{"option1": "S"}, {"option1": "M"}],
                               translations={"de": f"Artikel {n}"})
            make_option(db.session, product, "Size", ["S", "M"])
            make_image(db.session, product)
        db.session.expire_all()
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            google(db, markets["EU"], "de")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len([s for s in seen if "SAVEPOINT" not in s])

    assert statements_for_products(2) == statements_for_products(8)


# -- files and the job -----------------------------------------------------------------------------------------
def test_the_job_writes_every_feed_file_atomically(app, db, markets):
    pictured(db.session, title="Teapot")
    jobs.run_job(jobs.dotted_path(feeds.regenerate_feeds_job))
    folder = feeds.feeds_folder()
    names = sorted(path.name for path in folder.iterdir())
    assert names == sorted(spec.filename for spec in feeds.list_feeds(db.session))
    assert not [name for name in names if name.endswith(".tmp")]
    item = parse((folder / "google-EU-de.xml").read_bytes())[0]
    assert field(item, "g:price") == "18.94 EUR"  # $19.90 = 15.92 € + 19 %
    assert feeds.generated_at(feeds.find_feed(db.session, "google", "EU", "de")) is not None


def test_regenerating_removes_the_files_of_feeds_that_are_gone(db, markets):
    folder = feeds.feeds_folder()
    folder.mkdir(parents=True)
    (folder / "google-OLD-en.xml").write_text("<rss/>")
    feeds.regenerate_feeds(db.session)
    assert not (folder / "google-OLD-en.xml").exists()


def test_a_feed_that_cannot_be_priced_keeps_its_old_file_and_the_others_are_written(db, markets):
    make_market(db.session, "CH", currency="CHF", countries=["CH"], locales=["de"])
    written = feeds.regenerate_feeds(db.session)
    assert "google-CH-de.xml" not in {path.name for path in written}
    assert "google-EU-de.xml" in {path.name for path in written}


def test_the_job_is_scheduled_every_six_hours():
    assert ("storefront.domain.marketing.feeds.regenerate_feeds_job", 6 * 3600) in jobs.PERIODIC


def test_feed_file_names_cannot_leave_the_feeds_folder(db, markets):
    rogue = make_market(db.session, "../X")
    with pytest.raises(feeds.FeedError):
        feeds.feed_path("google", rogue, "en")


# -- the token -------------------------------------------------------------------------------------------------
def test_the_feed_token_is_made_once_and_then_kept(db, store):
    assert store.feed_token is None
    token = feeds.feed_token(db.session)
    assert len(token) >= 40 and feeds.feed_token(db.session) == token
    assert feeds.token_matches(db.session, token)
    assert not feeds.token_matches(db.session, token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_no_token_matches_before_there_is_one(db, store):
    assert not feeds.token_matches(db.session, "")
    assert not feeds.token_matches(db.session, "anything")


def test_rotating_the_token_retires_the_old_one_and_is_audited_without_the_secret(db, store):
    old = feeds.feed_token(db.session)
    new = feeds.rotate_feed_token(db.session, staff_user_id=None, ip_address="203.0.113.9")
    assert new != old
    assert feeds.token_matches(db.session, new) and not feeds.token_matches(db.session, old)
    entry = db.session.query(AuditLog).filter_by(action="product_feeds.rotate_token").one()
    assert old not in str(entry.after) and new not in str(entry.after)
