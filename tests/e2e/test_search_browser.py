"""A French shopper uses the search box's suggestions with the keyboard only."""
import pytest

pytestmark = pytest.mark.browser


def test_french_shopper_types_three_letters_and_picks_a_suggestion_with_the_keyboard(page, live_server, shop):
    page.goto(f"{live_server}/fr/")
    box = page.locator("#site-search")
    box.focus()
    page.keyboard.type("col")
    listbox = page.get_by_role("listbox")
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    option = listbox.get_by_role("option", name="T-shirt col rond")
    assert "€" in option.inner_text() or "$" in option.inner_text()
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    assert option.get_attribute("aria-selected") == "true"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/fr/products/" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "T-shirt col rond"


def test_escape_closes_the_suggestions(page, live_server, shop):
    page.goto(f"{live_server}/fr/")
    page.locator("#site-search").focus()
    page.keyboard.type("col")
    page.get_by_role("listbox").wait_for(state="visible")
    page.keyboard.press("Escape")
    assert page.get_by_role("listbox").is_hidden()
    assert page.locator("#site-search").get_attribute("aria-expanded") == "false"


def test_the_search_page_works_with_the_enter_key(page, live_server, shop):
    page.goto(f"{live_server}/fr/")
    page.locator("#site-search").fill("t-shirt")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/fr/search?q=t-shirt" in page.url
    assert "T-shirt col rond" in page.locator(".product-grid").inner_text()
