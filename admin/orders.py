"""Orders in the admin: the filtered list and its export, the order page, notes, review flags, refunds, cancelling."""
from __future__ import annotations

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
from storefront.domain.orders import admin as orders_admin
from storefront.domain.orders.admin import OrderAdminError, OrderAdminErrorCode
from storefront.domain.orders.refunds import RefundError, RefundErrorCode
from storefront.extensions import db
from storefront.models import Market, Order, OrderEvent
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
    amount = admin_money(data["amount"], data["currency"]) if "amount" in data and data.get("currency") else ""
    wording = {
        "placed": lambda: _("Order placed at checkout."),
        "checkout_session_created": lambda: _("The shopper was sent to Stripe to pay."),
        "payment_processing": lambda: _("The payment is being processed by the bank."),
        "paid": lambda: _("Payment of %(amount)s received through Stripe.", amount=amount),
        "payment_failed": lambda: _("The payment failed: %(reason)s", reason=data.get("reason") or "—"),
        "payment_mismatch": lambda: _(
            "Stripe reported %(received)s but the order expected %(expected)s: not marked as paid.",
            received=admin_money(data.get("received", 0), (data.get("received_currency") or data["currency"]).upper()),
            expected=admin_money(data.get("expected", 0), data["currency"])),
        "expired": lambda: ngettext("The checkout expired unpaid; %(num)d held unit went back to stock.",
                                    "The checkout expired unpaid; %(num)d held units went back to stock.",
                                    data.get("units_released", 0)),
        "refunded": lambda: _("Refunded %(amount)s and put the items back in stock.", amount=amount)
        if data.get("restocked") else _("Refunded %(amount)s.", amount=amount),
        "dispute_opened": lambda: _("The customer disputed the payment: %(reason)s", reason=data.get("reason") or "—"),
        "email_sent": lambda: _("E-mail sent to %(to)s.", to=data.get("to", "")),
        "note_added": lambda: data.get("text", ""),
        "review_cleared": lambda: _("Marked as reviewed (%(reason)s).", reason=data.get("reason") or "—"),
        "cancelled": lambda: ngettext("Order cancelled; %(num)d held unit went back to stock.",
                                      "Order cancelled; %(num)d held units went back to stock.",
                                      data.get("units_released", 0)),
    }
    return wording[event.type]() if event.type in wording else event.type.replace("_", " ")


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
