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


def test_a_german_browser_is_offered_german_but_never_redirected(page, live_server, shop):
    page.goto(f"{live_server}/")
    assert page.url == f"{live_server}/"
    assert page.locator("html").get_attribute("lang") == "en"
    banner = page.locator("#language-banner")
    banner.wait_for(state="visible")
    assert banner.get_attribute("lang") == "de"
    link = banner.get_by_role("link")
    assert link.get_attribute("href") == f"{live_server}/de/"
    banner.get_by_role("button").click()
    assert banner.is_hidden()
    page.reload()
    assert page.locator("#language-banner").is_hidden()


def test_the_banner_is_not_offered_in_the_language_already_shown(page, live_server, shop):
    page.goto(f"{live_server}/de/")
    page.wait_for_load_state("load")
    assert page.locator("#language-banner").is_hidden()
