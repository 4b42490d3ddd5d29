"""Shipping from the admin: fulfil a paid order (warehouse, parcel, live rates side by side, label), the shipment
page (label, commercial invoice, customs, tracking, void, exception), fulfilled elsewhere, labels for many orders
in one go, the exceptions list and CSV imports of tracking events."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta, timezone

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint, can
from storefront.domain import fulfillment, tracking
from storefront.domain.carrier_accounts import enabled_accounts, list_box_presets, spec_of
from storefront.domain.fulfillment import FulfillmentError, FulfillmentErrorCode
from storefront.domain.fulfillment.parcels import unit_weights
from storefront.domain.fulfillment.planning import SHIPPABLE_PAYMENT, shipping_locations
from storefront.domain.orders import admin as orders_admin
from storefront.domain.store import load_store_settings
from storefront.domain.tracking import TrackingError, TrackingImportError
from storefront.domain.tracking.exceptions import RESOLUTION_NAMES, ResolutionAction
from storefront.domain.tracking.statuses import EVENT_STATUSES
from storefront.extensions import db
from storefront.models import (
    CarrierAccount,
    LabelBatch,
    Location,
    Order,
    OrderStatus,
    Shipment,
    ShipmentStatus,
)

bp = admin_blueprint("admin_fulfillment", __name__, Area.ORDERS)
bp.add_app_template_global(tracking.status_label, "shipment_status_text")
bp.add_app_template_global(tracking.carrier_display_name, "carrier_name_text")

MAX_CSV_BYTES = 2 * 1024 * 1024
CHINA_OFFSET = 8 * 60
# UTC offsets a scan may be written in, for events typed by hand.
UTC_OFFSETS = sorted({m for m in range(-12 * 60, 14 * 60 + 1, 60)} | {-210, 210, 270, 330, 345, 390, 570, 630})


# -- forms ---------------------------------------------------------------------------------------------------


class LineQuantityForm(Form):
    line_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    quantity = IntegerField(_l("Units to ship"), default=0, validators=[
        InputRequired(message=_l("Enter a whole number of units (0 leaves the item out).")),
        NumberRange(min=0, max=100000)])


def _size(label):
    return IntegerField(label, validators=[Optional(), NumberRange(min=1, max=10000)])


class ParcelForm(FlaskForm):
    """Step 1: from which warehouse, which units, in what parcel. Its fields travel hidden through the next steps."""

    location_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    lines = FieldList(FormField(LineQuantityForm))
    box_preset_id = SelectField(_l("Box"), validate_choice=False)
    weight_grams = IntegerField(_l("Weight (g)"), validators=[
        InputRequired(message=_l("Enter the parcel's weight in grams.")), NumberRange(min=1, max=1_000_000)])
    length_mm = _size(_l("Length (mm)"))
    width_mm = _size(_l("Width (mm)"))
    height_mm = _size(_l("Height (mm)"))

    def __init__(self, boxes=(), **kwargs) -> None:
        super().__init__(**kwargs)
        self.boxes = {str(box.id): box for box in boxes}
        self.box_preset_id.choices = [SelectChoice("", _l("No box: weight only"))] + [
            SelectChoice(key, _l("%(name)s · %(length)s × %(width)s × %(height)s mm, %(grams)s g empty",
                                 name=box.name, length=box.length_mm, width=box.width_mm, height=box.height_mm,
                                 grams=box.tare_weight_grams),
                         render_kw={"data-length-mm": box.length_mm, "data-width-mm": box.width_mm,
                                    "data-height-mm": box.height_mm, "data-tare-grams": box.tare_weight_grams})
            for key, box in self.boxes.items()]
        # Grams per unit of each line, when every line has a weight: lets the page recompute the parcel's weight.
        self.unit_weights: dict[int, int] | None = None

    def quantities(self) -> dict[int, int]:
        return {entry.line_id.data: entry.quantity.data or 0 for entry in self.lines}

    def parcel(self) -> dict:
        box = self.boxes.get(self.box_preset_id.data or "")
        return {"weight_grams": self.weight_grams.data, "length_mm": self.length_mm.data,
                "width_mm": self.width_mm.data, "height_mm": self.height_mm.data,
                "box_preset_id": box.id if box else None, "box_name": box.name if box else None}


class BuyLabelForm(ParcelForm):
    """Step 3: the chosen quote, as "<account id>:<service code>", under the key that makes a double click harmless."""

    rate = StringField(validators=[InputRequired(message=_l("Choose a carrier service.")), Length(max=200)])
    idempotency_key = HiddenField(validators=[InputRequired(), Length(max=64)])
    tracking_number = StringField(_l("Tracking number from the forwarder"), validators=[Optional(), Length(max=80)])
    label_format = SelectField(_l("Label format"), choices=[SelectChoice("PDF", _l("PDF (office printer)")),
                                                            SelectChoice("ZPL", _l("ZPL (thermal label printer)"))])

    def choice(self) -> tuple[int | None, str]:
        account, _sep, service = (self.rate.data or "").partition(":")
        return (int(account) if account.isdigit() else None), service


class ElsewhereForm(FlaskForm):
    lines = FieldList(FormField(LineQuantityForm))
    carrier_name = StringField(_l("Carrier"), validators=[InputRequired(message=_l("Enter the carrier's name.")),
                                                          Length(max=60)])
    tracking_number = StringField(_l("Tracking number"), validators=[Optional(), Length(max=80)])
    tracking_url = URLField(_l("Tracking page (optional)"), validators=[Optional(), Length(max=500)])

    def quantities(self) -> dict[int, int]:
        return {entry.line_id.data: entry.quantity.data or 0 for entry in self.lines}


def _offset_text(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class ManualEventForm(FlaskForm):
    occurred_at = DateTimeLocalField(_l("Date and time of the scan"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                     validators=[InputRequired(message=_l("Enter when it happened."))])
    utc_offset = SelectField(_l("Time zone of the scan"), coerce=int, default=0,
                             choices=[SelectChoice(m, _offset_text(m)) for m in UTC_OFFSETS])
    status = SelectField(_l("Status"))
    description = StringField(_l("What happened"), validators=[Optional(), Length(max=500)])
    location = StringField(_l("Where"), validators=[Optional(), Length(max=255)])

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.status.choices = [SelectChoice(s.value, tracking.status_label(s)) for s in EVENT_STATUSES]

    def moment(self):
        return self.occurred_at.data.replace(tzinfo=timezone(timedelta(minutes=self.utc_offset.data)))


class ResolveForm(FlaskForm):
    action = RadioField(_l("How was it resolved?"),
                        choices=[SelectChoice(a.value, RESOLUTION_NAMES[a]) for a in ResolutionAction],
                        validators=[InputRequired(message=_l("Choose how the exception was resolved."))])
    note = TextAreaField(_l("Note for the order timeline"), validators=[Optional(), Length(max=1000)])


class LabelBatchForm(FlaskForm):
    order_ids = FieldList(IntegerField(widget=HiddenInput()))
    service = SelectField(_l("Carrier service"), validate_choice=False)

    def choice(self) -> tuple[int | None, str | None]:
        account, _sep, service = (self.service.data or "").partition(":")
        return (int(account) if account.isdigit() else None), (service or None)


class TrackingImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file to import."))])


# -- loading -------------------------------------------------------------------------------------------------


def _order_or_404(number: int) -> Order:
    order = orders_admin.find_order(db.session, number)
    if order is None:
        abort(404)
    return order


def _shipment_or_404(shipment_id: int) -> Shipment:
    shipment = db.session.get(Shipment, shipment_id)
    if shipment is None:
        abort(404)
    return shipment


def order_shipments(order_id: int) -> list[Shipment]:
    return list(db.session.scalars(db.select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.id)))


def _can_ship(order: Order) -> bool:
    return order.status is not OrderStatus.CANCELLED and order.payment_status in SHIPPABLE_PAYMENT


@dataclass(frozen=True)
class ShippingPanel:
    shipments: list[Shipment]
    can_fulfil: bool


@bp.app_template_global()
def order_shipping(order: Order) -> ShippingPanel:
    """What the order page's Shipments panel shows: the order's shipments and whether anything is left to ship."""
    can_fulfil = _can_ship(order) and any(fulfillment.unfulfilled_quantities(db.session, order).values())
    return ShippingPanel(shipments=order_shipments(order.id), can_fulfil=can_fulfil)


def _product_link(order: Order, field: str | None) -> str | None:
    """The product page where a problem with an order line (field "lines-<id>") is fixed, if this user may open it."""
    if not field or not field.startswith("lines-") or not can(current_user, Area.PRODUCTS):
        return None
    line = next((line for line in order.lines if f"lines-{line.id}" == field), None)
    return url_for("admin_products.edit", product_id=line.product_id) if line and line.product_id else None


@dataclass(frozen=True)
class Problem:
    message: str
    fix_url: str | None = None


# -- step 1: warehouse, items, parcel ------------------------------------------------------------------------


def _customs_problems(order: Order, location, left: dict[int, int]) -> list[Problem]:
    """Every line's missing customs data or weight at once (booking would stop at the first)."""
    country = ((order.shipping_address or {}).get("country_code") or order.country_code or "").upper()
    if location is None or not country or location.country_code == country:
        return []
    problems = []
    for line_id, quantity in left.items():
        if not quantity:
            continue
        try:
            fulfillment.build_customs(db.session, order, {line_id: 1})
        except FulfillmentError as error:
            problems.append(Problem(error.message, _product_link(order, error.field)))
    return problems


def _prefill(form: ParcelForm, order: Order, location_id: int, planned: dict[int, int],
             left: dict[int, int]) -> Problem | None:
    form.location_id.data = location_id
    for line in order.lines:
        if left.get(line.id):
            form.lines.append_entry({"line_id": line.id, "quantity": planned.get(line.id, 0)})
    if not any(planned.values()):
        return None
    try:
        parcel = fulfillment.draft_parcel(db.session, order, planned)
    except FulfillmentError as error:
        return Problem(error.message, _product_link(order, error.field))
    form.weight_grams.data = parcel.weight_grams
    form.length_mm.data, form.width_mm.data, form.height_mm.data = parcel.length_mm, parcel.width_mm, parcel.height_mm
    form.box_preset_id.data = str(parcel.box_preset_id or "")
    return None


def _fulfil_page(order: Order, form: ParcelForm | None = None, *, error: FulfillmentError | None = None,
                 status: int = 200):
    plan = fulfillment.plan_fulfillment(db.session, order)
    left = fulfillment.unfulfilled_quantities(db.session, order)
    country = (order.shipping_address or {}).get("country_code") or order.country_code
    locations = shipping_locations(db.session, country)
    groups = {group.location_id: group for group in plan.groups}
    chosen = form.location_id.data if form else request.args.get("location", type=int)
    if chosen not in {loc.id for loc in locations}:
        chosen = plan.groups[0].location_id if plan.groups else (locations[0].id if locations else None)
    parcel_problem = None
    if form is None:
        form = ParcelForm(boxes=list_box_presets(db.session))
        group = groups.get(chosen)
        parcel_problem = _prefill(form, order, chosen, group.quantities if group else {}, left)
    try:
        form.unit_weights = unit_weights(db.session, order, {line_id: 1 for line_id, n in left.items() if n})
    except FulfillmentError:
        form.unit_weights = None  # a line without weight: the customs problems say which
    location = next((loc for loc in locations if loc.id == chosen), None)
    lines = {line.id: line for line in order.lines}
    return render_template(
        "admin/fulfillment/fulfil.html", order=order, form=form, plan=plan, locations=locations, location=location,
        left=left, lines=lines, parcel_problem=parcel_problem,
        address_problems=fulfillment.validate_address(order.shipping_address),
        customs_problems=_customs_problems(order, location, left), can_ship=_can_ship(order),
        error=Problem(error.message, _product_link(order, error.field)) if error else None,
        error_field=error.field if error else None, margin=fulfillment.order_margin(db.session, order),
    ), status


@bp.get("/orders/<int:number>/fulfill")
def fulfil(number: int):
    return _fulfil_page(_order_or_404(number))


# -- step 2: live rates --------------------------------------------------------------------------------------


def _rates_page(order: Order, form: ParcelForm, *, message: str | None = None, status: int = 200):
    try:
        answers = fulfillment.quote_rates(db.session, order, form.location_id.data, form.quantities(), form.parcel())
    except FulfillmentError as error:
        db.session.rollback()
        return _fulfil_page(order, form, error=error, status=error.status)
    forwarders = {a.carrier_name for a in answers if getattr(spec_of(a.carrier_name), "is_forwarder", False)}
    buy_form = form if isinstance(form, BuyLabelForm) else BuyLabelForm(boxes=form.boxes.values(), formdata=None)
    # A fresh key for each rendering: a double click sends this one twice and buys one label.
    buy_form.idempotency_key.data = secrets.token_urlsafe(24)
    location = db.session.get(Location, form.location_id.data)
    return render_template("admin/fulfillment/rates.html", order=order, form=form, buy_form=buy_form, answers=answers,
                           forwarders=forwarders, location=location, message=message,
                           base_currency=load_store_settings(db.session).base_currency,
                           lines={line.id: line for line in order.lines}), status


@bp.post("/orders/<int:number>/fulfill")
def rates(number: int):
    order = _order_or_404(number)
    form = ParcelForm(boxes=list_box_presets(db.session))
    if not form.validate_on_submit():
        return _fulfil_page(order, form, status=422)
    return _rates_page(order, form)


# -- step 3: buy the label -----------------------------------------------------------------------------------


def _booking_failed(order: Order, form: BuyLabelForm, error: FulfillmentError):
    return render_template("admin/fulfillment/failed.html", order=order, form=form,
                           problem=Problem(error.message, _product_link(order, error.field))), error.status


@bp.post("/orders/<int:number>/ship")
def buy_label(number: int):
    order = _order_or_404(number)
    form = BuyLabelForm(boxes=list_box_presets(db.session))
    if not form.validate_on_submit():
        return _rates_page(order, form, message=" ".join(form.rate.errors) or _("Check the parcel and try again."),
                           status=422)
    account_id, service_code = form.choice()
    try:
        shipment = fulfillment.book_shipment(
            db.session, order, location_id=form.location_id.data, lines=form.quantities(), parcel=form.parcel(),
            account_id=account_id, service_code=service_code, idempotency_key=form.idempotency_key.data,
            tracking_number=form.tracking_number.data or None, label_format=form.label_format.data or "PDF",
            actor=current_user)
    except FulfillmentError as error:
        db.session.rollback()
        if error.code is FulfillmentErrorCode.TRACKING_NUMBER_REQUIRED:
            asked_before = "asked" in request.form
            return render_template("admin/fulfillment/forwarder.html", order=order, form=form,
                                   message=error.message, asked_before=asked_before), 422 if asked_before else 200
        return _booking_failed(order, form, error)
    flash(_("Label bought: %(carrier)s, tracking number %(number)s.",
            carrier=tracking.carrier_display_name(shipment.carrier_name), number=shipment.tracking_number or "—"),
          "success")
    return redirect(url_for("admin_fulfillment.shipment", shipment_id=shipment.id), 303)


# -- the shipment page ---------------------------------------------------------------------------------------


def _shipment_page(shipment: Shipment, *, event_form: ManualEventForm | None = None,
                   resolve_form: ResolveForm | None = None, status: int = 200):
    order = db.session.get(Order, shipment.order_id)
    account = db.session.get(CarrierAccount, shipment.carrier_account_id) if shipment.carrier_account_id else None
    spec = spec_of(shipment.carrier_name) if shipment.carrier_name else None
    if event_form is None:
        event_form = ManualEventForm(formdata=None)
        location = db.session.get(Location, shipment.location_id) if shipment.location_id else None
        # Forwarders scan in China: start from its time zone when the parcel left from there.
        event_form.utc_offset.data = CHINA_OFFSET if location and location.country_code == "CN" else 0
    return render_template(
        "admin/shipments/detail.html", shipment=shipment, order=order, account=account, spec=spec,
        lines={line.id: line for line in order.lines}, tracking_url=tracking.tracking_link(shipment, account),
        margin=fulfillment.order_margin(db.session, order), event_form=event_form,
        resolve_form=resolve_form or ResolveForm(formdata=None), action_form=EmptyForm(),
        events=sorted(shipment.events, key=lambda e: (e.occurred_at, e.id or 0), reverse=True),
        manual_tracking=spec is None or spec.is_forwarder or not spec.can_track,
        voidable=shipment.status is ShipmentStatus.LABEL_PURCHASED or (
            shipment.fulfilled_elsewhere and shipment.status is not ShipmentStatus.CANCELLED),
        exception_label=tracking.exception_label,
    ), status


@bp.get("/shipments/<int:shipment_id>")
def shipment(shipment_id: int):
    return _shipment_page(_shipment_or_404(shipment_id))


def _document(loader, shipment: Shipment):
    try:
        content, mimetype, filename = loader(shipment)
    except FulfillmentError as error:
        return render_template("admin/shipments/no_document.html", shipment=shipment, message=error.message), 404
    inline = mimetype == "application/pdf"
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    return response


@bp.get("/shipments/<int:shipment_id>/label")
def label(shipment_id: int):
    return _document(fulfillment.label_document, _shipment_or_404(shipment_id))


@bp.get("/shipments/<int:shipment_id>/invoice")
def invoice(shipment_id: int):
    return _document(fulfillment.invoice_document, _shipment_or_404(shipment_id))


@bp.route("/shipments/<int:shipment_id>/void", methods=["GET", "POST"])
def void(shipment_id: int):
    shipment = _shipment_or_404(shipment_id)
    order = db.session.get(Order, shipment.order_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("admin/shipments/void.html", shipment=shipment, order=order, form=form,
                               carrier=tracking.carrier_display_name(shipment.carrier_name))
    try:
        fulfillment.void_shipment(db.session, shipment, actor=current_user)
    except FulfillmentError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin_fulfillment.shipment", shipment_id=shipment_id), 303)
    flash(_("The label was voided; its items can be shipped again."), "success")
    return redirect(url_for("admin_fulfillment.shipment", shipment_id=shipment_id), 303)


@bp.post("/shipments/<int:shipment_id>/cancel-draft")
def cancel_draft(shipment_id: int):
    shipment = _shipment_or_404(shipment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        fulfillment.cancel_draft(db.session, shipment, actor=current_user)
    except FulfillmentError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("The unfinished booking was cancelled; check the carrier's portal for a label bought meanwhile."),
              "success")
    return redirect(url_for("admin_fulfillment.shipment", shipment_id=shipment_id), 303)


@bp.post("/shipments/<int:shipment_id>/events")
def add_event(shipment_id: int):
    shipment = _shipment_or_404(shipment_id)
    form = ManualEventForm()
    if not form.validate_on_submit():
        return _shipment_page(shipment, event_form=form, status=422)
    try:
        added = tracking.add_manual_event(db.session, shipment, occurred_at=form.moment(), status=form.status.data,
                                          description=form.description.data or "", location=form.location.data,
                                          actor=current_user)
    except TrackingError as error:
        db.session.rollback()
        field = getattr(form, error.field, None) if error.field else None
        if field is not None:
            field.errors = [*field.errors, error.message]
        else:
            flash(error.message, "error")
        return _shipment_page(_shipment_or_404(shipment_id), event_form=form, status=422)
    db.session.commit()
    flash(_("Tracking event added.") if added else _("This event was already recorded."),
          "success" if added else "info")
    return redirect(url_for("admin_fulfillment.shipment", shipment_id=shipment_id, _anchor="events"), 303)


@bp.post("/shipments/<int:shipment_id>/resolve")
def resolve(shipment_id: int):
    shipment = _shipment_or_404(shipment_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        return _shipment_page(shipment, resolve_form=form, status=422)
    try:
        tracking.resolve_exception(db.session, shipment, action=form.action.data, note=form.note.data or "",
                                   actor=current_user)
    except TrackingError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _shipment_page(_shipment_or_404(shipment_id), resolve_form=form, status=422)
    db.session.commit()
    flash(_("Exception resolved and noted on the order's timeline."), "success")
    return redirect(url_for("admin_fulfillment.shipment", shipment_id=shipment_id), 303)


# -- fulfilled elsewhere -------------------------------------------------------------------------------------


@bp.route("/orders/<int:number>/fulfilled-elsewhere", methods=["GET", "POST"])
def fulfilled_elsewhere(number: int):
    order = _order_or_404(number)
    left = fulfillment.unfulfilled_quantities(db.session, order)
    form = ElsewhereForm()
    if not form.is_submitted():
        for line in order.lines:
            if left.get(line.id):
                form.lines.append_entry({"line_id": line.id, "quantity": left[line.id]})
    error = None
    if form.validate_on_submit():
        try:
            shipment = fulfillment.mark_fulfilled_elsewhere(
                db.session, order, lines=form.quantities(), carrier_name=form.carrier_name.data,
                tracking_number=form.tracking_number.data or None, tracking_url=form.tracking_url.data or None,
                actor=current_user)
        except FulfillmentError as failure:
            db.session.rollback()
            error = Problem(failure.message)
        else:
            flash(_("Recorded as fulfilled elsewhere."), "success")
            return redirect(url_for("admin_fulfillment.shipment", shipment_id=shipment.id), 303)
    return render_template("admin/fulfillment/elsewhere.html", order=order, form=form, left=left, error=error,
                           lines={line.id: line for line in order.lines}, can_ship=_can_ship(order)), \
        422 if form.is_submitted() else 200


# -- labels for many orders ----------------------------------------------------------------------------------


def _batch_services() -> list[tuple[str, str]]:
    """The bulk form's choices: each account's default, or one service of one account (forwarders need a
    tracking number per parcel, so they are booked one by one)."""
    choices = [SelectChoice("", _("The cheapest quote (each account's default service, where one is set)"))]
    for account in enabled_accounts(db.session):
        spec = spec_of(account.carrier_name)
        if spec is None or spec.is_forwarder:
            continue
        group = f"{spec.display_name} · {account.account_label}"
        choices.append(SelectChoice(f"{account.id}:", _("Its default service, else its cheapest"), optgroup=group))
        for service in spec.services:
            if not account.services or service.code in account.services:
                choices.append(SelectChoice(f"{account.id}:{service.code}", service.name, optgroup=group))
    return choices


@bp.get("/label-batches/new")
def new_label_batch():
    orders = [order for order in (db.session.get(Order, order_id)
                                  for order_id in request.args.getlist("order_id", type=int)) if order]
    form = LabelBatchForm(formdata=None, data={"order_ids": [order.id for order in orders]})
    form.service.choices = _batch_services()
    return render_template("admin/fulfillment/batch_new.html", form=form, orders=orders)


@bp.post("/label-batches")
def start_label_batch():
    form = LabelBatchForm()
    order_ids = [order_id for order_id in form.order_ids.data if order_id]
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for("admin_orders.index"), 303)
    account_id, service_code = form.choice()
    try:
        batch = fulfillment.start_label_batch(db.session, order_ids, actor=current_user, account_id=account_id,
                                              service_code=service_code)
    except FulfillmentError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin_orders.index"), 303)
    return redirect(url_for("admin_fulfillment.label_batch", batch_id=batch.id), 303)


@bp.get("/label-batches/<int:batch_id>")
def label_batch(batch_id: int):
    batch = db.session.get(LabelBatch, batch_id)
    if batch is None:
        abort(404)
    shipment_ids = [sid for result in batch.results or [] for sid in result.get("shipment_ids") or []]
    shipments = {sid: db.session.get(Shipment, sid) for sid in shipment_ids}
    return render_template("admin/fulfillment/batch.html", batch=batch, shipments=shipments,
                           running=batch.status in ("queued", "running"))


# -- exceptions and tracking imports -------------------------------------------------------------------------


@bp.get("/shipments/exceptions")
def exceptions():
    return render_template("admin/shipments/exceptions.html", rows=tracking.open_exceptions(db.session))


@bp.route("/shipments/events/import", methods=["GET", "POST"])
def import_events():
    form = TrackingImportForm()
    if not form.validate_on_submit():
        return render_template("admin/shipments/import.html", form=form, problems=[]), \
            422 if form.is_submitted() else 200
    content = form.file.data.read(MAX_CSV_BYTES + 1)
    if len(content) > MAX_CSV_BYTES:
        form.file.errors = [_("The file is larger than %(limit)s MB: split it into smaller files.", limit=2)]
        return render_template("admin/shipments/import.html", form=form, problems=[]), 422
    try:
        report = tracking.import_events_csv(db.session, content, actor=current_user)
    except TrackingImportError as error:
        db.session.rollback()
        return render_template("admin/shipments/import.html", form=form, problems=error.problems), 422
    db.session.commit()
    flash(ngettext("%(num)d new tracking event recorded.", "%(num)d new tracking events recorded.",
                   report.new_events), "success")
    if report.duplicates:
        flash(ngettext("%(num)d row was already recorded and was skipped.",
                       "%(num)d rows were already recorded and were skipped.", report.duplicates), "info")
    return redirect(url_for("admin_fulfillment.import_events"), 303)
