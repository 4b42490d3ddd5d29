"""/admin/settings: the overview, and the store's own settings (details, base currency, languages, synonyms)."""
from __future__ import annotations

from flask import Flask, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from admin import (
    settings_fx,
    settings_markets,
    settings_payments,
    settings_shipping,
    settings_taxes,
    settings_theme,
)
from admin.permissions import Area, admin_blueprint, can
from admin.settings_forms import (
    BaseCurrencyForm,
    LocalesForm,
    StoreDetailsForm,
    SynonymsForm,
)
from admin.settings_saving import editor, save
from storefront.domain.fx import load_rate_table
from storefront.domain.store import load_store_settings
from storefront.domain.store_admin import markets, payments, shipping, taxes
from storefront.domain.store_admin import store as store_settings
from storefront.extensions import db

bp = admin_blueprint("admin_settings", __name__, Area.SETTINGS)


def register(app: Flask) -> None:
    """The settings overview and every settings screen below it."""
    app.register_blueprint(bp)
    for screen in (settings_markets, settings_fx, settings_shipping, settings_taxes, settings_payments,
                   settings_theme):
        app.register_blueprint(screen.bp)


@bp.get("/settings")
def index():
    store = load_store_settings(db.session)
    settings = current_app.config["CLIPPER"]
    return render_template(
        "admin/settings/index.html", store=store, markets=markets.list_markets(db.session),
        zones=shipping.list_zones(db.session), tax_rates=taxes.list_tax_rates(db.session),
        payments=payments.payment_settings(store, settings) if can(current_user, Area.PAYMENTS) else None,
        mail_configured=bool(settings.mail_url), mail_sender=settings.mail_sender,
        staff_url=url_for("admin_staff.index") if can(current_user, Area.STAFF) else None,
    )


@bp.route("/settings/store", methods=["GET", "POST"])
def details():
    store = load_store_settings(db.session)
    form = StoreDetailsForm(data=StoreDetailsForm.initial(store_settings.details_of(store), store.version))
    status, _loose = save(form, lambda: store_settings.update_details(
        db.session, editor(), version=form.version.data, details=form.to_details()), saved=_("Store details saved."))
    if status is None:
        return redirect(url_for("admin_settings.details"))
    return render_template("admin/settings/store.html", form=form), status


@bp.route("/settings/currency", methods=["GET", "POST"])
def currency():
    store = load_store_settings(db.session)
    form = BaseCurrencyForm(data={"currency": store.base_currency, "version": store.version})
    locked = store_settings.orders_exist(db.session)
    status, _loose = save(form, lambda: store_settings.change_base_currency(
        db.session, editor(), version=form.version.data, currency=form.currency.data,
        rates=load_rate_table(db.session)), saved=_("Base currency saved."))
    if status is None:
        return redirect(url_for("admin_settings.currency"))
    return render_template("admin/settings/currency.html", form=form, store=store, locked=locked), status


@bp.route("/settings/languages", methods=["GET", "POST"])
def languages():
    store = load_store_settings(db.session)
    form = LocalesForm(data={"enabled_locales": list(store.enabled_locales), "version": store.version})
    status, _loose = save(form, lambda: store_settings.update_locales(
        db.session, editor(), version=form.version.data, enabled=form.enabled_locales.data),
        saved=_("Languages saved."))
    if status is None:
        return redirect(url_for("admin_settings.languages"))
    return render_template("admin/settings/languages.html", form=form, store=store), status


@bp.route("/settings/search", methods=["GET", "POST"])
def synonyms():
    store = load_store_settings(db.session)
    form = SynonymsForm(data={"synonyms": store_settings.synonyms_text(store.search_synonyms),
                              "version": store.version})
    status, _loose = save(form, lambda: store_settings.update_synonyms(
        db.session, editor(), version=form.version.data, raw=form.synonyms.data), saved=_("Search synonyms saved."))
    if status is None:
        return redirect(url_for("admin_settings.synonyms"))
    return render_template("admin/settings/synonyms.html", form=form), status
