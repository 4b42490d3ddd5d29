import pytest

pytestmark = pytest.mark.browser


def test_german_shopper_sees_the_home_page_in_german_with_pictures(page, live_server, shop):
    page.goto(f"{live_server}/de/")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", level=1).inner_text() == "Willkommen im Laden"
    picture = page.get_by_alt_text("Rundhals-Shirt in Schwarz").first
    picture.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    assert page.get_by_text("Rundhals-Shirt").first.is_visible()


def test_keyboard_users_can_skip_to_the_content(page, live_server, shop):
    page.goto(f"{live_server}/de/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    assert page.locator(".skip-link").is_visible()
