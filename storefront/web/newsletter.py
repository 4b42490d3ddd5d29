"""Newsletter sign-up, its double opt-in link and one-click unsubscribe; the abandoned-checkout e-mail's link
that puts the shopper's cart back.

The sign-up form sits in the footer of cached pages, which carry no CSRF token: like the cart forms it takes a
valid token or a same-site request (cart.guard_writes). Unsubscribing needs neither: the signed token in the
URL is the authority, and RFC 8058 one-click POSTs from mail providers carry no token and come from no page.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from flask import abort, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from sqlalchemy.orm import Session

from storefront.domain.cart.queries import find_cart
from storefront.domain.marketing import abandoned, newsletter
from storefront.domain.marketing.abandoned import RecoveryError, RecoveryErrorCode
from storefront.domain.marketing.newsletter import NewsletterError, NewsletterErrorCode
from storefront.extensions import csrf, db, limiter
from storefront.models import utcnow
from storefront.web.assets import base_path
from storefront.web.cart import CART_COOKIE, CART_COOKIE_AGE, guard_writes
from storefront.web.context import shop_blueprint
from storefront.web.localization import safe_return_path
from storefront.web.marketing import referrer_host, remember_visitor, tracked_visitor, write_transaction

bp = shop_blueprint("newsletter", __name__)
recovery_bp = shop_blueprint("cart_recovery", __name__)

SUBSCRIBE_LIMIT = "10 per hour"
CONSENT_VALUES = {"1", "on", "yes", "true"}
PRIVATE_PAGE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


def error_text(error: NewsletterError) -> str:
    code = error.code
    if code is NewsletterErrorCode.CONSENT_REQUIRED:
        return _("Please tick the box to agree to receive our newsletter.")
    if code is NewsletterErrorCode.INVALID_EMAIL:
        return _("Please enter a valid e-mail address.")
    if code is NewsletterErrorCode.EXPIRED_LINK:
        return _("This confirmation link has expired. Please sign up again to get a new one.")
    return _("This link is not valid. Please check that you copied all of it.")


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.is_json or (best == "application/json"
                               and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"])


def form_data() -> Mapping:
    data = request.get_json(silent=True) if request.is_json else request.form
    return data if isinstance(data, Mapping) else {}


def text_field(data: Mapping, name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def campaign_field(data: Mapping) -> int | None:
    """The campaign a landing page's sign-up form names (`campaign`, an id), if it is a number at all."""
    value = data.get("campaign")
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    return int(text) if text.isdigit() and len(text) < 10 else None


def consent_given(data: Mapping) -> bool:
    """Only an explicit yes: a ticked checkbox (or JSON true); a missing or unticked box is no consent."""
    value = data.get("consent")
    return value is True or (isinstance(value, str) and value.strip().lower() in CONSENT_VALUES)


def message_page(title: str, text: str, status: int = 200, **context):
    return render_template("newsletter/message.html", title=title, text=text, **context), status, PRIVATE_PAGE


# -- sign-up and double opt-in -----------------------------------------------------------------------------------
@bp.post("/newsletter/subscribe")
@csrf.exempt
@limiter.limit(SUBSCRIBE_LIMIT, methods=["POST"], key_func=get_remote_address)
def subscribe():
    """Fields email, consent, source, return_to, and campaign (an id) on landing pages. The answer is the same
    whether the address is new, waiting for its confirmation or already subscribed."""
    guard_writes()
    data = form_data()
    email, return_to = text_field(data, "email"), safe_return_path(text_field(data, "return_to") or None)
    source, campaign_id = text_field(data, "source") or "form", campaign_field(data)
    try:
        newsletter.subscribe(db.session, email, locale=g.locale, source=source, campaign_id=campaign_id,
                             consent=consent_given(data))
    except NewsletterError as error:
        db.session.rollback()
        if wants_json():
            return jsonify(status=error.status, message=_("Newsletter"), description=error_text(error)), error.status
        return render_template("newsletter/subscribe.html", error=error_text(error), email=email, source=source,
                               campaign_id=campaign_id, return_to=return_to), error.status, PRIVATE_PAGE
    db.session.commit()
    text = _("Almost done: we have sent you an e-mail. Please open the link in it to confirm your subscription.")
    if wants_json():
        return jsonify(status="pending", message=_("Check your inbox"), description=text)
    return message_page(_("Check your inbox"), text, back=return_to if return_to != "/" else None)


def follow_link(service: Callable[[Session, str], object], token: str) -> None:
    """What a link in an e-mail does (confirm, unsubscribe), saved; an unknown or expired link is a 404 page that
    says so, and nothing is saved."""
    try:
        service(db.session, token)
    except NewsletterError as error:
        db.session.rollback()
        abort(404, description=error_text(error))
    db.session.commit()


@bp.get("/newsletter/confirm/<token>")
def confirm(token: str):
    write_transaction()
    follow_link(newsletter.confirm, token)
    return message_page(_("You are subscribed"),
                        _("Thank you for confirming. You will receive our newsletter; every issue has a link to "
                          "unsubscribe."))


# -- unsubscribing -------------------------------------------------------------------------------------------------
@bp.get("/newsletter/unsubscribe/<token>")
def unsubscribe_form(token: str):
    try:
        email = newsletter.email_for_unsubscribe_token(token)
    except NewsletterError as error:
        abort(404, description=error_text(error))
    return render_template("newsletter/unsubscribe.html", email=email, token=token), 200, PRIVATE_PAGE


@bp.post("/newsletter/unsubscribe/<token>")
@csrf.exempt
def unsubscribe(token: str):
    """The page's button and RFC 8058 one-click requests ("List-Unsubscribe=One-Click") alike."""
    follow_link(newsletter.unsubscribe, token)
    return message_page(_("You are unsubscribed"),
                        _("We will not send you any more marketing e-mails. Changed your mind? You can sign up "
                          "again at any time."))


# -- the abandoned-checkout e-mail's link --------------------------------------------------------------------------
@recovery_bp.get("/cart/recover/<token>")
def recover(token: str):
    write_transaction()
    visitor = tracked_visitor()
    cart = find_cart(db.session, request.cookies.get(CART_COOKIE), g.locale)
    try:
        recovery = abandoned.recover_cart(
            db.session, token, cart=cart, localization=g.localization, pricing=g.pricing,
            locations=g.snapshot.locations, visitor_id=visitor, referrer_host=referrer_host(), now=utcnow())
    except RecoveryError as error:
        db.session.rollback()
        if error.code is RecoveryErrorCode.ALREADY_PAID:
            return redirect(url_for("orders.status", token=error.order_token), 303)
        abort(404, description=_("This link is not valid any more. Add the items to your cart again to continue."))
    db.session.commit()
    target = base_path() + recovery.cart_path
    if recovery.problems:  # the cart page explains the first line that could not come back as it was
        problem = recovery.problems[0]
        query = {"error": problem.code.value, "title": problem.title or None, "available": problem.available}
        target += "?" + urlencode({key: value for key, value in query.items() if value is not None})
    response = redirect(target, 303)
    response.headers["Cache-Control"] = "no-store"
    if recovery.cart.token != request.cookies.get(CART_COOKIE):
        response.set_cookie(CART_COOKIE, recovery.cart.token, max_age=CART_COOKIE_AGE, httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return remember_visitor(response, visitor)
