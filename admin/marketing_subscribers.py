"""Newsletter subscribers in the admin: who signed up, confirmed or left, and the CSV export."""
from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectChoice, SelectField
from wtforms.validators import Length, Optional

from admin.permissions import Area, admin_blueprint
from storefront.domain.marketing import newsletter
from storefront.extensions import db
from storefront.models import SubscriberStatus, utcnow

bp = admin_blueprint("admin_subscribers", __name__, Area.CUSTOMERS)


def status_label(status: SubscriberStatus) -> str:
    return str({SubscriberStatus.PENDING: _l("Waiting for confirmation"),
                SubscriberStatus.CONFIRMED: _l("Subscribed"),
                SubscriberStatus.UNSUBSCRIBED: _l("Unsubscribed")}[status])


class SubscriberFilterForm(FlaskForm):
    """The list's filters travel in the query string (a GET form needs no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("E-mail or source"), validators=[Optional(), Length(max=254)])
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.status.choices = [SelectChoice("", _l("Any"))] + [SelectChoice(s.value, status_label(s))
                                                                for s in SubscriberStatus]


def _filters() -> SubscriberFilterForm:
    form = SubscriberFilterForm(formdata=request.args)
    form.validate()
    return form


@bp.get("/marketing/subscribers")
def index():
    form = _filters()
    listing = newsletter.list_subscribers(db.session, status=None if form.status.errors else form.status.data or None,
                                          query="" if form.q.errors else form.q.data or "",
                                          page=request.args.get("page", 1, type=int))
    return render_template("admin/marketing/subscribers.html", form=form, listing=listing, status_label=status_label,
                           statuses=list(SubscriberStatus))


@bp.get("/marketing/subscribers/export.csv")
def export():
    form = _filters()
    status = None if form.status.errors else form.status.data or None
    response = Response(newsletter.subscribers_csv(db.session, status), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=subscribers_{utcnow():%Y-%m-%d}.csv"
    return response
