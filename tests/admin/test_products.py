"""The product list and editor in the admin, driven through the test client like a store owner would."""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from PIL import Image
from sqlalchemy import select

from storefront.domain.catalog_admin.bulk import BulkAction, bulk_edit_products
from storefront.domain.catalog_admin.events import Editor
from storefront.domain.search import service as search_service
from storefront.models import (
    AuditLog,
    InventoryPolicy,
    Product,
    ProductImage,
    ProductStatus,
    Variant,
)
from storefront.settings import SUPPORTED_LOCALES
from tests.fixtures.admin import csrf_token
from tests.fixtures.factories import make_collection, make_image, make_product


class _FormFields(HTMLParser):
    """The fields a browser would send for the form posting to `action`: (name, value) pairs, in page order."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, []
        self._select: tuple[str, list[str]] | None = None
        self._selected: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("action") == self.action
        elif not self.inside:
            return
        elif tag == "input" and attributes.get("name"):
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.fields.append((attributes["name"], attributes.get("value", "on")))
            elif kind not in ("file", "submit", "button"):
                self.fields.append((attributes["name"], attributes.get("value", "")))
        elif tag == "select":
            self._select, self._selected = (attributes.get("name"), []), None
        elif tag == "option" and self._select is not None:
            self._select[1].append(attributes.get("value", ""))
            if "selected" in attributes:
                self._selected = attributes.get("value", "")
        elif tag == "textarea":
            self._textarea, self._text = attributes.get("name"), ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            name, options = self._select
            self.fields.append((name, self._selected if self._selected is not None else (options or [""])[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\r\n").removeprefix("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    parser = _FormFields(action)
    parser.feed(html)
    assert parser.fields, f"no form posting to {action}"
    return parser.fields


def submit(client, action: str, page_html: str, changes: dict | None = None, files: dict | None = None):
    """Post the form as the page shows it, with `changes` typed in (None unticks or removes a field)."""
    changes = changes or {}
    data: dict[str, list] = {}
    for name, value in form_fields(page_html, action):
        if name not in changes:
            data.setdefault(name, []).append(value)
    for name, value in changes.items():
        if value is not None:
            data[name] = [value]
    for name, upload in (files or {}).items():
        data[name] = upload
    return client.post(action, data=data, content_type="multipart/form-data")


def png_bytes(size=(400, 300), colour="#3366aa") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def editor_page(client, product_id: int | None = None) -> tuple[str, str]:
    action = f"/admin/products/{product_id}" if product_id else "/admin/products/new"
    response = client.get(action)
    assert response.status_code == 200
    return action, response.get_data(as_text=True)


def save(client, product_id: int | None = None, changes: dict | None = None, files: dict | None = None):
    action, html = editor_page(client, product_id)
    return submit(client, action, html, changes, files)


def text(response) -> str:
    return response.get_data(as_text=True)


NEW_PRODUCT = {
    "status": "active", "vendor": "Harbor", "product_type": "Mugs", "tags": "Ceramic, gift",
    "hs_code": "6912.00", "origin_country": "CN", "customs_description": "Ceramic mug",
    "t_en-title": "Harbour Mug", "t_en-handle": "harbour-mug", "t_en-body_html": "<p>Holds 350 ml.</p>",
    "variants-0-sku": "MUG-1", "variants-0-price": "12.50", "variants-0-weight_grams": "400",
}
TITLES = {"en": "Harbour Mug", "de": "Hafenbecher", "fr": "Tasse du port", "es": "Taza del puerto",
          "ja": "ハーバーマグ", "zh-CN": "港口马克杯"}


def _key(locale: str) -> str:
    return locale.replace("-", "_")


# -- the editor round trip ---------------------------------------------------------------------------------

def test_owner_creates_a_product_in_six_languages_and_shoppers_see_each(admin_client, markets, db):
    changes = dict(NEW_PRODUCT)
    for locale, title in TITLES.items():
        if locale != "en":
            changes[f"t_{_key(locale)}-title"] = title
            changes[f"t_{_key(locale)}-handle"] = f"harbour-mug-{locale.lower()}"
            changes[f"t_{_key(locale)}-body_html"] = f"<p>{title}</p>"
    response = save(admin_client, changes=changes)
    assert response.status_code == 302, text(response)
    product = db.session.scalars(select(Product).where(Product.handle == "harbour-mug")).one()
    assert {tr.locale: tr.title for tr in product.translations} == {k: v for k, v in TITLES.items() if k != "en"}
    assert product.variants[0].price == 1250
    assert product.tag_names == ["ceramic", "gift"]
    for locale, title in TITLES.items():
        path = "/products/harbour-mug" if locale == "en" else f"/{locale}/products/harbour-mug-{locale.lower()}"
        page = admin_client.get(path)
        assert page.status_code == 200, path
        assert title in text(page)


def test_german_title_edited_in_the_admin_shows_on_the_german_product_page(admin_client, markets, db):
    product = make_product(db.session, handle="crew-tee", title="Crew Tee", translations={"de": "Rundhals-Shirt"})
    assert "Rundhals-Shirt" in text(admin_client.get("/de/products/crew-tee-de"))

    response = save(admin_client, product.id, {"t_de-title": "Rundhals-T-Shirt aus Biobaumwolle"})
    assert response.status_code == 302, text(response)
    page = admin_client.get("/de/products/crew-tee-de")
    assert "Rundhals-T-Shirt aus Biobaumwolle" in text(page)
    assert "Crew Tee" in text(admin_client.get("/products/crew-tee"))


def test_editor_shows_a_tab_of_copy_and_a_shop_link_for_every_language(admin_client, markets, db):
    product = make_product(db.session, handle="crew-tee", translations={"de": "Rundhals-Shirt"})
    _action, html = editor_page(admin_client, product.id)
    for locale in SUPPORTED_LOCALES:
        assert f'id="copy-{locale}"' in html
        assert f'name="t_{_key(locale)}-title"' in html
    assert 'href="/de/products/crew-tee-de"' in html
    assert 'href="/fr/products/crew-tee"' in html
    assert 'href="/products/crew-tee"' in html
    assert "products.js" in html


def test_description_html_is_cleaned_of_scripts(admin_client, store, db):
    response = save(admin_client, changes={**NEW_PRODUCT, "t_en-body_html":
                                           '<p onclick="x()">Nice<script>alert(1)</script></p><h2>Care</h2>'})
    assert response.status_code == 302
    product = db.session.scalars(select(Product).where(Product.handle == "harbour-mug")).one()
    assert product.description_html == "<p>Nice</p><h2>Care</h2>"


def test_saving_moves_the_product_to_its_next_version(admin_client, store, db):
    product = make_product(db.session)
    assert product.version == 1
    save(admin_client, product.id, {"vendor": "Someone Else"})
    db.session.refresh(product)
    assert (product.version, product.vendor) == (2, "Someone Else")


def test_empty_handle_is_made_from_the_title(admin_client, store, db):
    response = save(admin_client, changes={**NEW_PRODUCT, "t_en-title": "Crème Brûlée Bowl", "t_en-handle": ""})
    assert response.status_code == 302
    assert db.session.scalars(select(Product.handle).where(Product.title == "Crème Brûlée Bowl")).one() == \
        "creme-brulee-bowl"


def test_renamed_product_is_found_by_the_german_shop_search(admin_client, markets, db, app):
    product = make_product(db.session, title="Paper Lamp", translations={"de": "Papierlampe"})
    search_service.rebuild(db.session, app.config["CLIPPER"])
    save(admin_client, product.id, {"t_de-title": "Faltleuchte aus Papier"})
    html = text(admin_client.get("/de/search", query_string={"q": "Faltleuchte"}))
    found = re.findall(r'product-card__title">(.*?)</h3>', html, re.S)
    assert [re.sub("<[^>]+>", "", title) for title in found] == ["Faltleuchte aus Papier"]


def test_variant_rows_link_to_their_stock(admin_client, store, db):
    product = make_product(db.session, stock=7)
    _action, html = editor_page(admin_client, product.id)
    assert f'href="/admin/inventory/variants/{product.variants[0].id}">7 available</a>' in html


def test_deleting_a_product_asks_first_then_removes_it_and_is_audited(admin_client, store, db):
    product = make_product(db.session, title="Old Lamp")
    confirmation = admin_client.get(f"/admin/products/{product.id}/delete")
    assert "Delete “Old Lamp”?" in text(confirmation)
    assert db.session.get(Product, product.id) is not None

    response = submit(admin_client, f"/admin/products/{product.id}/delete", text(confirmation))
    assert response.status_code == 302
    assert "“Old Lamp” was deleted." in text(admin_client.get(response.headers["Location"]))
    assert db.session.scalar(select(Product.id).where(Product.id == product.id)) is None
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "product.delete")).one()
    assert (entry.staff_user_id, entry.before["texts"]["en"]["title"]) == (admin_client.staff_user.id, "Old Lamp")


# -- bad input ---------------------------------------------------------------------------------------------

def test_invalid_handle_is_marked_and_everything_typed_is_kept(admin_client, store, db):
    response = save(admin_client, changes={**NEW_PRODUCT, "t_en-handle": "Harbour Mug!", "t_de-title": "Hafenbecher",
                                           "variants-0-barcode": "4006381333931"})
    assert response.status_code == 422
    html = text(response)
    assert "Nothing was saved. Please correct the fields marked below." in html
    assert "Use only lower-case letters a–z, digits and hyphens." in html
    assert 'value="Harbour Mug!"' in html
    assert 'value="Hafenbecher"' in html
    assert 'value="4006381333931"' in html
    assert 'value="12.50"' in html
    assert db.session.scalar(select(Product).where(Product.title == "Harbour Mug")) is None


def test_price_that_is_not_a_number_is_marked_and_nothing_is_saved(admin_client, store, db):
    response = save(admin_client, changes={**NEW_PRODUCT, "variants-0-price": "twelve"})
    assert response.status_code == 422
    assert 'value="twelve"' in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert db.session.scalar(select(Product).where(Product.title == "Harbour Mug")) is None


def test_price_with_more_decimals_than_the_currency_has_is_refused(admin_client, store, db):
    response = save(admin_client, changes={**NEW_PRODUCT, "variants-0-price": "12.505"})
    assert response.status_code == 422
    assert "USD amounts have at most 2 decimals." in text(response)


def test_missing_title_and_price_are_reported(admin_client, store, db):
    response = save(admin_client, changes={**NEW_PRODUCT, "t_en-title": "", "t_en-handle": "x", "variants-0-price": ""})
    assert response.status_code == 422
    assert text(response).count("This cannot be empty.") == 2


def test_handle_used_by_another_product_is_refused(admin_client, store, db):
    make_product(db.session, handle="harbour-mug")
    response = save(admin_client, changes=NEW_PRODUCT)
    assert response.status_code == 422
    assert "The handle “harbour-mug” is already used in this language." in text(response)


def test_german_handle_used_by_another_products_german_copy_is_refused(admin_client, store, db):
    make_product(db.session, handle="other", translations={"de": "Anderer"})  # its German handle: other-de
    response = save(admin_client, changes={**NEW_PRODUCT, "t_de-title": "Hafenbecher", "t_de-handle": "other-de"})
    assert response.status_code == 422
    assert "The handle “other-de” is already used in this language." in text(response)


def test_same_handle_in_another_language_of_the_same_product_is_fine(admin_client, store, db):
    response = save(admin_client, changes={**NEW_PRODUCT, "t_de-title": "Hafenbecher", "t_de-handle": "harbour-mug"})
    assert response.status_code == 302


def test_sku_of_another_product_is_refused(admin_client, store, db):
    make_product(db.session, variants=[{"sku": "MUG-1"}])
    response = save(admin_client, changes=NEW_PRODUCT)
    assert response.status_code == 422
    assert "The SKU “MUG-1” is already used by another product." in text(response)


def test_same_sku_twice_in_one_product_is_refused(admin_client, store, db):
    product = make_product(db.session, variants=[{"sku": "A-1", "option1": "S"}])
    response = save(admin_client, product.id, {"option1_name": "Size", "variants-0-option1": "S",
                                               "variants-1-option1": "M", "variants-1-sku": "A-1",
                                               "variants-1-price": "10"})
    assert response.status_code == 422
    assert "The SKU “A-1” is used twice in this product." in text(response)


def test_origin_country_must_be_a_country_code(admin_client, store, db):
    response = save(admin_client, changes={**NEW_PRODUCT, "origin_country": "XX"})
    assert response.status_code == 422
    assert "Choose a country from the list." in text(response)


def test_stale_edit_is_refused_and_nothing_is_written(admin_client, store, db):
    product = make_product(db.session, title="Crew Tee")
    action, html = editor_page(admin_client, product.id)
    # Meanwhile a colleague archives it from the list.
    colleague = Editor(admin_client.staff_user.id)
    bulk_edit_products(db.session, [product.id], BulkAction.ARCHIVE, store=store, editor=colleague)
    db.session.commit()

    response = submit(admin_client, action, html, {"t_en-title": "My edit"})
    assert response.status_code == 409
    assert "Someone else saved this product while you were editing it" in text(response)
    assert 'value="My edit"' in text(response)
    db.session.refresh(product)
    assert (product.title, product.status, product.version) == ("Crew Tee", ProductStatus.ARCHIVED, 2)


# -- options, variants, prices -----------------------------------------------------------------------------

def test_variants_grid_adds_a_variant_with_options_and_a_fixed_euro_price(admin_client, markets, db):
    product = make_product(db.session, variants=[{"sku": "TEE-S", "option1": "S", "price": 2000}])
    eu = markets["EU"]
    response = save(admin_client, product.id, {
        "option1_name": "Size", "variants-0-compare_at_price": "25.00",
        "variants-1-option1": "M", "variants-1-sku": "TEE-M", "variants-1-price": "21.5",
        f"variants-1-market_{eu.id}": "19.95", "variants-1-length_mm": "300", "variants-1-track_inventory": None,
        "variants-1-continue_selling": "y",
    })
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    small, medium = db.session.get(Product, product.id).variants
    assert (small.sku, small.price, small.compare_at_price) == ("TEE-S", 2000, 2500)
    assert (medium.option1, medium.price, medium.length_mm, medium.track_inventory, medium.inventory_policy) == (
        "M", 2150, 300, False, InventoryPolicy.CONTINUE)
    assert small.inventory_policy is InventoryPolicy.DENY
    assert [(mp.market_id, mp.currency, mp.price) for mp in medium.market_prices] == [(eu.id, "EUR", 1995)]
    assert [v.value for v in db.session.get(Product, product.id).options[0].values] == ["S", "M"]


def test_yen_price_with_decimals_is_refused(admin_client, markets, db):
    product = make_product(db.session)
    response = save(admin_client, product.id, {f"variants-0-market_{markets['JP'].id}": "1980.5"})
    assert response.status_code == 422
    assert "JPY amounts have at most 0 decimals." in text(response)


def test_two_variants_without_an_option_are_refused(admin_client, store, db):
    product = make_product(db.session)
    response = save(admin_client, product.id, {"variants-1-sku": "SECOND", "variants-1-price": "3"})
    assert response.status_code == 422
    assert "Several variants need an option, such as Size, to tell them apart." in text(response)


def test_deleting_a_variant_keeps_the_others(admin_client, store, db):
    product = make_product(db.session, variants=[{"sku": "A", "option1": "S"}, {"sku": "B", "option1": "M"}])
    response = save(admin_client, product.id, {"option1_name": "Size", "variants-0-remove": "y"})
    assert response.status_code == 302, text(response)
    assert db.session.scalars(select(Variant.sku).where(Variant.product_id == product.id)).all() == ["B"]


def test_german_option_name_is_saved_with_the_option(admin_client, store, db):
    product = make_product(db.session, variants=[{"sku": "A", "option1": "S"}])
    save(admin_client, product.id, {"option1_name": "Size", "t_de-option1_name": "Größe"})
    db.session.expire_all()
    option = db.session.get(Product, product.id).options[0]
    assert (option.name, option.name_translations) == ("Size", {"de": "Größe"})


def test_customs_fields_certifications_and_restricted_markets_are_saved(admin_client, markets, db):
    product = make_product(db.session)
    action, html = editor_page(admin_client, product.id)
    fields = [f for f in form_fields(html, action) if f[0] not in ("certifications", "restricted_markets")]
    fields += [("certifications", "CE"), ("certifications", "FCC"), ("restricted_markets", str(markets["JP"].id)),
               ("hs_code", "8517.62"), ("origin_country", "VN")]
    data: dict[str, list] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    data["hs_code"], data["origin_country"] = ["8517.62"], ["VN"]
    assert admin_client.post(action, data=data, content_type="multipart/form-data").status_code == 302
    db.session.expire_all()
    saved = db.session.get(Product, product.id)
    assert (saved.hs_code, saved.origin_country, saved.certifications) == ("8517.62", "VN", ["CE", "FCC"])
    assert [r.market_id for r in saved.restrictions] == [markets["JP"].id]


# -- images ------------------------------------------------------------------------------------------------

def test_uploaded_png_is_re_encoded_in_several_sizes(admin_client, store, db, app):
    product = make_product(db.session, handle="crew-tee")
    response = save(admin_client, product.id, files={"new_images": [(io.BytesIO(png_bytes((800, 600))), "tee.png")]})
    assert response.status_code == 302, text(response)
    image = db.session.scalars(select(ProductImage).where(ProductImage.product_id == product.id)).one()
    assert (image.width, image.height, image.sizes) == (800, 600, [360, 720])
    media = app.config["CLIPPER"].media_path
    for width in (360, 720):
        assert (media / f"{image.key}-{width}.webp").is_file()
        with Image.open(media / f"{image.key}-{width}.jpg") as stored:
            assert stored.format == "JPEG" and stored.width == width


def test_text_file_named_like_a_jpeg_is_refused_with_a_message(admin_client, store, db):
    product = make_product(db.session)
    response = save(admin_client, product.id, {"vendor": "Changed"},
                    files={"new_images": [(io.BytesIO(b"just some notes\n" * 50), "photo.jpg")]})
    assert response.status_code == 422
    assert "“photo.jpg” is not a picture: upload a JPEG, PNG, WebP or GIF file." in text(response)
    assert 'value="Changed"' in text(response)
    db.session.refresh(product)
    assert product.vendor == "Acme" and product.images == []


def test_picture_over_ten_megabytes_is_refused(admin_client, store, db):
    product = make_product(db.session)
    too_big = png_bytes() + b"\0" * (10 * 1024 * 1024)
    response = save(admin_client, product.id, files={"new_images": [(io.BytesIO(too_big), "huge.png")]})
    assert response.status_code == 422
    assert "“huge.png” is larger than 10 MB." in text(response)
    assert db.session.scalars(select(ProductImage).where(ProductImage.product_id == product.id)).all() == []


def test_images_are_reordered_described_per_language_and_deleted(admin_client, store, db):
    product = make_product(db.session)
    first, second, third = (make_image(db.session, product, position=n, alt=f"Picture {n}") for n in (1, 2, 3))
    product.variants[0].image_id = first.id
    db.session.flush()
    response = save(admin_client, product.id, {
        "images-0-remove": "y", "images-1-position": "9", "images-2-position": "1",
        "images-2-alt_en": "Back view", "images-2-alt_de": "Rückansicht"})
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    images = db.session.get(Product, product.id).images
    assert [(i.id, i.position) for i in images] == [(third.id, 1), (second.id, 2)]
    assert (images[0].alt, images[0].alt_translations) == ("Back view", {"de": "Rückansicht"})
    assert db.session.get(Product, product.id).variants[0].image_id is None


# -- list, search, filters, bulk actions -------------------------------------------------------------------

def test_search_finds_products_by_title_handle_sku_and_translated_title(admin_client, store, db):
    make_product(db.session, title="Linen Shirt", handle="linen-shirt", variants=[{"sku": "LIN-42"}],
                 translations={"de": "Leinenhemd"})
    make_product(db.session, title="Canvas Tote", handle="canvas-tote")
    for query in ("linen", "LINEN-SHIRT", "lin-42", "leinen"):
        html = text(admin_client.get("/admin/products", query_string={"q": query}))
        assert "Linen Shirt" in html and "Canvas Tote" not in html, query
        assert 'aria-invalid="true"' not in html


def test_unknown_filter_values_are_marked_and_ignored(admin_client, store, db):
    make_product(db.session, title="Linen Shirt")
    response = admin_client.get("/admin/products", query_string={"status": "lost", "stock": "x", "sort": "price"})
    assert response.status_code == 200
    assert "Linen Shirt" in text(response)
    assert text(response).count("Not a valid choice.") == 3


@pytest.mark.parametrize("params, shown, hidden", [
    ({"status": "draft"}, "Draft Thing", "Active Thing"),
    ({"vendor": "Nordic"}, "Draft Thing", "Active Thing"),
    ({"product_type": "Lamps"}, "Active Thing", "Draft Thing"),
])
def test_filters_narrow_the_product_list(admin_client, store, db, params, shown, hidden):
    make_product(db.session, title="Draft Thing", status=ProductStatus.DRAFT, vendor="Nordic", product_type="Bowls")
    make_product(db.session, title="Active Thing", vendor="Acme", product_type="Lamps")
    html = text(admin_client.get("/admin/products", query_string=params))
    assert shown in html and hidden not in html


def test_collection_filter_lists_only_its_products(admin_client, store, db):
    inside = make_product(db.session, title="In Summer")
    make_product(db.session, title="Not In Summer")
    summer = make_collection(db.session, [inside], title="Summer")
    html = text(admin_client.get("/admin/products", query_string={"collection": summer.id}))
    assert "In Summer" in html and "Not In Summer" not in html


@pytest.mark.parametrize("stock, shown", [("in_stock", {"Plenty", "Few", "Untracked"}), ("low", {"Few"}),
                                          ("out", {"Sold Out"})])
def test_stock_filter_tells_in_stock_low_and_sold_out_apart(admin_client, store, db, stock, shown):
    make_product(db.session, title="Plenty", stock=40)
    make_product(db.session, title="Few", stock=2)
    make_product(db.session, title="Sold Out", stock=0)
    make_product(db.session, title="Untracked", stock=None, variants=[{"track_inventory": False}])
    html = text(admin_client.get("/admin/products", query_string={"stock": stock}))
    listed = {title for title in ("Plenty", "Few", "Sold Out", "Untracked") if f">{title}</a>" in html}
    assert listed == shown


def test_list_shows_fifty_products_per_page(admin_client, store, db):
    for n in range(51):
        make_product(db.session, title=f"Bulk {n:02d}", stock=None)
    first = text(admin_client.get("/admin/products", query_string={"sort": "title"}))
    second = text(admin_client.get("/admin/products", query_string={"sort": "title", "page": 2}))
    assert first.count('name="product_ids"') == 50 and "Bulk 49" in first
    assert second.count('name="product_ids"') == 1 and "Bulk 50" in second
    assert "Page 2 of 2" in second


def _bulk(client, action: str, ids: list[int], tag: str = "", confirm: bool = False):
    data = {"csrf_token": csrf_token(client, "/admin/products"), "action": action, "tag": tag,
            "product_ids": [str(i) for i in ids], "return_to": "/admin/products?status=active"}
    if confirm:
        data["confirm"] = "y"
    return client.post("/admin/products/bulk", data=data)


def test_bulk_publish_asks_for_confirmation_before_publishing(admin_client, store, db):
    drafts = [make_product(db.session, title=f"Draft {n}", status=ProductStatus.DRAFT, published_at=None)
              for n in range(2)]
    ids = [p.id for p in drafts]
    confirmation = _bulk(admin_client, "publish", ids)
    assert confirmation.status_code == 200
    assert "“Set as active” will change 2 products:" in text(confirmation)
    assert all(p.status is ProductStatus.DRAFT for p in db.session.scalars(select(Product).where(Product.id.in_(ids))))

    response = submit(admin_client, "/admin/products/bulk", text(confirmation))
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/products?status=active")
    db.session.expire_all()
    published = db.session.scalars(select(Product).where(Product.id.in_(ids))).all()
    assert all(p.status is ProductStatus.ACTIVE and p.published_at and p.version == 2 for p in published)
    assert "2 products changed." in text(admin_client.get("/admin/products"))


def test_bulk_archive_and_tag(admin_client, store, db):
    product = make_product(db.session, title="Old Lamp")
    assert _bulk(admin_client, "archive", [product.id], confirm=True).status_code == 302
    assert _bulk(admin_client, "add_tag", [product.id], tag="Clearance", confirm=True).status_code == 302
    db.session.expire_all()
    archived = db.session.get(Product, product.id)
    assert (archived.status, archived.tag_names) == (ProductStatus.ARCHIVED, ["clearance"])


@pytest.mark.parametrize("action, ids, tag, message", [
    ("publish", [], "", "Select at least one product."),
    ("add_tag", None, "", "This cannot be empty."),
])
def test_bulk_action_without_products_or_tag_is_refused(admin_client, store, db, action, ids, tag, message):
    product = make_product(db.session, status=ProductStatus.DRAFT)
    response = _bulk(admin_client, action, [product.id] if ids is None else ids, tag=tag)
    assert response.status_code == 302
    assert message in text(admin_client.get(response.headers["Location"]))
    assert db.session.get(Product, product.id).status is ProductStatus.DRAFT


# -- audit and access ----------------------------------------------------------------------------------------

def test_saving_records_who_changed_what_before_and_after(admin_client, store, db):
    product = make_product(db.session, title="Crew Tee", vendor="Acme")
    save(admin_client, product.id, {"vendor": "Harbor", "t_de-title": "Rundhals-Shirt"})
    entry = db.session.scalars(select(AuditLog).where(AuditLog.entity_type == "product",
                                                      AuditLog.entity_id == str(product.id))).one()
    assert (entry.action, entry.staff_user_id) == ("product.update", admin_client.staff_user.id)
    assert entry.before["vendor"] == "Acme" and entry.after["vendor"] == "Harbor"
    assert "de" not in entry.before["texts"] and entry.after["texts"]["de"]["title"] == "Rundhals-Shirt"


def test_creating_and_bulk_editing_are_audited(admin_client, store, db):
    save(admin_client, changes=NEW_PRODUCT)
    product = db.session.scalars(select(Product).where(Product.handle == "harbour-mug")).one()
    _bulk(admin_client, "archive", [product.id], confirm=True)
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.entity_id == str(product.id))
                                 .order_by(AuditLog.id)).all()
    assert actions == ["product.create", "product.bulk_archive"]


PRODUCT_URLS = ["/admin/products", "/admin/products/new", "/admin/products/{id}", "/admin/products/{id}/delete"]


@pytest.mark.parametrize("url", PRODUCT_URLS)
@pytest.mark.parametrize("role, status", [("staff", 403), ("admin", 200), ("owner", 200)])
def test_product_screens_open_to_owners_and_admins_not_staff(staff_client, db, url, role, status):
    product = make_product(db.session)
    assert staff_client(role).get(url.format(id=product.id)).status_code == status


def test_staff_role_cannot_save_a_product(staff_client, db):
    product = make_product(db.session, title="Crew Tee")
    packer = staff_client("staff")
    response = packer.post(f"/admin/products/{product.id}", data={"csrf_token": csrf_token(packer, "/admin/"),
                                                                  "t_en-title": "Hacked"})
    assert response.status_code == 403
    assert db.session.get(Product, product.id).title == "Crew Tee"


def test_signed_out_visitor_is_sent_to_the_login(client, store, db):
    response = client.get("/admin/products")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_unknown_product_is_not_found(admin_client, store):
    assert admin_client.get("/admin/products/999999").status_code == 404
