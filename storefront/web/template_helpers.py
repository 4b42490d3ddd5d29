"""Jinja globals and filters shared by every theme."""
from __future__ import annotations

from flask import Flask, g, request
from markupsafe import Markup

from storefront.domain.money import format_money
from storefront.web.assets import asset_url, base_path, media_url
from storefront.web.localization import request_locale

LOCALE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "ja": "日本語", "zh-CN": "简体中文"}


def locale_url(locale: str, default_locale: str = "en") -> str:
    """This page's URL in another locale (no query string: canonical and hreflang links)."""
    prefix = "" if locale == default_locale else f"/{locale}"
    return f"{base_path()}{prefix}{request.path}"


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
