"""/admin/settings/shipping: zones (which countries) and their rates (price by weight, free-over, delivery days)."""
from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint
from admin.settings_forms import RateForm, ZoneForm
from admin.settings_saving import editor, save
from storefront.domain import carrier_accounts
from storefront.domain.store import load_store_settings
from storefront.domain.store_admin import shipping
from storefront.extensions import db
from storefront.models import ShippingRate, ShippingZone

bp = admin_blueprint("admin_shipping", __name__, Area.SETTINGS)


@bp.get("/settings/shipping")
def index():
    return render_template("admin/settings/shipping.html", zones=shipping.list_zones(db.session),
                           delete_form=EmptyForm())


def _zone_or_404(zone_id: int) -> ShippingZone:
    return db.session.get(ShippingZone, zone_id) or abort(404)


def _rate_or_404(rate_id: int) -> ShippingRate:
    return db.session.get(ShippingRate, rate_id) or abort(404)


@bp.route("/settings/shipping/zones/new", methods=["GET", "POST"], defaults={"zone_id": None})
@bp.route("/settings/shipping/zones/<int:zone_id>", methods=["GET", "POST"])
def zone(zone_id: int | None):
    found = _zone_or_404(zone_id) if zone_id else None
    form = ZoneForm(data=asdict(shipping.zone_input(found)) if found else None)
    status, _loose = save(form, lambda: shipping.save_zone(db.session, editor(), found, form.to_input()),
                          saved=_("Shipping zone saved."))
    if status is None:
        return redirect(url_for("admin_shipping.index"))
    return render_template("admin/settings/zone.html", form=form, zone=found), status


@bp.post("/settings/shipping/zones/<int:zone_id>/delete")
def delete_zone(zone_id: int):
    found = _zone_or_404(zone_id)
    if EmptyForm().validate_on_submit():
        shipping.delete_zone(db.session, editor(), found)
        db.session.commit()
        flash(_("Shipping zone deleted."), "success")
    return redirect(url_for("admin_shipping.index"))


@bp.route("/settings/shipping/zones/<int:zone_id>/rates/new", methods=["GET", "POST"], defaults={"rate_id": None})
@bp.route("/settings/shipping/zones/<int:zone_id>/rates/<int:rate_id>", methods=["GET", "POST"])
def rate(zone_id: int, rate_id: int | None):
    found_zone = _zone_or_404(zone_id)
    found = _rate_or_404(rate_id) if rate_id else None
    if found is not None and found.zone_id != found_zone.id:
        abort(404)
    store = load_store_settings(db.session)
    initial = shipping.rate_input(found) if found else shipping.RateInput(currency=store.base_currency)
    data = asdict(initial) | {f"name_{locale}": name for locale, name in initial.name_translations.items()}
    translated = [locale for locale in store.enabled_locales if locale != store.default_locale]
    form = RateForm(data=data, translated_locales=translated, **_live_choices())
    status, _loose = save(form, lambda: shipping.save_rate(db.session, editor(), found_zone, found, form.to_input()),
                          saved=_("Shipping rate saved."))
    if status is None:
        return redirect(url_for("admin_shipping.index"))
    return render_template("admin/settings/rate.html", form=form, zone=found_zone, rate=found), status


def _live_choices() -> dict:
    """Carrier accounts a rate may quote live, and each account's services grouped under its name."""
    accounts, services = [], {}
    for account in carrier_accounts.list_accounts(db.session):
        spec = carrier_accounts.spec_of(account.carrier_name)
        carrier = spec.display_name if spec else account.carrier_name
        label = f"{account.account_label} ({carrier})" + ("" if account.active else " — " + _("inactive"))
        accounts.append((account.id, label))
        offered = [(s.code, s.name) for s in spec.services] if spec else []
        enabled = [(code, name) for code, name in offered if not account.services or code in account.services]
        services[label] = [(code, f"{name} ({code})") for code, name in enabled]
    return {"live_accounts": accounts, "live_services": services}


@bp.post("/settings/shipping/rates/<int:rate_id>/delete")
def delete_rate(rate_id: int):
    found = _rate_or_404(rate_id)
    if EmptyForm().validate_on_submit():
        shipping.delete_rate(db.session, editor(), found)
        db.session.commit()
        flash(_("Shipping rate deleted."), "success")
    return redirect(url_for("admin_shipping.index"))
