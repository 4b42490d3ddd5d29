"""Jinja globals and filters shared by every theme."""
from __future__ import annotations

import json
from functools import lru_cache
from urllib.parse import urlencode, urlsplit

from babel import Locale
from babel.core import get_global
from babel.numbers import format_decimal
from flask import Flask, current_app, g, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from storefront.domain.markets import presentment_currencies
from storefront.domain.money import format_money
from storefront.domain.seo import locale_path, summary
from storefront.web.cart_messages import cart_error_text, checkout_error_message, error_from_code, line_problem_text
from storefront.web.assets import THEMES, asset_url, base_path, media_url
from storefront.web.locale_prefix import request_locale
from storefront.web.theming import DEFAULT_THEME, effective_settings

LOCALE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "ja": "日本語", "zh-CN": "简体中文"}


def site_root() -> str:
    """Absolute root of the shop: CLIPPER_PUBLIC_URL when set (behind proxies), else the request's host."""
    public = current_app.config["CLIPPER"].public_url
    return public.rstrip("/") if public else request.host_url.rstrip("/") + base_path()


def absolute_url(path: str) -> str:
    """A root-relative path ("/media/…") as an absolute URL on the shop's public origin."""
    public = current_app.config["CLIPPER"].public_url
    origin = urlsplit(public) if public else None
    return (f"{origin.scheme}://{origin.netloc}" if origin else request.host_url.rstrip("/")) + path


def shop_url(path: str, locale: str, default_locale: str) -> str:
    """The absolute URL of a shop path ("/products/mug") in `locale`."""
    return site_root() + locale_path(path, locale, default_locale)


def locale_url(locale: str, default_locale: str = "en", keep_page: bool = True) -> str:
    """This page's absolute URL in another locale (canonical and hreflang links): only `page` is kept
    of the query string; tracking, sort and filter parameters point to the same canonical page."""
    url = shop_url(g.get("alternate_paths", {}).get(locale, request.path), locale, default_locale)
    page = request.args.get("page", "")
    if keep_page and page.isascii() and page.isdigit() and int(page) > 1:
        url += "?" + urlencode({"page": page})
    return url


def picture_url(key: str, width: int) -> str:
    """The absolute URL of an uploaded picture's JPEG at one of its generated widths (for crawlers and
    link previews, which take one URL rather than a srcset)."""
    return absolute_url(media_url(f"{key}-{width}.jpg"))


def image_url(image) -> str | None:
    """A product picture's largest JPEG as an absolute URL."""
    return picture_url(image.key, max(image.sizes)) if image and image.sizes else None


def logo_url() -> str | None:
    """The theme's logo setting (an uploaded media key, a root-relative path or a URL) as an absolute URL."""
    store = g.get("store")
    logo = effective_settings(THEMES, g.get("theme", DEFAULT_THEME), store.theme_settings if store else {}).get("logo")
    if not logo or not isinstance(logo, str):
        return None
    if logo.startswith(("https://", "http://")):
        return logo
    return absolute_url(logo if logo.startswith("/") else media_url(logo))


@lru_cache(maxsize=16)
def og_locale(locale: str) -> str:
    """Open Graph's language_TERRITORY form of a locale, the territory from CLDR's likely subtags: de → de_DE."""
    parsed = Locale.parse(locale.replace("-", "_"))
    if not parsed.territory:
        parsed = Locale.parse(get_global("likely_subtags").get(parsed.language, parsed.language))
    return f"{parsed.language}_{parsed.territory}" if parsed.territory else parsed.language


def script_json(data) -> Markup:
    """JSON for inside a <script> element: "</script>" or "<!--" in the data cannot end or confuse it."""
    text = json.dumps(data, ensure_ascii=False)
    return Markup(text.replace("</", "<\\/").replace("<!--", "\\u003c!--"))


def money(amount: int | None, currency: str | None = None) -> str:
    if amount is None:
        return ""
    return format_money(amount, currency or g.pricing.currency, request_locale())


def number(value) -> str:
    """A number as the shopper's locale writes it: 19, 25,5 (de), 14.975 (en)."""
    return format_decimal(value, locale=request_locale().replace("-", "_"))


def url_with(**changes) -> str:
    """The current URL with some query parameters changed (None removes one); page resets unless given."""
    args = request.args.to_dict(flat=False)
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [value]
    query = urlencode([(k, v) for k, values in args.items() for v in values])
    return request.script_root + request.path + (f"?{query}" if query else "")


@lru_cache(maxsize=16)
def _country_names(locale: str) -> tuple[tuple[str, str], ...]:
    territories = Locale.parse(locale.replace("-", "_")).territories
    names = [(code, name) for code, name in territories.items() if len(code) == 2 and code.isalpha()
             and code not in {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB", "XK"}]
    return tuple(sorted(names, key=lambda item: item[1]))


def country_choices() -> tuple[tuple[str, str], ...]:
    return _country_names(request_locale())


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return Locale.parse(request_locale().replace("-", "_")).territories.get(code, code)


def currency_choices() -> list[tuple[str, str]]:
    names = Locale.parse(request_locale().replace("-", "_")).currencies
    return [(code, f"{code} – {names.get(code, code)}") for code in presentment_currencies(g.snapshot.markets)]


def language_suggestions() -> Markup:
    """For the theme's dismissible banner: each other locale's URL and an offer written in that locale."""
    store = g.get("store")
    if not store:
        return Markup("{}")
    offers = {}
    for locale in store.enabled_locales:
        if locale == request_locale():
            continue
        with force_locale(locale.replace("-", "_")):
            offers[locale] = {"lang": locale, "url": locale_url(locale, store.default_locale),
                              "text": _("This page is also available in %(language)s.", language=LOCALE_NAMES.get(locale, locale)),
                              "link": _("Switch to %(language)s", language=LOCALE_NAMES.get(locale, locale)),
                              "dismiss": _("No, thanks")}
    return script_json(offers)


def _srcset(key: str, sizes: list[int], fmt: str) -> str:
    return ", ".join(f"{media_url(f'{key}-{w}.{fmt}')} {w}w" for w in sizes)


def availability_text(view, variant) -> str:
    if not view.sold_in_market:
        return _("This product cannot be shipped to %(country)s.",
                 country=country_name(g.localization.country) or g.localization.market.name)
    if not variant.available:
        return _("Sold out")
    if variant.quantity is not None and variant.quantity <= g.store.low_stock_threshold:
        return ngettext("Only %(num)d left", "Only %(num)d left", variant.quantity)
    return _("In stock")


def product_json(view) -> Markup:
    """What the theme's variant picker needs to update the page without a reload."""
    data = {
        "variants": [
            {"id": v.id, "options": v.options, "available": v.available, "sku": v.sku or "—",
             "price": money(v.price, view.currency),
             "compare_at_price": money(v.compare_at_price, view.currency) if v.compare_at_price else None,
             "image_id": v.image_id, "availability": availability_text(view, v)}
            for v in view.variants
        ],
        "images": {
            str(i.image.id): {"src": media_url(f"{i.image.key}-{i.image.sizes[-1]}.jpg"),
                              "srcset": _srcset(i.image.key, i.image.sizes, "jpg"),
                              "webp": _srcset(i.image.key, i.image.sizes, "webp"), "alt": i.alt,
                              "width": i.image.width, "height": i.image.height}
            for i in view.images
        },
        "labels": {"add": _("Add to cart"), "sold_out": _("Sold out"), "unavailable": _("Unavailable")},
    }
    return script_json(data)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        asset_url=asset_url,
        absolute_url=absolute_url,
        media_url=media_url,
        locale_url=locale_url,
        url_with=url_with,
        country_choices=country_choices,
        country_name=country_name,
        currency_choices=currency_choices,
        language_suggestions=language_suggestions,
        product_json=product_json,
        cart_error_message=error_from_code,
        cart_error_text=cart_error_text,
        checkout_error_message=checkout_error_message,
        cart_line_problem=line_problem_text,
        availability_text=availability_text,
        image_url=image_url,
        logo_url=logo_url,
        og_locale=og_locale,
        script_json=script_json,
        LOCALE_NAMES=LOCALE_NAMES,
    )
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["summary"] = summary
    app.jinja_env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}

    @app.context_processor
    def shop_globals():
        store = g.get("store")
        return {
            "store": store,
            "current_locale": request_locale(),
            "enabled_locales": store.enabled_locales if store else ["en"],
            "html_lang": request_locale(),
            "pricing": g.get("pricing"),
            "localization": g.get("localization"),
            "theme_settings": effective_settings(THEMES, g.get("theme", DEFAULT_THEME),
                                                 store.theme_settings if store else {}),
            "base_path": base_path(),
            "url_for": url_for,
        }
