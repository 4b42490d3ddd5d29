"""Shopper catalogue pages: home (the catalogue issue adds products and collections)."""
from __future__ import annotations

from flask import g, render_template

from storefront.domain import catalog
from storefront.extensions import db
from storefront.web.context import shop_blueprint

bp = shop_blueprint("catalog", __name__)


@bp.get("/")
def home():
    products = catalog.featured_products(db.session, limit=8)
    collections = catalog.featured_collections(db.session)
    return render_template(
        "index.html",
        products=products,
        collections=collections,
        product_text=lambda p: catalog.product_text(p, g.locale),
        collection_title=lambda c: catalog.collection_title(c, g.locale),
        price_range=catalog.price_range,
        is_available=catalog.is_available,
    )
