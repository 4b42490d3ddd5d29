"""POST /localization: the shopper picks country, currency and language; back to where they were."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import g, redirect, request

from storefront.domain.markets import localize, market_for_country, normalize_country
from storefront.extensions import csrf
from storefront.web.assets import base_path
from storefront.web.context import remember_localization, shop_blueprint

bp = shop_blueprint("localization", __name__)


def safe_return_path(raw: str | None) -> str:
    """Only a path on this site: "//evil.example", "https://evil.example/x" and junk become "/"."""
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return "/"
    return raw


def path_in_locale(path: str, locale: str, enabled: list[str], default_locale: str) -> str:
    """`path` (without the app's base path) moved into `locale`'s URL prefix."""
    first, _, rest = path.lstrip("/").partition("/")
    if first in enabled and first != default_locale:
        path = "/" + rest
    return path if locale == default_locale else f"/{locale}{path}"


@bp.post("/localization")
@csrf.exempt
def update():
    """Shopify's localization form: fields country, currency, locale and return_to."""
    data = request.get_json(silent=True) if request.is_json else request.form
    data = data or {}
    store, snapshot = g.store, g.snapshot
    country = normalize_country(data.get("country"))
    currency = (data.get("currency") or "").strip().upper() or None
    if country and not currency:
        currency = market_for_country(snapshot.markets, country).currency
    chosen = localize(snapshot.markets, chosen_country=country or g.localization.country, currency=currency)
    remember_localization(country=country, currency=chosen.currency if currency else None)
    target = safe_return_path(data.get("return_to"))
    base = base_path()
    if base and target.startswith(base):
        target = target[len(base):] or "/"
    locale = data.get("locale") or data.get("language")
    if locale not in store.enabled_locales:
        locale = g.locale
    return redirect(base + path_in_locale(target, locale, store.enabled_locales, store.default_locale), 303)
