"""The owner ships a paid demo order to Japan with DHL Express from the admin, prints the label, tracking sync
runs against the fake DHL API, and the shopper follows the parcel on /ja/orders/<token> (issue 7)."""
from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select

from storefront.demo.seed import BASE_CURRENCY, DemoSeeder
from storefront.demo.shipping import seed_shipping
from storefront.domain.fx import load_rate_table
from storefront.domain.money import minor_exponent
from storefront.extensions import cache, db
from storefront.integrations.carriers.types import TrackingStatus
from storefront.models import Location, Market, Product, Shipment, ShipmentStatus
from tests.e2e.conftest import RESULTS
from tests.e2e.fixtures import PATIENCE_MS, expect, make_live_app, serving, sign_in
from tests.fixtures.factories import make_staff_user
from tests.fixtures.shipping import make_shippable_order

pytestmark = pytest.mark.browser

OWNER_EMAIL = "owner@harborloom.example"
PASSWORD = "correct horse battery staple"
TOKYO = {"name": "Yamada Hanako", "address1": "1-1 Chiyoda", "city": "Chiyoda-ku", "province_code": "13",
         "postal_code": "100-0001", "country_code": "JP"}
SHOPPER_EMAIL = "hanako@example.jp"
BASKET = ["organic-cotton-crew-tee", "speckled-stoneware-mug-set"]
CHINA, JAPAN = timezone(timedelta(hours=8)), timezone(timedelta(hours=9))


@pytest.fixture
def demo_shop(tmp_path, app_config, fresh_database, fake_carriers, smtp_server):
    """The demo store with its shipping desk (carriers pointed at the fakes, as `clipper demo` does), an owner,
    and a paid Japanese order of a tee and a mug set whose stock was taken from the Shenzhen warehouse."""
    app = make_live_app(app_config, tmp_path, fresh_database, carrier_api_base=fake_carriers.url,
                        mail_url=smtp_server.url)
    with app.app_context():
        session = db.session
        DemoSeeder(session, tmp_path / "media", render_pictures=False).run()
        seed_shipping(session, app.config["CLIPPER"].secret_key)
        make_staff_user(session, email=OWNER_EMAIL, password=PASSWORD)
        japan = session.scalars(select(Market).where(Market.code == "JP")).one()
        shenzhen = session.scalars(select(Location).where(Location.code == "CN-SZX")).one()
        rate = load_rate_table(session).rate(BASE_CURRENCY, japan.currency)
        lines = []
        for handle in BASKET:  # one of each, priced in yen at the day's rate as checkout would have
            product = session.scalars(select(Product).where(Product.handle == handle)).one()
            price = Decimal(product.variants[0].price).scaleb(-minor_exponent(BASE_CURRENCY)) * rate
            lines.append((product, 1, int(price.quantize(Decimal(1), rounding=ROUND_HALF_UP))))
        order = make_shippable_order(session, lines, market=japan, address=dict(TOKYO), currency="JPY",
                                     location=shenzhen, vat_percent=10, locale="ja", email=SHOPPER_EMAIL,
                                     phone="+81 3-1234-5678")
        session.commit()
        cache.clear()
        number, token = order.number, order.token
    with serving(app) as base:
        yield app, base, number, token


def test_owner_ships_a_demo_order_with_dhl_and_the_shopper_follows_it_in_japanese(
        browser, demo_shop, fake_carriers, smtp_server):
    app, base, number, token = demo_shop
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    shopper = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    anonymous = browser.new_context()
    admin.set_default_timeout(PATIENCE_MS)
    shopper.set_default_timeout(PATIENCE_MS)
    page = admin.new_page()
    try:
        sign_in(page, base, OWNER_EMAIL, PASSWORD)

        # The order: paid, nothing shipped yet.
        page.goto(f"{base}/admin/orders/{number}")
        status_line = page.locator("hgroup p")
        expect(status_line).to_contain_text("Paid")
        expect(status_line).to_contain_text("Unfulfilled")
        shipments = page.locator("#shipments")
        expect(shipments.locator("#order-shipments")).to_have_count(0)
        with page.expect_navigation():
            shipments.get_by_role("button", name="Fulfil", exact=True).click()
        expect(page).to_have_url(f"{base}/admin/orders/{number}/fulfill")

        # Step 1: everything ships from Shenzhen; the parcel's weight is prefilled from the catalogue.
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Ship order #{number}")
        expect(page.locator("#plan strong")).to_contain_text("Shenzhen warehouse")
        expect(page.locator(".ship-problems")).to_have_count(0)
        expect(page.locator("#parcel-lines tbody tr")).to_have_count(2)
        weight = page.get_by_label("Weight (g)")
        assert int(weight.input_value()) > 0
        with page.expect_navigation():
            page.get_by_role("button", name="Get rates").click()

        # Step 2: live rates side by side; DHL Express Worldwide is quoted with its price in dollars.
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Rates for order #{number}")
        worldwide = page.locator("#rates tbody tr", has=page.get_by_text("DHL Express Worldwide", exact=True))
        expect(worldwide).to_have_count(1)
        expect(worldwide.locator("th")).to_contain_text("DHL Express")
        expect(worldwide.locator("td.num").last).to_contain_text("$")
        expect(worldwide).to_contain_text("DAP")
        page.get_by_label("DHL Express Worldwide", exact=True).check()
        with page.expect_navigation():
            page.get_by_role("button", name="Buy label").click()

        # Step 3: the shipment page: label bought, tracking number from DHL, customs papers for Japan.
        flash = page.locator(".flash-success")
        expect(flash).to_contain_text("Label bought: DHL Express, tracking number")
        tracking_number = page.locator("#tracking-link").inner_text().strip()
        assert re.fullmatch(r"\d{10}", tracking_number), tracking_number
        assert tracking_number in fake_carriers.shipments
        expect(page.locator("#shipment-status")).to_have_text("Label created")
        expect(page.locator("#customs tbody tr")).to_have_count(2)
        expect(page.locator("#tracking-events")).to_contain_text("Not yet scanned by the carrier.")
        page.screenshot(path=str(RESULTS / "owner-dhl-shipment.png"), full_page=True)

        # Printing the label opens the PDF in a new tab.
        label_link = page.get_by_role("button", name="Print label (PDF)")
        with page.expect_popup() as popup_info:
            label_link.click()
        popup = popup_info.value
        popup.wait_for_load_state()
        label_url = label_link.get_attribute("href")
        assert popup.url == f"{base}{label_url}"
        label = admin.request.get(f"{base}{label_url}")
        assert label.status == 200
        assert label.headers["content-type"] == "application/pdf"
        assert label.headers["content-disposition"].startswith("inline;")
        assert label.body().startswith(b"%PDF-")
        popup.close()
        # Signed out, nobody gets the label.
        stranger = anonymous.request.get(f"{base}{label_url}", max_redirects=0)
        assert stranger.status in (302, 303, 401) and stranger.body()[:5] != b"%PDF-"

        # Before DHL has scanned it, the shopper sees the parcel as not yet scanned, in Japanese.
        shop = shopper.new_page()
        shop.goto(f"{base}/ja/orders/{token}")
        expect(shop.locator("html")).to_have_attribute("lang", "ja")
        parcel = shop.locator(".parcels .parcel")
        expect(parcel).to_have_count(1)
        expect(parcel.locator(".parcel__not-scanned")).to_be_visible()
        expect(parcel.locator(".parcel__events")).to_have_count(0)

        # DHL scans the parcel on its way from Shenzhen to Tokyo; tracking sync picks the scans up.
        now = datetime.now(UTC).replace(microsecond=0)
        # (status, DHL's words, where, DHL's event code, hours ago, the local time zone of the scan)
        scans = [
            (TrackingStatus.IN_TRANSIT, "Shipment picked up", "Shenzhen - China", "PU", 30, CHINA),
            (TrackingStatus.IN_TRANSIT, "Departed Facility in HONG KONG - HONG KONG", "Hong Kong - Hong Kong",
             "DF", 24, CHINA),
            (TrackingStatus.IN_TRANSIT, "Arrived at DHL Delivery Facility TOKYO - JAPAN", "Tokyo - Japan", "AF", 12,
             JAPAN),
            (TrackingStatus.IN_TRANSIT, "Customs status updated: clearance processing complete", "Tokyo - Japan",
             "CC", 8, JAPAN),
            (TrackingStatus.OUT_FOR_DELIVERY, "With delivery courier", "Tokyo - Japan", "WC", 3, JAPAN),
            (TrackingStatus.DELIVERED, "Delivered", "Tokyo - Japan", "OK", 1, JAPAN),
        ]
        for status, description, where, code, hours_ago, zone in scans:
            fake_carriers.add_event(tracking_number, status, description, location=where, code=code,
                                    occurred_at=(now - timedelta(hours=hours_ago)).astimezone(zone))
        result = app.test_cli_runner().invoke(args=["tracking", "sync", "--all"])
        assert result.exit_code == 0, result.output
        assert "Checked 1 shipment: 6 new events, 1 delivered, 0 not yet scanned." in result.output
        again = app.test_cli_runner().invoke(args=["tracking", "sync", "--all"])
        assert again.exit_code == 0, again.output
        assert "Checked 0 shipments" in again.output  # a delivered parcel is not asked about again
        with app.app_context():
            shipment = db.session.scalars(select(Shipment).where(Shipment.tracking_number == tracking_number)).one()
            assert shipment.status is ShipmentStatus.DELIVERED
            assert len(shipment.events) == 6

        # The owner sees it delivered on the order.
        page.goto(f"{base}/admin/orders/{number}")
        expect(status_line).to_contain_text("Delivered")
        row = page.locator("#order-shipments tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(tracking_number)
        expect(row).to_contain_text("Delivered")
        expect(shipments.get_by_role("button", name="Fulfil", exact=True)).to_have_count(0)

        # The shopper's page: carrier, a link to DHL's tracking page, the status in Japanese, every scan in order.
        shop.reload()
        expect(parcel.locator(".parcel__status")).to_contain_text("配達済み")
        details = parcel.locator(".parcel__details")
        expect(details).to_contain_text("配送業者")
        expect(details).to_contain_text("DHL Express")
        link = details.locator("a.parcel__tracking-link")
        expect(link).to_contain_text(tracking_number)
        href = link.get_attribute("href")
        assert href.startswith("https://") and "dhl" in href and tracking_number in href
        expect(parcel.locator(".parcel__not-scanned")).to_have_count(0)
        events = parcel.locator(".parcel__events li")
        expect(events).to_have_count(6)
        newest_first = [description for _status, description, *_rest in reversed(scans)]
        for item, description in zip(events.all(), newest_first):
            expect(item).to_contain_text(description)
        expect(events.first).to_contain_text("配達済み")
        expect(events.last).to_contain_text("Shenzhen - China")
        # Each scan at the local time of where it happened, whatever the server's time zone.
        expect(events.first.locator("time")).to_have_attribute("datetime", re.compile(r"\+09:00$"))
        expect(events.first).to_contain_text("GMT+09:00")
        expect(events.last.locator("time")).to_have_attribute("datetime", re.compile(r"\+08:00$"))
        shop.screenshot(path=str(RESULTS / "shopper-parcel-ja.png"), full_page=True)

        # Someone guessing another order's token sees nothing of it.
        assert shop.goto(f"{base}/ja/orders/not-a-real-token").status == 404

        # The shopper got the shipping confirmation and the delivery e-mail, each with the tracking number.
        deadline = time.monotonic() + 30  # the confirmation goes after the booking's response, from the server
        while len([m for m in smtp_server.messages if m["To"] == SHOPPER_EMAIL]) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        to_shopper = [m for m in smtp_server.messages if m["To"] == SHOPPER_EMAIL]
        assert len(to_shopper) == 2, [m["Subject"] for m in smtp_server.messages]
        for message in to_shopper:
            assert tracking_number in message.get_body(preferencelist=("plain",)).get_content()
    finally:
        for context in (admin, shopper, anonymous):
            context.close()
