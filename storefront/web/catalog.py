"""Shopper catalogue pages: home, collections (incl. /collections/all) and products."""
from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for

from storefront.domain import discounts
from storefront.domain.catalog import listing, queries
from storefront.domain.catalog.display import product_card, product_view
from storefront.domain.catalog.text import collection_text
from storefront.extensions import db
from storefront.models import CollectionTranslation, ProductTranslation
from storefront.web.caching import cacheable
from storefront.web.context import shop_blueprint

bp = shop_blueprint("catalog", __name__)


def redirect_to_handle(endpoint: str, handle: str):
    """301 to this locale's handle, with the query string as it came: every value of a repeated filter kept,
    and no parameter read as a url_for argument (?handle=, ?_external=&_scheme=)."""
    url = url_for(endpoint, handle=handle)
    if request.query_string:
        url += "?" + request.query_string.decode("utf-8", "replace")
    return redirect(url, 301)


def set_alternates(prefix: str, handles: dict[str, str]) -> None:
    """hreflang and canonical links point at each language's own handle; a language without its own copy
    uses the default handle (as the sitemap does), not the handle of the page being viewed."""
    default = handles[g.store.default_locale]
    g.alternate_paths = {locale: f"{prefix}/{handles.get(locale, default)}" for locale in g.store.enabled_locales}


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
            return redirect_to_handle("catalog.collection", text.handle)
        scope, default_sort = listing.collection_scope(found.id), found.sort_order.value
        set_alternates("/collections", queries.handles_by_locale(
            db.session, CollectionTranslation, "collection_id", found.id, found.handle, g.store.default_locale))
    query = listing.parse_listing_query(request.args.to_dict(flat=False), g.pricing.currency, default_sort)
    result = listing.build_listing(db.session, scope, g.pricing, g.locale, g.snapshot.locations, query)
    products = queries.load_products(db.session, result.product_ids, g.locale)
    return render_template("collection.html", collection=found, text=text, listing=result, products=cards(products),
                           handle=handle, sorts=listing.SORTS)


def running_automatic_discounts() -> str:
    return discounts.automatic_discounts_key(db.session)


@bp.get("/products/<handle>")
@cacheable(vary=(running_automatic_discounts,))
def product(handle: str):
    found = queries.find_product(db.session, handle, g.locale)
    if found is None:
        abort(404)
    view = product_view(found, g.pricing, g.locale, g.snapshot.locations)
    if view.text.handle != handle:
        return redirect_to_handle("catalog.product", view.text.handle)
    set_alternates("/products", queries.handles_by_locale(
        db.session, ProductTranslation, "product_id", found.id, found.handle, g.store.default_locale))
    chosen = {i: request.args[f"option{i}"] for i in (1, 2, 3) if request.args.get(f"option{i}")}
    view.select(request.args.get("variant"), chosen)
    offers = discounts.automatic_offers(db.session, g.pricing, g.locale,
                                        price=max((v.price for v in view.variants), default=0))
    return render_template("product.html", view=view, automatic_discounts=offers,
                           collection=queries.first_collection(db.session, found.id, g.locale))
