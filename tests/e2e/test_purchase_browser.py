"""A German shopper buys two things end to end: cart, Stripe's (fake) hosted page, paid order, e-mail."""
from __future__ import annotations

import threading
import time

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from storefront import create_app
from storefront.domain.search import service as search_service
from storefront.extensions import cache, db
from storefront.integrations.stripe_gateway.fake import FakeStripe
from tests.e2e.conftest import LOCAL_STORAGE, RESULTS, ClosedWhenSent
from tests.fakes.stripe import STRIPE_TEST_SECRET_KEY
from tests.fixtures.factories import make_fx_rates, make_market, make_product, make_shipping_zone, make_store, \
    make_tax_rate

pytestmark = pytest.mark.browser


@pytest.fixture
def shop_with_payments(tmp_path, app_config, smtp_server):
    fake = FakeStripe()
    fake.start()
    app = create_app({**app_config, **LOCAL_STORAGE, "instance_path": str(tmp_path),
                      "database_url": f"sqlite:///{tmp_path / 'shop.db'}", "media_path": str(tmp_path / "media"),
                      "stripe_secret_key": STRIPE_TEST_SECRET_KEY, "stripe_api_base": fake.base_url,
                      "stripe_webhook_secret": fake.webhook_secret, "mail_url": smtp_server.url})
    server = make_server("127.0.0.1", 0, lambda environ, start: ClosedWhenSent(app(environ, start)), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    fake.webhook_url = f"{base}/webhooks/stripe"
    with app.app_context():
        upgrade()
        make_store(db.session, name="Harbor Shop")
        make_market(db.session, "INTL", currency="USD", is_default=True)
        make_market(db.session, "EU", currency="EUR", default_locale="de", countries=["DE", "FR", "AT"],
                    tax_inclusive=True)
        make_fx_rates(db.session)
        make_tax_rate(db.session, "DE", "19", "VAT")
        make_shipping_zone(db.session, "Europe", ["DE", "FR", "AT"], "EUR",
                           rates=[{"name": "Post", "translations": {"de": "Post"}, "brackets": [(5000, 500)]}])
        make_product(db.session, title="Crew Tee", handle="crew-tee", translations={"de": "Rundhals-Shirt"},
                     variants=[{"price": 2000}])
        make_product(db.session, title="Linen Cap", handle="linen-cap", translations={"de": "Leinenkappe"},
                     variants=[{"price": 1500}])
        db.session.commit()
        search_service.rebuild(db.session, app.config["CLIPPER"])
        cache.clear()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, fake, smtp_server
    server.shutdown()
    fake.stop()


def test_german_shopper_buys_two_items_and_gets_a_german_confirmation(browser, shop_with_payments):
    base, fake, smtp = shop_with_payments
    context = browser.new_context(locale="de-DE", extra_http_headers={"CF-IPCountry": "DE"},
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        for handle in ("crew-tee-de", "linen-cap-de"):
            page.goto(f"{base}/de/products/{handle}")
            page.locator("[data-add-to-cart]").click()
            drawer = page.locator("#cart-drawer")
            drawer.wait_for(state="visible")
            drawer.locator("[data-close-drawer]").click()
        page.goto(f"{base}/de/cart")
        assert page.locator(".cart-table tbody tr").count() == 2
        assert "€" in page.locator(".totals").inner_text()
        with page.expect_navigation():
            page.locator(".checkout-form button").click()
        assert page.url.startswith(fake.base_url + "/pay/")
        page.fill("#email", "kundin@example.de")
        page.fill("#name", "Erika Mustermann")
        page.fill("#line1", "Hauptstraße 1")
        page.fill("#city", "Berlin")
        page.fill("#postal_code", "10115")
        page.select_option("#country", "DE")
        with page.expect_navigation():
            page.get_by_role("button", name="Pay").click()
        page.wait_for_url(f"{base}/de/orders/**")
        status = page.locator(".order-status")
        status.wait_for()
        for _ in range(20):
            if "Bezahlt" in status.inner_text():
                break
            time.sleep(0.5)
            page.reload()
        assert "Bezahlt" in page.locator(".order-status").inner_text()
        totals = page.locator(".totals").inner_text()
        assert "€" in totals and "Gesamt" in totals
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / "german-shopper-paid-order.png"), full_page=True)
        deadline = time.monotonic() + 90  # the e-mail job runs after the webhook's response, behind SQLite's write lock
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.25)
        [message] = smtp.messages
        assert message["To"] == "kundin@example.de"
        assert "bestätigt" in message["Subject"]
        body = message.get_body(preferencelist=("plain",)).get_content()
        assert "Rundhals-Shirt" in body and "Leinenkappe" in body and "€" in body
    finally:
        context.close()
