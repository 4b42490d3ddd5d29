"""Collections and pages in the admin: editors in every shop language, smart collection rules, access."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront.models import AuditLog, Collection, Page, PageKind, ProductTag
from tests.admin.test_products import save as save_product
from tests.admin.test_products import submit, text
from tests.fixtures.factories import make_collection, make_page, make_product


def _editor(client, action: str) -> str:
    response = client.get(action)
    assert response.status_code == 200
    return text(response)


def save_collection(client, collection_id: int | None = None, changes: dict | None = None):
    action = f"/admin/collections/{collection_id}" if collection_id else "/admin/collections/new"
    return submit(client, action, _editor(client, action), changes)


def save_page(client, page_id: int | None = None, changes: dict | None = None):
    action = f"/admin/pages/{page_id}" if page_id else "/admin/pages/new"
    return submit(client, action, _editor(client, action), changes)


def members(db, handle: str) -> list[str]:
    db.session.expire_all()
    collection = db.session.scalars(select(Collection).where(Collection.handle == handle)).one()
    return [member.product.title for member in collection.products]


# -- collections -------------------------------------------------------------------------------------------

def test_manual_collection_lists_products_in_the_order_chosen(admin_client, store, db):
    make_product(db.session, title="Mug", handle="mug")
    make_product(db.session, title="Bowl", handle="bowl", variants=[{"sku": "BOWL-1"}])
    response = save_collection(admin_client, changes={"t_en-title": "Kitchen", "add_products": "mug, BOWL-1"})
    assert response.status_code == 302, text(response)
    assert members(db, "kitchen") == ["Mug", "Bowl"]

    collection = db.session.scalars(select(Collection).where(Collection.handle == "kitchen")).one()
    save_collection(admin_client, collection.id, {"members-0-position": "5", "members-1-position": "1"})
    assert members(db, "kitchen") == ["Bowl", "Mug"]
    save_collection(admin_client, collection.id, {"members-0-remove": "y"})
    assert members(db, "kitchen") == ["Mug"]


def test_unknown_handle_added_to_a_collection_is_reported_and_typing_kept(admin_client, store, db):
    response = save_collection(admin_client, changes={"t_en-title": "Kitchen", "add_products": "no-such-thing"})
    assert response.status_code == 422
    assert "No product has this handle or SKU: no-such-thing." in text(response)
    assert 'value="Kitchen"' in text(response)
    assert db.session.scalar(select(Collection).where(Collection.title == "Kitchen")) is None


def test_smart_collection_gathers_products_by_tag_and_follows_later_tag_changes(admin_client, store, db):
    make_product(db.session, title="On Sale", tags=[ProductTag(tag="sale")])
    regular = make_product(db.session, title="Full Price")
    response = save_collection(admin_client, changes={
        "t_en-title": "Sale", "kind": "smart", "rules-0-field": "tag", "rules-0-relation": "equals",
        "rules-0-value": "SALE"})
    assert response.status_code == 302, text(response)
    assert members(db, "sale") == ["On Sale"]
    assert db.session.scalars(select(Collection.rules).where(Collection.handle == "sale")).one() == [
        {"field": "tag", "relation": "equals", "value": "sale"}]

    save_product(admin_client, regular.id, {"tags": "sale, linen"})  # through the product editor
    assert members(db, "sale") == ["On Sale", "Full Price"]  # members keep their place, new ones follow


@pytest.mark.parametrize("rules, disjunctive, expected", [
    ([("price", "gt", "20")], "all", ["Lamp"]),
    ([("price", "lt", "20")], "all", ["Mug"]),
    ([("vendor", "equals", "nordic"), ("type", "equals", "lamps")], "all", ["Lamp"]),
    ([("vendor", "equals", "nordic"), ("type", "contains", "mug")], "any", ["Lamp", "Mug"]),
    ([("vendor", "not_equals", "Nordic")], "all", ["Mug"]),
])
def test_smart_collection_rules_on_price_vendor_and_type(admin_client, store, db, rules, disjunctive, expected):
    make_product(db.session, title="Lamp", vendor="Nordic", product_type="Lamps", variants=[{"price": 4500}])
    make_product(db.session, title="Mug", vendor="Acme", product_type="Mugs", variants=[{"price": 1200}])
    changes = {"t_en-title": "Picked", "kind": "smart", "disjunctive": disjunctive}
    for index, (field, relation, value) in enumerate(rules):
        changes.update({f"rules-{index}-field": field, f"rules-{index}-relation": relation,
                        f"rules-{index}-value": value})
    response = save_collection(admin_client, changes=changes)
    assert response.status_code == 302, text(response)
    assert members(db, "picked") == expected


def test_smart_collection_without_conditions_is_refused(admin_client, store, db):
    response = save_collection(admin_client, changes={"t_en-title": "Empty", "kind": "smart"})
    assert response.status_code == 422
    assert "A smart collection needs at least one condition." in text(response)


def test_price_condition_must_be_an_amount(admin_client, store, db):
    response = save_collection(admin_client, changes={"t_en-title": "Cheap", "kind": "smart", "rules-0-field": "price",
                                                      "rules-0-relation": "lt", "rules-0-value": "cheap"})
    assert response.status_code == 422
    assert "Enter an amount such as 24.90." in text(response)
    assert 'value="cheap"' in text(response)


def test_collection_german_title_shows_on_the_german_collection_page(admin_client, markets, db):
    product = make_product(db.session, title="Mug")
    collection = make_collection(db.session, [product], handle="kitchen", title="Kitchen")
    response = save_collection(admin_client, collection.id, {"t_de-title": "Küche", "t_de-handle": "kueche",
                                                              "t_de-body_html": "<p>Alles für die Küche</p>"})
    assert response.status_code == 302, text(response)
    page = admin_client.get("/de/collections/kueche")
    assert page.status_code == 200
    assert "Küche" in text(page) and "Alles für die Küche" in text(page)


def test_collection_handle_taken_in_german_is_refused(admin_client, store, db):
    make_collection(db.session, handle="other", translations={"de": "Andere"})  # German handle: other-de
    collection = make_collection(db.session, handle="kitchen")
    response = save_collection(admin_client, collection.id, {"t_de-title": "Küche", "t_de-handle": "other-de"})
    assert response.status_code == 422
    assert "The handle “other-de” is already used in this language." in text(response)


def test_collection_stale_edit_is_refused(admin_client, store, db):
    collection = make_collection(db.session, handle="kitchen", title="Kitchen")
    action = f"/admin/collections/{collection.id}"
    html = _editor(admin_client, action)
    assert save_collection(admin_client, collection.id, {"t_en-title": "Kitchen & Dining"}).status_code == 302
    response = submit(admin_client, action, html, {"t_en-title": "Cooking"})
    assert response.status_code == 409
    assert "Someone else saved this collection" in text(response)
    db.session.expire_all()
    assert db.session.get(Collection, collection.id).title == "Kitchen & Dining"


def test_collection_save_is_audited(admin_client, store, db):
    collection = make_collection(db.session, title="Kitchen", published=True)
    save_collection(admin_client, collection.id, {"published": None})
    entry = db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "collection")).one()
    assert (entry.action, entry.staff_user_id, entry.before, entry.after) == (
        "collection.update", admin_client.staff_user.id, {"published": True}, {"published": False})


def test_collections_list_shows_type_and_product_count(admin_client, store, db):
    make_collection(db.session, [make_product(db.session), make_product(db.session)], title="Kitchen")
    html = text(admin_client.get("/admin/collections"))
    assert "Kitchen" in html and "Manual" in html and '<td class="num">2</td>' in html


# -- pages -------------------------------------------------------------------------------------------------

def test_page_editor_creates_a_translated_page_shoppers_can_read(admin_client, markets, db):
    response = save_page(admin_client, changes={
        "kind": "legal", "t_en-title": "Shipping policy", "t_en-body_html": "<p>We ship worldwide.</p>",
        "t_de-title": "Versandrichtlinie", "t_de-handle": "versand", "t_de-body_html": "<p>Wir versenden weltweit.</p>",
        "t_ja-title": "配送ポリシー", "t_ja-body_html": "<p>世界中に発送します。</p>"})
    assert response.status_code == 302, text(response)
    page = db.session.scalars(select(Page).where(Page.handle == "shipping-policy")).one()
    assert page.kind is PageKind.LEGAL
    assert "Wir versenden weltweit." in text(admin_client.get("/de/pages/versand"))
    assert "世界中に発送します。" in text(admin_client.get("/ja/pages/shipping-policy"))
    assert "We ship worldwide." in text(admin_client.get("/pages/shipping-policy"))


def test_hidden_page_is_gone_from_the_shop_and_noindex_page_tells_search_engines(admin_client, markets, db):
    hidden = make_page(db.session, handle="secret", title="Secret")
    quiet = make_page(db.session, handle="quiet", title="Quiet")
    save_page(admin_client, hidden.id, {"published": None})
    save_page(admin_client, quiet.id, {"noindex": "y"})
    assert admin_client.get("/pages/secret").status_code == 404
    assert '<meta name="robots" content="noindex">' in text(admin_client.get("/pages/quiet"))


def test_page_body_is_cleaned_and_landing_blocks_are_kept(admin_client, store, db):
    blocks = [{"type": "hero", "heading": "Spring"}]
    page = make_page(db.session, handle="spring", kind=PageKind.LANDING, blocks=blocks)
    response = save_page(admin_client, page.id, {"t_en-body_html": '<p>Hi<img src=x onerror="alert(1)"></p>'})
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Page, page.id)
    assert (saved.body_html, saved.blocks) == ("<p>Hi</p>", blocks)


def test_page_with_a_taken_handle_or_no_title_keeps_what_was_typed(admin_client, store, db):
    make_page(db.session, handle="faq")
    response = save_page(admin_client, changes={"t_en-title": "", "t_en-handle": "faq",
                                                "t_en-body_html": "<p>Draft</p>"})
    assert response.status_code == 422
    html = text(response)
    assert "This cannot be empty." in html and "The handle “faq” is already used in this language." in html
    assert "&lt;p&gt;Draft&lt;/p&gt;" in html


def test_page_stale_edit_is_refused(admin_client, store, db):
    page = make_page(db.session, handle="about", title="About")
    action = f"/admin/pages/{page.id}"
    html = _editor(admin_client, action)
    save_page(admin_client, page.id, {"t_en-title": "About us"})
    response = submit(admin_client, action, html, {"t_en-title": "Our story"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Page, page.id).title == "About us"


def test_renaming_a_page_handle_keeps_the_old_address_working(admin_client, markets, db):
    page = make_page(db.session, handle="about", title="About")
    save_page(admin_client, page.id, {"t_en-handle": "about-us"})
    response = admin_client.get("/pages/about")
    assert response.status_code == 301 and response.headers["Location"].endswith("/pages/about-us")


# -- access --------------------------------------------------------------------------------------------------

CONTENT_URLS = ["/admin/collections", "/admin/collections/new", "/admin/collections/{collection}", "/admin/pages",
                "/admin/pages/new", "/admin/pages/{page}"]


@pytest.mark.parametrize("url", CONTENT_URLS)
@pytest.mark.parametrize("role, status", [("staff", 403), ("admin", 200), ("owner", 200)])
def test_collections_and_pages_open_to_owners_and_admins_not_staff(staff_client, db, url, role, status):
    collection, page = make_collection(db.session), make_page(db.session)
    assert staff_client(role).get(url.format(collection=collection.id, page=page.id)).status_code == status


def test_unknown_collection_and_page_are_not_found(admin_client, store):
    assert admin_client.get("/admin/collections/999999").status_code == 404
    assert admin_client.get("/admin/pages/999999").status_code == 404

