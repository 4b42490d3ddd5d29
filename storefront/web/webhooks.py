"""POST /webhooks/stripe: verify the signature, then hand the event to the payments service.
POST /webhooks/carriers/<account id>/<token>: tracking events pushed for a carrier account (shape documented in
storefront.domain.tracking.webhooks)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from storefront.domain import jobs, payments
from storefront.domain.store_admin.payments import stripe_keys
from storefront.domain.tracking import webhooks as tracking_webhooks
from storefront.domain.tracking.errors import TrackingError
from storefront.extensions import csrf, db
from storefront.integrations.stripe_gateway import InvalidWebhook, StripeGateway

bp = Blueprint("webhooks", __name__)
MAX_BODY = 512 * 1024


@bp.post("/webhooks/stripe")
@csrf.exempt
def stripe_event():
    settings = current_app.config["CLIPPER"]
    keys = stripe_keys(db.session, settings)
    if not keys.webhook_secret:
        return jsonify(status=503, message="webhook secret not configured"), 503
    payload = request.get_data(cache=False)
    if len(payload) > MAX_BODY:
        return jsonify(status=413, message="payload too large"), 413
    gateway = StripeGateway(keys.secret_key or "", api_base=settings.stripe_api_base,
                            webhook_secret=keys.webhook_secret)
    try:
        event = gateway.construct_event(payload, request.headers.get("Stripe-Signature", ""))
    except InvalidWebhook as exc:
        return jsonify(status=400, message=str(exc)), 400
    outcome = payments.handle_stripe_event(
        db.session, event, on_paid=lambda order: jobs.enqueue(
            "storefront.domain.orders.notifications.send_confirmation", order.token))
    db.session.commit()
    return jsonify(received=True, outcome=outcome.value)


@bp.post("/webhooks/carriers/<int:account_id>/<token>")
@csrf.exempt
def carrier_events(account_id: int, token: str):
    account = tracking_webhooks.account_for_webhook(db.session, account_id, token)
    if account is None:
        return jsonify(status=404, message="unknown webhook address"), 404
    if (request.content_length or 0) > MAX_BODY:
        return jsonify(status=413, message="payload too large"), 413
    try:
        payload = request.get_json(force=True, silent=True)
        outcome, new = tracking_webhooks.receive_carrier_events(db.session, account, payload)
    except TrackingError as exc:
        db.session.rollback()
        return jsonify(status=422, message=f"{exc.field}: {exc.message}" if exc.field else exc.message), 422
    db.session.commit()
    return jsonify(received=True, outcome=outcome.value, new_events=new)
