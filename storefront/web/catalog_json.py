"""Shopify-compatible catalogue JSON: /products.json, /products/<handle>.js, /collections/<handle>/products.json.

Field names and shapes follow Shopify's storefront endpoints so that existing theme libraries and
integrations work; titles, options and prices are in the shopper's language and currency.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, g, jsonify, request

from storefront.domain.catalog import listing, queries
from storefront.domain.catalog.display import ProductView, product_view
from storefront.domain.money import decimal_string
from storefront.extensions import db
from storefront.web.assets import media_url
from storefront.web.caching import cacheable
from storefront.web.context import shop_blueprint

bp = shop_blueprint("catalog_json", __name__)
DEFAULT_LIMIT, MAX_LIMIT = 30, 250


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _decimal_string(amount: int | None, currency: str) -> str | None:
    return None if amount is None else decimal_string(amount, currency)


def _image_src(image) -> str:
    return media_url(f"{image.key}-{image.sizes[-1]}.jpg")


def _int_arg(name: str, default: int, upper: int) -> int:
    raw = request.args.get(name, "")
    return min(int(raw), upper) if raw.isdecimal() and int(raw) >= 1 else default


def _options(view: ProductView) -> list[dict[str, Any]]:
    return [{"name": o.label, "position": o.position, "values": [v.label for v in o.values]} for o in view.options]


def shopify_product(view: ProductView) -> dict[str, Any]:
    """A product as /products.json lists it (prices as decimal strings)."""
    product = view.product
    variant_ids: dict[int, list[int]] = {}
    for variant in view.variants:
        if variant.image_id:
            variant_ids.setdefault(variant.image_id, []).append(variant.id)
    images = {i.image.id: {"id": i.image.id, "created_at": _iso(i.image.created_at), "position": i.image.position,
                           "updated_at": _iso(i.image.updated_at), "product_id": product.id,
                           "variant_ids": variant_ids.get(i.image.id, []), "src": _image_src(i.image),
                           "width": i.image.width, "height": i.image.height, "alt": i.alt} for i in view.images}
    return {
        "id": product.id, "title": view.text.title, "handle": view.text.handle, "body_html": view.text.description_html,
        "published_at": _iso(product.published_at), "created_at": _iso(product.created_at),
        "updated_at": _iso(product.updated_at), "vendor": product.vendor, "product_type": product.product_type,
        "tags": product.tag_names,
        "variants": [
            {"id": v.id, "title": v.title, "option1": _nth(v.option_labels, 0), "option2": _nth(v.option_labels, 1),
             "option3": _nth(v.option_labels, 2), "sku": v.sku, "requires_shipping": v.requires_shipping,
             "taxable": True, "featured_image": images.get(v.image_id), "available": v.available,
             "price": _decimal_string(v.price, view.currency), "grams": v.weight_grams,
             "compare_at_price": _decimal_string(v.compare_at_price, view.currency), "position": position,
             "product_id": product.id, "created_at": _iso(product.created_at), "updated_at": _iso(product.updated_at)}
            for position, v in enumerate(view.variants, start=1)
        ],
        "images": list(images.values()),
        "options": _options(view),
    }


def shopify_product_js(view: ProductView) -> dict[str, Any]:
    """A product as /products/<handle>.js returns it (integer prices in minor units)."""
    product = view.product
    prices = [v.price for v in view.variants] or [0]
    compares = [v.compare_at_price or 0 for v in view.variants] or [0]
    images = [_image_src(i.image) for i in view.images]
    by_id = {i.image.id: i for i in view.images}
    return {
        "id": product.id, "title": view.text.title, "handle": view.text.handle,
        "description": view.text.description_html, "published_at": _iso(product.published_at),
        "created_at": _iso(product.created_at), "vendor": product.vendor, "type": product.product_type,
        "tags": product.tag_names, "price": min(prices), "price_min": min(prices), "price_max": max(prices),
        "available": view.available, "price_varies": min(prices) != max(prices),
        "compare_at_price": min(compares) or None, "compare_at_price_min": min(compares),
        "compare_at_price_max": max(compares), "compare_at_price_varies": min(compares) != max(compares),
        "currency": view.currency,
        "variants": [
            {"id": v.id, "title": v.title, "option1": _nth(v.option_labels, 0), "option2": _nth(v.option_labels, 1),
             "option3": _nth(v.option_labels, 2), "sku": v.sku, "requires_shipping": v.requires_shipping,
             "taxable": True, "available": v.available, "name": f"{view.text.title} - {v.title}",
             "public_title": v.title if view.options else None, "options": v.option_labels, "price": v.price,
             "weight": v.weight_grams, "compare_at_price": v.compare_at_price,
             "inventory_management": "shopify" if v.quantity is not None else None, "barcode": v.barcode,
             "featured_image": ({"id": v.image_id, "src": _image_src(by_id[v.image_id].image),
                                 "alt": by_id[v.image_id].alt} if v.image_id in by_id else None)}
            for v in view.variants
        ],
        "images": images, "featured_image": images[0] if images else None,
        "options": _options(view),
        "url": f"{request.script_root}/products/{view.text.handle}",
        "media": [{"id": i.image.id, "media_type": "image", "position": i.image.position, "alt": i.alt,
                   "src": _image_src(i.image), "width": i.image.width, "height": i.image.height} for i in view.images],
    }


def _nth(values: list[str], index: int) -> str | None:
    return values[index] if len(values) > index else None


def _views(products) -> list[ProductView]:
    return [product_view(p, g.pricing, g.locale, g.snapshot.locations) for p in products]


def _page_of(scope) -> list[dict[str, Any]]:
    limit = _int_arg("limit", DEFAULT_LIMIT, MAX_LIMIT)
    page = _int_arg("page", 1, listing.MAX_PAGE)
    query = listing.ListingQuery(sort="manual", page=1, per_page=limit * page)
    result = listing.build_listing(db.session, scope, g.pricing, g.locale, g.snapshot.locations, query, facets=False)
    ids = result.product_ids[(page - 1) * limit:page * limit]
    return [shopify_product(v) for v in _views(queries.load_products(db.session, ids, g.locale, with_tags=True))]


@bp.get("/products.json")
@cacheable
def products():
    return jsonify(products=_page_of(listing.collection_scope(None)))


@bp.get("/collections/<handle>/products.json")
@cacheable
def collection_products(handle: str):
    if handle == queries.ALL_PRODUCTS_HANDLE:
        return jsonify(products=_page_of(listing.collection_scope(None)))
    collection = queries.find_collection(db.session, handle, g.locale)
    if collection is None:
        abort(404)
    return jsonify(products=_page_of(listing.collection_scope(collection.id)))


@bp.get("/products/<handle>.js")
@cacheable
def product_js(handle: str):
    found = queries.find_product(db.session, handle, g.locale)
    if found is None:
        abort(404)
    return jsonify(shopify_product_js(product_view(found, g.pricing, g.locale, g.snapshot.locations)))


@bp.get("/products/<handle>.json")
@cacheable
def product_json(handle: str):
    found = queries.find_product(db.session, handle, g.locale)
    if found is None:
        abort(404)
    return jsonify(product=shopify_product(product_view(found, g.pricing, g.locale, g.snapshot.locations)))
