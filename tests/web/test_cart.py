"""The cart as themes and shoppers use it: Shopify's AJAX cart API and the cart page that works without JavaScript.

Prices follow the `markets` fixture: a $20.00 variant is 19,04 € in Germany (16 € + 19 % VAT), £16.32 in the UK
and ¥2,816 in Japan; its $25.00 compare-at price is 23,80 € in Germany.
"""
from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import time_machine
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from storefront.models import DiscountKind, utcnow
from storefront.web.locale_prefix import LOCALE_ENVIRON_KEY
from tests.fixtures.factories import (
    make_discount_code,
    make_image,
    make_option,
    make_product,
    make_shipping_zone,
    restrict_product,
)

XHR = {"X-Requested-With": "XMLHttpRequest"}
GERMANY = {"CF-IPCountry": "DE"}
SAME_ORIGIN = {"Origin": "http://localhost"}
LINE_KEY = re.compile(r"^(\d+):([0-9a-f]{32})$")


@pytest.fixture
def shop(db, markets):
    tee = make_product(db.session, title="Crew Tee", translations={"de": "Rundhals-Shirt"}, vendor="Acme",
                       variants=[{"option1": "M", "price": 2000, "compare_at_price": 2500, "sku": "TEE-M", "stock": 3},
                                 {"option1": "L", "price": 2000, "sku": "TEE-L", "stock": 0}])
    make_option(db.session, tee, "Size", ["M", "L"])
    picture = make_image(db.session, tee)
    mug = make_product(db.session, title="Mug", translations={"de": "Becher"}, vendor="Potter",
                       variants=[{"price": 1000, "sku": "MUG", "weight_grams": 350}], stock=10)
    return {"tee": tee, "medium": tee.variants[0], "large": tee.variants[1], "picture": picture,
            "mug": mug, "mug_variant": mug.variants[0]}


def add(client, variant_id, quantity=1, *, prefix="", headers=GERMANY, **fields):
    return client.post(f"{prefix}/cart/add.js", json={"id": variant_id, "quantity": quantity, **fields},
                       headers={**XHR, **headers})


def post_js(client, endpoint, body, *, prefix="", headers=GERMANY):
    return client.post(f"{prefix}/cart/{endpoint}.js", json=body, headers={**XHR, **headers})


def cart_js(client, *, prefix="", headers=GERMANY, query=""):
    response = client.get(f"{prefix}/cart.js{query}", headers=headers)
    assert response.status_code == 200
    return response.json


def quantities(cart) -> dict[str, int]:
    return {item["sku"]: item["quantity"] for item in cart["items"]}


def assert_cart_error(response, status, *words):
    assert response.status_code == status
    body = response.json
    assert set(body) == {"status", "message", "description"} and body["status"] == status
    for word in words:
        assert word in body["description"]


def cart_page(client, *, prefix="", headers=GERMANY, query="") -> str:
    response = client.get(f"{prefix}/cart{query}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def german(app, message: str, **params) -> str:
    """What the German shop says for an English message, whatever the catalogue holds today."""
    with app.test_request_context("/", environ_overrides={LOCALE_ENVIRON_KEY: "de"}):
        return gettext(message, **params)


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


class FormReader(HTMLParser):
    """What a browser sends from one form of a page: its fields in order, and the named button pressed."""

    def __init__(self, page: str, form_id: str) -> None:
        super().__init__()
        self.form_id, self.action, self.fields, self.buttons = form_id, None, [], []
        self._inside = False
        self._open: list | dict | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self._inside, self.action = True, attrs["action"]
        elif self._inside and tag == "input":
            self.fields.append([attrs["name"], attrs.get("value", "")])
        elif self._inside and tag == "textarea":
            self._open = [attrs["name"], ""]
            self.fields.append(self._open)
        elif self._inside and tag == "button":
            self._open = {"name": attrs.get("name"), "value": attrs.get("value", ""), "text": ""}
            self.buttons.append(self._open)

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        if tag in ("textarea", "button"):
            self._open = None

    def handle_data(self, data):
        if isinstance(self._open, list):
            self._open[1] += data
        elif isinstance(self._open, dict):
            self._open["text"] += data

    def press(self, client, button_text: str, *, changes: dict[str, str] | None = None, headers=GERMANY):
        button = next(b for b in self.buttons if " ".join(b["text"].split()).startswith(button_text))
        data = [(name, (changes or {}).get(name, value)) for name, value in self.fields]
        if button["name"]:
            data.append((button["name"], button["value"]))
        return client.post(self.action, data=MultiDict(data), headers=headers)


# -- /cart.js ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("country", "currency"), [(None, "USD"), ("DE", "EUR"), ("GB", "GBP"), ("JP", "JPY")])
def test_a_visitor_without_a_cart_sees_an_empty_cart_in_their_market_currency(client, shop, country, currency):
    cart = cart_js(client, headers={"CF-IPCountry": country} if country else {})
    assert cart["token"] is None and cart["items"] == [] and cart["item_count"] == 0
    assert cart["currency"] == currency
    assert (cart["total_price"], cart["items_subtotal_price"], cart["note"], cart["attributes"]) == (0, 0, None, {})


def test_cart_js_describes_each_line_with_shopifys_fields(client, shop):
    medium = shop["medium"]
    assert add(client, medium.id, 2).status_code == 200
    cart = cart_js(client)
    assert cart["token"] == client.get_cookie("cart").value
    assert (cart["note"], cart["attributes"], cart["currency"]) == (None, {}, "EUR")
    assert (cart["item_count"], cart["items_subtotal_price"], cart["total_price"]) == (2, 3808, 3808)
    assert (cart["total_weight"], cart["requires_shipping"]) == (400, True)
    [item] = cart["items"]
    assert LINE_KEY.match(item["key"]).group(1) == str(medium.id)
    assert item["id"] == item["variant_id"] == medium.id and isinstance(item["id"], int)
    assert item["product_id"] == shop["tee"].id and isinstance(item["product_id"], int)
    assert item["quantity"] == 2
    assert item["price"] == item["original_price"] == item["final_price"] == 1904
    assert item["line_price"] == item["final_line_price"] == 3808
    assert item["compare_at_price"] == 2380
    assert (item["title"], item["product_title"], item["variant_title"]) == ("Crew Tee - M", "Crew Tee", "M")
    assert item["options_with_values"] == [{"name": "Size", "value": "M"}]
    assert item["url"] == f"/products/{shop['tee'].handle}?variant={medium.id}"
    assert item["handle"] == shop["tee"].handle
    assert item["image"].endswith(f"{shop['picture'].key}-1080.jpg")
    assert (item["sku"], item["grams"], item["vendor"], item["properties"]) == ("TEE-M", 200, "Acme", {})


def test_a_product_without_options_has_no_variant_title(client, shop):
    add(client, shop["mug_variant"].id)
    [item] = cart_js(client)["items"]
    assert (item["title"], item["variant_title"], item["options_with_values"]) == ("Mug", None, [])
    assert item["image"] is None and item["grams"] == 350


def test_a_cart_cookie_that_matches_no_cart_is_simply_an_empty_cart(client, shop):
    client.set_cookie("cart", "someone-elses-or-made-up-token")
    assert cart_js(client)["token"] is None and cart_js(client)["items"] == []
    assert add(client, shop["mug_variant"].id).status_code == 200
    token = cart_js(client)["token"]
    assert token and token != "someone-elses-or-made-up-token"
    assert quantities(cart_js(client)) == {"MUG": 1}


def test_the_cart_cookie_is_http_only_and_same_site_lax(client, shop):
    response = add(client, shop["mug_variant"].id)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("cart=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie


def test_cart_js_is_never_cached(client, shop):
    add(client, shop["mug_variant"].id)
    assert client.get("/cart.js", headers=GERMANY).headers["Cache-Control"] == "no-store"


# -- /cart/add.js -----------------------------------------------------------------------------
def test_adding_a_variant_returns_its_line_item(client, shop):
    response = add(client, shop["medium"].id, 2)
    assert response.status_code == 200
    assert response.json["variant_id"] == shop["medium"].id and response.json["quantity"] == 2
    assert response.json["line_price"] == 3808
    assert quantities(cart_js(client)) == {"TEE-M": 2}


def test_adding_without_a_quantity_adds_one(client, shop):
    response = client.post("/cart/add.js", json={"id": shop["mug_variant"].id}, headers={**XHR, **GERMANY})
    assert response.status_code == 200 and response.json["quantity"] == 1


def test_adding_several_items_at_once_returns_them_as_items(client, shop):
    response = post_js(client, "add", {"items": [{"id": shop["medium"].id, "quantity": 1},
                                                 {"id": shop["mug_variant"].id, "quantity": 3}]})
    assert response.status_code == 200
    assert [(i["sku"], i["quantity"]) for i in response.json["items"]] == [("TEE-M", 1), ("MUG", 3)]
    assert quantities(cart_js(client)) == {"TEE-M": 1, "MUG": 3}


def test_when_one_of_several_items_cannot_be_added_none_is_added(client, shop):
    response = post_js(client, "add", {"items": [{"id": shop["mug_variant"].id, "quantity": 1},
                                                 {"id": shop["large"].id, "quantity": 1}]})
    assert_cart_error(response, 422, "sold out")
    assert cart_js(client)["items"] == []


def test_a_theme_form_posted_with_x_requested_with_adds_to_the_cart(client, shop):
    response = client.post("/cart/add.js", data={"id": str(shop["mug_variant"].id), "quantity": "2",
                                                 "properties[Gift wrap]": "Yes"}, headers={**XHR, **GERMANY})
    assert response.status_code == 200 and response.json["quantity"] == 2
    assert response.json["properties"] == {"Gift wrap": "Yes"}


def test_the_same_properties_add_up_and_different_properties_make_a_new_line(client, shop):
    mug = shop["mug_variant"].id
    first = add(client, mug, 1, properties={"Engraving": "Ada"}).json
    again = add(client, mug, 2, properties={"Engraving": "Ada"}).json
    other = add(client, mug, 1, properties={"Engraving": "Grace"}).json
    assert again["key"] == first["key"] and again["quantity"] == 3
    assert other["key"] != first["key"] and LINE_KEY.match(other["key"]).group(1) == str(mug)
    cart = cart_js(client)
    assert [(i["properties"], i["quantity"]) for i in cart["items"]] == [
        ({"Engraving": "Ada"}, 3), ({"Engraving": "Grace"}, 1)]
    assert cart["item_count"] == 4


def test_adding_more_than_is_in_stock_is_refused_naming_how_many_are_left(client, shop):
    assert_cart_error(add(client, shop["medium"].id, 4), 422, "You can only add 3 of Crew Tee")
    assert add(client, shop["medium"].id, 2).status_code == 200
    assert_cart_error(add(client, shop["medium"].id, 2), 422, "3")
    assert quantities(cart_js(client)) == {"TEE-M": 2}


def test_lines_of_one_variant_with_different_properties_share_its_stock(client, shop):
    assert add(client, shop["medium"].id, 2, properties={"Print": "Front"}).status_code == 200
    assert_cart_error(add(client, shop["medium"].id, 2, properties={"Print": "Back"}), 422, "You can only add 3")
    assert add(client, shop["medium"].id, 1, properties={"Print": "Back"}).status_code == 200
    assert cart_js(client)["item_count"] == 3


def test_a_sold_out_variant_cannot_be_added(client, shop):
    assert_cart_error(add(client, shop["large"].id), 422, "Crew Tee is sold out.")
    assert cart_js(client)["items"] == []


@pytest.mark.parametrize("variant_id", [999_999, "abc", "", None, -1, 10**20, "12abc"])
def test_an_unknown_or_made_up_variant_is_not_found(client, shop, variant_id):
    assert_cart_error(add(client, variant_id), 404, "no longer available")


def test_a_variant_of_a_draft_product_is_not_found(client, db, shop):
    from storefront.models import ProductStatus

    draft = make_product(db.session, status=ProductStatus.DRAFT)
    assert_cart_error(add(client, draft.variants[0].id), 404)


@pytest.mark.parametrize("quantity", [0, -1, 1000, 10**30, "junk", 1.5, "2e2", True])
def test_a_quantity_that_makes_no_sense_is_refused(client, shop, quantity):
    assert_cart_error(add(client, shop["mug_variant"].id, quantity), 422, "between 1 and 999")
    assert cart_js(client)["items"] == []


def test_a_product_that_cannot_be_sold_in_the_shoppers_market_is_refused(client, db, shop, markets):
    restrict_product(db.session, shop["mug"], markets["EU"])
    assert_cart_error(add(client, shop["mug_variant"].id), 422, "Mug cannot be shipped to your country.")
    assert cart_js(client)["items"] == []
    assert add(client, shop["mug_variant"].id, headers={"CF-IPCountry": "US"}).status_code == 200


# -- /cart/change.js --------------------------------------------------------------------------
@pytest.fixture
def two_lines(client, shop):
    add(client, shop["medium"].id, 1)
    add(client, shop["mug_variant"].id, 2)
    return cart_js(client)


def test_change_by_line_number_counts_from_one(client, shop, two_lines):
    response = post_js(client, "change", {"line": 2, "quantity": 5})
    assert response.status_code == 200
    assert quantities(response.json) == {"TEE-M": 1, "MUG": 5} and response.json["item_count"] == 6


@pytest.mark.parametrize("by", ["key", "id", "id-as-key"])
def test_change_by_line_key_or_variant_id(client, shop, two_lines, by):
    mug = two_lines["items"][1]
    body = {"key": mug["key"]} if by == "key" else {"id": mug["variant_id"] if by == "id" else mug["key"]}
    response = post_js(client, "change", {**body, "quantity": 4})
    assert response.status_code == 200 and quantities(response.json) == {"TEE-M": 1, "MUG": 4}


def test_changing_a_line_to_zero_removes_it(client, shop, two_lines):
    response = post_js(client, "change", {"line": 1, "quantity": 0})
    assert response.status_code == 200 and quantities(response.json) == {"MUG": 2}
    assert response.json["total_price"] == 2 * 952


@pytest.mark.parametrize("body", [{"line": 3}, {"line": 0}, {"line": "first"},
                                  {"key": "1:00000000000000000000000000000000"}, {"id": 999_999}, {}])
def test_changing_a_line_that_is_not_in_the_cart_is_not_found(client, shop, two_lines, body):
    assert_cart_error(post_js(client, "change", {**body, "quantity": 1}), 404, "no longer in your cart")
    assert quantities(cart_js(client)) == {"TEE-M": 1, "MUG": 2}


def test_changing_without_a_cart_is_not_found(client, shop):
    assert_cart_error(post_js(client, "change", {"line": 1, "quantity": 1}), 404)


def test_raising_a_line_past_the_stock_is_refused(client, shop, two_lines):
    assert_cart_error(post_js(client, "change", {"line": 1, "quantity": 4}), 422, "You can only add 3 of Crew Tee")
    assert_cart_error(post_js(client, "change", {"line": 1, "quantity": -2}), 422, "between 1 and 999")
    assert quantities(cart_js(client)) == {"TEE-M": 1, "MUG": 2}


def test_changing_a_lines_properties_gives_it_the_key_of_its_new_properties(client, shop):
    mug = shop["mug_variant"].id
    ada = add(client, mug, 1, properties={"Engraving": "Ada"}).json
    grace = post_js(client, "change", {"key": ada["key"], "properties": {"Engraving": "Grace"}}).json["items"][0]
    assert grace["properties"] == {"Engraving": "Grace"} and grace["key"] != ada["key"]
    # Adding the line as it now is adds to it instead of starting a twin with the same properties.
    assert add(client, mug, 1, properties={"Engraving": "Grace"}).json["key"] == grace["key"]
    assert [(i["properties"], i["quantity"]) for i in cart_js(client)["items"]] == [({"Engraving": "Grace"}, 2)]


def test_changing_a_lines_properties_to_those_of_another_line_joins_them(client, shop):
    mug = shop["mug_variant"].id
    ada = add(client, mug, 1, properties={"Engraving": "Ada"}).json
    add(client, mug, 2, properties={"Engraving": "Grace"})
    response = post_js(client, "change", {"key": ada["key"], "properties": {"Engraving": "Grace"}})
    assert response.status_code == 200
    assert [(i["properties"], i["quantity"]) for i in response.json["items"]] == [({"Engraving": "Grace"}, 3)]


# -- /cart/update.js --------------------------------------------------------------------------
def test_update_sets_quantities_by_key_and_by_variant_id(client, shop, two_lines):
    tee, mug = two_lines["items"]
    response = post_js(client, "update", {"updates": {tee["key"]: 3, str(mug["variant_id"]): 0}})
    assert response.status_code == 200 and quantities(response.json) == {"TEE-M": 3}


def test_update_with_a_list_sets_quantities_in_line_order(client, shop, two_lines):
    response = post_js(client, "update", {"updates": [0, 7]})
    assert response.status_code == 200 and quantities(response.json) == {"MUG": 7}


def test_update_with_a_variant_not_yet_in_the_cart_adds_it(client, shop):
    response = post_js(client, "update", {"updates": {str(shop["mug_variant"].id): 2}})
    assert response.status_code == 200 and quantities(response.json) == {"MUG": 2}


def test_update_past_the_stock_changes_nothing(client, shop, two_lines):
    tee, mug = two_lines["items"]
    assert_cart_error(post_js(client, "update", {"updates": {mug["key"]: 5, tee["key"]: 9}}), 422, "3 of Crew Tee")
    assert quantities(cart_js(client)) == {"TEE-M": 1, "MUG": 2}


def test_update_keeps_a_note_and_attributes_and_an_empty_value_removes_an_attribute(client, shop):
    first = post_js(client, "update", {"note": "Please leave at the door",
                                       "attributes": {"Gift": "yes", "Delivery day": "Friday"}})
    assert first.status_code == 200
    assert first.json["note"] == "Please leave at the door"
    assert first.json["attributes"] == {"Gift": "yes", "Delivery day": "Friday"}
    second = post_js(client, "update", {"attributes": {"Gift": ""}}).json
    assert second["attributes"] == {"Delivery day": "Friday"} and second["note"] == "Please leave at the door"
    assert cart_js(client)["attributes"] == {"Delivery day": "Friday"}


def test_a_form_posted_update_reads_shopifys_bracketed_field_names(client, shop, two_lines):
    tee, _mug = two_lines["items"]
    response = client.post("/cart/update.js", data={f"updates[{tee['key']}]": "2", "note": "Hi",
                                                     "attributes[Gift]": "yes"}, headers={**XHR, **GERMANY})
    assert response.status_code == 200
    assert quantities(response.json) == {"TEE-M": 2, "MUG": 2}
    assert (response.json["note"], response.json["attributes"]) == ("Hi", {"Gift": "yes"})


# -- /cart/clear.js ---------------------------------------------------------------------------
def test_clear_empties_the_cart(client, db, shop, two_lines):
    make_discount_code(db.session, "TEN")
    post_js(client, "update", {"discount": "TEN", "note": "Thanks"})
    response = post_js(client, "clear", {})
    assert response.status_code == 200
    cart = cart_js(client)
    assert cart["items"] == [] and cart["item_count"] == 0 and cart["total_price"] == 0
    assert cart["token"] == two_lines["token"] and cart["discount_codes"] == []


# -- language and currency --------------------------------------------------------------------
def test_a_german_shopper_gets_german_titles_and_euro_prices_under_de(client, shop):
    response = add(client, shop["medium"].id, 1, prefix="/de")
    assert response.status_code == 200 and response.json["title"] == "Rundhals-Shirt - M"
    cart = cart_js(client, prefix="/de")
    [item] = cart["items"]
    assert cart["currency"] == "EUR" and item["price"] == 1904
    assert (item["product_title"], item["handle"]) == ("Rundhals-Shirt", f"{shop['tee'].handle}-de")
    assert item["url"] == f"/de/products/{shop['tee'].handle}-de?variant={shop['medium'].id}"
    assert_cart_error(add(client, shop["large"].id, prefix="/de"), 422, "Rundhals-Shirt")
    # The same cart read in English keeps the shopper's currency but shows English titles.
    assert cart_js(client)["items"][0]["title"] == "Crew Tee - M" and cart_js(client)["currency"] == "EUR"


def test_switching_currency_reprices_the_same_cart(client, shop):
    add(client, shop["medium"].id, 2, prefix="/de")
    euros = cart_js(client, prefix="/de")
    pounds = cart_js(client, prefix="/de", query="?currency=GBP")
    assert pounds["token"] == euros["token"]
    # 20 $ × 0.68 £/$ = £13.60, plus German VAT (the parcel still goes to Germany) = £16.18.
    assert (pounds["currency"], pounds["items"][0]["price"], pounds["total_price"]) == ("GBP", 1618, 3236)
    assert cart_js(client, prefix="/de")["currency"] == "GBP"  # the choice is remembered
    page = cart_page(client, prefix="/de")
    assert "32,36\xa0£" in page and "€" not in page


# -- cross-site requests ----------------------------------------------------------------------
@pytest.mark.parametrize("headers", [
    pytest.param({**XHR, "Origin": "https://evil.example"}, id="foreign-origin-with-xhr-header"),
    pytest.param({**XHR, "Sec-Fetch-Site": "cross-site"}, id="fetch-metadata-cross-site"),
    pytest.param({**XHR, "Origin": "null"}, id="opaque-origin"),
    pytest.param({"Referer": "https://evil.example/cart"}, id="foreign-referer"),
    pytest.param({}, id="no-origin-referer-or-xhr-header"),
])
@pytest.mark.parametrize("as_json", [True, False], ids=["json", "form"])
def test_cross_site_cart_writes_are_refused(client, shop, headers, as_json):
    body = {"id": shop["mug_variant"].id, "quantity": 1}
    response = (client.post("/cart/add.js", json=body, headers=headers) if as_json
                else client.post("/cart/add.js", data=body, headers=headers))
    assert_cart_error(response, 403, "did not come from this shop")
    assert cart_js(client)["items"] == []


@pytest.mark.parametrize("headers", [
    pytest.param(XHR, id="json-with-xhr-header-and-no-origin"),
    pytest.param({**XHR, **SAME_ORIGIN}, id="json-with-own-origin"),
    pytest.param({**XHR, "Sec-Fetch-Site": "same-origin"}, id="fetch-metadata-same-origin"),
])
def test_same_origin_json_writes_without_a_csrf_token_work(client, shop, headers):
    response = client.post("/cart/add.js", json={"id": shop["mug_variant"].id, "quantity": 1}, headers=headers)
    assert response.status_code == 200 and quantities(cart_js(client)) == {"MUG": 1}


@pytest.mark.parametrize("headers", [SAME_ORIGIN, {"Referer": "http://localhost/products/mug"}],
                         ids=["own-origin", "own-referer"])
def test_a_same_origin_form_post_adds_to_the_cart(client, shop, headers):
    response = client.post("/cart/add", data={"id": shop["mug_variant"].id, "quantity": 1}, headers=headers)
    assert response.status_code == 303 and response.headers["Location"] == "/cart"
    assert quantities(cart_js(client)) == {"MUG": 1}


def test_a_valid_csrf_token_header_is_enough(client, shop, two_lines):
    token = csrf_token(cart_page(client))
    response = client.post("/cart/change.js", json={"line": 2, "quantity": 1}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and quantities(response.json) == {"TEE-M": 1, "MUG": 1}


def test_a_forged_csrf_token_without_same_origin_signs_is_refused(client, shop, two_lines):
    response = client.post("/cart/change.js", json={"line": 2, "quantity": 0}, headers={"X-CSRFToken": "forged"})
    assert_cart_error(response, 403)
    response = client.post("/cart/update", data={"csrf_token": "forged", "updates[]": ["0", "0"]})
    assert response.status_code == 403
    assert quantities(cart_js(client)) == {"TEE-M": 1, "MUG": 2}


def test_a_body_that_is_not_json_gets_a_shopify_shaped_400(client, shop):
    response = client.post("/cart/add.js", data="{not json", content_type="application/json", headers=XHR)
    assert response.status_code == 400 and set(response.json) == {"status", "message", "description"}


# -- discount codes ---------------------------------------------------------------------------
def test_a_percentage_code_takes_its_share_off_the_total(client, db, shop, two_lines):
    make_discount_code(db.session, "TEN", value=1000, title="Ten percent off")
    response = post_js(client, "update", {"discount": "  ten "})
    assert response.status_code == 200
    cart = response.json
    # 19,04 € + 2 × 9,52 € = 38,08 €; 10 % of it is 3,81 € (rounded half up).
    assert (cart["items_subtotal_price"], cart["total_discount"], cart["total_price"]) == (3808, 381, 3427)
    [applied] = cart["cart_level_discount_applications"]
    assert applied | {"type": "discount_code", "key": "TEN", "title": "TEN", "description": "Ten percent off",
                      "value_type": "percentage", "value": "10.00", "total_allocated_amount": 381} == applied
    assert cart["discount_codes"] == [{"code": "TEN", "applicable": True}]
    assert cart_js(client)["total_price"] == 3427


@pytest.mark.parametrize(("country", "off", "value"), [
    ("DE", 300, "3.00"),  # the code's own euro amount, not 5 $ converted
    ("US", 500, "5.00"),
    ("GB", 340, "3.40"),  # no pound amount set: 5 $ at 0.68 £/$
])
def test_a_fixed_amount_code_takes_its_amount_in_the_carts_currency(client, db, shop, country, off, value):
    make_discount_code(db.session, "FIVER", kind=DiscountKind.FIXED_AMOUNT, value=500, amounts={"EUR": 300})
    where = {"CF-IPCountry": country}
    add(client, shop["mug_variant"].id, 3, headers=where)
    cart = post_js(client, "update", {"discount": "FIVER"}, headers=where).json
    assert cart["total_discount"] == off and cart["total_price"] == cart["items_subtotal_price"] - off
    [applied] = cart["cart_level_discount_applications"]
    assert (applied["value_type"], applied["value"], applied["total_allocated_amount"]) == ("fixed_amount", value, off)


def test_a_fixed_amount_never_takes_more_than_the_items_cost(client, db, shop):
    make_discount_code(db.session, "HUGE", kind=DiscountKind.FIXED_AMOUNT, value=100_000)
    add(client, shop["mug_variant"].id)
    cart = post_js(client, "update", {"discount": "HUGE"}).json
    assert (cart["total_discount"], cart["total_price"]) == (952, 0)


def test_a_code_below_its_minimum_is_kept_but_takes_nothing_off_until_the_cart_reaches_it(client, db, shop):
    make_discount_code(db.session, "BIG", minimum_subtotal=5000)  # 50 $ = 40 € (before VAT, at today's rate)
    add(client, shop["medium"].id, 1)
    cart = post_js(client, "update", {"discount": "BIG"}).json
    assert cart["discount_codes"] == [{"code": "BIG", "applicable": False}]
    assert cart["total_price"] == cart["items_subtotal_price"] == 1904 and cart["cart_level_discount_applications"] == []
    assert "This discount code needs a subtotal of at least €40.00." in cart_page(client)
    cart = post_js(client, "change", {"line": 1, "quantity": 3}).json
    assert cart["discount_codes"] == [{"code": "BIG", "applicable": True}]
    assert (cart["total_discount"], cart["total_price"]) == (571, 5712 - 571)


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"ends_at": utcnow() - timedelta(days=1)}, "not valid at the moment"),
    ({"starts_at": utcnow() + timedelta(days=1)}, "not valid at the moment"),
    ({"active": False}, "not valid at the moment"),
    ({"usage_limit": 5, "times_used": 5}, "reached its usage limit"),
    (None, "does not exist"),
], ids=["expired", "not-started", "switched-off", "used-up", "unknown"])
def test_a_code_that_cannot_be_used_is_refused_with_the_reason(client, db, shop, two_lines, overrides, reason):
    if overrides is not None:
        make_discount_code(db.session, "SPRING", **overrides)
    assert_cart_error(post_js(client, "update", {"discount": "SPRING"}), 422, reason)
    cart = cart_js(client)
    assert cart["discount_codes"] == [] and cart["total_price"] == 3808


def test_a_code_that_expires_while_in_the_cart_stops_applying(client, db, shop, two_lines):
    make_discount_code(db.session, "WEEKEND", ends_at=utcnow() + timedelta(hours=1))
    assert post_js(client, "update", {"discount": "WEEKEND"}).json["total_price"] == 3427
    with time_machine.travel(utcnow() + timedelta(hours=2)):
        cart = cart_js(client)
        assert cart["discount_codes"] == [{"code": "WEEKEND", "applicable": False}]
        assert cart["total_price"] == 3808
        assert "This discount code is not valid at the moment." in cart_page(client)


def test_an_empty_discount_field_removes_the_code(client, db, shop, two_lines):
    make_discount_code(db.session, "TEN")
    post_js(client, "update", {"discount": "TEN"})
    cart = post_js(client, "update", {"discount": ""}).json
    assert cart["discount_codes"] == [] and cart["total_price"] == 3808


# -- the cart page without JavaScript ---------------------------------------------------------
def test_an_empty_cart_page_says_so(client, shop):
    assert "Your cart is empty." in cart_page(client)


def test_the_cart_page_shows_lines_and_totals(client, shop, two_lines):
    page = cart_page(client)
    assert f'href="/products/{shop["tee"].handle}?variant={shop["medium"].id}">Crew Tee</a>' in page
    assert '<p class="cart-line__variant">M</p>' in page
    assert re.search(r"<dt>Subtotal</dt><dd>€38\.08</dd>", page)
    assert re.search(r'<dd class="totals__total">€38\.08</dd>', page)
    assert 'name="updates[%s]" value="2"' % two_lines["items"][1]["key"] in page


def test_the_german_cart_page_is_in_german_with_euro_prices(app, client, shop):
    add(client, shop["medium"].id, 2, prefix="/de")
    page = cart_page(client, prefix="/de")
    assert ">Rundhals-Shirt</a>" in page and "38,08\xa0€" in page
    assert german(app, "Includes %(tax)s (%(rate)s%%).", tax="VAT", rate="19") in page
    assert f"<h1>{german(app, 'Your cart')}</h1>" in page


@pytest.mark.parametrize(("country", "note"), [
    ("DE", "Includes VAT (19%)."),
    ("GB", "Includes VAT (20%)."),
    ("US", "Taxes calculated at checkout."),
])
def test_the_cart_page_says_how_tax_is_handled(client, shop, country, note):
    add(client, shop["mug_variant"].id, headers={"CF-IPCountry": country})
    assert note in cart_page(client, headers={"CF-IPCountry": country})


def test_the_quantity_form_changes_quantities(client, shop, two_lines):
    tee, mug = two_lines["items"]
    form = FormReader(cart_page(client), "cart-form")
    response = form.press(client, "Update cart", changes={f"updates[{mug['key']}]": "4", "note": "Ring twice"})
    assert response.status_code == 303 and response.headers["Location"] == "/cart"
    cart = cart_js(client)
    assert quantities(cart) == {"TEE-M": 1, "MUG": 4} and cart["note"] == "Ring twice"
    assert "€57.12" in cart_page(client)  # 19,04 € + 4 × 9,52 €


def test_the_remove_button_removes_only_its_line(client, shop, two_lines):
    form = FormReader(cart_page(client), "cart-form")
    response = form.press(client, "Remove Crew Tee - M")
    assert response.status_code == 303
    assert quantities(cart_js(client)) == {"MUG": 2}
    assert "Crew Tee" not in cart_page(client)


def test_a_quantity_error_on_the_page_redirects_back_with_a_message(client, shop, two_lines):
    form = FormReader(cart_page(client), "cart-form")
    response = form.press(client, "Update cart", changes={f"updates[{two_lines['items'][1]['key']}]": "lots"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/cart?error=invalid_quantity")
    page = client.get(response.headers["Location"], headers=GERMANY).get_data(as_text=True)
    assert "Please enter a quantity between 1 and 999." in page
    assert quantities(cart_js(client)) == {"TEE-M": 1, "MUG": 2}


def test_adding_a_sold_out_variant_without_javascript_comes_back_with_a_message(client, shop):
    response = client.post("/cart/add", data={"id": shop["large"].id, "quantity": 1}, headers={**GERMANY, **SAME_ORIGIN})
    assert response.status_code == 303 and response.headers["Location"].startswith("/cart?error=sold_out")
    assert "Crew Tee is sold out." in client.get(response.headers["Location"], headers=GERMANY).get_data(as_text=True)


def test_a_german_shopper_without_javascript_gets_the_message_in_german(app, client, shop):
    response = client.post("/de/cart/add", data={"id": shop["large"].id, "quantity": 1},
                           headers={**GERMANY, **SAME_ORIGIN})
    assert response.status_code == 303 and response.headers["Location"].startswith("/de/cart?error=sold_out")
    page = client.get(response.headers["Location"], headers=GERMANY).get_data(as_text=True)
    assert german(app, "%(title)s is sold out.", title="Rundhals-Shirt") in page


def test_an_unknown_error_code_in_the_address_shows_no_message(client, shop, two_lines):
    assert 'role="alert"' not in cart_page(client, query="?error=whatever")


def test_adding_too_many_without_javascript_comes_back_naming_how_many_are_left(client, shop):
    response = client.post("/cart/add", data={"id": shop["medium"].id, "quantity": 9}, headers={**GERMANY, **SAME_ORIGIN})
    page = client.get(response.headers["Location"], headers=GERMANY).get_data(as_text=True)
    assert "You can only add 3 of Crew Tee to your cart." in page


def test_compare_at_prices_show_what_the_shopper_saves(client, shop):
    add(client, shop["medium"].id, 2)
    page = cart_page(client)
    assert re.search(r"<dt>You save</dt><dd>€9\.52</dd>", page)  # 2 × (23,80 € − 19,04 €)
    post_js(client, "change", {"line": 1, "quantity": 1})
    assert re.search(r"<dt>You save</dt><dd>€4\.76</dd>", cart_page(client))


def test_a_cart_without_sale_prices_shows_no_savings(client, shop):
    add(client, shop["mug_variant"].id)
    assert "You save" not in cart_page(client)


def test_a_discount_code_shows_on_the_cart_page(client, db, shop, two_lines):
    make_discount_code(db.session, "TEN")
    client.post("/cart/update", data={"csrf_token": csrf_token(cart_page(client)), "discount": "ten"}, headers=GERMANY)
    page = cart_page(client)
    assert re.search(r"<dt>Discount \(TEN\)</dt><dd>−€3\.81</dd>", page)
    assert re.search(r'<dd class="totals__total">€34\.27</dd>', page)


def test_an_unusable_code_typed_on_the_page_comes_back_with_the_reason(client, shop, two_lines):
    response = client.post("/cart/update", data={"csrf_token": csrf_token(cart_page(client)), "discount": "NOPE"},
                           headers=GERMANY)
    assert response.status_code == 303
    assert "This discount code does not exist." in client.get(response.headers["Location"], headers=GERMANY).get_data(
        as_text=True)


@pytest.fixture
def europe_zone(db, shop):
    return make_shipping_zone(db.session, "Europe", ["DE", "FR", "AT"], "EUR", rates=[
        {"name": "Standard", "brackets": [(2000, 500)], "min_days": 3, "max_days": 7, "free_over": 5000},
        {"name": "Express", "level": "express", "brackets": [(2000, 1500)], "min_days": 1, "max_days": 2}])


def test_the_cart_page_estimates_shipping_to_the_shoppers_country(client, shop, europe_zone):
    add(client, shop["medium"].id, 1)
    page = cart_page(client)
    assert "Shipping to Germany" in page
    assert re.search(r"<dt>Shipping</dt>\s*<dd>from €5\.00</dd>", page)
    assert "Standard: €5.00 · 3–7 business days" in page and "Express: €15.00 · 1–2 business days" in page
    post_js(client, "change", {"line": 1, "quantity": 3})  # 57,12 € is over the 50 € free-shipping threshold
    page = cart_page(client)
    assert re.search(r"<dt>Shipping</dt>\s*<dd>Free</dd>", page) and "Standard: Free" in page


def test_shipping_is_left_to_checkout_where_no_zone_ships(client, shop, europe_zone):
    us = {"CF-IPCountry": "US"}
    add(client, shop["medium"].id, 1, headers=us)
    page = cart_page(client, headers=us)
    assert re.search(r"<dt>Shipping</dt>\s*<dd>Calculated at checkout</dd>", page) and "Shipping to" not in page
