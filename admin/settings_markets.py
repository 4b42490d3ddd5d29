"""/admin/settings/markets: the markets a shop sells into, each with its countries, currency and price rules."""
from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint
from admin.settings_forms import MarketForm
from admin.settings_saving import editor, refuse, save
from storefront.domain.fx import load_rate_table
from storefront.domain.store import load_store_settings
from storefront.domain.store_admin import markets
from storefront.domain.store_admin.errors import InvalidSettings
from storefront.extensions import db
from storefront.models import Market

bp = admin_blueprint("admin_markets", __name__, Area.SETTINGS)


@bp.get("/settings/markets")
def index():
    return render_template("admin/settings/markets.html", markets=markets.list_markets(db.session),
                           delete_form=EmptyForm())


def _market_or_404(market_id: int) -> Market:
    return db.session.get(Market, market_id) or abort(404)


@bp.route("/settings/markets/new", methods=["GET", "POST"], defaults={"market_id": None})
@bp.route("/settings/markets/<int:market_id>", methods=["GET", "POST"])
def edit(market_id: int | None):
    market = _market_or_404(market_id) if market_id else None
    store = load_store_settings(db.session)
    initial = markets.input_of(market) if market else markets.MarketInput(
        currency=store.base_currency, default_locale=store.default_locale, locales=[store.default_locale])
    form = MarketForm(data=asdict(initial), enabled_locales=store.enabled_locales)
    status, _loose = save(form, lambda: markets.save_market(
        db.session, editor(), market, form.to_input(), base_currency=store.base_currency,
        rates=load_rate_table(db.session), enabled_locales=list(store.enabled_locales)),
        saved=_("Market saved. Shoppers see its prices from their next page."))
    if status is None:
        return redirect(url_for("admin_markets.index"))
    return render_template("admin/settings/market.html", form=form, market=market), status


@bp.post("/settings/markets/<int:market_id>/delete")
def delete(market_id: int):
    market = _market_or_404(market_id)
    if EmptyForm().validate_on_submit():
        try:
            markets.delete_market(db.session, editor(), market)
        except InvalidSettings as error:
            db.session.rollback()
            refuse(error.problems)
        else:
            db.session.commit()
            flash(_("Market deleted. Its countries now shop in the default market."), "success")
    return redirect(url_for("admin_markets.index"))
