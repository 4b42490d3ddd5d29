"""A shopper in Japan opens an influencer's campaign link in a real browser, lands on the Japanese landing page with
the campaign's discount already in the cart, and pays through the fake Stripe: the campaign report counts the
visit and the order (issue 8)."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from storefront.domain.marketing import attribution, reports
from storefront.domain.marketing.landing import validate_blocks
from storefront.extensions import cache, db
from storefront.integrations.stripe_gateway.fake import FakeStripe
from storefront.models import (
    Campaign,
    CampaignChannel,
    CampaignLink,
    Cart,
    LandingKind,
    Order,
    PageKind,
    PaymentStatus,
    Visit,
)
from tests.e2e.conftest import RESULTS
from tests.e2e.fixtures import DESKTOP_CHROME, PATIENCE_MS, expect, make_live_app, serving
from tests.fakes.stripe import STRIPE_TEST_SECRET_KEY
from tests.fixtures.factories import (
    make_discount_code,
    make_fx_rates,
    make_market,
    make_page,
    make_product,
    make_shipping_zone,
    make_store,
    make_tax_rate,
)

pytestmark = pytest.mark.browser

UTM = {"utm_source": "instagram", "utm_medium": "social", "utm_campaign": "spring-launch",
       "utm_content": "spring-ja"}
HERO = "春の新作コレクション"


@pytest.fixture
def campaign_shop(tmp_path, app_config, fresh_database):
    """A shop selling in Japan (yen, 10 % JCT included, EMS ¥1,600) with the "Spring Launch" campaign: a landing
    page with a Japanese copy built from blocks (hero + the tee), a 10 % code applied on arrival and a Japanese
    link `spring-ja` for an influencer."""
    fake = FakeStripe()
    fake.start()
    app = make_live_app(app_config, tmp_path, fresh_database, stripe_secret_key=STRIPE_TEST_SECRET_KEY,
                        stripe_api_base=fake.base_url, stripe_webhook_secret=fake.webhook_secret)
    with app.app_context():
        session = db.session
        make_store(session, name="Harbor Shop")
        make_market(session, "INTL", currency="USD", is_default=True)
        make_market(session, "JP", name="Japan", currency="JPY", default_locale="ja", locales=["ja", "en"],
                    countries=["JP"], tax_inclusive=True)
        make_fx_rates(session)  # 1 € = $1.25 = ¥160
        make_tax_rate(session, "JP", "10", "JCT")
        make_shipping_zone(session, "Japan", ["JP"], "JPY", rates=[{"name": "EMS", "brackets": [(2000, 1600)]}])
        tee = make_product(session, title="Linen Tee", handle="linen-tee", translations={"ja": "リネンTシャツ"},
                           variants=[{"price": 2000, "weight_grams": 200}])
        page = make_page(session, handle="spring-launch", kind=PageKind.LANDING, title="Spring launch",
                         translations={"ja": ("春の新作", "haru")})
        page.translations[0].blocks = validate_blocks([
            {"type": "hero", "heading": HERO, "text": "リネンの新作が入荷しました。"},
            {"type": "product_grid", "heading": "今週のおすすめ", "product_ids": [tee.id]},
        ], session=session)
        code = make_discount_code(session, "SPRING10")  # 10 %
        campaign = Campaign(name="Spring Launch", channel=CampaignChannel.INFLUENCER, utm_source="instagram",
                            utm_medium="social", utm_campaign="spring-launch", landing_kind=LandingKind.PAGE,
                            landing_page_id=page.id, discount_code_id=code.id, active=True,
                            links=[CampaignLink(code="spring-ja", label="KOL @mika.wears", influencer="mika.wears",
                                                locale="ja")])
        session.add(campaign)
        session.commit()
        cache.clear()
        campaign_id, link_id = campaign.id, campaign.links[0].id
    try:
        with serving(app) as base:
            fake.webhook_url = f"{base}/webhooks/stripe"
            yield app, base, campaign_id, link_id
    finally:
        fake.stop()


def test_a_japanese_campaign_link_lands_on_the_japanese_page_with_the_discount_in_the_cart(browser, campaign_shop):
    app, base, campaign_id, link_id = campaign_shop
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP", user_agent=DESKTOP_CHROME,
                                  extra_http_headers={"CF-IPCountry": "JP"})
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()

    def visits() -> list[Visit]:
        with app.app_context():
            return db.session.scalars(select(Visit).order_by(Visit.id)).all()

    try:
        # A mistyped or expired link goes to the Japanese home page, counts nothing and sets no cookie.
        page.goto(f"{base}/ja/c/spring-jp")
        expect(page).to_have_url(f"{base}/ja/")
        assert visits() == []
        assert attribution.VISITOR_COOKIE not in {cookie["name"] for cookie in context.cookies()}

        # The influencer's link: the Japanese landing page, with the campaign's UTM parameters.
        page.goto(f"{base}/ja/c/spring-ja")
        expect(page).to_have_url(f"{base}/ja/pages/haru?{urlencode(UTM)}")
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        expect(page).to_have_title(re.compile(r"^春の新作 · Harbor Shop"))
        expect(page.get_by_role("heading", level=1)).to_have_text(HERO)
        grid = page.locator(".landing-products")
        expect(grid.get_by_role("heading", level=2)).to_have_text("今週のおすすめ")
        card = grid.locator(".product-card", has_text="リネンTシャツ")
        expect(card).to_contain_text("￥2,816")  # $20.00 → €16.00 → ¥2,560 + 10 % JCT
        [visit] = visits()
        assert (visit.campaign_id, visit.campaign_link_id, visit.locale, visit.country_code) == (
            campaign_id, link_id, "ja", "JP")
        assert (visit.utm_source, visit.utm_content, visit.landing_path) == ("instagram", "spring-ja", "/ja/pages/haru")
        assert visit.is_first_touch
        assert {cookie["name"]: cookie["value"] for cookie in context.cookies()}[attribution.VISITOR_COOKIE] == \
            visit.visitor_id
        page.screenshot(path=str(RESULTS / "campaign-landing-ja.png"), full_page=True)

        # From the landing page to the product, into the cart.
        card.get_by_role("link").click()
        page.wait_for_url(f"{base}/ja/products/linen-tee-ja**")
        expect(page.get_by_role("heading", level=1)).to_have_text("リネンTシャツ")
        page.locator("[data-add-to-cart]").click()
        drawer = page.locator("#cart-drawer")
        expect(drawer).to_be_visible()
        drawer.locator("[data-close-drawer]").click()

        # The cart already carries the campaign's 10 % code: ¥2,816 − ¥282.
        page.goto(f"{base}/ja/cart")
        expect(page.get_by_role("heading", level=1)).to_have_text("カート")
        expect(page.locator(".cart-table tbody tr")).to_have_count(1)
        expect(page.locator("#discount-code")).to_have_value("SPRING10")
        totals = page.locator(".cart-summary .totals")
        expect(totals.locator("dt", has_text="小計").locator("+ dd")).to_have_text("￥2,816")
        expect(totals.locator("dt", has_text="割引（SPRING10）").locator("+ dd")).to_have_text("−￥282")
        expect(totals.locator("dd.totals__total")).to_have_text("￥2,534")
        expect(page.locator(".discount-form [role=alert]")).to_have_count(0)
        page.screenshot(path=str(RESULTS / "campaign-cart-ja.png"), full_page=True)
        # One visit, however many pages the shopper opened; the cart is the campaign's, first and last touch.
        assert len(visits()) == 1
        with app.app_context():
            [cart] = db.session.scalars(select(Cart)).all()
            assert (cart.first_touch_campaign_id, cart.last_touch_campaign_id) == (campaign_id, campaign_id)
            assert (cart.visitor_id, cart.discount_code, cart.currency) == (visit.visitor_id, "SPRING10", "JPY")

        # A link preview bot (headless Chromium says so in its user agent) follows the same link: it gets the page,
        # but is neither counted nor given the visitor cookie.
        crawler = browser.new_context(locale="ja-JP", extra_http_headers={"CF-IPCountry": "JP"})
        try:
            bot = crawler.new_page()
            assert "HeadlessChrome" in bot.evaluate("navigator.userAgent")
            bot.goto(f"{base}/ja/c/spring-ja")
            expect(bot.get_by_role("heading", level=1)).to_have_text(HERO)
            assert attribution.VISITOR_COOKIE not in {cookie["name"] for cookie in crawler.cookies()}
        finally:
            crawler.close()
        assert len(visits()) == 1

        # Checkout on Stripe's (fake) hosted page, back on the order page once paid.
        with page.expect_navigation():
            page.locator(".checkout-form button").click()
        page.fill("#email", "hanako@example.jp")
        page.fill("#name", "Yamada Hanako")
        page.fill("#line1", "1-1 Chiyoda")
        page.fill("#city", "Chiyoda-ku")
        page.fill("#postal_code", "100-0001")
        page.select_option("#country", "JP")
        with page.expect_navigation():
            page.get_by_role("button", name="Pay").click()
        page.wait_for_url(f"{base}/ja/orders/**")
        # The page refreshes itself until Stripe's webhook has marked the order paid.
        expect(page.locator(".order-status")).to_contain_text("支払い済み", timeout=45_000)
        expect(page.locator(".totals")).to_contain_text("割引（SPRING10）")
        page.screenshot(path=str(RESULTS / "campaign-order-ja.png"), full_page=True)

        with app.app_context():
            session = db.session
            [order] = session.scalars(select(Order)).all()
            assert order.payment_status is PaymentStatus.PAID
            assert (order.first_touch_campaign_id, order.last_touch_campaign_id, order.campaign_link_id) == (
                campaign_id, campaign_id, link_id)
            assert (order.currency, order.discount_code, order.discount_total) == ("JPY", "SPRING10", 282)
            report = reports.campaign_report(session, session.get(Campaign, campaign_id))
            assert (report.visits, report.carts, report.orders) == (1, 1, 1)
            assert report.revenue_base == order.base_total > 0
            assert report.revenue_by_market == {"JP": (order.total, "JPY")}
            [row] = reports.influencer_report(session, session.get(Campaign, campaign_id))
            assert (row.influencer, row.orders) == ("mika.wears", 1)
            assert session.scalar(select(func.count(Visit.id))) == 1
    finally:
        context.close()
