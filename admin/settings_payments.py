"""/admin/settings/payments (owners only): Stripe keys, sealed at rest and shown masked; the webhook URL."""
from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask_babel import gettext as _

from admin.permissions import Area, admin_blueprint
from admin.settings_forms import StripeKeysForm
from admin.settings_saving import editor, save
from storefront.domain.store import load_store_settings
from storefront.domain.store_admin import payments
from storefront.extensions import db
from storefront.web.template_helpers import absolute_url

bp = admin_blueprint("admin_payments", __name__, Area.PAYMENTS)


@bp.route("/settings/payments", methods=["GET", "POST"])
def index():
    settings = current_app.config["CLIPPER"]
    store = load_store_settings(db.session)
    form = StripeKeysForm(data={"publishable_key": store.stripe_publishable_key, "version": store.version})
    status, _loose = save(form, lambda: payments.save_stripe_keys(
        db.session, editor(), version=form.version.data, sealing_key=settings.secret_key,
        publishable_key=form.publishable_key.data, secret_key=form.secret_key.data,
        webhook_secret=form.webhook_secret.data, remove_secret_key=form.remove_secret_key.data,
        remove_webhook_secret=form.remove_webhook_secret.data), saved=_("Payment settings saved."))
    if status is None:
        return redirect(url_for("admin_payments.index"))
    return render_template("admin/settings/payments.html", form=form,
                           saved=payments.payment_settings(load_store_settings(db.session), settings),
                           webhook_url=absolute_url(url_for("webhooks.stripe_event"))), status
