"""Campaign arrivals: tracked links /c/<code> (under every locale prefix too) and plain utm_* parameters on any
shop page. Both record a visit with a first-party visitor cookie, except for bots and for browsers that send
`DNT: 1` or `Sec-GPC: 1`: they are redirected and get the campaign's discount, but are neither counted nor
given a cookie.

Whole-page caching does not hide arrivals: the UTM hook runs after the view, on cache hits and 304s alike,
and the visitor cookie is set on the response only (the page cache stores bodies, never headers).
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, g, redirect, request
from sqlalchemy.exc import SQLAlchemyError

from storefront.domain.cart import actions as cart_actions
from storefront.domain.database import begin_writing
from storefront.domain.marketing import attribution
from storefront.extensions import db
from storefront.models import Cart, utcnow
from storefront.web.assets import base_path
from storefront.web.cart import CART_COOKIE, CART_COOKIE_AGE
from storefront.web.context import shop_blueprint

bp = shop_blueprint("marketing", __name__)

# Shop blueprints whose GET responses are not pages a campaign lands on (or that record their own visit).
NOT_LANDINGS = frozenset({"marketing", "catalog_json", "seo", "localization"})
NOT_PAGE_SUFFIXES = (".js", ".json", ".xml", ".txt", ".csv", ".rss", ".atom")


# -- the visitor -----------------------------------------------------------------------------------------------
def tracked_visitor() -> str | None:
    """The visitor id to count this request under (the cookie's, else a new one); None for bots and for
    browsers that ask not to be tracked."""
    if attribution.is_bot(request.user_agent.string) or not attribution.tracking_allowed(request.headers):
        return None
    current = request.cookies.get(attribution.VISITOR_COOKIE)
    return current if attribution.valid_visitor_id(current) else attribution.new_visitor_id()


def remember_visitor(response, visitor_id: str | None):
    if visitor_id:
        response.set_cookie(attribution.VISITOR_COOKIE, visitor_id, max_age=attribution.VISITOR_COOKIE_AGE,
                            httponly=True, samesite="Lax", secure=request.is_secure)
    return response


def referrer_host() -> str | None:
    """Where the shopper came from (host only), unless it is this shop."""
    host = urlsplit(request.referrer or "").hostname
    return host if host and host != request.host.split(":")[0].lower() else None


def arrival_cart(visitor_id: str | None, locale: str, *, create: bool) -> Cart | None:
    """The shopper's open cart; a new one when `create` (a campaign discount needs somewhere to go)."""
    cart = attribution.open_cart(db.session, request.cookies.get(CART_COOKIE))
    if cart is None and create:
        cart = cart_actions.new_cart(db.session, g.localization, locale, visitor_id=visitor_id)
    return cart


def write_transaction() -> None:
    """Leave the request's reading transaction (a GET view's unsaved changes stay unsaved, as they would) and
    start a writing one: SQLite takes its write lock now instead of failing to upgrade a read later."""
    db.session.rollback()
    begin_writing(db.session)


# -- /c/<code> -------------------------------------------------------------------------------------------------
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/c/<path:code>")
def campaign_link(code: str):
    now = utcnow()
    write_transaction()
    link = attribution.resolve_link(db.session, code, now=now)
    if link is None:
        return no_store(redirect(base_path() + attribution.home_url(db.session, locale=g.locale), 302))
    locale = attribution.arrival_locale(link, g.locale, g.store.enabled_locales)
    target = attribution.landing_url(db.session, link.campaign, link, locale=locale)
    if request.method != "GET":  # HEAD (link checkers): where it goes, nothing more
        return no_store(redirect(base_path() + target, 302))
    visitor = tracked_visitor()
    discount = attribution.arrival_discount(db.session, link.campaign, link, now=now)
    cart = arrival_cart(visitor, locale, create=discount is not None)
    attribution.arrive(db.session, campaign=link.campaign, link=link, visitor_id=visitor, cart=cart,
                       discount=discount, utm=attribution.campaign_utm(link.campaign, link),
                       landing_path=target.partition("?")[0], referrer_host=referrer_host(), locale=locale,
                       country_code=g.localization.country, now=now)
    token = cart.token if cart is not None and cart.token != request.cookies.get(CART_COOKIE) else None
    db.session.commit()
    response = redirect(base_path() + target, 302)
    if token:
        response.set_cookie(CART_COOKIE, token, max_age=CART_COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return no_store(remember_visitor(response, visitor))


# -- plain UTM parameters on any shop page -----------------------------------------------------------------------
def is_utm_landing(response) -> bool:
    return (request.method == "GET" and response.status_code in (200, 304) and "localization" in g
            and request.blueprint not in NOT_LANDINGS and not request.path.endswith(NOT_PAGE_SUFFIXES)
            and (response.status_code == 304 or response.mimetype == "text/html")
            and attribution.has_utm(request.args))


@bp.after_app_request
def record_utm_arrival(response):
    """A shop page opened with utm_* parameters is a visit: of the campaign they name, else unattributed."""
    if not is_utm_landing(response):
        return response
    visitor = tracked_visitor()
    if visitor is None:
        return response
    now = utcnow()
    utm = {field: request.args.get(field) for field in attribution.UTM_FIELDS}
    try:
        write_transaction()
        attribution.arrive(db.session, campaign=attribution.match_campaign(db.session, utm, now=now), link=None,
                           visitor_id=visitor, cart=attribution.open_cart(db.session, request.cookies.get(CART_COOKIE)),
                           utm=utm, landing_path=request.script_root + request.path, referrer_host=referrer_host(),
                           locale=g.locale, country_code=g.localization.country, now=now)
        db.session.commit()
    except SQLAlchemyError:  # a visit is not worth a failed page
        db.session.rollback()
        current_app.logger.warning("campaign visit not recorded", exc_info=True)
        return response
    return remember_visitor(response, visitor)
