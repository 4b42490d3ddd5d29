"""POST /localization: the shopper picks country, currency and language; back to where they were."""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import g, redirect, request

from storefront.domain.markets import localize, market_for_country, normalize_country
from storefront.extensions import csrf
from storefront.web.assets import base_path
from storefront.web.context import remember_localization, shop_blueprint

bp = shop_blueprint("localization", __name__)


def safe_return_path(raw: str | None) -> str:
    """Only a path on this site: "//evil.example", "https://evil.example/x" and junk become "/"."""
    # Control characters too: tabs and newlines are dropped from a Location (by Werkzeug, and by browsers),
    # which would turn "/\t/evil.example" into "//evil.example".
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw or not raw.isprintable():
        return "/"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return "/"
    return raw


def path_in_locale(path: str, locale: str, enabled: list[str], default_locale: str) -> str:
    """`path` (without the app's base path, maybe with a query) moved into `locale`'s URL prefix."""
    path, mark, query = path.partition("?")
    first, _, rest = path.lstrip("/").partition("/")
    if first in enabled and first != default_locale:
        path = "/" + rest
    return (path if locale == default_locale else f"/{locale}{path}") + mark + query


@bp.post("/localization")
@csrf.exempt
def update():
    """Shopify's localization form: fields country, currency, locale and return_to."""
    data = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(data, Mapping):
        data = {}

    def field(name: str) -> str | None:
        value = data.get(name)
        return value if isinstance(value, str) else None  # a JSON number, list or object counts as not given

    store, snapshot = g.store, g.snapshot
    country = normalize_country(field("country"))
    currency = (field("currency") or "").strip().upper() or None
    if country and not currency:
        currency = market_for_country(snapshot.markets, country).currency
    chosen = localize(snapshot.markets, chosen_country=country or g.localization.country, currency=currency)
    remember_localization(country=country, currency=chosen.currency if currency else None)
    target = safe_return_path(field("return_to"))
    base = base_path()
    if base and (target == base or target.startswith((base + "/", base + "?"))):
        target = "/" + target[len(base):].lstrip("/")
    locale = field("locale") or field("language")
    if locale not in store.enabled_locales:
        locale = g.locale
    return redirect(base + path_in_locale(target, locale, store.enabled_locales, store.default_locale), 303)
