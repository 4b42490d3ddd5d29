"""Tracked links /c/<code>, plain UTM parameters, the visitor cookie, and a campaign visit followed to a paid order."""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from storefront.domain.marketing import attribution, reports
from storefront.models import Cart, LandingKind, Order, PaymentStatus, Visit
from tests.fakes.stripe import STRIPE_TEST_SECRET_KEY, webhook_headers
from tests.fixtures.factories import (
    make_campaign,
    make_discount_code,
    make_link,
    make_page,
    make_product,
    make_shipping_zone,
)
from tests.unit.test_marketing_attribution import CHROME

XHR = {"X-Requested-With": "XMLHttpRequest"}
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
UTM = "utm_source=instagram&utm_medium=social&utm_campaign=spring-launch"


@pytest.fixture
def shopper(client):
    """A browser in Japan: a real user agent and the CDN's country header on every request."""
    client.environ_base.update({"HTTP_USER_AGENT": CHROME, "HTTP_CF_IPCOUNTRY": "JP"})
    return client


@pytest.fixture
def spring(db, markets):
    """Campaign "Spring Launch" landing on a page with a Japanese copy, a 10 % code, and a Japanese link."""
    page = make_page(db.session, handle="spring-launch", kind="landing", title="Spring launch",
                     translations={"ja": ("春の新作", "haru")})
    code = make_discount_code(db.session, "SPRING10")
    campaign = make_campaign(db.session, landing_kind=LandingKind.PAGE, landing_page_id=page.id,
                             discount_code_id=code.id)
    return {"campaign": campaign, "page": page, "code": code,
            "ja": make_link(db.session, campaign, "spring-ja", locale="ja"),
            "plain": make_link(db.session, campaign, "spring")}


def visits(db) -> list[Visit]:
    db.session.expire_all()
    return db.session.scalars(select(Visit).order_by(Visit.id)).all()


def visitor_cookie(response) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{attribution.VISITOR_COOKIE}="):
            return header
    return None


# -- /c/<code> ------------------------------------------------------------------------------------------------
def test_a_japanese_link_lands_on_the_japanese_page_with_utm_parameters_and_counts_one_visit(shopper, db, spring):
    response = shopper.get("/c/spring-ja", headers={"Referer": "https://www.instagram.com/p/abc/"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ja/pages/haru?{UTM}&utm_content=spring-ja"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = visitor_cookie(response)
    assert cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    [visit] = visits(db)
    assert (visit.campaign_id, visit.campaign_link_id, visit.locale, visit.country_code) == (
        spring["campaign"].id, spring["ja"].id, "ja", "JP")
    assert (visit.utm_source, visit.utm_campaign, visit.landing_path, visit.referrer_host) == (
        "instagram", "spring-launch", "/ja/pages/haru", "www.instagram.com")
    assert visit.is_first_touch and cookie.startswith(f"{attribution.VISITOR_COOKIE}={visit.visitor_id};")

    landing = shopper.get(response.headers["Location"])   # the landing page carries the same UTM values
    assert landing.status_code == 200 and "春の新作" in landing.get_data(as_text=True)
    assert len(visits(db)) == 1


def test_a_link_without_a_language_follows_the_url_prefix(shopper, db, spring):
    assert shopper.get("/ja/c/spring").headers["Location"] == f"/ja/pages/haru?{UTM}&utm_content=spring"
    assert shopper.get("/de/c/spring").headers["Location"].startswith("/de/pages/spring-launch?utm_source=")
    assert shopper.get("/c/spring").headers["Location"].startswith("/pages/spring-launch?utm_source=")
    # One visitor opening the same campaign's links within half an hour is one visit.
    assert [v.locale for v in visits(db)] == ["ja"]


def test_a_campaign_naming_no_utm_campaign_still_counts_its_landing_once(shopper, db, spring):
    spring["campaign"].utm_campaign = None
    db.session.flush()
    landing = shopper.get("/c/spring", follow_redirects=True)
    assert landing.status_code == 200 and landing.request.path == "/pages/spring-launch"
    assert [(v.campaign_id, v.utm_campaign) for v in visits(db)] == [(spring["campaign"].id, None)]


def test_a_head_request_shows_where_a_link_goes_and_nothing_more(shopper, db, spring):
    response = shopper.head("/c/spring-ja")
    assert (response.status_code, response.headers["Location"]) == (302, f"/ja/pages/haru?{UTM}&utm_content=spring-ja")
    assert visitor_cookie(response) is None and visits(db) == []
    assert db.session.scalar(select(func.count(Cart.id))) == 0


def test_a_secure_request_gets_a_secure_cookie(shopper, db, spring):
    response = shopper.get("/c/spring", base_url="https://shop.example")
    assert "Secure" in visitor_cookie(response)


@pytest.mark.parametrize("path, home", [("/c/nope", "/"), ("/ja/c/nope", "/ja/"), ("/c/" + "x" * 300, "/"),
                                        ("/c/%00", "/"), ("/c/%F0%9F%98%80", "/"),
                                        ("/c/spring/../admin", "/"), ("/de/c/spring-ja/extra", "/de/")])
def test_an_unknown_code_goes_home_without_a_visit(shopper, db, spring, path, home):
    response = shopper.get(path)
    assert (response.status_code, response.headers["Location"]) == (302, home)
    assert visitor_cookie(response) is None and visits(db) == []


@pytest.mark.parametrize("change", [{"ends_at": datetime(2020, 1, 1, tzinfo=timezone.utc)}, {"active": False},
                                    {"starts_at": datetime(2099, 1, 1, tzinfo=timezone.utc)}])
def test_an_expired_or_paused_campaigns_link_goes_home_without_a_visit(shopper, db, spring, change):
    for field, value in change.items():
        setattr(spring["campaign"], field, value)
    db.session.flush()
    response = shopper.get("/ja/c/spring-ja")
    assert (response.status_code, response.headers["Location"]) == (302, "/ja/")
    assert visits(db) == []
    assert shopper.get("/cart.js").json.get("discount_codes", []) == []


@pytest.mark.parametrize("privacy", [{"DNT": "1"}, {"Sec-GPC": "1"}])
def test_do_not_track_still_redirects_and_discounts_but_sets_no_cookie_and_counts_no_visit(shopper, db, spring,
                                                                                         privacy):
    response = shopper.get("/c/spring-ja", headers=privacy)
    assert response.status_code == 302 and response.headers["Location"].startswith("/ja/pages/haru?")
    assert visitor_cookie(response) is None
    landing = shopper.get(response.headers["Location"], headers=privacy)
    assert landing.status_code == 200 and visitor_cookie(landing) is None
    assert visits(db) == []
    cart = shopper.get("/ja/cart.js", headers=privacy).json
    assert cart["discount_codes"] == [{"code": "SPRING10", "applicable": True}]
    db.session.expire_all()
    assert db.session.scalars(select(Cart.visitor_id)).all() == [None]


@pytest.mark.parametrize("agent", [GOOGLEBOT, "facebookexternalhit/1.1", ""])
def test_bots_are_redirected_but_not_counted(shopper, db, spring, agent):
    response = shopper.get("/c/spring", headers={"User-Agent": agent})
    assert response.status_code == 302 and visitor_cookie(response) is None
    shopper.get(f"/?{UTM}", headers={"User-Agent": agent})
    assert visits(db) == []


def test_the_campaigns_discount_is_in_the_cart_on_arrival(shopper, db, spring):
    shopper.get("/c/spring-ja", follow_redirects=True)
    cart = shopper.get("/ja/cart.js").json
    assert cart["discount_codes"] == [{"code": "SPRING10", "applicable": True}]
    db.session.expire_all()
    stored = db.session.scalars(select(Cart)).one()
    assert (stored.discount_code, stored.last_touch_campaign_id) == ("SPRING10", spring["campaign"].id)
    assert stored.visitor_id == visits(db)[0].visitor_id


def test_an_existing_cart_is_attributed_on_arrival_and_keeps_its_lines(shopper, db, spring):
    tee = make_product(db.session, title="Tee", variants=[{"price": 2000}])
    assert shopper.post("/ja/cart/add.js", json={"id": tee.variants[0].id}, headers=XHR).status_code == 200
    shopper.get("/c/spring-ja")
    cart = shopper.get("/ja/cart.js").json
    assert cart["item_count"] == 1 and cart["discount_codes"][0]["code"] == "SPRING10"
    db.session.expire_all()
    assert db.session.scalars(select(Cart.last_touch_campaign_id)).all() == [spring["campaign"].id]


# -- plain UTM parameters -------------------------------------------------------------------------------------
def test_utm_parameters_on_a_shop_page_record_a_visit_for_their_campaign(shopper, db, spring):
    response = shopper.get(f"/?{UTM}&utm_term=linen")
    assert response.status_code == 200 and visitor_cookie(response)
    [visit] = visits(db)
    assert (visit.campaign_id, visit.campaign_link_id, visit.utm_term, visit.landing_path) == (
        spring["campaign"].id, None, "linen", "/")
    shopper.get(f"/?{UTM}&utm_term=linen")   # a reload is the same visit
    assert len(visits(db)) == 1
    # No discount from plain parameters: anybody can type those.
    assert shopper.get("/cart.js").json.get("discount_codes", []) == []


def test_utm_parameters_naming_no_campaign_are_kept_unattributed_escaped_and_capped(shopper, db, spring):
    forged = "<img src=x onerror=alert(1)>" + "A" * 300
    response = shopper.get("/ja/", query_string={"utm_source": forged, "utm_campaign": "unknown\x00\n"})
    assert response.status_code == 200
    assert "<img src=x onerror" not in response.get_data(as_text=True)
    [visit] = visits(db)
    assert visit.campaign_id is None and visit.landing_path == "/ja/" and visit.locale == "ja"
    assert len(visit.utm_source) == 120 and visit.utm_source.startswith("<img src=x")
    assert visit.utm_campaign == "unknown"


def test_a_cached_page_still_counts_every_visitor_and_never_shares_a_cookie(app, shopper, db, spring):
    first = shopper.get(f"/?{UTM}")
    other = app.test_client()
    other.environ_base.update({"HTTP_USER_AGENT": CHROME, "HTTP_CF_IPCOUNTRY": "JP"})
    second = other.get(f"/?{UTM}")
    assert second.headers.get("X-Page-Cache") == "hit"
    assert visitor_cookie(first) != visitor_cookie(second) and visitor_cookie(second)
    assert len({v.visitor_id for v in visits(db)}) == 2
    etag = second.headers["ETag"]
    third = app.test_client()
    third.environ_base.update({"HTTP_USER_AGENT": CHROME, "HTTP_CF_IPCOUNTRY": "JP"})
    revalidated = third.get(f"/?{UTM}", headers={"If-None-Match": etag})
    assert revalidated.status_code == 304 and visitor_cookie(revalidated)
    assert len(visits(db)) == 3


@pytest.mark.parametrize("path", [f"/products.json?{UTM}", f"/sitemap.xml?{UTM}", f"/admin/login?{UTM}",
                                  f"/no-such-page?{UTM}", "/?utm_source=", "/?ref=instagram"])
def test_json_feeds_admin_missing_pages_and_pages_without_utm_values_are_not_visits(shopper, db, spring, path):
    response = shopper.get(path)
    assert visitor_cookie(response) is None and visits(db) == []


def test_utm_parameters_on_a_form_post_are_not_a_visit(shopper, db, spring):
    tee = make_product(db.session, variants=[{"price": 2000}])
    shopper.post(f"/cart/add.js?{UTM}", json={"id": tee.variants[0].id}, headers=XHR)
    assert visits(db) == []


# -- end to end: from the link to a paid order -------------------------------------------------------------------
@pytest.fixture
def stripe_shop(app, db, markets, fake_stripe, monkeypatch):
    settings = app.config["CLIPPER"]
    monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(
        settings, stripe_secret_key=STRIPE_TEST_SECRET_KEY, stripe_api_base=fake_stripe.base_url,
        stripe_webhook_secret=fake_stripe.webhook_secret))
    make_shipping_zone(db.session, "Japan", ["JP"], "JPY", rates=[{"name": "EMS", "brackets": [(2000, 1600)]}])
    return make_product(db.session, title="Linen Tee", translations={"ja": "リネンTシャツ"},
                        variants=[{"price": 2000, "weight_grams": 200}])


def buy(shopper, db, fake_stripe, product) -> Order:
    """Add one to the cart, check out in Japanese and pay through the fake Stripe with its signed webhook."""
    assert shopper.post("/ja/cart/add.js", json={"id": product.variants[0].id}, headers=XHR).status_code == 200
    html = shopper.get("/ja/cart").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert shopper.post("/ja/checkout", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    order = db.session.scalars(select(Order).order_by(Order.id.desc())).first()
    event = fake_stripe.complete_session(order.stripe_checkout_session_id, shipping_rate=0)
    assert shopper.post("/webhooks/stripe", data=event.payload, headers=webhook_headers(event)).status_code == 200
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.payment_status is PaymentStatus.PAID
    return order


def test_a_visit_through_a_link_then_a_paid_order_shows_in_the_campaign_report(shopper, db, spring, stripe_shop,
                                                                              fake_stripe):
    assert shopper.get("/c/spring-ja", follow_redirects=True).status_code == 200
    order = buy(shopper, db, fake_stripe, stripe_shop)
    campaign = spring["campaign"]
    assert (order.first_touch_campaign_id, order.last_touch_campaign_id, order.campaign_link_id) == (
        campaign.id, campaign.id, spring["ja"].id)
    # $20.00 = ¥2,816 with JCT, less 10 % (¥282), plus ¥1,600 shipping; at 128 ¥/$: 22.00 − 2.20 + 12.50.
    assert (order.currency, order.total, order.discount_code) == ("JPY", 2816 - 282 + 1600, "SPRING10")
    report = reports.campaign_report(db.session, campaign)
    assert (report.visits, report.carts, report.orders) == (1, 1, 1)
    assert (report.currency, report.revenue_base, report.discount_cost_base) == ("USD", 3230, 220)
    assert report.revenue_by_market == {"JP": (4134, "JPY")}
    assert report.conversion_rate == 1 and report.average_order_value_base == 3230


def test_first_and_last_touch_credit_different_campaigns(shopper, db, spring, stripe_shop, fake_stripe):
    search = make_campaign(db.session, "Search ads", utm_source="google", utm_medium="cpc", utm_campaign="brand")
    shopper.get("/?utm_source=google&utm_medium=cpc&utm_campaign=brand")
    shopper.get("/c/spring-ja", follow_redirects=True)
    buy(shopper, db, fake_stripe, stripe_shop)
    campaign = spring["campaign"]
    assert reports.campaign_report(db.session, search, touch="first").orders == 1
    assert reports.campaign_report(db.session, search, touch="last").orders == 0
    assert reports.campaign_report(db.session, campaign, touch="last").orders == 1
    assert reports.campaign_report(db.session, campaign, touch="first").orders == 0
    assert [v.campaign_id for v in visits(db)] == [search.id, campaign.id]


def test_a_kol_code_typed_without_a_click_credits_its_campaign_and_influencer(shopper, db, stripe_shop,
                                                                             fake_stripe):
    kol = make_campaign(db.session, "Anna on Instagram")
    code = make_discount_code(db.session, "ANNA10", campaign_id=kol.id)
    anna = make_link(db.session, kol, "anna", influencer="Anna", commission_bp=1000, discount_code_id=code.id)
    product = stripe_shop
    assert shopper.post("/ja/cart/add.js", json={"id": product.variants[0].id}, headers=XHR).status_code == 200
    assert shopper.post("/ja/cart/update.js", json={"discount": "anna10"}, headers=XHR).status_code == 200
    order = buy(shopper, db, fake_stripe, product)
    assert (order.last_touch_campaign_id, order.campaign_link_id) == (kol.id, anna.id)
    report = reports.campaign_report(db.session, kol)
    assert (report.visits, report.orders, report.revenue_base) == (0, 1, order.base_total)
    [row] = reports.influencer_report(db.session, kol)
    assert (row.influencer, row.orders, row.commission_due_base) == (
        "Anna", 1, round((order.base_subtotal - order.base_discount_total) / 10))


def test_an_order_outside_the_attribution_window_is_not_credited(shopper, app, db, spring, stripe_shop, fake_stripe):
    spring["campaign"].discount_code_id = None   # a campaign's own code would credit it without any click
    db.session.flush()
    late = app.test_client()
    late.environ_base.update(shopper.environ_base)

    def check_out(client) -> Order:
        client.post("/ja/cart/add.js", json={"id": stripe_shop.variants[0].id}, headers=XHR)
        html = client.get("/ja/cart").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        assert client.post("/ja/checkout", data={"csrf_token": token}).status_code == 303
        db.session.expire_all()
        return db.session.scalars(select(Order).order_by(Order.id.desc())).first()

    with time_machine.travel(datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc), tick=False) as traveller:
        shopper.get("/c/spring")
        late.get("/c/spring")
        traveller.shift(timedelta(days=29, hours=23))
        in_time = check_out(shopper)
        traveller.shift(timedelta(hours=2))
        too_late = check_out(late)
    assert (in_time.first_touch_campaign_id, in_time.last_touch_campaign_id) == (spring["campaign"].id,) * 2
    assert (too_late.first_touch_campaign_id, too_late.last_touch_campaign_id, too_late.campaign_link_id) == (
        None, None, None)
    db.session.expire_all()
    assert db.session.scalars(select(Cart.last_touch_campaign_id).order_by(Cart.id)).all() == [
        spring["campaign"].id, None]
    assert db.session.scalar(select(func.count(Visit.id))) == 2
