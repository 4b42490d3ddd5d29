import pytest
from PIL import Image

from storefront.domain.images import store_image
from storefront.extensions import db
from storefront.models import ProductImage
from tests.fixtures.factories import make_product, make_store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shop(live_app):
    with live_app.app_context():
        make_store(db.session, name="Browser Shop", theme_settings={
            "hero": {"heading": {"en": "Hello", "de": "Willkommen im Laden"}}})
        product = make_product(db.session, title="Linen Shirt", featured=True, translations={"de": "Leinenhemd"})
        stored = store_image(live_app.config["CLIPPER"].media_path, Image.new("RGB", (720, 720), "#c8553d"),
                             "products/linen")
        db.session.add(ProductImage(product_id=product.id, key=stored.key, width=stored.width, height=stored.height,
                                    sizes=stored.sizes, alt="Linen shirt", alt_translations={"de": "Leinenhemd in Rot"}))
        db.session.commit()


def test_german_shopper_sees_the_home_page_in_german_with_pictures(page, live_server, shop):
    page.goto(f"{live_server}/de/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", level=1).inner_text() == "Willkommen im Laden"
    picture = page.get_by_alt_text("Leinenhemd in Rot")
    picture.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    assert page.get_by_text("Leinenhemd").first.is_visible()


def test_keyboard_users_can_skip_to_the_content(page, live_server, shop):
    page.goto(f"{live_server}/de/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    assert page.locator(".skip-link").is_visible()
