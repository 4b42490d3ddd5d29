"""Shopper catalogue pages: home, collections (incl. /collections/all) and products."""
from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for

from storefront.domain.catalog import listing, queries
from storefront.domain.catalog.display import product_card, product_view
from storefront.domain.catalog.text import collection_text
from storefront.extensions import db
from storefront.web.caching import cacheable
from storefront.web.context import shop_blueprint

bp = shop_blueprint("catalog", __name__)


def cards(products):
    return [product_card(p, g.pricing, g.locale, g.snapshot.locations) for p in products]


@bp.get("/")
@cacheable
def home():
    products = queries.featured_products(db.session, g.locale, limit=8)
    collections = queries.published_collections(db.session, g.locale, limit=6)
    return render_template(
        "index.html",
        products=cards(products),
        collections=[(c, collection_text(c, g.locale)) for c in collections],
    )


@bp.get("/collections")
@cacheable
def collections():
    found = queries.published_collections(db.session, g.locale)
    return render_template("list-collections.html", collections=[(c, collection_text(c, g.locale)) for c in found])


@bp.get("/collections/<handle>")
@cacheable
def collection(handle: str):
    if handle == queries.ALL_PRODUCTS_HANDLE:
        found, text, scope, default_sort = None, None, listing.collection_scope(None), "created-descending"
    else:
        found = queries.find_collection(db.session, handle, g.locale)
        if found is None:
            abort(404)
        text = collection_text(found, g.locale)
        if text.handle != handle:
            return redirect(url_for("catalog.collection", handle=text.handle, **request.args), 301)
        scope, default_sort = listing.collection_scope(found.id), found.sort_order.value
    query = listing.parse_listing_query(request.args.to_dict(flat=False), g.pricing.currency, default_sort)
    result = listing.build_listing(db.session, scope, g.pricing, g.locale, g.snapshot.locations, query)
    products = queries.load_products(db.session, result.product_ids, g.locale)
    return render_template("collection.html", collection=found, text=text, listing=result, products=cards(products),
                           handle=handle, sorts=listing.SORTS)


@bp.get("/products/<handle>")
@cacheable
def product(handle: str):
    found = queries.find_product(db.session, handle, g.locale)
    if found is None:
        abort(404)
    view = product_view(found, g.pricing, g.locale, g.snapshot.locations)
    if view.text.handle != handle:
        return redirect(url_for("catalog.product", handle=view.text.handle, **request.args), 301)
    chosen = {i: request.args[f"option{i}"] for i in (1, 2, 3) if request.args.get(f"option{i}")}
    view.select(request.args.get("variant"), chosen)
    return render_template("product.html", view=view)
