"""Orders in the admin: the filtered list and its export, the order page, notes, review flags, refunds, cancelling."""
from __future__ import annotations

from typing import Any, Callable

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from admin.assets import admin_money
from admin.forms import EmptyForm
from admin.order_forms import (
    CancelForm,
    NoteForm,
    OrderFilterForm,
    RefundForm,
    fulfillment_status_label,
    payment_status_label,
)
from admin.permissions import Area, admin_blueprint, can
from storefront.domain import tracking
from storefront.domain.orders import admin as orders_admin
from storefront.domain.orders.admin import OrderAdminError, OrderAdminErrorCode
from storefront.domain.orders.refunds import RefundError, RefundErrorCode
from storefront.domain.tracking.exceptions import ResolutionAction
from storefront.extensions import db
from storefront.models import FulfillmentStatus, Market, Order, OrderEvent
from storefront.web.checkout import gateway

bp = admin_blueprint("admin_orders", __name__, Area.ORDERS)


bp.add_app_template_global(payment_status_label, "payment_status_text")
bp.add_app_template_global(fulfillment_status_label, "fulfillment_status_text")


def _filter_form(markets: dict[int, Market]) -> OrderFilterForm:
    form = OrderFilterForm(list(markets.values()), formdata=request.args)
    form.validate()
    return form


@bp.get("/orders")
def index():
    markets = orders_admin.markets_by_id(db.session)
    form = _filter_form(markets)
    listing = orders_admin.list_orders(db.session, form.filters(), page=request.args.get("page", 1, type=int))
    return render_template("admin/orders/index.html", form=form, listing=listing, markets=markets)


@bp.get("/orders/export.csv")
def export():
    filters = _filter_form(orders_admin.markets_by_id(db.session)).filters()
    response = Response(stream_with_context(orders_admin.export_csv(db.session, filters)),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=orders.csv"
    return response


def _order_or_404(number: int, *, for_update: bool = False) -> Order:
    order = orders_admin.find_order(db.session, number, for_update=for_update)
    if order is None:
        abort(404)
    return order


def event_text(event: OrderEvent) -> str:
    """The timeline in words a person reads, whatever the event stored."""
    data = event.data or {}
    amount = _money(data.get("amount"), data.get("currency"))
    wording = {
        "placed": lambda: _("Order placed at checkout."),
        "checkout_session_created": lambda: _("The shopper was sent to Stripe to pay."),
        "payment_processing": lambda: _("The payment is being processed by the bank."),
        "paid": lambda: _("Payment of %(amount)s received through Stripe.", amount=amount),
        "payment_failed": lambda: _("The payment failed: %(reason)s", reason=data.get("reason") or "—"),
        "payment_mismatch": lambda: _(
            "Stripe reported %(received)s but the order expected %(expected)s: not marked as paid.",
            received=_money(data.get("received", 0),
                            (data.get("received_currency") or data.get("currency") or "").upper()),
            expected=_money(data.get("expected", 0), data.get("currency"))),
        "expired": lambda: ngettext("The checkout expired unpaid; %(num)d held unit went back to stock.",
                                    "The checkout expired unpaid; %(num)d held units went back to stock.",
                                    data.get("units_released", 0)),
        "refunded": lambda: _("Refunded %(amount)s and put the items back in stock.", amount=amount)
        if data.get("restocked") else _("Refunded %(amount)s.", amount=amount),
        "dispute_opened": lambda: _("The customer disputed the payment: %(reason)s", reason=data.get("reason") or "—"),
        "email_sent": lambda: _email_text(data),
        "note_added": lambda: data.get("text", ""),
        "review_cleared": lambda: _("Marked as reviewed (%(reason)s).", reason=data.get("reason") or "—"),
        "cancelled": lambda: ngettext("Order cancelled; %(num)d held unit went back to stock.",
                                      "Order cancelled; %(num)d held units went back to stock.",
                                      data.get("units_released", 0)),
        **_shipping_wording(data),
    }
    return wording[event.type]() if event.type in wording else event.type.replace("_", " ")


def _money(amount: int | None, currency: str | None) -> str:
    return admin_money(amount, currency) if amount is not None and currency else "—"


def _email_text(data: dict[str, Any]) -> str:
    to = data.get("to") or "—"
    sentences = {
        "order_confirmation": lambda: _("Order confirmation e-mailed to %(to)s.", to=to),
        "order_refund": lambda: _("Refund confirmation e-mailed to %(to)s.", to=to),
        "shipment_shipped": lambda: _("Shipping confirmation e-mailed to %(to)s.", to=to),
        "shipment_delivered": lambda: _("Delivery confirmation e-mailed to %(to)s.", to=to),
        "shipment_delayed": lambda: _("Delay notice e-mailed to %(to)s.", to=to),
        "abandoned_checkout": lambda: _("Abandoned-checkout reminder e-mailed to %(to)s.", to=to),
    }
    sentence = sentences.get(data.get("template") or "")
    return sentence() if sentence else _("E-mail sent to %(to)s.", to=to)


def _label(name_of: Callable[[Any], str], value: Any) -> str:
    """A stored status/kind in words; a value this version no longer knows stays as stored."""
    try:
        return str(name_of(value))
    except (KeyError, ValueError):
        return str(value or "—")


def _shipping_wording(data: dict[str, Any]) -> dict[str, Callable[[], str]]:
    """Fulfilment and tracking events (storefront/domain/fulfillment/events.py, tracking/events.py)."""
    units = sum(int(quantity) for quantity in (data.get("lines") or {}).values())
    carrier = tracking.carrier_display_name(data.get("carrier")) or "—"
    service = data.get("service")
    number = data.get("tracking_number")
    parcel = number or f"#{data.get('shipment_id', '—')}"
    kind = _label(tracking.exception_label, data.get("kind"))

    def booked() -> str:
        if service:
            text = ngettext("Shipment booked with %(carrier)s (%(service)s) for %(num)d item, tracking number "
                            "%(tracking_number)s.",
                            "Shipment booked with %(carrier)s (%(service)s) for %(num)d items, tracking number "
                            "%(tracking_number)s.", units, carrier=carrier, service=service, tracking_number=parcel)
        else:
            text = ngettext("Shipment booked with %(carrier)s for %(num)d item, tracking number %(tracking_number)s.",
                            "Shipment booked with %(carrier)s for %(num)d items, tracking number %(tracking_number)s.",
                            units, carrier=carrier, tracking_number=parcel)
        more = [text]
        if data.get("amount") is not None and data.get("currency"):
            more.append(_("Label cost %(amount)s.", amount=_money(data["amount"], data["currency"])))
        if data.get("invoice_number"):
            more.append(_("Commercial invoice %(invoice_number)s.", invoice_number=data["invoice_number"]))
        if data.get("batch_id"):
            more.append(_("Bought in label batch #%(batch_id)s.", batch_id=data["batch_id"]))
        return " ".join(more)

    def elsewhere() -> str:
        if number:
            return ngettext("%(num)d item marked as fulfilled elsewhere, sent with %(carrier)s, tracking number "
                            "%(tracking_number)s.",
                            "%(num)d items marked as fulfilled elsewhere, sent with %(carrier)s, tracking number "
                            "%(tracking_number)s.", units, carrier=carrier, tracking_number=number)
        return ngettext("%(num)d item marked as fulfilled elsewhere, sent with %(carrier)s.",
                        "%(num)d items marked as fulfilled elsewhere, sent with %(carrier)s.", units, carrier=carrier)

    def tracking_event_added() -> str:
        status = _label(tracking.status_label, data.get("status"))
        if data.get("description"):
            return _("Tracking event added by hand to parcel %(parcel)s: %(status)s — %(description)s",
                     parcel=parcel, status=status, description=data["description"])
        return _("Tracking event added by hand to parcel %(parcel)s: %(status)s.", parcel=parcel, status=status)

    def exception_flagged() -> str:
        if data.get("reason"):
            return _("Parcel %(parcel)s flagged as “%(kind)s”: %(reason)s", parcel=parcel, kind=kind,
                     reason=data["reason"])
        return _("Parcel %(parcel)s flagged as “%(kind)s”.", parcel=parcel, kind=kind)

    def exception_resolved() -> str:
        outcomes = {
            ResolutionAction.RESHIP.value: lambda: _(
                "“%(kind)s” on parcel %(parcel)s resolved: the items are shipped again.", kind=kind, parcel=parcel),
            ResolutionAction.REFUND.value: lambda: _(
                "“%(kind)s” on parcel %(parcel)s resolved with a refund.", kind=kind, parcel=parcel),
            ResolutionAction.CONTACT_CARRIER.value: lambda: _(
                "“%(kind)s” on parcel %(parcel)s: the carrier has been contacted.", kind=kind, parcel=parcel),
            ResolutionAction.DISMISS.value: lambda: _(
                "“%(kind)s” on parcel %(parcel)s dismissed.", kind=kind, parcel=parcel),
        }
        outcome = outcomes.get(data.get("action") or "")
        text = outcome() if outcome else _("“%(kind)s” on parcel %(parcel)s resolved.", kind=kind, parcel=parcel)
        return " ".join([text, _("Note: %(note)s", note=data["note"])]) if data.get("note") else text

    return {
        "shipment_booked": booked,
        "shipment_voided": lambda: ngettext(
            "Label for %(carrier)s parcel %(tracking_number)s voided; its %(num)d item can be shipped again.",
            "Label for %(carrier)s parcel %(tracking_number)s voided; its %(num)d items can be shipped again.",
            units, carrier=carrier, tracking_number=parcel),
        "fulfilled_elsewhere": elsewhere,
        "shipment_draft_cancelled": lambda: _("Draft shipment with %(carrier)s discarded.", carrier=carrier)
        if data.get("carrier") else _("Draft shipment discarded."),
        "label_batch_failed": lambda: _("No label was bought in label batch #%(batch_id)s: %(reason)s",
                                        batch_id=data.get("batch_id", "—"), reason=data.get("reason") or "—"),
        "shipment_status_changed": lambda: _(
            "Parcel %(parcel)s is now “%(status)s” (was “%(previous)s”).", parcel=parcel,
            status=_label(tracking.status_label, data.get("to_status")),
            previous=_label(tracking.status_label, data.get("from_status"))),
        "tracking_event_added": tracking_event_added,
        "tracking_events_imported": lambda: ngettext(
            "%(num)d tracking event imported from a CSV file for parcel %(parcel)s.",
            "%(num)d tracking events imported from a CSV file for parcel %(parcel)s.",
            int(data.get("count") or 0), parcel=parcel),
        "fulfillment_status_changed": lambda: _(
            "Fulfilment status changed from “%(previous)s” to “%(status)s”.",
            previous=_label(lambda value: fulfillment_status_label(FulfillmentStatus(value)), data.get("from_status")),
            status=_label(lambda value: fulfillment_status_label(FulfillmentStatus(value)), data.get("to_status"))),
        "shipment_exception": exception_flagged,
        "shipment_exception_cleared": lambda: _("Parcel %(parcel)s is no longer flagged as “%(kind)s”.",
                                                parcel=parcel, kind=kind),
        "shipment_exception_resolved": exception_resolved,
    }


def _detail(order: Order, note_form: NoteForm | None = None, status: int = 200):
    rate = _("1 %(base)s = %(rate)s %(currency)s", base=order.base_currency, currency=order.currency,
             rate=format_decimal(order.fx_rate, format="#,##0.######"))
    staff = orders_admin.staff_emails(db.session, order)
    timeline = [(event, event_text(event), staff.get(event.staff_user_id))
                for event in orders_admin.timeline(order)]
    markets = orders_admin.markets_by_id(db.session)
    return render_template("admin/orders/detail.html", order=order, rate=rate, timeline=timeline, staff=staff,
                           market=markets.get(order.market_id), note_form=note_form or NoteForm(),
                           customer_link=bool(order.customer_id) and can(current_user, Area.CUSTOMERS),
                           action_form=EmptyForm()), status


@bp.get("/orders/<int:number>")
def detail(number: int):
    return _detail(_order_or_404(number))


@bp.post("/orders/<int:number>/notes")
def add_note(number: int):
    order = _order_or_404(number)
    form = NoteForm()
    if not form.validate_on_submit():
        return _detail(order, note_form=form, status=422)
    orders_admin.add_note(db.session, order, form.text.data, staff_user_id=current_user.id,
                          ip_address=request.remote_addr)
    db.session.commit()
    flash(_("Note added."), "success")
    return redirect(url_for("admin_orders.detail", number=number), 303)


@bp.post("/orders/<int:number>/reviewed")
def mark_reviewed(number: int):
    order = _order_or_404(number, for_update=True)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if orders_admin.mark_reviewed(db.session, order, staff_user_id=current_user.id, ip_address=request.remote_addr):
        flash(_("Order #%(number)s marked as reviewed.", number=number), "success")
    else:
        flash(_("This order was already reviewed."), "info")
    db.session.commit()
    return redirect(url_for("admin_orders.detail", number=number), 303)


REFUND_ERRORS = {
    RefundErrorCode.NOT_PAID: lambda order: _("This order has no successful payment to refund."),
    RefundErrorCode.INVALID_AMOUNT: lambda order: _("The amount must be more than zero."),
    RefundErrorCode.TOO_MUCH: lambda order: _("At most %(amount)s can still be refunded.",
                                              amount=admin_money(order.total - order.total_refunded, order.currency)),
    RefundErrorCode.INVALID_LINES: lambda order: _("Check the restock quantities."),
}


def _refund_failed(order: Order, form: RefundForm, error: RefundError | OrderAdminError):
    db.session.rollback()
    if isinstance(error, OrderAdminError):
        flash(_("Another refund was made on this order meanwhile. Nothing more was refunded: check the order "
                "and try again if needed."), "error")
        return redirect(url_for("admin_orders.detail", number=order.number), 303)
    if error.code is RefundErrorCode.PAYMENT_PROVIDER:
        flash(_("Stripe refused the refund: %(message)s", message=str(error)), "error")
    else:
        flash(REFUND_ERRORS[error.code](order), "error")
    form.confirmed.data = ""
    order = _order_or_404(order.number)
    return render_template("admin/orders/refund.html", order=order, form=form, confirming=False), 422


@bp.route("/orders/<int:number>/refund", methods=["GET", "POST"])
def refund(number: int):
    order = _order_or_404(number, for_update=request.method == "POST")
    form = RefundForm(order)
    if not form.validate_on_submit():
        return render_template("admin/orders/refund.html", order=order, form=form,
                               confirming=False), 422 if form.is_submitted() else 200
    if not form.confirmed.data:
        form.confirmed.data = "1"
        return render_template("admin/orders/refund.html", order=order, form=form, confirming=True,
                               amount=form.amount_minor(), restock=form.restock_lines())
    payments = gateway()
    if payments is None:
        flash(_("Stripe is not set up, so nothing can be refunded."), "error")
        return redirect(url_for("admin_orders.detail", number=number), 303)
    amount = form.amount_minor()
    try:
        orders_admin.refund_order(db.session, order, amount=amount, restock=form.restock_lines(),
                                  refunds_seen=form.refunds_seen.data, gateway=payments,
                                  reason=form.reason.data or None, staff_user_id=current_user.id,
                                  ip_address=request.remote_addr)
    except (RefundError, OrderAdminError) as error:
        return _refund_failed(order, form, error)
    db.session.commit()
    flash(_("Refunded %(amount)s.", amount=admin_money(amount, order.currency)), "success")
    return redirect(url_for("admin_orders.detail", number=number), 303)


CANCEL_ERRORS = {
    OrderAdminErrorCode.NOT_CANCELLABLE: lambda: _("Only unpaid orders can be cancelled; refund a paid order instead."),
    OrderAdminErrorCode.ALREADY_CANCELLED: lambda: _("This order is already cancelled."),
    OrderAdminErrorCode.PAYMENT_IN_PROGRESS: lambda: _(
        "The shopper has just paid this order at Stripe, so it was not cancelled. Refund it once the payment shows."),
    OrderAdminErrorCode.PAYMENT_PROVIDER: lambda: _("Stripe could not close the checkout, so the order was not "
                                                    "cancelled. Try again in a moment."),
}


@bp.route("/orders/<int:number>/cancel", methods=["GET", "POST"])
def cancel(number: int):
    order = _order_or_404(number, for_update=request.method == "POST")
    form = CancelForm()
    if not form.validate_on_submit():
        return render_template("admin/orders/cancel.html", order=order, form=form), 422 if form.is_submitted() else 200
    try:
        released = orders_admin.cancel_unpaid(db.session, order, gateway=gateway(), reason=form.reason.data or None,
                                              staff_user_id=current_user.id, ip_address=request.remote_addr)
    except OrderAdminError as error:
        db.session.rollback()
        flash(CANCEL_ERRORS[error.code](), "error")
        return redirect(url_for("admin_orders.detail", number=number), 303)
    db.session.commit()
    flash(ngettext("Order #%(number)s cancelled; %(num)d unit went back to stock.",
                   "Order #%(number)s cancelled; %(num)d units went back to stock.", released, number=number),
          "success")
    return redirect(url_for("admin_orders.detail", number=number), 303)
