"""Jinja globals and filters shared by every theme."""
from __future__ import annotations

from flask import Flask, current_app, g, request
from markupsafe import Markup

from storefront.domain.money import format_money
from storefront.web.assets import asset_url, base_path, media_url
from storefront.web.localization import request_locale

LOCALE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "ja": "日本語", "zh-CN": "简体中文"}


def site_root() -> str:
    """Absolute root of the shop: CLIPPER_PUBLIC_URL when set (behind proxies), else the request's host."""
    public = current_app.config["CLIPPER"].public_url
    return public.rstrip("/") if public else request.host_url.rstrip("/") + base_path()


def locale_url(locale: str, default_locale: str = "en") -> str:
    """This page's absolute URL in another locale, without query string (canonical and hreflang links)."""
    prefix = "" if locale == default_locale else f"/{locale}"
    return f"{site_root()}{prefix}{request.path}"


def money(amount: int | None, currency: str) -> str:
    if amount is None:
        return ""
    return format_money(amount, currency, request_locale())


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        asset_url=asset_url,
        media_url=media_url,
        locale_url=locale_url,
        LOCALE_NAMES=LOCALE_NAMES,
    )
    app.jinja_env.filters["money"] = money
    app.jinja_env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}

    @app.context_processor
    def shop_globals():
        store = g.get("store")
        return {
            "store": store,
            "current_locale": request_locale(),
            "enabled_locales": store.enabled_locales if store else ["en"],
            "html_lang": request_locale(),
            "safe_html": Markup,
        }
