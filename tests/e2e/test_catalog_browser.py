"""A German shopper browses the catalogue in a real browser (Debian chromium through Playwright)."""
import pytest

from tests.e2e.conftest import RESULTS

pytestmark = pytest.mark.browser


def test_german_shopper_switches_variant_and_currency(browser, live_server, shop):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE",
                                  extra_http_headers={"CF-IPCountry": "DE"})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/de/collections/all")
        assert page.locator("html").get_attribute("lang") == "de"
        card = page.locator(".product-card", has_text="Rundhals-Shirt")
        assert "€" in card.inner_text()
        card.get_by_role("link").first.click()
        page.wait_for_url("**/de/products/**")

        price = page.locator("[data-price-block] [data-price]")
        # US$24.90 → EUR at 1/1.0562, +2 % market adjustment, +19 % German VAT = 28.77 → 28.95 €
        assert price.inner_text() == "28,95\xa0€"
        main_image = page.locator("[data-main-image] img")
        assert main_image.get_attribute("alt") == "Rundhals-Shirt in Schwarz"

        page.get_by_label("Color").select_option("Red")
        assert main_image.get_attribute("alt") == "Rundhals-Shirt in Rot"
        page.get_by_label("Size").select_option("XL")
        # US$29.90 → 34.55 → 34.95 €
        assert price.inner_text() == "34,95\xa0€"
        assert "variant=" in page.url
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=str(RESULTS / "german-shopper-product.png"), full_page=True)

        form = page.locator("[data-localization-form]")
        form.locator("select[name=currency]").select_option("GBP")
        with page.expect_navigation():
            form.get_by_role("button").click()
        assert "£" in price.inner_text()
        page.goto(f"{live_server}/de/collections/all")
        assert "£" in page.locator(".product-card", has_text="Rundhals-Shirt").inner_text()
        page.screenshot(path=str(RESULTS / "german-shopper-pounds.png"), full_page=True)
    finally:
        context.close()
