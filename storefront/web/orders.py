"""/orders/<token>: the shopper's order status page (the Stripe success URL lands here)."""
from __future__ import annotations

from flask import abort, render_template, request

from storefront.domain.orders.queries import find_order_by_token
from storefront.domain.tracking.display import order_parcels
from storefront.extensions import db
from storefront.models import PaymentStatus
from storefront.web.context import shop_blueprint
from storefront.web.locale_prefix import request_locale

bp = shop_blueprint("orders", __name__)


@bp.get("/orders/<token>")
def status(token: str):
    order = find_order_by_token(db.session, token)
    if order is None:
        abort(404)
    waiting = order.payment_status is PaymentStatus.PENDING and bool(request.args.get("session_id"))
    parcels = order_parcels(db.session, order, request_locale())
    response = render_template("order.html", order=order, waiting=waiting, parcels=parcels)
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}
