"""/search and /search/suggest.json: results with facets, and suggestions as the shopper types."""
from __future__ import annotations

import hashlib

from flask import abort, current_app, g, jsonify, render_template, request, url_for

from storefront.domain import jobs
from storefront.domain.catalog import listing, queries
from storefront.domain.catalog.display import product_card
from storefront.domain.catalog.text import collection_text
from storefront.domain.content import suggest_pages
from storefront.domain.search import service
from storefront.domain.search.query import highlight_title, normalize_query
from storefront.domain.catalog.versions import catalog_version
from storefront.extensions import cache, db
from storefront.web.assets import media_url
from storefront.web.context import shop_blueprint
from storefront.web.template_helpers import money

bp = shop_blueprint("search", __name__)
ABSURD_QUERY_LENGTH = 1000
SUGGEST_MIN_CHARS = 2
SUGGEST_SECONDS = 60


def _query_text() -> str:
    raw = request.args.get("q", "")
    if len(raw) > ABSURD_QUERY_LENGTH:
        abort(400, description=None)
    return normalize_query(raw)


def _search(text: str, limit: int = 1000):
    settings = current_app.config["CLIPPER"]
    service.keep_current(db.session, settings)
    try:
        return service.cached_search(settings, text, g.locale, g.store.search_synonyms, limit)
    except FileNotFoundError:
        current_app.logger.warning("search index missing: run `clipper search reindex`")
        return None


@bp.get("/search")
def results():
    text = _query_text()
    found = _search(text) if text else None
    ids = found.product_ids if found else []
    args = request.args.to_dict(flat=False)
    sort = (args.get("sort_by") or ["relevance"])[0]
    sort = sort if sort in listing.SEARCH_SORTS else "relevance"
    args["sort_by"] = ["manual" if sort == "relevance" else sort]
    query = listing.parse_listing_query(args, g.pricing.currency, "manual")
    result = listing.build_listing(db.session, listing.ranked_scope(ids), g.pricing, g.locale,
                                   g.snapshot.locations, query)
    products = queries.load_products(db.session, result.product_ids, g.locale)
    cards = [product_card(p, g.pricing, g.locale, g.snapshot.locations) for p in products]
    titles = {c.id: highlight_title(c.title, found.terms, g.locale) for c in cards} if found else {}
    if text and request.args.get("page", "1") in ("", "1"):
        jobs.enqueue(service.record_search, g.locale, text, result.total)
    response = current_app.make_response(render_template(
        "search.html", q=text, listing=result, products=cards, titles=titles,
        did_you_mean=found.did_you_mean if found else None, sorts=listing.SEARCH_SORTS, sort=sort,
    ))
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/search/suggest.json")
def suggest():
    text = _query_text()
    empty = {"query": text, "products": [], "collections": [], "pages": [], "queries": []}
    if len(text) < SUGGEST_MIN_CHARS:
        return jsonify(empty)
    loc = g.localization
    key = "suggest:" + hashlib.sha256("\x1f".join(
        [str(catalog_version()), g.locale, loc.market.code, loc.currency, loc.country or "", text]).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return _suggest_response(cached)
    found = _search(text, limit=6)
    products = queries.load_products(db.session, found.product_ids if found else [], g.locale)
    cards = [product_card(p, g.pricing, g.locale, g.snapshot.locations) for p in products]
    lowered = text.lower()
    collections = [(c, collection_text(c, g.locale)) for c in queries.published_collections(db.session, g.locale)]
    data = {
        "query": text,
        "products": [{
            "id": c.id, "title": c.title, "url": url_for("catalog.product", handle=c.handle),
            "image": media_url(f"{c.image.image.key}-{c.image.image.sizes[0]}.jpg") if c.image else None,
            "price": money(c.price, c.currency), "available": c.available,
        } for c in cards],
        "collections": [{"title": t.title, "url": url_for("catalog.collection", handle=t.handle)}
                        for _, t in collections if lowered in t.title.lower()][:3],
        "pages": [{"title": p.title, "url": url_for("pages.page", handle=p.handle)}
                  for p in suggest_pages(db.session, text, g.locale)],
        "queries": service.popular_queries(db.session, g.locale, text),
    }
    cache.set(key, data, timeout=SUGGEST_SECONDS)
    return _suggest_response(data)


def _suggest_response(data: dict):
    response = jsonify(data)
    response.headers["Cache-Control"] = "private, max-age=60"
    return response
