"""/admin/settings/taxes: VAT/GST rates per country or region, inclusive display, import thresholds."""
from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint
from admin.settings_forms import TaxForm
from admin.settings_saving import editor, save
from storefront.domain.store_admin import taxes
from storefront.extensions import db
from storefront.models import TaxRate

bp = admin_blueprint("admin_taxes", __name__, Area.SETTINGS)


@bp.get("/settings/taxes")
def index():
    return render_template("admin/settings/taxes.html", tax_rates=taxes.list_tax_rates(db.session),
                           delete_form=EmptyForm())


def _tax_or_404(tax_id: int) -> TaxRate:
    return db.session.get(TaxRate, tax_id) or abort(404)


@bp.route("/settings/taxes/new", methods=["GET", "POST"], defaults={"tax_id": None})
@bp.route("/settings/taxes/<int:tax_id>", methods=["GET", "POST"])
def edit(tax_id: int | None):
    found = _tax_or_404(tax_id) if tax_id else None
    form = TaxForm(data=asdict(taxes.input_of(found) if found else taxes.TaxInput()))
    status, _loose = save(form, lambda: taxes.save_tax_rate(db.session, editor(), found, form.to_input()),
                          saved=_("Tax rate saved. Prices shown with tax change from the next page."))
    if status is None:
        return redirect(url_for("admin_taxes.index"))
    return render_template("admin/settings/tax.html", form=form, tax=found), status


@bp.post("/settings/taxes/<int:tax_id>/delete")
def delete(tax_id: int):
    found = _tax_or_404(tax_id)
    if EmptyForm().validate_on_submit():
        taxes.delete_tax_rate(db.session, editor(), found)
        db.session.commit()
        flash(_("Tax rate deleted."), "success")
    return redirect(url_for("admin_taxes.index"))
