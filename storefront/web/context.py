"""Per-request shop context: store settings, theme, locale, market, currency and the pricing context."""
from __future__ import annotations

from dataclasses import dataclass, replace

from flask import Blueprint, abort, after_this_request, g, request

from storefront.domain.catalog.stock import LocationInfo, load_locations
from storefront.domain.catalog.versions import catalog_version
from storefront.domain.database import begin_writing
from storefront.domain.fx import RateTable, load_rate_table
from storefront.domain.markets import MarketInfo, fallback_market, load_markets, localize
from storefront.domain.pricing import pricing_context
from storefront.domain.store import StoreNotSetUp, load_store_settings
from storefront.domain.tax import TaxInfo, load_tax_rates
from storefront.extensions import cache, db
from storefront.web.locale_prefix import request_locale

SNAPSHOT_KEY = "shop-snapshot"
SNAPSHOT_SECONDS = 60
COUNTRY_COOKIE = "localization"
CURRENCY_COOKIE = "cart_currency"
COOKIE_MAX_AGE = 365 * 24 * 3600
COUNTRY_HEADERS = ("CF-IPCountry", "X-Country-Code")


@dataclass(frozen=True)
class ShopSnapshot:
    """Slow-changing reference data every page prices with; cached briefly, dropped on change."""

    markets: tuple[MarketInfo, ...]
    rates: RateTable
    taxes: dict[tuple[str, str | None], TaxInfo]
    locations: tuple[LocationInfo, ...]


def shop_snapshot() -> ShopSnapshot:
    """Markets, rates, taxes and warehouses, cached under the catalogue version: a change that bumps it
    (bump_catalog_version) is seen by the next request."""
    key = f"{SNAPSHOT_KEY}:{catalog_version()}"
    snapshot = cache.get(key)
    if snapshot is None:
        snapshot = ShopSnapshot(load_markets(db.session), load_rate_table(db.session), load_tax_rates(db.session),
                                load_locations(db.session))
        cache.set(key, snapshot, timeout=SNAPSHOT_SECONDS)
    return snapshot


def header_country() -> str | None:
    for header in COUNTRY_HEADERS:
        if request.headers.get(header):
            return request.headers[header]
    return None


def load_shop_context() -> None:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        begin_writing(db.session)
    try:
        store = load_store_settings(db.session)
    except StoreNotSetUp:
        abort(503, description="This shop has not been set up yet. Run `clipper demo` or create the store.")
    g.store = store
    g.theme = store.theme
    g.locale = request_locale()
    if g.locale not in store.enabled_locales:
        abort(404)
    snapshot = shop_snapshot()
    if not snapshot.markets:
        snapshot = replace(snapshot, markets=(fallback_market(store.base_currency, store.default_locale),))
    query_currency = request.args.get("currency")
    localization = localize(
        snapshot.markets,
        chosen_country=request.cookies.get(COUNTRY_COOKIE),
        query_country=request.args.get("country"),
        header_country=header_country(),
        currency=query_currency or request.cookies.get(CURRENCY_COOKIE),
    )
    g.snapshot = snapshot
    g.localization = localization
    g.pricing = pricing_context(store.base_currency, localization, snapshot.rates, snapshot.taxes)
    if query_currency and query_currency.upper() == localization.currency:
        remember_localization(currency=localization.currency)


def remember_localization(country: str | None = None, currency: str | None = None) -> None:
    """Keep the shopper's explicit choice in first-party cookies (set on this response)."""

    @after_this_request
    def _set(response):
        options = {"max_age": COOKIE_MAX_AGE, "samesite": "Lax", "secure": request.is_secure, "httponly": True}
        if country:
            response.set_cookie(COUNTRY_COOKIE, country, **options)
        if currency:
            response.set_cookie(CURRENCY_COOKIE, currency, **options)
        return response


def try_load_shop_context() -> None:
    """For error pages outside any shop view: theme them if the store can be read, never fail."""
    if "store" in g:
        return
    try:
        store = load_store_settings(db.session)
    except Exception:  # the database may be what is broken; the error page must still render
        db.session.rollback()
        return
    g.store = store
    g.theme = store.theme


def shop_blueprint(name: str, import_name: str) -> Blueprint:
    """A shopper blueprint whose views all run with the shop context loaded."""
    bp = Blueprint(name, import_name)
    bp.before_request(load_shop_context)
    return bp
