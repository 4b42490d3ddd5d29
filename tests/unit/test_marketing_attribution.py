"""Attribution rules: who counts, tracked links, visits, first and last touch within the window, orders."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from storefront.domain.cart import actions
from storefront.domain.markets import load_markets, localize
from storefront.domain.marketing import attribution
from storefront.models import (
    Campaign,
    CampaignLink,
    Cart,
    LandingKind,
    Order,
    Visit,
)
from tests.fixtures.factories import (
    make_campaign,
    make_collection,
    make_discount_code,
    make_link,
    make_page,
    make_product,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"


def visit(session, visitor: str, campaign: Campaign | None, when: datetime, link=None, **utm) -> Visit:
    return attribution.record_visit(session, visitor_id=visitor, campaign=campaign, link=link,
                                    utm=utm or (attribution.campaign_utm(campaign, link) if campaign else {}),
                                    landing_path="/", referrer_host="instagram.com", locale="en",
                                    country_code="DE", now=when)


def make_cart(session, **overrides) -> Cart:
    cart = Cart(token=f"cart-{len(overrides)}-{id(overrides)}", currency="USD", locale="en", **overrides)
    session.add(cart)
    session.flush()
    return cart


# -- who counts ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("agent", [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0 Safari/537.36",
    "Mozilla/5.0 (compatible; Yahoo! Slurp)",
    "Baiduspider", "AhrefsBot/7.0", "Slackbot-LinkExpanding 1.0", "curl/8.5.0", "python-requests/2.31", "", None,
])
def test_crawlers_previews_headless_browsers_and_scripts_are_bots(agent):
    assert attribution.is_bot(agent)


@pytest.mark.parametrize("agent", [
    CHROME,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
])
def test_shoppers_browsers_are_not_bots(agent):
    assert not attribution.is_bot(agent)


@pytest.mark.parametrize("headers, allowed", [
    ({}, True), ({"DNT": "0"}, True), ({"DNT": "1"}, False), ({"dnt": "1"}, False), ({"Sec-GPC": "1"}, False),
    ({"sec-gpc": " 1 "}, False), ({"Sec-GPC": "0"}, True),
])
def test_do_not_track_and_global_privacy_control_switch_tracking_off(headers, allowed):
    assert attribution.tracking_allowed(headers) is allowed


def test_only_visitor_ids_the_shop_could_have_issued_are_read_back():
    assert attribution.valid_visitor_id(attribution.new_visitor_id())
    assert not attribution.valid_visitor_id("short")
    assert not attribution.valid_visitor_id("<script>alert(1)</script>-padding")
    assert not attribution.valid_visitor_id("")
    assert not attribution.valid_visitor_id(None)


# -- tracked links ---------------------------------------------------------------------------------------------------
def test_a_running_campaigns_link_resolves_whatever_the_case_it_is_typed_in(db, store):
    campaign = make_campaign(db.session, starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(days=1))
    link = make_link(db.session, campaign, "Anna-IG")
    assert attribution.resolve_link(db.session, "Anna-IG", now=NOW) is link
    assert attribution.resolve_link(db.session, "anna-ig", now=NOW) is link


@pytest.mark.parametrize("change", [
    {"active": False}, {"starts_at": NOW + timedelta(minutes=1)}, {"ends_at": NOW}, {"ends_at": NOW - timedelta(days=1)},
])
def test_links_of_inactive_future_or_ended_campaigns_resolve_to_nothing(db, store, change):
    make_link(db.session, make_campaign(db.session, **change), "SPRING")
    assert attribution.resolve_link(db.session, "SPRING", now=NOW) is None


@pytest.mark.parametrize("code", ["NOPE", "", "   ", "x" * 65, "../../etc/passwd", "SPRING\x00"])
def test_unknown_or_malformed_codes_resolve_to_nothing(db, store, code):
    make_link(db.session, make_campaign(db.session), "SPRING")
    assert attribution.resolve_link(db.session, code, now=NOW) is None


def test_the_landing_url_is_the_page_in_the_shoppers_language_with_the_campaigns_utm_parameters(db, store):
    page = make_page(db.session, handle="spring-launch", kind="landing",
                     translations={"ja": ("春の新作", "haru-no-shinsaku")})
    campaign = make_campaign(db.session, landing_kind=LandingKind.PAGE, landing_page_id=page.id,
                             utm_content=None)
    link = make_link(db.session, campaign, "KOL-ANNA")
    assert attribution.landing_url(db.session, campaign, link, locale="ja") == (
        "/ja/pages/haru-no-shinsaku?utm_source=instagram&utm_medium=social&utm_campaign=spring-launch"
        "&utm_content=KOL-ANNA")
    # No German copy: the default handle, under the German prefix.
    assert attribution.landing_url(db.session, campaign, None, locale="de").startswith(
        "/de/pages/spring-launch?utm_source=instagram&")
    assert attribution.landing_url(db.session, campaign, None, locale="en").startswith("/pages/spring-launch?")


def test_product_and_collection_landings_use_their_translated_handles(db, store):
    product = make_product(db.session, handle="linen-shirt", translations={"ja": "リネンシャツ"})
    collection = make_collection(db.session, handle="summer", translations={"de": "Sommer"})
    on_product = make_campaign(db.session, "Shirt", landing_kind=LandingKind.PRODUCT, landing_product_id=product.id)
    on_collection = make_campaign(db.session, "Summer", landing_kind=LandingKind.COLLECTION,
                                  landing_collection_id=collection.id)
    assert attribution.landing_url(db.session, on_product, None, locale="ja").startswith(
        "/ja/products/linen-shirt-ja?utm_source=")
    assert attribution.landing_url(db.session, on_collection, None, locale="de").startswith(
        "/de/collections/summer-de?")


def test_a_landing_that_is_gone_or_unpublished_sends_shoppers_home(db, store):
    page = make_page(db.session, published=False)
    draft = make_product(db.session, status="draft")
    for campaign in (make_campaign(db.session, "Page", landing_kind=LandingKind.PAGE, landing_page_id=page.id),
                     make_campaign(db.session, "Draft", landing_kind=LandingKind.PRODUCT, landing_product_id=draft.id),
                     make_campaign(db.session, "Nothing", landing_kind=LandingKind.COLLECTION)):
        assert attribution.landing_url(db.session, campaign, None, locale="fr").startswith("/fr/?utm_source=")
    bare = make_campaign(db.session, "Bare", utm_source=None, utm_medium=None, utm_campaign=None)
    assert attribution.landing_url(db.session, bare, None, locale="en") == "/"


def test_the_links_language_wins_when_the_shop_offers_it():
    link = CampaignLink(code="X", locale="ja")
    assert attribution.arrival_locale(link, "en", ["en", "ja"]) == "ja"
    assert attribution.arrival_locale(link, "de", ["en", "de"]) == "de"
    assert attribution.arrival_locale(None, "fr", ["en", "fr"]) == "fr"


# -- visits ----------------------------------------------------------------------------------------------------------
def test_forged_utm_values_are_stored_without_control_characters_and_capped(app, db, store):
    forged = "<script>alert('x')</script>\x00\r\n\u200b" + "A" * 500
    stored = attribution.record_visit(
        db.session, visitor_id="v" * 20, campaign=None, utm={"utm_campaign": forged, "utm_source": "\x07",
                                                             "utm_term": "  spaced   out  "},
        landing_path="/" + "p" * 900, referrer_host="<evil>", locale="en", country_code="germany", now=NOW)
    assert len(stored.utm_campaign) == 120 and stored.utm_campaign.startswith("<script>alert('x')</script> A")
    assert not any(ord(ch) < 32 for ch in stored.utm_campaign)
    assert stored.utm_source is None and stored.utm_term == "spaced out"
    assert len(stored.landing_path) == 500 and stored.referrer_host is None and stored.country_code is None
    assert stored.campaign_id is None and not stored.is_first_touch
    # Shown in a page, the stored text is escaped, never markup.
    shown = app.jinja_env.from_string("<td>{{ value }}</td>").render(value=stored.utm_campaign)
    assert "&lt;script&gt;" in shown and "<script>" not in shown


def test_a_reload_within_half_an_hour_is_the_same_visit(db, store):
    campaign = make_campaign(db.session)
    first = visit(db.session, "visitor-aaaaaaaaaaaa", campaign, NOW)
    again = visit(db.session, "visitor-aaaaaaaaaaaa", campaign, NOW + timedelta(minutes=10))
    later = visit(db.session, "visitor-aaaaaaaaaaaa", campaign, NOW + timedelta(minutes=45))
    other = visit(db.session, "visitor-bbbbbbbbbbbb", campaign, NOW + timedelta(minutes=10))
    assert again is first and later is not first and other is not first
    assert db.session.scalar(select(func.count(Visit.id))) == 3
    assert first.is_first_touch and not later.is_first_touch and other.is_first_touch


def test_plain_utm_parameters_find_their_campaign_by_name_and_source(db, store):
    search = make_campaign(db.session, "Spring", utm_source="google", utm_campaign="spring")
    social = make_campaign(db.session, "Spring social", utm_source="instagram", utm_campaign="spring")
    make_campaign(db.session, "Old", utm_campaign="old", ends_at=NOW - timedelta(days=1))
    assert attribution.match_campaign(db.session, {"utm_campaign": "Spring", "utm_source": "google"}, now=NOW) is search
    assert attribution.match_campaign(db.session, {"utm_campaign": "spring", "utm_source": "instagram"},
                                      now=NOW) is social
    assert attribution.match_campaign(db.session, {"utm_campaign": "spring"}, now=NOW) in (search, social)
    assert attribution.match_campaign(db.session, {"utm_campaign": "spring", "utm_source": "tiktok"}, now=NOW) is None
    assert attribution.match_campaign(db.session, {"utm_campaign": "old"}, now=NOW) is None
    assert attribution.match_campaign(db.session, {"utm_source": "google"}, now=NOW) is None


# -- first and last touch --------------------------------------------------------------------------------------------
def test_a_cart_gets_the_first_and_the_latest_campaign_of_its_visitor(db, store):
    search = make_campaign(db.session, "Search")
    kol = make_campaign(db.session, "KOL")
    visitor = "visitor-cccccccccccc"
    visit(db.session, visitor, search, NOW - timedelta(days=5))
    visit(db.session, visitor, None, NOW - timedelta(days=3), utm_source="newsletter")  # unattributed: no touch
    visit(db.session, visitor, kol, NOW - timedelta(days=1))
    cart = make_cart(db.session)
    attribution.attribute_cart(db.session, cart, visitor_id=visitor, now=NOW)
    assert (cart.visitor_id, cart.first_touch_campaign_id, cart.last_touch_campaign_id) == (visitor, search.id, kol.id)


def test_visits_older_than_the_attribution_window_do_not_count(db, store):
    old, recent = make_campaign(db.session, "Old"), make_campaign(db.session, "Recent")
    visitor = "visitor-dddddddddddd"
    visit(db.session, visitor, old, NOW - timedelta(days=31))
    visit(db.session, visitor, recent, NOW - timedelta(days=29))
    cart = make_cart(db.session)
    attribution.attribute_cart(db.session, cart, visitor_id=visitor, now=NOW)
    assert (cart.first_touch_campaign_id, cart.last_touch_campaign_id) == (recent.id, recent.id)

    store.attribution_window_days = 60
    attribution.attribute_cart(db.session, cart, visitor_id=visitor, now=NOW)
    assert (cart.first_touch_campaign_id, cart.last_touch_campaign_id) == (old.id, recent.id)

    store.attribution_window_days = 7
    attribution.attribute_cart(db.session, cart, visitor_id=visitor, now=NOW + timedelta(days=30))
    assert (cart.first_touch_campaign_id, cart.last_touch_campaign_id) == (None, None)


def test_a_visitor_who_is_not_tracked_leaves_the_cart_unattributed(db, store):
    cart = make_cart(db.session)
    attribution.attribute_cart(db.session, cart, visitor_id=None, now=NOW)
    assert (cart.visitor_id, cart.first_touch_campaign_id) == (None, None)


def test_an_order_takes_its_carts_touches_and_the_tracked_link_of_the_last_touch(db, store):
    search, kol = make_campaign(db.session, "Search"), make_campaign(db.session, "KOL")
    link = make_link(db.session, kol, "ANNA")
    visitor = "visitor-eeeeeeeeeeee"
    visit(db.session, visitor, search, NOW - timedelta(days=2))
    visit(db.session, visitor, kol, NOW - timedelta(hours=1), link=link)
    cart = make_cart(db.session, visitor_id=visitor)
    order = Order()
    attribution.attribute_order(db.session, order, cart, now=NOW)
    assert (order.first_touch_campaign_id, order.last_touch_campaign_id, order.campaign_link_id) == (
        search.id, kol.id, link.id)


def test_a_kol_code_used_without_a_click_attributes_the_order_to_its_campaign_and_link(db, store):
    kol = make_campaign(db.session, "KOL")
    code = make_discount_code(db.session, "ANNA10", campaign_id=kol.id, commission_bp=1000)
    link = make_link(db.session, kol, "anna", discount_code_id=code.id)
    order = Order(discount_code="ANNA10")
    attribution.attribute_order(db.session, order, make_cart(db.session), now=NOW)
    assert (order.first_touch_campaign_id, order.last_touch_campaign_id, order.campaign_link_id) == (
        kol.id, kol.id, link.id)


def test_a_campaign_code_without_its_own_campaign_is_found_through_the_campaign_that_hands_it_out(db, store):
    code = make_discount_code(db.session, "SPRING15")
    campaign = make_campaign(db.session, discount_code_id=code.id)
    order = Order(discount_code="SPRING15")
    attribution.attribute_order(db.session, order, None, now=NOW)
    assert (order.last_touch_campaign_id, order.campaign_link_id) == (campaign.id, None)


def test_a_click_keeps_its_campaign_but_the_kol_whose_code_was_used_earns_the_order(db, store):
    search, kol = make_campaign(db.session, "Search"), make_campaign(db.session, "KOL")
    code = make_discount_code(db.session, "BEN10", campaign_id=kol.id)
    link = make_link(db.session, kol, "ben", discount_code_id=code.id)
    visitor = "visitor-ffffffffffff"
    visit(db.session, visitor, search, NOW - timedelta(hours=2))
    order = Order(discount_code="BEN10")
    attribution.attribute_order(db.session, order, make_cart(db.session, visitor_id=visitor), now=NOW)
    assert (order.last_touch_campaign_id, order.campaign_link_id) == (search.id, link.id)


def test_an_order_without_visits_or_campaign_code_is_unattributed(db, store):
    make_discount_code(db.session, "PLAIN")
    order = Order(discount_code="PLAIN")
    attribution.attribute_order(db.session, order, make_cart(db.session), now=NOW)
    assert (order.first_touch_campaign_id, order.last_touch_campaign_id, order.campaign_link_id) == (None, None, None)


# -- arrival -------------------------------------------------------------------------------------------------------
def test_arrival_puts_the_links_discount_on_the_cart_even_without_tracking(db, store):
    campaign_code = make_discount_code(db.session, "SPRING10")
    link_code = make_discount_code(db.session, "anna15")
    campaign = make_campaign(db.session, discount_code_id=campaign_code.id)
    link = make_link(db.session, campaign, "anna", discount_code_id=link_code.id)
    assert attribution.arrival_discount(db.session, campaign, link, now=NOW) is link_code
    assert attribution.arrival_discount(db.session, campaign, None, now=NOW) is campaign_code
    cart = make_cart(db.session)
    arrival = attribution.arrive(db.session, campaign=campaign, link=link, visitor_id=None, cart=cart,
                                 discount=link_code, utm={}, landing_path="/", referrer_host=None, locale="en",
                                 country_code=None, now=NOW)
    assert arrival.visit is None and arrival.discount_applied and cart.discount_code == "ANNA15"
    assert cart.visitor_id is None and db.session.scalar(select(func.count(Visit.id))) == 0


def test_an_expired_or_used_up_code_is_not_applied_on_arrival(db, store):
    expired = make_discount_code(db.session, "OLD", ends_at=NOW - timedelta(days=1))
    used_up = make_discount_code(db.session, "GONE", usage_limit=1, times_used=1)
    for code in (expired, used_up):
        campaign = make_campaign(db.session, f"With {code.code}", discount_code_id=code.id)
        assert attribution.arrival_discount(db.session, campaign, None, now=NOW) is None


def test_arrival_records_the_visit_and_attributes_the_visitors_cart(db, store):
    campaign = make_campaign(db.session)
    cart = make_cart(db.session)
    arrival = attribution.arrive(db.session, campaign=campaign, link=None, visitor_id="visitor-gggggggggggg",
                                 cart=cart, utm=attribution.campaign_utm(campaign), landing_path="/de/",
                                 referrer_host="www.instagram.com", locale="de", country_code="de", now=NOW)
    assert arrival.visit.campaign_id == campaign.id and arrival.visit.utm_source == "instagram"
    assert arrival.visit.country_code == "DE" and arrival.visit.referrer_host == "www.instagram.com"
    assert (cart.visitor_id, cart.last_touch_campaign_id) == ("visitor-gggggggggggg", campaign.id)
    assert not arrival.discount_applied


def test_a_new_cart_of_a_tracked_visitor_starts_attributed(db, store, markets):
    campaign = make_campaign(db.session)
    visit(db.session, "visitor-hhhhhhhhhhhh", campaign, datetime.now(timezone.utc) - timedelta(minutes=5))
    localization = localize(load_markets(db.session), chosen_country=None, query_country=None, header_country="US",
                            currency=None)
    tracked = actions.new_cart(db.session, localization, "en", visitor_id="visitor-hhhhhhhhhhhh")
    untracked = actions.new_cart(db.session, localization, "en")
    assert tracked.last_touch_campaign_id == campaign.id and untracked.last_touch_campaign_id is None
    assert attribution.link_cart(db.session, untracked.token, visitor_id="visitor-hhhhhhhhhhhh",
                                 now=datetime.now(timezone.utc)) is untracked
    assert untracked.first_touch_campaign_id == campaign.id
    # A cart that already has its visitor is left alone.
    assert attribution.link_cart(db.session, untracked.token, visitor_id="visitor-iiiiiiiiiiii",
                                 now=datetime.now(timezone.utc)) is None
