"""/admin/settings/fx: the exchange rates prices are converted with; refresh from the ECB, override a pair."""
from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint
from admin.settings_forms import FxOverrideForm
from admin.settings_saving import editor, save
from storefront.domain.store import load_store_settings
from storefront.domain.store_admin import fx as fx_settings
from storefront.domain.store_admin import markets
from storefront.extensions import db
from storefront.integrations.fx_rates import FxFeedError
from storefront.models import utcnow

bp = admin_blueprint("admin_fx", __name__, Area.SETTINGS)


def _render(form: FxOverrideForm, status: int = 200):
    store = load_store_settings(db.session)
    currencies = [m.currency for m in markets.list_markets(db.session) if m.active]
    overview = fx_settings.overview(db.session, store.base_currency, currencies)
    return render_template("admin/settings/fx.html", overview=overview, form=form, action_form=EmptyForm(),
                           store_zone=ZoneInfo(store.timezone), now=utcnow(),
                           feed_url=current_app.config["CLIPPER"].fx_feed_url), status


@bp.get("/settings/fx")
def index():
    store = load_store_settings(db.session)
    return _render(FxOverrideForm(data={"base": store.base_currency}))


@bp.post("/settings/fx/refresh")
def refresh():
    if EmptyForm().validate_on_submit():
        try:
            result = fx_settings.refresh_now(db.session, editor(), current_app.config["CLIPPER"].fx_feed_url)
        except FxFeedError as error:
            db.session.rollback()
            flash(_("The rates could not be refreshed: %(reason)s", reason=str(error)), "error")
        else:
            db.session.commit()
            flash(_("Rates of %(date)s loaded: %(count)s new.", date=result.rate_date.isoformat(), count=result.added),
                  "success")
    return redirect(url_for("admin_fx.index"))


@bp.post("/settings/fx/overrides")
def override():
    form = FxOverrideForm()
    store_zone = ZoneInfo(load_store_settings(db.session).timezone)

    def expires_at():
        local = form.expires_at.data
        return local.replace(tzinfo=store_zone).astimezone(UTC) if local else None

    status, _loose = save(form, lambda: fx_settings.set_override(
        db.session, editor(), base=form.base.data, quote=form.quote.data, rate=form.rate.data,
        expires_at=expires_at()), saved=_("Manual rate saved. Prices use it from the next page."))
    if status is None:
        return redirect(url_for("admin_fx.index"))
    return _render(form, status)


@bp.post("/settings/fx/overrides/<int:override_id>/delete")
def delete_override(override_id: int):
    found = fx_settings.find_override(db.session, override_id) or abort(404)
    if EmptyForm().validate_on_submit():
        fx_settings.delete_override(db.session, editor(), found)
        db.session.commit()
        flash(_("Manual rate deleted: the ECB rate applies again."), "success")
    return redirect(url_for("admin_fx.index"))
