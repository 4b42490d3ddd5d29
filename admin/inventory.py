"""Inventory in the admin: stock per variant and warehouse, adjustments and their history, transfers, locations."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from admin.inventory_forms import AdjustForm, LocationForm, StockFilterForm, TransferForm, country_codes
from admin.permissions import Area, admin_blueprint
from storefront.domain import inventory_admin
from storefront.domain.inventory_admin import InventoryError, InventoryErrorCode
from storefront.domain.store import load_store_settings
from storefront.extensions import db

bp = admin_blueprint("admin_inventory", __name__, Area.INVENTORY)

MOVEMENT_REASONS = {
    "received": lambda: _("Received"),
    "correction": lambda: _("Correction"),
    "damaged": lambda: _("Damaged"),
    "return": lambda: _("Returned"),
    "sale": lambda: _("Sold"),
    inventory_admin.TRANSFER_OUT: lambda: _("Transferred out"),
    inventory_admin.TRANSFER_IN: lambda: _("Transferred in"),
}


@bp.app_template_global()
def movement_reason_text(reason: str) -> str:
    return MOVEMENT_REASONS[reason]() if reason in MOVEMENT_REASONS else reason


def _error_text(error: InventoryError) -> str:
    if error.code is InventoryErrorCode.NOT_ENOUGH_STOCK:
        return ngettext("Only %(num)d unit is available there (reserved units cannot be removed).",
                        "Only %(num)d units are available there (reserved units cannot be removed).",
                        error.available or 0)
    return {
        InventoryErrorCode.ZERO_CHANGE: lambda: _("A change of zero units changes nothing."),
        InventoryErrorCode.WRONG_DIRECTION: lambda: _("That reason cannot move stock in this direction."),
        InventoryErrorCode.SAME_LOCATION: lambda: _("Choose two different locations."),
        InventoryErrorCode.UNKNOWN_LOCATION: lambda: _("That location does not exist."),
        InventoryErrorCode.UNKNOWN_VARIANT: lambda: _("That variant does not exist."),
        InventoryErrorCode.DUPLICATE_LOCATION_CODE: lambda: _("A location with this code exists already."),
    }[error.code]()


@bp.get("/inventory")
def index():
    locations = inventory_admin.locations(db.session)
    form = StockFilterForm(locations, formdata=request.args)
    form.validate()
    threshold = load_store_settings(db.session).low_stock_threshold
    listing = inventory_admin.list_levels(db.session, form.filters(), threshold,
                                          page=request.args.get("page", 1, type=int))
    return render_template("admin/inventory/index.html", form=form, listing=listing, threshold=threshold)


def _variant_page(variant_id: int, adjust_form: AdjustForm | None = None, transfer_form: TransferForm | None = None,
                  status: int = 200):
    variant = inventory_admin.find_variant(db.session, variant_id)
    if variant is None:
        abort(404)
    locations = inventory_admin.locations(db.session)
    return render_template(
        "admin/inventory/variant.html", variant=variant, locations=locations,
        levels={level.location_id: level for level in variant.inventory_levels},
        threshold=load_store_settings(db.session).low_stock_threshold,
        adjust_form=adjust_form or AdjustForm(locations, formdata=None),
        transfer_form=transfer_form or TransferForm(locations, formdata=None),
        history=inventory_admin.history(db.session, variant_id)), status


@bp.get("/inventory/variants/<int:variant_id>")
def variant(variant_id: int):
    return _variant_page(variant_id)


@bp.post("/inventory/variants/<int:variant_id>/adjust")
def adjust(variant_id: int):
    form = AdjustForm(inventory_admin.locations(db.session))
    if not form.validate_on_submit():
        return _variant_page(variant_id, adjust_form=form, status=422)
    try:
        inventory_admin.adjust(db.session, variant_id=variant_id, location_id=int(form.location.data),
                               delta=form.delta.data, reason=inventory_admin.AdjustmentReason(form.reason.data),
                               note=form.note.data, staff_user_id=current_user.id, ip_address=request.remote_addr)
    except InventoryError as error:
        db.session.rollback()
        form.delta.errors.append(_error_text(error))
        return _variant_page(variant_id, adjust_form=form, status=422)
    db.session.commit()
    flash(_("Stock adjusted."), "success")
    return redirect(url_for("admin_inventory.variant", variant_id=variant_id), 303)


@bp.post("/inventory/variants/<int:variant_id>/transfer")
def transfer(variant_id: int):
    form = TransferForm(inventory_admin.locations(db.session))
    if not form.validate_on_submit():
        return _variant_page(variant_id, transfer_form=form, status=422)
    try:
        inventory_admin.transfer(db.session, variant_id=variant_id, from_location_id=int(form.from_location.data),
                                 to_location_id=int(form.to_location.data), quantity=form.quantity.data,
                                 note=form.note.data, staff_user_id=current_user.id, ip_address=request.remote_addr)
    except InventoryError as error:
        db.session.rollback()
        form.quantity.errors.append(_error_text(error))
        return _variant_page(variant_id, transfer_form=form, status=422)
    db.session.commit()
    flash(ngettext("%(num)d unit transferred.", "%(num)d units transferred.", form.quantity.data), "success")
    return redirect(url_for("admin_inventory.variant", variant_id=variant_id), 303)


@bp.route("/inventory/locations", methods=["GET", "POST"])
def locations():
    form = LocationForm()
    if form.validate_on_submit():
        try:
            location = inventory_admin.create_location(
                db.session, code=form.code.data, name=form.name.data, country_code=form.country_code.data,
                ships_to=form.ships_to_codes(), staff_user_id=current_user.id, ip_address=request.remote_addr)
        except InventoryError as error:
            db.session.rollback()
            form.code.errors.append(_error_text(error))
        else:
            db.session.commit()
            flash(_("Location %(name)s added.", name=location.name), "success")
            return redirect(url_for("admin_inventory.locations"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/inventory/locations.html", form=form, locations=inventory_admin.locations(db.session),
                           countries=country_codes()), status
