"""Whole-page caching for anonymous shop pages, with ETags so browsers revalidate cheaply.

The key holds everything a page depends on: scheme and host (canonical, hreflang and og:image links are
absolute, so a request with a forged Host must not fill the cache for everyone), URL (locale prefix and
query), theme, market, currency, country (VAT and which warehouses ship), the catalogue version, and what a
view names in `vary` (the product page: the automatic discounts running now, so one that starts or ends on
a timer is shown on time). Cached pages carry no per-visitor data: no CSRF tokens, no cart contents (the
theme reads /cart.js for those).
"""
from __future__ import annotations

import hashlib
from functools import wraps
from typing import Callable

from flask import current_app, g, make_response, request

from storefront.domain.catalog.versions import catalog_version
from storefront.extensions import cache

PAGE_SECONDS = 300
VARY = "Cookie, Accept-Encoding, CF-IPCountry, X-Country-Code"


def page_cache_key(*extra: str) -> str:
    loc = g.localization
    parts = [request.host_url, request.script_root, request.full_path, g.theme, loc.market.code, loc.currency,
             loc.country or "", str(catalog_version()), *extra]
    return "page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def cacheable(view=None, *, vary: tuple[Callable[[], str], ...] = ()):
    """`@cacheable`, or `@cacheable(vary=(fn, ...))` for a page that also depends on what each fn returns."""
    if view is None:
        return lambda inner: cacheable(inner, vary=vary)

    @wraps(view)
    def wrapper(*args, **kwargs):
        use_cache = request.method == "GET" and not current_app.debug
        key = page_cache_key(*(fn() for fn in vary)) if use_cache else None
        cached = cache.get(key) if key else None
        if cached is not None:
            body, status, mimetype = cached
            response = make_response(body, status)
            response.mimetype = mimetype
            response.headers["X-Page-Cache"] = "hit"
        else:
            response = make_response(view(*args, **kwargs))
            if key and response.status_code == 200 and not response.direct_passthrough:
                cache.set(key, (response.get_data(), 200, response.mimetype), timeout=PAGE_SECONDS)
                response.headers["X-Page-Cache"] = "miss"
        if response.status_code == 200:
            response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
            response.vary.update(v.strip() for v in VARY.split(","))
            response.add_etag()
            response.make_conditional(request)
        return response

    return wrapper
