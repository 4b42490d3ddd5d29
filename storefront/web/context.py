"""Per-request shop context: store settings, theme and locale, loaded once per request."""
from __future__ import annotations

from flask import Blueprint, abort, g

from storefront.domain.store import StoreNotSetUp, load_store_settings
from storefront.extensions import db
from storefront.web.localization import request_locale


def load_shop_context() -> None:
    try:
        store = load_store_settings(db.session)
    except StoreNotSetUp:
        abort(503, description="This shop has not been set up yet. Run `clipper demo` or create the store.")
    g.store = store
    g.theme = store.theme
    g.locale = request_locale()
    if g.locale not in store.enabled_locales:
        abort(404)


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
