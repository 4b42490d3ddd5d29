"""/admin/discounts: discount codes (campaign and influencer codes with their commission included) and automatic
discounts, listed, created and edited."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from babel.dates import format_datetime
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from admin.assets import admin_money
from admin.marketing import DISCOUNT_KIND_LABELS, check_amounts, discount_summary, optional_id, parse_amounts
from admin.permissions import Area, admin_blueprint
from storefront.domain import discounts
from storefront.domain.discounts import DiscountDraft, DiscountError, DiscountStatus, InvalidDiscount, Problem
from storefront.domain.marketing.campaigns import campaign_choices
from storefront.domain.marketing.reports import store_zone
from storefront.domain.money import to_decimal
from storefront.domain.store import load_store_settings
from storefront.extensions import db
from storefront.models import DiscountCode, DiscountKind, utcnow

bp = admin_blueprint("admin_discounts", __name__, Area.CONTENT)

STATUS_LABELS = {
    DiscountStatus.SCHEDULED: _l("Scheduled"), DiscountStatus.RUNNING: _l("Running"),
    DiscountStatus.ENDED: _l("Ended"), DiscountStatus.USED_UP: _l("Used up"), DiscountStatus.OFF: _l("Switched off"),
}


def problem_text(problem: Problem) -> str:
    p = problem.params
    messages = {
        DiscountError.REQUIRED: lambda: _("This field is required."),
        DiscountError.TOO_LONG: lambda: _("Use at most %(max)s characters.", max=p["max"]),
        DiscountError.CODE_FORMAT: lambda: _("Use 3 to 64 letters, digits, - or _ for the code."),
        DiscountError.CODE_TAKEN: lambda: _("Another discount already uses the code %(code)s.", code=p["code"]),
        DiscountError.UNKNOWN_KIND: lambda: _("Choose a kind from the list."),
        DiscountError.PERCENTAGE_RANGE: lambda: _("Enter a percentage between 0.01 and 100."),
        DiscountError.BASE_AMOUNT_REQUIRED: lambda: _("Give the amount in %(currency)s, the store's base currency; "
                                                      "other currencies are optional.", currency=p["currency"]),
        DiscountError.AMOUNT_POSITIVE: lambda: _("An amount off must be more than zero."),
        DiscountError.NEGATIVE_AMOUNT: lambda: _("Enter zero or more."),
        DiscountError.AMOUNT_PRECISION: lambda: _("%(currency)s amounts have at most %(places)s decimals.",
                                                  currency=p["currency"], places=p["places"]),
        DiscountError.AMOUNT_TOO_LARGE: lambda: _("This amount is too large."),
        DiscountError.UNKNOWN_CURRENCY: lambda: _("“%(code)s” is not an ISO 4217 currency code.", code=p["code"]),
        DiscountError.MINIMUM_WITHOUT_AMOUNT: lambda: _(
            "A minimum in %(currency)s needs the amount off in %(currency)s too.", currency=p["currency"]),
        DiscountError.ENDS_BEFORE_START: lambda: _("The end must come after the start."),
        DiscountError.USAGE_LIMIT_RANGE: lambda: _("Enter 1 or more, or leave it empty for no limit."),
        DiscountError.UNKNOWN_CAMPAIGN: lambda: _("Choose a campaign from the list: that campaign does not exist."),
        DiscountError.COMMISSION_RANGE: lambda: _("Enter a commission between 0 and 100 %, with at most two "
                                                  "decimals."),
        DiscountError.AUTOMATIC_COMMISSION: lambda: _("An automatic discount is nobody's code: leave the commission "
                                                      "empty."),
    }
    return messages[problem.code]()


class DiscountForm(FlaskForm):
    code = StringField(_l("Code"), validators=[Length(max=64)],
                       description=_l("Letters, digits, - or _; shoppers may type it in any case. An automatic "
                                      "discount needs one too: orders and reports name it by its code."))
    title = StringField(_l("Title"), validators=[Length(max=160)],
                        description=_l("Shown to shoppers with an automatic discount, e.g. “Summer sale”."))
    is_automatic = BooleanField(_l("Automatic: applies by itself to every cart that qualifies"))
    active = BooleanField(_l("Active"), default=True)
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in DISCOUNT_KIND_LABELS.items()])
    percent = DecimalField(_l("Percentage off"), places=None, validators=[Optional()],
                           description=_l("For a percentage discount, e.g. 15 for 15 percent off the goods."))
    amounts = TextAreaField(_l("Amount off per currency"), validators=[check_amounts],
                            description=_l("For a fixed amount: “USD 10, EUR 9”; the base currency is required, "
                                           "the others convert from it when not given."))
    minimum = DecimalField(_l("Minimum subtotal (base currency)"), places=None, validators=[Optional()],
                           description=_l("Converted into the shopper's currency at today's rate, unless given "
                                          "below."))
    minimums = TextAreaField(_l("Minimum subtotal per currency"), validators=[check_amounts],
                             description=_l("Round amounts in the shopper's currency, e.g. “EUR 80, JPY 12000”."))
    starts_at = DateTimeLocalField(_l("Starts (store time, optional)"), format="%Y-%m-%dT%H:%M",
                                   validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends (store time, optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    usage_limit = IntegerField(_l("Usage limit (orders)"), validators=[Optional()],
                               description=_l("Empty: no limit."))
    once_per_customer = BooleanField(_l("Once per customer (by e-mail)"))
    campaign_id = SelectField(_l("Campaign"), coerce=optional_id, validate_choice=False,
                              description=_l("Orders using the code count for this campaign, even without a click."))
    commission_percent = DecimalField(_l("Commission (%)"), places=None, validators=[Optional()],
                                      description=_l("For an influencer's or affiliate's code: their share of the "
                                                     "goods after discount."))

    def draft(self, zone) -> DiscountDraft:
        def utc(local: datetime | None) -> datetime | None:
            return local.replace(tzinfo=zone).astimezone(UTC) if local else None
        return DiscountDraft(
            code=self.code.data or "", title=self.title.data, kind=self.kind.data, percent=self.percent.data,
            amounts=parse_amounts(self.amounts.data) if self.kind.data == DiscountKind.FIXED_AMOUNT.value else {},
            minimum=self.minimum.data, minimums=parse_amounts(self.minimums.data),
            starts_at=utc(self.starts_at.data), ends_at=utc(self.ends_at.data), usage_limit=self.usage_limit.data,
            once_per_customer=self.once_per_customer.data, is_automatic=self.is_automatic.data,
            active=self.active.data, campaign_id=self.campaign_id.data,
            commission_percent=self.commission_percent.data)


def _amounts_text(pairs: list[tuple[str, int]]) -> str:
    return ", ".join(f"{currency} {to_decimal(amount, currency):f}" for currency, amount in pairs)


def form_data(discount: DiscountCode, zone, base_currency: str) -> dict:
    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(zone).replace(tzinfo=None) if moment else None
    percentage = discount.kind is DiscountKind.PERCENTAGE
    return dict(
        code=discount.code, title=discount.title, is_automatic=discount.is_automatic, active=discount.active,
        kind=discount.kind.value, percent=Decimal(discount.value) / 100 if percentage else None,
        amounts=_amounts_text([(a.currency, a.amount) for a in discount.amounts
                               if discount.kind is DiscountKind.FIXED_AMOUNT]),
        minimum=to_decimal(discount.minimum_subtotal, base_currency) if discount.minimum_subtotal else None,
        minimums=_amounts_text([(a.currency, a.minimum_subtotal) for a in discount.amounts
                                if a.minimum_subtotal is not None]),
        starts_at=local(discount.starts_at), ends_at=local(discount.ends_at), usage_limit=discount.usage_limit,
        once_per_customer=discount.once_per_customer, campaign_id=discount.campaign_id,
        commission_percent=Decimal(discount.commission_bp) / 100 if discount.commission_bp is not None else None,
    )


def show_problems(form: FlaskForm, problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        if problem.field and problem.field in form:
            form[problem.field].errors = [*form[problem.field].errors, problem_text(problem)]
        else:
            form.form_errors.append(problem_text(problem))


def _zone():
    return store_zone(load_store_settings(db.session).timezone)


@bp.context_processor
def _helpers():
    zone = _zone()
    base_currency = load_store_settings(db.session).base_currency

    def store_time(moment: datetime | None) -> str:
        return format_datetime(moment, "short", tzinfo=zone, locale=get_locale()) if moment else ""

    def minimum_text(discount: DiscountCode) -> str:
        """ "$80.00 · €80.00, ¥12,000": the base minimum, then each currency's own."""
        own = [admin_money(a.minimum_subtotal, a.currency) for a in discount.amounts if a.minimum_subtotal is not None]
        base = admin_money(discount.minimum_subtotal, base_currency) if discount.minimum_subtotal else ""
        return " · ".join(part for part in (base, ", ".join(own)) if part) or "—"
    return dict(store_time=store_time, store_zone=zone.key, status_labels=STATUS_LABELS,
                discount_summary=discount_summary, minimum_text=minimum_text)


@bp.get("/discounts")
def index():
    now = utcnow()
    campaigns = dict(campaign_choices(db.session))
    return render_template("admin/discounts/index.html", discounts=discounts.list_discounts(db.session),
                           status=lambda d: discounts.discount_status(d, now), campaigns=campaigns)


def _editor(discount: DiscountCode | None):
    store = load_store_settings(db.session)
    zone = _zone()
    defaults = {"is_automatic": request.args.get("automatic") == "1"}
    form = DiscountForm(data=form_data(discount, zone, store.base_currency) if discount else defaults)
    form.campaign_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(campaign_id, name) for campaign_id, name in campaign_choices(db.session)]
    if form.validate_on_submit():
        try:
            saved = discounts.save_discount(db.session, discount, form.draft(zone), base_currency=store.base_currency,
                                            staff_user_id=current_user.id, ip_address=request.remote_addr)
        except InvalidDiscount as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("Discount %(code)s saved.", code=saved.code), "success")
            return redirect(url_for(".index"))
    return render_template("admin/discounts/form.html", form=form, discount=discount,
                           base_currency=store.base_currency), 422 if form.is_submitted() else 200


@bp.route("/discounts/new", methods=["GET", "POST"])
def new():
    return _editor(None)


@bp.route("/discounts/<int:discount_id>/edit", methods=["GET", "POST"])
def edit(discount_id: int):
    return _editor(discounts.load_discount(db.session, discount_id) or abort(404))
