"""Landing pages built from blocks, as shoppers and link previews see them: every block type, prices in the
shopper's currency, countdowns that end, FAQ structured data, noindex, Open Graph tags, locale fallback,
the page cache and the number of queries."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from storefront.domain.money import format_money
from storefront.extensions import cache
from storefront.models import Campaign, Page, PageKind, PageTranslation, ProductStatus
from tests.fixtures.factories import make_collection, make_image, make_location, make_page, make_product
from tests.web.test_query_counts import counted_statements
from tests.web.test_seo import ROOT, json_ld, meta, script_elements, sitemap_urls

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)


def html_of(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def landing(db, blocks, *, handle="spring", translations=None, **overrides) -> Page:
    page = make_page(db.session, handle=handle, title="Spring launch", kind=PageKind.LANDING, blocks=blocks,
                     body_html="", **overrides)
    for locale, (title, own_handle, own_blocks) in (translations or {}).items():
        page.translations.append(PageTranslation(locale=locale, title=title, handle=own_handle, blocks=own_blocks))
    db.session.flush()
    return page


@pytest.fixture
def dress(db):
    """A $20 dress with a picture, in the Spring collection; a German handle."""
    product = make_product(db.session, handle="linen-dress", title="Linen dress", variants=[{"price": 2000}],
                           translations={"de": "Leinenkleid"})
    picture = make_image(db.session, product, key="products/linen-dress", sizes=[360, 720, 1080],
                         alt="A red linen dress")
    collection = make_collection(db.session, [product], handle="spring-picks", title="Spring picks")
    return {"product": product, "picture": picture, "collection": collection}


def every_block(dress, ends_at: datetime) -> list[dict]:
    return [
        {"type": "hero", "heading": "Spring, unpacked", "text": "Light layers for the new season.",
         "product_image_id": dress["picture"].id, "button_label": "Shop the collection",
         "button_link_kind": "collection", "button_link": "spring-picks"},
        {"type": "rich_text", "html": "<p>Made with <strong>washed linen</strong>.</p>"},
        {"type": "product_grid", "heading": "New this spring", "collection_id": dress["collection"].id, "limit": 8},
        {"type": "countdown", "heading": "The offer ends in", "ends_at": ends_at.isoformat()},
        {"type": "faq", "heading": "Questions", "items": [
            {"question": "How do I use the code?", "answer": "Enter SPRING15 at checkout."},
            {"question": "Can I return it?", "answer": "Within 30 days."}]},
        {"type": "newsletter", "heading": "Be the first to know", "text": "One or two e-mails a month."},
    ]


# -- every block type ---------------------------------------------------------------------------------------------

def test_a_landing_page_shows_each_of_its_blocks_in_order(client, db, markets, dress):
    landing(db, every_block(dress, datetime.now(timezone.utc) + timedelta(days=3)))

    html = html_of(client.get("/pages/spring"))

    assert '<h1 id="section-1-title">Spring, unpacked</h1>' in html
    assert "Light layers for the new season." in html
    assert 'href="/collections/spring-picks">Shop the collection</a>' in html
    assert 'alt="A red linen dress"' in html and "/media/products/linen-dress-1080.jpg" in html
    assert "<p>Made with <strong>washed linen</strong>.</p>" in html
    assert "New this spring" in html and 'href="/products/linen-dress"' in html
    assert 'data-countdown data-ends-at="' in html and "The offer ends in" in html
    assert "<summary>How do I use the code?</summary>" in html and "<p>Enter SPRING15 at checkout.</p>" in html
    assert "Be the first to know" in html and 'action="/newsletter/subscribe"' in html
    assert 'name="source" value="landing:spring"' in html
    # one sign-up form under the section's own heading: no second "Newsletter" heading, no footer form
    assert html.count('action="/newsletter/subscribe"') == 1 and ">Newsletter</h2>" not in html
    body = html[html.index("<main"):]
    order = [body.index(text) for text in ("Spring, unpacked", "washed linen", "New this spring", "The offer ends in",
                                           "How do I use the code?", "Be the first to know")]
    assert order == sorted(order)


def test_a_page_without_blocks_shows_its_body_as_before(client, db, store):
    make_page(db.session, handle="about", title="About us", body_html="<p>We ship worldwide.</p>")

    html = html_of(client.get("/pages/about"))

    assert "<h1>About us</h1>" in html and "We ship worldwide." in html
    assert "landing.css" not in html and "data-countdown" not in html


def test_a_landing_page_that_does_not_start_with_a_hero_still_has_the_page_title_as_heading(client, db, store):
    landing(db, [{"type": "rich_text", "html": "<p>Hello</p>"}])

    html = html_of(client.get("/pages/spring"))

    assert "<h1>Spring launch</h1>" in html and "<p>Hello</p>" in html


def test_a_stored_block_that_no_longer_passes_the_checks_is_skipped_not_a_server_error(client, db, store):
    landing(db, [{"type": "video", "url": "https://example.com"}, {"type": "hero", "heading": "Still here"},
                 {"type": "faq", "items": [{"q": "old shape"}]}])

    html = html_of(client.get("/pages/spring"))

    assert "Still here" in html and "old shape" not in html and "example.com" not in html


def test_rich_text_is_cleaned_again_when_shown(client, db, store):
    landing(db, [{"type": "rich_text", "html": '<p onclick="steal()">Hi<script>alert(1)</script></p>'}])

    html = html_of(client.get("/pages/spring"))

    assert "<p>Hi</p>" in html and "alert(1)" not in html and "steal()" not in html


def test_hero_button_to_a_product_takes_shoppers_to_its_page_in_their_language(client, db, markets, dress):
    landing(db, [{"type": "hero", "heading": "Spring", "button_label": "See it", "button_link_kind": "product",
                  "button_link": "linen-dress"}])

    assert 'href="/de/products/linen-dress-de"' in html_of(client.get("/de/pages/spring"))
    assert 'href="/ja/products/linen-dress"' in html_of(client.get("/ja/pages/spring"))


def test_a_hero_button_to_a_product_that_is_gone_is_left_out(client, db, store):
    landing(db, [{"type": "hero", "heading": "Spring", "button_label": "See it", "button_link_kind": "product",
                  "button_link": "no-such-product"}])

    html = html_of(client.get("/pages/spring"))

    assert "Spring" in html and "See it" not in html


# -- product grids ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path, country, currency, locale", [
    ("/de/pages/spring", "DE", "EUR", "de"),
    ("/ja/pages/spring", "JP", "JPY", "ja"),
    ("/pages/spring", "US", "USD", "en"),
])
def test_product_grid_prices_are_in_the_shoppers_currency(client, db, markets, dress, path, country, currency,
                                                          locale):
    landing(db, [{"type": "product_grid", "collection_id": dress["collection"].id}])
    # $20.00: 16 € + 19 % VAT in Germany; ¥2,560 + 10 % JCT in Japan (see the markets fixture).
    expected = {"EUR": 1904, "JPY": 2816, "USD": 2000}[currency]

    html = html_of(client.get(path, headers={"CF-IPCountry": country}))

    assert format_money(expected, currency, locale) in html
    assert {"EUR": "19,04\xa0€", "JPY": "￥2,816", "USD": "$20.00"}[currency] in html


def test_a_grid_of_picked_products_keeps_their_order_and_leaves_out_drafts(client, db, store):
    first = make_product(db.session, handle="first", title="First pick")
    draft = make_product(db.session, handle="draft", title="Secret draft", status=ProductStatus.DRAFT)
    second = make_product(db.session, handle="second", title="Second pick")
    landing(db, [{"type": "product_grid", "product_ids": [second.id, draft.id, first.id], "limit": 2}])

    html = html_of(client.get("/pages/spring"))

    assert "Secret draft" not in html
    assert html.index("Second pick") < html.index("First pick")


def test_a_grid_shows_at_most_its_limit_in_the_collections_order(client, db, store):
    location = make_location(db.session)
    products = [make_product(db.session, title=f"Tee {n}", location=location) for n in range(5)]
    collection = make_collection(db.session, products)
    landing(db, [{"type": "product_grid", "collection_id": collection.id, "limit": 3}])

    html = html_of(client.get("/pages/spring"))

    assert [f"Tee {n}" in html for n in range(5)] == [True, True, True, False, False]


def test_an_empty_grid_is_left_out(client, db, store):
    landing(db, [{"type": "hero", "heading": "Spring"},
                 {"type": "product_grid", "heading": "Nothing here", "collection_id": make_collection(db.session).id}])

    html = html_of(client.get("/pages/spring"))

    assert "Spring" in html and "Nothing here" not in html


# -- countdowns ---------------------------------------------------------------------------------------------------

def test_a_countdown_shows_the_time_left_and_is_gone_once_the_offer_ended(client, db, store):
    ends_at = NOW + timedelta(days=2, hours=3, minutes=4, seconds=5)
    landing(db, [{"type": "hero", "heading": "Spring"},
                 {"type": "countdown", "heading": "Hurry", "ends_at": ends_at.isoformat()}])

    with time_machine.travel(NOW, tick=False):
        before = html_of(client.get("/pages/spring"))
    cache.clear()
    with time_machine.travel(ends_at + timedelta(seconds=1), tick=False):
        after = html_of(client.get("/pages/spring"))

    assert 'data-ends-at="2026-04-03T15:04:05+00:00"' in before
    assert [before.count(f'data-unit="{unit}">{value}<') for unit, value in
            (("days", "2"), ("hours", "03"), ("minutes", "04"), ("seconds", "05"))] == [1, 1, 1, 1]
    assert 'landing.js' in before
    assert "Hurry" not in after and "data-countdown" not in after and "Spring" in after


def test_a_countdown_to_a_campaign_follows_the_campaigns_end(client, db, store):
    campaign = Campaign(name="Spring", ends_at=NOW + timedelta(hours=1))
    db.session.add(campaign)
    db.session.flush()
    landing(db, [{"type": "countdown", "heading": "Hurry", "campaign_id": campaign.id}])

    with time_machine.travel(NOW, tick=False):
        running = html_of(client.get("/pages/spring"))
    campaign.ends_at = NOW - timedelta(minutes=1)
    db.session.commit()
    with time_machine.travel(NOW, tick=False):
        ended = html_of(client.get("/pages/spring"))

    assert 'data-unit="hours">01<' in running
    assert "Hurry" not in ended


# -- search engines and link previews -----------------------------------------------------------------------------

def test_faq_blocks_are_described_to_search_engines_as_one_faq_page(client, db, store):
    landing(db, [{"type": "faq", "items": [{"question": "Ship to Japan?", "answer": "Yes, in 3–6 days."}]},
                 {"type": "faq", "items": [{"question": "</script><script>alert(1)</script>", "answer": "No."}]}])

    html = html_of(client.get("/pages/spring"))
    faq = [item for item in json_ld(html) if item["@type"] == "FAQPage"]

    assert len(faq) == 1
    assert [(q["name"], q["acceptedAnswer"]["text"]) for q in faq[0]["mainEntity"]] == [
        ("Ship to Japan?", "Yes, in 3–6 days."), ("</script><script>alert(1)</script>", "No.")]
    assert [kind for kind, _text in script_elements(html) if kind != "application/json"] == [
        "application/ld+json", None, None]  # the FAQ, then landing.js and theme.js: the question broke nothing out


def test_a_page_without_faq_has_no_faq_structured_data(client, db, store):
    landing(db, [{"type": "hero", "heading": "Spring"}])

    assert json_ld(html_of(client.get("/pages/spring"))) == []


def test_a_noindex_landing_page_tells_search_engines_and_stays_out_of_the_sitemap(client, db, store):
    landing(db, [{"type": "hero", "heading": "Campaign only"}], handle="secret-sale", noindex=True)
    landing(db, [{"type": "hero", "heading": "Open to all"}], handle="open-sale")

    quiet = html_of(client.get("/pages/secret-sale"))
    open_page = html_of(client.get("/pages/open-sale"))
    listed = sitemap_urls(client, "/sitemaps/en/pages.xml")

    assert '<meta name="robots" content="noindex">' in quiet
    assert 'name="robots"' not in open_page
    assert f"{ROOT}/pages/open-sale" in listed and f"{ROOT}/pages/secret-sale" not in listed


def test_link_previews_of_a_landing_page_show_its_hero_picture_and_address_in_the_shoppers_language(
        client, db, markets, dress):
    landing(db, [{"type": "hero", "heading": "Frühling", "text": "Leichte Lagen für die neue Saison.",
                  "product_image_id": dress["picture"].id}],
            seo_title="Spring launch · 15 % off",
            translations={"de": ("Frühjahrs-Launch", "fruehling", None)})

    html = html_of(client.get("/de/pages/fruehling"))
    tags = meta(html)

    assert tags["og:image"] == f"{ROOT}/media/products/linen-dress-1080.jpg"
    assert tags["twitter:image"] == tags["og:image"]
    assert tags["og:image:alt"] == "A red linen dress"
    assert tags["og:url"] == f"{ROOT}/de/pages/fruehling"
    assert tags["og:title"] == "Frühjahrs-Launch"
    assert tags["og:description"] == "Leichte Lagen für die neue Saison."
    assert tags["og:locale"] == "de_DE" and "og:locale:alternate" in html
    assert f'<link rel="alternate" hreflang="en" href="{ROOT}/pages/spring">' in html
    assert f'<link rel="alternate" hreflang="de" href="{ROOT}/de/pages/fruehling">' in html
    assert f'<link rel="alternate" hreflang="ja" href="{ROOT}/ja/pages/spring">' in html


def test_a_landing_page_without_a_hero_picture_previews_with_the_shop_logo_or_nothing(client, db, store):
    landing(db, [{"type": "hero", "heading": "Spring"}])

    assert "og:image" not in meta(html_of(client.get("/pages/spring")))


def test_an_uploaded_hero_picture_is_an_absolute_address_in_previews(client, db, store):
    landing(db, [{"type": "hero", "heading": "Spring",
                  "image": {"key": "pages/p1-abc", "width": 1600, "height": 900, "sizes": [360, 720, 1080]}}])

    assert meta(html_of(client.get("/pages/spring")))["og:image"] == f"{ROOT}/media/pages/p1-abc-1080.jpg"


# -- languages ----------------------------------------------------------------------------------------------------

def test_a_language_without_blocks_of_its_own_shows_the_default_languages(client, db, store):
    landing(db, [{"type": "hero", "heading": "Spring, unpacked"}], translations={
        "de": ("Frühling", "fruehling", []),
        "ja": ("春", "haru", [{"type": "hero", "heading": "春を、ひらこう。"}]),
    })

    assert "Spring, unpacked" in html_of(client.get("/de/pages/fruehling"))
    assert "Spring, unpacked" in html_of(client.get("/fr/pages/spring"))
    japanese = html_of(client.get("/ja/pages/haru"))
    assert "春を、ひらこう。" in japanese and "Spring, unpacked" not in japanese


def test_hidden_landing_pages_are_not_found_without_a_preview_token(client, db, store):
    landing(db, [{"type": "hero", "heading": "Not yet"}], published=False)

    assert client.get("/pages/spring").status_code == 404
    assert client.get("/pages/spring?preview=forged").status_code == 404


# -- caching and queries ------------------------------------------------------------------------------------------

def test_changing_a_landing_page_reaches_shoppers_at_once_despite_the_page_cache(client, db, store):
    page = landing(db, [{"type": "hero", "heading": "Old heading"}])
    db.session.commit()

    first = client.get("/pages/spring")
    again = client.get("/pages/spring")
    page.blocks = [{"type": "hero", "heading": "New heading"}]
    db.session.commit()
    changed = client.get("/pages/spring")

    assert (first.headers["X-Page-Cache"], again.headers["X-Page-Cache"]) == ("miss", "hit")
    assert "Old heading" in again.get_data(as_text=True)
    assert "New heading" in html_of(changed) and changed.headers["X-Page-Cache"] == "miss"


def test_a_translation_change_also_empties_the_page_cache(client, db, store):
    page = landing(db, [{"type": "hero", "heading": "Old"}], translations={"de": ("Alt", "alt", [])})
    db.session.commit()
    client.get("/de/pages/alt")

    page.translations[0].blocks = [{"type": "hero", "heading": "Neu"}]
    db.session.commit()

    assert "Neu" in html_of(client.get("/de/pages/alt"))


# Cold cache: 8 for the shop context, 2 for the page and its translations, then one each for every grid's collection
# members, the products (with their pictures, variants, options, translations, restrictions, market prices and
# stock), the hero picture and the campaign of the countdown; + 1 spare for option values when products have them.
LANDING_PAGE_MAX = 21


def test_a_landing_page_with_two_grids_runs_as_many_queries_as_with_one(client, db, markets):
    location = make_location(db.session)
    tees = [make_product(db.session, title=f"Tee {n}", location=location) for n in range(6)]
    mugs = [make_product(db.session, title=f"Mug {n}", location=location) for n in range(6)]
    for product in tees + mugs:
        make_image(db.session, product)
    tees_collection, mugs_collection = make_collection(db.session, tees), make_collection(db.session, mugs)
    campaign = Campaign(name="Spring", ends_at=datetime.now(timezone.utc) + timedelta(days=3))
    db.session.add(campaign)
    db.session.flush()
    common = [{"type": "hero", "heading": "Spring", "product_image_id": tees[0].images[0].id},
              {"type": "countdown", "campaign_id": campaign.id}]
    landing(db, [*common, {"type": "product_grid", "collection_id": tees_collection.id}], handle="one")
    landing(db, [*common, {"type": "product_grid", "collection_id": tees_collection.id},
                 {"type": "product_grid", "collection_id": mugs_collection.id},
                 {"type": "product_grid", "product_ids": [p.id for p in reversed(mugs)]}], handle="three")

    counts = {}
    for handle in ("one", "three"):
        cache.clear()
        with counted_statements(db.engine) as statements:
            html = html_of(client.get(f"/de/pages/{handle}", headers={"CF-IPCountry": "DE"}))
        counts[handle] = statements
    assert "Mug 5" in html and "Tee 0" in html

    assert len(counts["three"]) == len(counts["one"]), "\n\n".join(counts["three"])
    assert len(counts["three"]) <= LANDING_PAGE_MAX, "\n\n".join(counts["three"])


def test_pages_come_from_the_page_cache_for_the_next_shopper(client, db, store):
    landing(db, [{"type": "hero", "heading": "Spring"}])
    client.get("/pages/spring")

    with counted_statements(db.engine) as statements:
        response = client.get("/pages/spring")

    assert response.headers["X-Page-Cache"] == "hit"
    assert len(statements) <= 1, statements
    assert db.session.scalar(select(Page.id).where(Page.handle == "spring"))


# -- the demo ---------------------------------------------------------------------------------------------------

DEMO_HEROES = {"": "Spring, unpacked", "/de": "Frühling, frisch ausgepackt", "/fr": "Le printemps, fraîchement déballé",
               "/es": "La primavera, recién desempaquetada", "/ja": "春を、ひらこう。", "/zh-CN": "打开春天"}


@pytest.mark.slow
def test_the_demo_landing_page_has_every_block_in_every_language(client, db, tmp_path):
    from storefront.demo.seed import DemoSeeder, seed_landing_blocks

    DemoSeeder(db.session, tmp_path, render_pictures=False).run()
    page = db.session.scalars(select(Page).where(Page.handle == "spring-launch")).one()

    for prefix, heading in DEMO_HEROES.items():
        html = html_of(client.get(f"{prefix}/pages/spring-launch", headers={"CF-IPCountry": "JP"}))
        body = html[html.index("<main"):]
        assert f'<h1 id="section-1-title">{heading}</h1>' in body, prefix
        assert body.count('class="product-card"') == 8
        assert any(sign in body for sign in ("¥", "￥", "JPY")), prefix  # fr and es write "2 980 JPY"
        assert "data-countdown" in body and body.count("<details") == 3
        assert 'action="/newsletter/subscribe"' in body or f'action="{prefix}/newsletter/subscribe"' in body
        assert meta(html)["og:image"].startswith(f"{ROOT}/media/products/")
        assert '<meta name="robots" content="noindex">' in html
    assert {tr.locale for tr in page.translations if tr.blocks} == {"de", "fr", "es", "ja", "zh-CN"}

    assert seed_landing_blocks(db.session, keep_valid=True) == {}  # a second run changes nothing
    page.blocks = [{"type": "hero", "subheading": "an old demo's shape"}]
    db.session.flush()
    assert seed_landing_blocks(db.session, keep_valid=True) == {"landing page sections": 6}
    assert page.blocks[0]["heading"] == "Spring, unpacked"
