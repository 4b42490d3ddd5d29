"""The cart: Shopify's AJAX API (/cart.js, /cart/add.js, change.js, update.js, clear.js) and the cart page.

JSON endpoints accept JSON or form bodies. They take no CSRF token, as in Shopify, but refuse
cross-site requests: the Origin (or Referer) must be this shop, or, when a client sends neither,
the request must carry `X-Requested-With: XMLHttpRequest`, which no cross-site form can set.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from flask import abort, after_this_request, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from storefront.domain import discounts, shipping
from storefront.domain.cart import actions
from storefront.domain.marketing import attribution
from storefront.domain.cart.calculations import CartView, price_cart
from storefront.domain.cart.errors import CartError, CartErrorCode
from storefront.domain.cart.queries import find_cart
from storefront.domain.money import format_money, minor_exponent
from storefront.extensions import csrf, db
from storefront.models import Cart, DiscountCode, DiscountKind
from storefront.web.assets import media_url
from storefront.web.cart_messages import cart_error_text
from storefront.web.context import shop_blueprint

bp = shop_blueprint("cart", __name__)
CART_COOKIE = "cart"
CART_COOKIE_AGE = 30 * 24 * 3600


# -- request plumbing --------------------------------------------------------------------------
def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _own_origins() -> set[str]:
    origins = {request.host_url.rstrip("/")}
    public = current_app.config["CLIPPER"].public_url
    if public and _origin_of(public):
        origins.add(_origin_of(public))
    return origins


def same_site_request() -> bool:
    if request.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        return False
    if request.headers.get("Origin"):
        return request.headers["Origin"] in _own_origins()
    if request.headers.get("Referer"):
        return _origin_of(request.headers["Referer"]) in _own_origins()
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def guard_writes() -> None:
    """A valid CSRF token, or a same-site request: anything else changes nobody's cart."""
    token = request.headers.get("X-CSRFToken") or request.form.get("csrf_token")
    if token:
        try:
            validate_csrf(token)
            return
        except ValidationError:  # what validate_csrf raises for a missing, forged or expired token
            pass
    if not same_site_request():
        abort(403, description=_("This request did not come from this shop."))


def payload() -> dict[str, Any]:
    """The body as a dict: JSON objects as they are; form fields with Shopify's bracket names unfolded."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            abort(400, description=_("The request body is not valid JSON."))
        return data
    data: dict[str, Any] = {}
    for key in request.form:
        values = request.form.getlist(key)
        if key.startswith("updates[") and key.endswith("]"):
            data.setdefault("updates", {})[key[8:-1]] = values[-1]
        elif key == "updates[]":
            data["updates"] = values
        elif key.startswith("properties[") and key.endswith("]"):
            data.setdefault("properties", {})[key[11:-1]] = values[-1]
        elif key.startswith("attributes[") and key.endswith("]"):
            data.setdefault("attributes", {})[key[11:-1]] = values[-1]
        elif key != "csrf_token":
            data[key] = values[-1]
    return data


def current_cart(create: bool = False) -> Cart | None:
    cart = find_cart(db.session, request.cookies.get(CART_COOKIE), g.locale)
    if cart is None and create:
        cart = actions.new_cart(db.session, g.localization, g.locale, visitor_id=tracked_visitor())
        _remember(cart.token)
    elif cart is not None:
        actions.follow_localization(cart, g.localization, g.locale)
    return cart


def tracked_visitor() -> str | None:
    """The campaign visitor this browser is, unless it asked not to be tracked (DNT / Sec-GPC)."""
    visitor = request.cookies.get(attribution.VISITOR_COOKIE)
    if attribution.valid_visitor_id(visitor) and attribution.tracking_allowed(request.headers):
        return visitor
    return None


def _remember(token: str) -> None:
    @after_this_request
    def set_cookie(response):
        response.set_cookie(CART_COOKIE, token, max_age=CART_COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=request.is_secure)
        return response


def priced(cart: Cart | None) -> CartView | None:
    return price_cart(db.session, cart, g.pricing, g.locale, g.snapshot.locations) if cart else None


def cart_error_response(error: CartError):
    db.session.rollback()
    response = jsonify({"status": error.status, "message": _("Cart Error"), "description": cart_error_text(error)})
    response.status_code = error.status
    return response


def back_to_cart(error: CartError):
    """No-JS forms: back to the cart page, which says what went wrong (from a code, never free text)."""
    return redirect(url_for("cart.page", error=error.code.value, title=error.title or None,
                            available=error.available), 303)


def wants_json() -> bool:
    return request.path.endswith(".js")


def refused(error: CartError):
    """JSON endpoints answer in Shopify's error shape; forms go back to the cart page, which says why."""
    db.session.rollback()
    return cart_error_response(error) if wants_json() else back_to_cart(error)


def changed(cart: Cart | None):
    if not wants_json():
        return redirect(url_for("cart.page"), 303)
    fresh = find_cart(db.session, cart.token, g.locale) if cart is not None else None
    return no_store(jsonify(cart_json(priced(fresh))))


def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


# -- Shopify JSON shapes ----------------------------------------------------------------------
def item_json(line) -> dict[str, Any]:
    image = line.image
    url = url_for("catalog.product", handle=line.handle) + f"?variant={line.variant.id}"
    image_url = media_url(f"{image.image.key}-{image.image.sizes[-1]}.jpg") if image else None
    return {
        "id": line.variant.id, "properties": line.line.properties or {}, "quantity": line.quantity,
        "variant_id": line.variant.id, "key": line.key, "title": line.title, "price": line.price,
        "original_price": line.price, "discounted_price": line.price, "line_price": line.line_price,
        "original_line_price": line.line_price, "final_price": line.price, "final_line_price": line.line_price,
        "total_discount": 0, "discounts": [], "line_level_discount_allocations": [], "line_level_total_discount": 0,
        "compare_at_price": line.compare_at_price, "sku": line.variant.sku, "grams": line.variant.weight_grams,
        "vendor": line.product.vendor, "taxable": True, "product_id": line.product.id,
        "product_has_only_default_variant": line.variant_title is None, "gift_card": False, "url": url,
        "featured_image": ({"aspect_ratio": round(image.image.width / image.image.height, 3), "alt": image.alt,
                            "height": image.image.height, "url": image_url, "width": image.image.width}
                           if image else None),
        "image": image_url, "handle": line.handle, "requires_shipping": line.variant.requires_shipping,
        "product_type": line.product.product_type, "product_title": line.product_title,
        "product_description": None, "variant_title": line.variant_title,
        "variant_options": [value for _, value in line.options_with_values] or ["Default Title"],
        "options_with_values": [{"name": name, "value": value} for name, value in line.options_with_values],
        "available_quantity": line.available_quantity,
    }


def discount_value(discount: DiscountCode) -> str:
    """Shopify's `value`: the percentage ("10.00"), or the amount off in the cart currency's major units ("5.00")."""
    if discount.kind is DiscountKind.FIXED_AMOUNT:
        return str(Decimal(discounts.fixed_value(discount, g.pricing)).scaleb(-minor_exponent(g.pricing.currency)))
    return str(Decimal(discount.value).scaleb(-2))


def cart_json(view: CartView | None) -> dict[str, Any]:
    if view is None:
        return {"token": None, "note": None, "attributes": {}, "original_total_price": 0, "total_price": 0,
                "total_discount": 0, "total_weight": 0, "item_count": 0, "items": [], "requires_shipping": False,
                "currency": g.pricing.currency, "items_subtotal_price": 0, "cart_level_discount_applications": []}
    discounts = []
    if view.discount and view.discount_amount:
        automatic = view.discount.is_automatic  # Shopify: automatic ones go by their title, codes by the code
        title = (view.discount.title or view.discount_description) if automatic else view.discount.code
        discounts.append({"type": "automatic" if automatic else "discount_code", "key": view.discount.code,
                          "title": title,
                          "description": view.discount_description if automatic else view.discount.title,
                          "value": discount_value(view.discount),
                          "created_at": None, "value_type": view.discount.kind.value,
                          "allocation_method": "across", "target_selection": "all", "target_type": "line_item",
                          "total_allocated_amount": view.discount_amount})
    return {
        "token": view.cart.token, "note": view.cart.note, "attributes": view.cart.attributes or {},
        "original_total_price": view.subtotal, "total_price": view.total, "total_discount": view.discount_amount,
        "total_weight": view.total_weight, "item_count": view.item_count, "items": [item_json(l) for l in view.lines],
        "requires_shipping": view.requires_shipping, "currency": view.currency, "items_subtotal_price": view.subtotal,
        "cart_level_discount_applications": discounts,
        "discount_codes": ([{"code": view.cart.discount_code,
                             "applicable": view.discount is not None
                             and view.discount.code.upper() == view.cart.discount_code.upper()}]
                           if view.cart.discount_code else []),
        "formatted_total_price": format_money(view.total, view.currency, g.locale),
        "formatted_total_discount": format_money(view.discount_amount, view.currency, g.locale),
    }


# -- JSON endpoints ---------------------------------------------------------------------------
@bp.get("/cart.js")
@bp.get("/cart.json")
def show_js():
    return no_store(jsonify(cart_json(priced(current_cart()))))


@bp.post("/cart/add.js")
@bp.post("/cart/add")
@csrf.exempt
def add():
    guard_writes()
    data = payload()
    items = data.get("items") if isinstance(data.get("items"), list) else [data]
    try:
        cart = current_cart(create=True)
        added = [actions.add_item(db.session, cart, item.get("id"), item.get("quantity"), item.get("properties"),
                                  g.pricing, g.snapshot.locations)
                 for item in items if isinstance(item, dict)]
        if not added:
            raise CartError(CartErrorCode.UNKNOWN_VARIANT)
        db.session.commit()
    except CartError as error:
        return refused(error)
    if not wants_json():
        return redirect(url_for("cart.page"), 303)
    view = priced(find_cart(db.session, cart.token, g.locale))
    lines = {l.line.id: l for l in view.lines}
    shaped = [item_json(lines[line.id]) for line in added if line.id in lines]
    return no_store(jsonify(shaped[0] if "items" not in data else {"items": shaped}))


def _change(data: dict[str, Any]):
    cart = current_cart()
    if cart is None:
        raise CartError(CartErrorCode.UNKNOWN_LINE)
    target = actions.find_line(cart, line=data.get("line"), key=data.get("key") if "key" in data else None,
                               variant_id=data.get("id"))
    if "quantity" in data:
        actions.set_quantity(db.session, cart, target, data.get("quantity"), g.pricing, g.snapshot.locations)
    if isinstance(data.get("properties"), dict) and target in cart.lines:
        actions.set_properties(db.session, cart, target, data["properties"])
    db.session.commit()
    return cart


@bp.post("/cart/change.js")
@bp.post("/cart/change")
@csrf.exempt
def change():
    guard_writes()
    try:
        cart = _change(payload())
    except CartError as error:
        return refused(error)
    return changed(cart)


@bp.post("/cart/update.js")
@bp.post("/cart/update")
@csrf.exempt
def update():
    guard_writes()
    data = payload()
    try:
        cart = current_cart(create=True)
        if "updates" in data:
            actions.update_quantities(db.session, cart, data["updates"], g.pricing, g.snapshot.locations)
        actions.set_note_and_attributes(cart, data.get("note"), data.get("attributes"))
        if "discount" in data:
            actions.apply_discount_code(db.session, cart, str(data.get("discount") or ""))
        db.session.commit()
    except CartError as error:
        return refused(error)
    return changed(cart)


@bp.post("/cart/clear.js")
@bp.post("/cart/clear")
@csrf.exempt
def clear():
    guard_writes()
    cart = current_cart()
    if cart is not None:
        actions.clear(db.session, cart)
        cart.discount_code = None
        db.session.commit()
    return changed(cart)


# -- the cart page ----------------------------------------------------------------------------
@bp.get("/cart")
def page():
    view = priced(current_cart())
    options = shipping.options_for(
        db.session, g.pricing, g.snapshot.rates, country=g.localization.country, weight_grams=view.total_weight,
        subtotal=view.total, locale=g.locale, free_shipping=view.free_shipping) if view and view.lines else []
    response = current_app.make_response(render_template(
        "cart.html", cart=view, shipping_options=options, error_code=request.args.get("error"),
        error_title=request.args.get("title", ""), error_available=request.args.get("available", type=int),
        checkout_error=request.args.get("checkout_error")))
    db.session.commit()
    return no_store(response)
