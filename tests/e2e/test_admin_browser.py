"""A store owner working in the Chinese admin edits a product's German title in a real browser."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import delete

from storefront.domain.search import service as search_service
from storefront.extensions import cache, db
from storefront.models import Product, StaffUser
from tests.e2e.conftest import RESULTS
from tests.fixtures.factories import make_product, make_staff_user

pytestmark = pytest.mark.browser

OWNER_EMAIL = "laoban@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def owner_and_lamp(live_app, shop):
    """An owner and a product of their own in the shared live shop, removed afterwards so the shop's other
    browser tests see the catalogue they expect."""
    with live_app.app_context():
        owner = make_staff_user(db.session, email=OWNER_EMAIL, password=PASSWORD)
        lamp = make_product(db.session, handle="paper-lamp", title="Paper Lamp",
                            translations={"de": "Papierlampe", "zh-CN": "纸灯"})
        db.session.commit()
        ids = owner.id, lamp.id
    yield ids
    with live_app.app_context():
        db.session.execute(delete(Product).where(Product.id == ids[1]))
        db.session.execute(delete(StaffUser).where(StaffUser.id == ids[0]))
        db.session.commit()
        search_service.rebuild(db.session, live_app.config["CLIPPER"])
        cache.clear()


def test_owner_in_chinese_admin_edits_the_german_title_and_sees_it_in_the_shop(browser, live_server, owner_and_lamp):
    _owner_id, lamp_id = owner_and_lamp
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/admin/login")
        page.fill("input[name=email]", OWNER_EMAIL)
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("form[action='/admin/login'] button[type=submit]").click()
        assert page.locator("html").get_attribute("lang") == "zh-CN"

        page.goto(f"{live_server}/admin/products?q=paper-lamp")
        with page.expect_navigation():
            page.get_by_role("link", name="Paper Lamp").click()
        assert page.url.endswith(f"/admin/products/{lamp_id}")
        assert page.locator("html").get_attribute("lang") == "zh-CN"

        german_tab = page.get_by_role("tab", name=re.compile(r"Deutsch \(de\)"))
        german_title = page.locator("input[name='t_de-title']")
        assert not german_title.is_visible()  # the tabs script shows one language at a time
        german_tab.click()
        assert german_tab.get_attribute("aria-selected") == "true"
        german_title.fill("Faltbare Papierlampe")
        page.screenshot(path=str(RESULTS / "admin-product-editor-zh.png"), full_page=True)
        with page.expect_navigation():
            page.locator(".form-actions button[type=submit]").click()
        assert page.locator(".flash-success").is_visible()

        page.goto(f"{live_server}/de/products/paper-lamp-de")
        assert page.locator("h1").inner_text() == "Faltbare Papierlampe"
        page.goto(f"{live_server}/zh-CN/products/paper-lamp-zh-cn")
        assert page.locator("h1").inner_text() == "纸灯"
    finally:
        context.close()
