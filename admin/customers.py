"""Customers in the admin: who bought, how often and for how much, and their orders."""
from __future__ import annotations

from flask import abort, render_template, request

from admin.order_forms import CustomerSearchForm
from admin.permissions import Area, admin_blueprint
from storefront.domain import customers
from storefront.domain.store import load_store_settings
from storefront.extensions import db

bp = admin_blueprint("admin_customers", __name__, Area.CUSTOMERS)


@bp.get("/customers")
def index():
    form = CustomerSearchForm(formdata=request.args)
    form.validate()
    base_currency = load_store_settings(db.session).base_currency
    listing = customers.list_customers(db.session, "" if form.q.errors else form.q.data or "", base_currency,
                                       page=request.args.get("page", 1, type=int))
    return render_template("admin/customers/index.html", form=form, listing=listing, base_currency=base_currency)


@bp.get("/customers/<int:customer_id>")
def detail(customer_id: int):
    base_currency = load_store_settings(db.session).base_currency
    summary = customers.customer_summary(db.session, customer_id, base_currency)
    if summary is None:
        abort(404)
    return render_template("admin/customers/detail.html", summary=summary, customer=summary.customer,
                           orders=customers.customer_orders(db.session, summary.customer), base_currency=base_currency)
