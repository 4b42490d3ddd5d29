"""POST /checkout: thin view over the checkout service; Stripe's hosted page takes it from there."""
from __future__ import annotations

from flask import current_app, g, redirect, url_for

from storefront.domain import checkout
from storefront.domain.cart.errors import CartError
from storefront.domain.store_admin.payments import stripe_keys
from storefront.extensions import db
from storefront.integrations.stripe_gateway import StripeGateway
from storefront.web.assets import media_url
from storefront.web.cart import current_cart, priced
from storefront.web.context import shop_blueprint
from storefront.web.template_helpers import absolute_url

bp = shop_blueprint("checkout", __name__)


def gateway() -> StripeGateway | None:
    """Stripe with the CLIPPER_STRIPE_* keys, else those saved in the admin; None when neither has a secret key."""
    settings = current_app.config["CLIPPER"]
    keys = stripe_keys(db.session, settings)
    if not keys.secret_key:
        return None
    return StripeGateway(keys.secret_key, api_base=settings.stripe_api_base, webhook_secret=keys.webhook_secret)


@bp.post("/checkout")
def start():
    cart = current_cart()
    view = priced(cart)
    payments = gateway()
    try:
        if view is None:
            raise checkout.CheckoutError(checkout.CheckoutErrorCode.EMPTY)
        if payments is None:
            raise checkout.CheckoutError(checkout.CheckoutErrorCode.PAYMENT_UNAVAILABLE)
        started = checkout.start_checkout(
            db.session, view=view, ctx=g.pricing, store=g.store, locale=g.locale, locations=g.snapshot.locations,
            tax=g.pricing.tax, rates=g.snapshot.rates, gateway=payments,
            urls=checkout.CheckoutUrls(
                success=lambda token: absolute_url(url_for("orders.status", token=token)) + "?session_id={CHECKOUT_SESSION_ID}",
                cancel=absolute_url(url_for("cart.page")),
                image=lambda key: absolute_url(media_url(key)),
            ),
        )
    except (checkout.CheckoutError, CartError) as error:
        current_app.logger.info("checkout refused: %s", error.code.value)
        code = error.code.value if isinstance(error, checkout.CheckoutError) else checkout.CheckoutErrorCode.CART_PROBLEM.value
        return redirect(url_for("cart.page", checkout_error=code, title=getattr(error, "title", "") or None), 303)
    return redirect(started.redirect_url, 303)

