"""/admin/marketing/campaigns: campaigns with their tracked links (absolute URLs, copy buttons, QR codes), the
report of what each brought (chart, table, CSV), and the commissions owed to influencers and affiliates."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import quote

import segno
from babel.dates import format_datetime, format_skeleton
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from admin.assets import admin_money
from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint
from storefront.domain.marketing import campaigns, reports
from storefront.domain.marketing.campaigns import (
    CampaignDraft,
    CampaignError,
    CampaignStatus,
    InvalidCampaign,
    LinkDraft,
    NewDiscount,
    Problem,
)
from storefront.domain.money import decimal_string, to_decimal
from storefront.domain.store import load_store_settings
from storefront.extensions import db
from storefront.models import Campaign, CampaignChannel, CampaignLink, DiscountCode, DiscountKind, LandingKind, utcnow
from storefront.web.template_helpers import LOCALE_NAMES, shop_url

bp = admin_blueprint("admin_marketing", __name__, Area.CONTENT)

CHANNEL_LABELS = {
    CampaignChannel.SEARCH_ADS: _l("Search ads"), CampaignChannel.SOCIAL: _l("Social"),
    CampaignChannel.INFLUENCER: _l("Influencer / KOL"), CampaignChannel.EMAIL: _l("E-mail"),
    CampaignChannel.AFFILIATE: _l("Affiliate"), CampaignChannel.OTHER: _l("Other"),
}
STATUS_LABELS = {
    CampaignStatus.SCHEDULED: _l("Scheduled"), CampaignStatus.RUNNING: _l("Running"),
    CampaignStatus.ENDED: _l("Ended"), CampaignStatus.OFF: _l("Switched off"),
}
LANDING_LABELS = {
    LandingKind.HOME: _l("Home page"), LandingKind.PAGE: _l("Landing page"), LandingKind.PRODUCT: _l("Product"),
    LandingKind.COLLECTION: _l("Collection"),
}
DISCOUNT_KIND_LABELS = {
    DiscountKind.PERCENTAGE: _l("Percentage off"), DiscountKind.FIXED_AMOUNT: _l("Fixed amount off"),
    DiscountKind.FREE_SHIPPING: _l("Free shipping"),
}
TOUCH_LABELS = {"last": _l("Last touch"), "first": _l("First touch")}
NEW_CODE = "new"
# Domain fields shown by another form input.
FIELD_INPUTS = {"discount_code_id": "discount_choice"}


def problem_text(problem: Problem) -> str:
    code, p = problem.code, problem.params
    messages = {
        CampaignError.REQUIRED: lambda: _("This field is required."),
        CampaignError.TOO_LONG: lambda: _("Use at most %(max)s characters.", max=p["max"]),
        CampaignError.UNKNOWN_CHANNEL: lambda: _("Choose a channel from the list."),
        CampaignError.UNKNOWN_LANDING_KIND: lambda: _("Choose where the links land from the list."),
        CampaignError.UNKNOWN_PAGE: lambda: _("Choose a landing page from the list: that page does not exist or "
                                              "is not a landing page."),
        CampaignError.UNKNOWN_PRODUCT: lambda: _("Choose a product from the list: that product does not exist."),
        CampaignError.UNKNOWN_COLLECTION: lambda: _("Choose a collection from the list: that collection does not "
                                                    "exist."),
        CampaignError.ENDS_BEFORE_START: lambda: _("The end must come after the start."),
        CampaignError.NEGATIVE_AMOUNT: lambda: _("Enter zero or more."),
        CampaignError.AMOUNT_PRECISION: lambda: _("%(currency)s amounts have at most %(places)s decimals.",
                                                  currency=p["currency"], places=p["places"]),
        CampaignError.AMOUNT_TOO_LARGE: lambda: _("This amount is too large."),
        CampaignError.UNKNOWN_CURRENCY: lambda: _("“%(code)s” is not an ISO 4217 currency code.", code=p["code"]),
        CampaignError.UNKNOWN_DISCOUNT: lambda: _("Choose a discount code from the list: that code does not exist."),
        CampaignError.DISCOUNT_CODE_FORMAT: lambda: _("Use 3 to 64 letters, digits, - or _ for the discount code."),
        CampaignError.DISCOUNT_CODE_TAKEN: lambda: _("The discount code %(code)s already exists: pick it from the "
                                                     "list or choose another.", code=p["code"]),
        CampaignError.UNKNOWN_DISCOUNT_KIND: lambda: _("Choose a kind of discount from the list."),
        CampaignError.PERCENTAGE_RANGE: lambda: _("Enter a percentage between 0.01 and 100."),
        CampaignError.AMOUNT_POSITIVE: lambda: _("An amount off must be more than zero."),
        CampaignError.DISCOUNT_REFUSED: lambda: _("The new discount code was refused: create it under Discounts "
                                                  "and pick it here."),
        CampaignError.BASE_AMOUNT_REQUIRED: lambda: _("Give the amount in %(currency)s, the store's base currency; "
                                                      "other currencies are optional.", currency=p["currency"]),
        CampaignError.LINK_CODE_FORMAT: lambda: _("Use 3 to 64 lower-case letters, digits, - or _ for the link "
                                                  "code, or leave it empty for a generated one."),
        CampaignError.LINK_CODE_TAKEN: lambda: _("Another link already uses the code %(code)s.", code=p["code"]),
        CampaignError.UNKNOWN_LOCALE: lambda: _("The shop does not offer the language %(locale)s.",
                                                locale=p["locale"]),
        CampaignError.COMMISSION_RANGE: lambda: _("Enter a commission between 0 and 100 %, with at most two "
                                                  "decimals."),
        CampaignError.LINK_HAS_ORDERS: lambda: _("The link %(code)s cannot be deleted: orders are credited to it "
                                                 "and its commission report needs it.", code=p["code"]),
    }
    return messages[code]()


def show_problems(form: FlaskForm, problems: tuple[Problem, ...]) -> None:
    for problem in problems:
        name = FIELD_INPUTS.get(problem.field, problem.field)
        if name and name in form:
            form[name].errors = [*form[name].errors, problem_text(problem)]
        else:
            form.form_errors.append(problem_text(problem))


def discount_summary(code: DiscountCode) -> str:
    """What a code takes off: "15 %", "$10.00 / €9.00", "Free shipping"."""
    if code.kind is DiscountKind.PERCENTAGE:
        return _("%(percent)s %% off", percent=format_decimal(Decimal(code.value) / 100))
    if code.kind is DiscountKind.FIXED_AMOUNT:
        return " / ".join(admin_money(a.amount, a.currency) for a in code.amounts) or str(code.value)
    return _("Free shipping")


# -- forms ----------------------------------------------------------------------------------------------------
def optional_id(value) -> int | None:
    """A select's choice as an id; empty (or WTForms' "None") is no choice."""
    return int(value) if value not in (None, "", "None") else None


def parse_amounts(text: str | None) -> dict[str, Decimal]:
    """ "USD 10, EUR 9.50" (commas or lines) → {"USD": Decimal("10"), "EUR": Decimal("9.50")}."""
    amounts: dict[str, Decimal] = {}
    for item in (text or "").replace("\n", ",").split(","):
        if not item.strip():
            continue
        currency, _sep, amount = item.strip().partition(" ")
        try:
            amounts[currency.strip().upper()] = Decimal(amount.strip().replace(" ", ""))
        except ArithmeticError:
            raise ValueError(item.strip()) from None
    return amounts


def check_amounts(_form, field) -> None:
    """WTForms validator for `parse_amounts` input."""
    try:
        parse_amounts(field.data)
    except ValueError as error:
        raise ValidationError(_("Write each amount as a currency code and a number, e.g. “EUR 9.50”: "
                                "“%(item)s” is not.", item=str(error))) from None


class DiscountFields(FlaskForm):
    """Pick an existing discount code, none, or make a new one."""

    discount_choice = SelectField(_l("Discount code"), validate_choice=False)
    discount_code = StringField(_l("New code"), validators=[Length(max=64)],
                                description=_l("Letters, digits, - or _; shoppers may type it in any case."))
    discount_kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label)
                                                     for k, label in DISCOUNT_KIND_LABELS.items()])
    discount_percent = DecimalField(_l("Percentage off"), places=None, validators=[Optional()])
    discount_amounts = TextAreaField(_l("Amount off per currency"), validators=[check_amounts],
                                     description=_l("One per line or separated by commas, e.g. “USD 10, EUR 9”: "
                                                    "the base currency is required, the others convert from it "
                                                    "when not given."))
    discount_once_per_customer = BooleanField(_l("Once per customer"))

    def set_discount_choices(self, codes: list[DiscountCode], none_label: str) -> None:
        self.discount_choice.choices = [SelectChoice("", none_label)] + [
            SelectChoice(str(code.id), f"{code.code} · {discount_summary(code)}") for code in codes] + [
            SelectChoice(NEW_CODE, _("Create a new code…"))]

    def existing_discount_id(self) -> int | None:
        choice = self.discount_choice.data or ""
        return int(choice) if choice.isdigit() else None

    def new_discount(self) -> NewDiscount | None:
        if self.discount_choice.data != NEW_CODE:
            return None
        return NewDiscount(code=self.discount_code.data or "", kind=self.discount_kind.data,
                           percent=self.discount_percent.data, amounts=parse_amounts(self.discount_amounts.data),
                           once_per_customer=self.discount_once_per_customer.data)


class CampaignForm(DiscountFields):
    name = StringField(_l("Name"), validators=[Length(max=160)])
    channel = SelectField(_l("Channel"), choices=[SelectChoice(c.value, label) for c, label in CHANNEL_LABELS.items()])
    utm_source = StringField(_l("UTM source"), validators=[Length(max=120)],
                             description=_l("Where the traffic comes from: google, instagram, newsletter…"))
    utm_medium = StringField(_l("UTM medium"), validators=[Length(max=120)],
                             description=_l("Empty: cpc for search ads, social, influencer, email or affiliate "
                                            "after the channel."))
    utm_campaign = StringField(_l("UTM campaign"), validators=[Length(max=120)],
                               description=_l("Empty: made from the name. Plain links carrying this utm_campaign "
                                              "count for the campaign too."))
    utm_content = StringField(_l("UTM content"), validators=[Length(max=120)],
                              description=_l("Empty: each tracked link sends its own code."))
    landing_kind = SelectField(_l("Links land on"), choices=[SelectChoice(k.value, label)
                                                             for k, label in LANDING_LABELS.items()])
    landing_page_id = SelectField(_l("Landing page"), coerce=optional_id, validate_choice=False)
    landing_product_id = SelectField(_l("Product"), coerce=optional_id, validate_choice=False)
    landing_collection_id = SelectField(_l("Collection"), coerce=optional_id, validate_choice=False)
    starts_at = DateTimeLocalField(_l("Starts (store time, optional)"), format="%Y-%m-%dT%H:%M",
                                   validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends (store time, optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    budget = DecimalField(_l("Budget"), places=None, validators=[Optional()])
    spend = DecimalField(_l("Spent so far"), places=None, validators=[Optional()],
                         description=_l("Return on ad spend uses it, else the budget."))
    budget_currency = StringField(_l("Currency of budget and spend"), validators=[Length(max=3)])
    active = BooleanField(_l("Active: its links and UTM parameters count"), default=True)

    def fill(self, choices: campaigns.Choices) -> None:
        def options(rows: list[tuple[int, str]]) -> list[SelectChoice]:
            return [SelectChoice("", "—")] + [SelectChoice(row_id, title) for row_id, title in rows]
        self.landing_page_id.choices = options(choices.pages)
        self.landing_product_id.choices = options(choices.products)
        self.landing_collection_id.choices = options(choices.collections)
        self.set_discount_choices(choices.discount_codes, _("None"))

    def draft(self, zone) -> CampaignDraft:
        def utc(local: datetime | None) -> datetime | None:
            return local.replace(tzinfo=zone).astimezone(UTC) if local else None
        return CampaignDraft(
            name=self.name.data or "", channel=self.channel.data, utm_source=self.utm_source.data,
            utm_medium=self.utm_medium.data, utm_campaign=self.utm_campaign.data, utm_content=self.utm_content.data,
            landing_kind=self.landing_kind.data, landing_page_id=self.landing_page_id.data,
            landing_product_id=self.landing_product_id.data, landing_collection_id=self.landing_collection_id.data,
            starts_at=utc(self.starts_at.data), ends_at=utc(self.ends_at.data), budget=self.budget.data,
            spend=self.spend.data, budget_currency=self.budget_currency.data, active=self.active.data,
            discount_code_id=self.existing_discount_id(), new_discount=self.new_discount())


def campaign_form_data(campaign: Campaign, zone) -> dict:
    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(zone).replace(tzinfo=None) if moment else None

    def amount(minor: int | None) -> Decimal | None:
        return to_decimal(minor, campaign.budget_currency) if minor is not None and campaign.budget_currency else None
    return dict(
        name=campaign.name, channel=campaign.channel.value, utm_source=campaign.utm_source,
        utm_medium=campaign.utm_medium, utm_campaign=campaign.utm_campaign, utm_content=campaign.utm_content,
        landing_kind=campaign.landing_kind.value, landing_page_id=campaign.landing_page_id,
        landing_product_id=campaign.landing_product_id, landing_collection_id=campaign.landing_collection_id,
        starts_at=local(campaign.starts_at), ends_at=local(campaign.ends_at), budget=amount(campaign.budget),
        spend=amount(campaign.spend), budget_currency=campaign.budget_currency, active=campaign.active,
        discount_choice=str(campaign.discount_code_id or ""),
    )


class LinkForm(DiscountFields):
    code = StringField(_l("Code"), validators=[Length(max=64)],
                       description=_l("3–64 lower-case letters, digits, - or _. Empty: a short one is made up."))
    label = StringField(_l("Label"), validators=[Length(max=160)],
                        description=_l("Where the link is used: “Instagram bio”, “Spring newsletter”…"))
    locale = SelectField(_l("Language"), validate_choice=False,
                         description=_l("The link lands on the page in this language, whatever URL it is opened "
                                        "under."))
    influencer = StringField(_l("Influencer or affiliate"), validators=[Length(max=120)])
    commission_percent = DecimalField(_l("Commission (%)"), places=None,
                                      validators=[Optional(), NumberRange(0, 100)],
                                      description=_l("Of the goods sold after discounts, for orders credited to "
                                                     "this link or its code."))

    def fill(self, codes: list[DiscountCode], locales: list[str]) -> None:
        self.locale.choices = [SelectChoice("", _("The shopper's language"))] + [
            SelectChoice(locale, f"{LOCALE_NAMES.get(locale, locale)} ({locale})") for locale in locales]
        self.set_discount_choices(codes, _("None (the campaign's, if any)"))

    def draft(self) -> LinkDraft:
        return LinkDraft(code=self.code.data, label=self.label.data, locale=self.locale.data or None,
                         influencer=self.influencer.data, commission_percent=self.commission_percent.data,
                         discount_code_id=self.existing_discount_id(), new_discount=self.new_discount())


def link_form_data(link: CampaignLink) -> dict:
    percent = Decimal(link.commission_bp) / 100 if link.commission_bp is not None else None
    return dict(code=link.code, label=link.label, locale=link.locale or "", influencer=link.influencer,
                commission_percent=percent, discount_choice=str(link.discount_code_id or ""))


class PeriodForm(FlaskForm):
    """A report's period and attribution, in the query string."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    touch = SelectField(_l("Credit orders to"), choices=[SelectChoice(t, label) for t, label in TOUCH_LABELS.items()],
                        default="last")

    def period(self) -> tuple[date | None, date | None, str]:
        """The valid part of the input: dates in the wrong order are refused, not swapped."""
        self.validate()
        start = None if self.start.errors else self.start.data
        end = None if self.end.errors else self.end.data
        if start and end and end < start:
            self.end.errors = [*self.end.errors, _("The end must come after the start.")]
            end = None
        touch = self.touch.data if self.touch.data in reports.TOUCHES else "last"
        return start, end, touch


def _period() -> tuple[PeriodForm, date | None, date | None, str]:
    form = PeriodForm(formdata=request.args)
    return form, *form.period()


# -- helpers for the pages ----------------------------------------------------------------------------------
def editor() -> dict:
    """Who makes the change, for the audit log (the services' keyword arguments)."""
    return {"staff_user_id": current_user.id, "ip_address": request.remote_addr}


def _zone():
    return reports.store_zone(load_store_settings(db.session).timezone)


def _campaign_or_404(campaign_id: int) -> Campaign:
    return campaigns.load_campaign(db.session, campaign_id) or abort(404)


def link_url(link: CampaignLink, locale: str | None = None) -> str:
    """The absolute /c/<code> address to hand out: under the link's language prefix, or `locale`'s."""
    store = load_store_settings(db.session)
    return shop_url(f"/c/{quote(link.code, safe='')}", link.locale or locale or store.default_locale,
                    store.default_locale)


def link_variants(link: CampaignLink) -> list[tuple[str, str]]:
    """For a link without a language of its own: its address under each other language's prefix."""
    store = load_store_settings(db.session)
    if link.locale:
        return []
    return [(locale, link_url(link, locale)) for locale in store.enabled_locales if locale != store.default_locale]


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4)


@bp.context_processor
def _helpers():
    zone = _zone()

    def store_time(moment: datetime | None, style: str = "short") -> str:
        """A UTC instant in the store's time zone, as the staff user's language writes it."""
        return format_datetime(moment, style, tzinfo=zone, locale=get_locale()) if moment else ""
    return dict(store_time=store_time, store_zone=zone.key, channel_labels=CHANNEL_LABELS,
                status_labels=STATUS_LABELS, landing_labels=LANDING_LABELS, touch_labels=TOUCH_LABELS,
                discount_summary=discount_summary, link_url=link_url, link_variants=link_variants,
                qr_data_uri=qr_data_uri, LOCALE_NAMES=LOCALE_NAMES)


def _csv_response(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


# -- the campaign list --------------------------------------------------------------------------------------
@bp.get("/marketing/campaigns")
def campaigns_index():
    form, start, end, touch = _period()
    rows = reports.campaigns_overview(db.session, start=start, end=end, touch=touch)
    now = utcnow()
    return render_template("admin/marketing/campaigns.html", rows=rows, form=form,
                           status=lambda row: campaigns.campaign_status(row, now),
                           currency=load_store_settings(db.session).base_currency)


# -- creating and editing -----------------------------------------------------------------------------------
def _campaign_editor(campaign: Campaign | None):
    zone = _zone()
    form = CampaignForm(data=campaign_form_data(campaign, zone) if campaign else
                        {"budget_currency": load_store_settings(db.session).base_currency})
    form.fill(campaigns.form_choices(db.session, keep_product_id=campaign.landing_product_id if campaign else None))
    if form.validate_on_submit():
        try:
            if campaign is None:
                saved = campaigns.create_campaign(db.session, form.draft(zone), **editor())
            else:
                saved = campaigns.update_campaign(db.session, campaign, form.draft(zone), **editor())
        except InvalidCampaign as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("Campaign saved."), "success")
            return redirect(url_for(".campaign", campaign_id=saved.id))
    return (render_template("admin/marketing/campaign_form.html", form=form, campaign=campaign),
            422 if form.is_submitted() else 200)


@bp.route("/marketing/campaigns/new", methods=["GET", "POST"])
def new_campaign():
    return _campaign_editor(None)


@bp.route("/marketing/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
def edit_campaign(campaign_id: int):
    return _campaign_editor(_campaign_or_404(campaign_id))


@bp.post("/marketing/campaigns/<int:campaign_id>/delete")
def delete_campaign(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(url_for(".campaign", campaign_id=campaign_id))
    name = campaign.name
    removal = campaigns.delete_campaign(db.session, campaign, **editor())
    db.session.commit()
    if removal is campaigns.Removal.ARCHIVED:
        flash(_("“%(name)s” brought visits or orders, so it was switched off and kept for the reports instead of "
                "deleted.", name=name), "success")
        return redirect(url_for(".campaign", campaign_id=campaign_id))
    flash(_("“%(name)s” was deleted.", name=name), "success")
    return redirect(url_for(".campaigns_index"))


# -- one campaign: links and report -------------------------------------------------------------------------
def _chart_data(report: reports.CampaignReport) -> dict:
    """What marketing.js draws: visits and orders per day, and revenue in major units of the base currency."""
    return {
        "locale": str(get_locale()).replace("_", "-"),
        "currency": report.currency,
        "labels": [format_skeleton("MMMd", row.day, locale=get_locale()) for row in report.daily],
        "title": _("Visits, orders and revenue per day"),
        "series": {
            "visits": {"label": _("Visits"), "data": [row.visits for row in report.daily]},
            "orders": {"label": _("Orders"), "data": [row.orders for row in report.daily]},
            "revenue": {"label": _("Revenue (%(currency)s)", currency=report.currency),
                        "data": [float(to_decimal(row.revenue_base, report.currency)) for row in report.daily]},
        },
    }


def _campaign_page(campaign: Campaign, link_form: LinkForm | None = None, status: int = 200):
    store = load_store_settings(db.session)
    period_form, start, end, touch = _period()
    report = reports.campaign_report(db.session, campaign, start=start, end=end, touch=touch)
    if link_form is None:
        link_form = LinkForm(formdata=None)
        link_form.fill(campaigns.form_choices(db.session).discount_codes, list(store.enabled_locales))
    code_ids = {campaign.discount_code_id} | {link.discount_code_id for link in campaign.links}
    return render_template(
        "admin/marketing/campaign_detail.html", campaign=campaign, report=report, chart=_chart_data(report),
        period_form=period_form, link_form=link_form, action_form=EmptyForm(),
        codes=campaigns.discount_codes_by_id(db.session, {i for i in code_ids if i}),
        campaign_status=campaigns.campaign_status(campaign, utcnow()),
        has_traffic=campaigns.has_traffic(db.session, campaign), landing=campaigns.landing_title(db.session, campaign),
    ), status


@bp.get("/marketing/campaigns/<int:campaign_id>")
def campaign(campaign_id: int):
    return _campaign_page(_campaign_or_404(campaign_id))


@bp.post("/marketing/campaigns/<int:campaign_id>/links")
def add_link(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    form = LinkForm()
    form.fill(campaigns.form_choices(db.session).discount_codes,
              list(load_store_settings(db.session).enabled_locales))
    if form.validate_on_submit():
        try:
            link = campaigns.add_link(db.session, campaign, form.draft(), **editor())
        except InvalidCampaign as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("Link %(url)s added.", url=link_url(link)), "success")
            return redirect(url_for(".campaign", campaign_id=campaign_id, _anchor="links"))
    return _campaign_page(campaigns.load_campaign(db.session, campaign_id), form, 422)


@bp.route("/marketing/campaigns/<int:campaign_id>/links/<int:link_id>", methods=["GET", "POST"])
def edit_link(campaign_id: int, link_id: int):
    link = campaigns.load_link(db.session, campaign_id, link_id) or abort(404)
    form = LinkForm(data=link_form_data(link))
    form.fill(campaigns.form_choices(db.session).discount_codes,
              list(load_store_settings(db.session).enabled_locales))
    if form.validate_on_submit():
        try:
            campaigns.update_link(db.session, link, form.draft(), **editor())
        except InvalidCampaign as error:
            db.session.rollback()
            show_problems(form, error.problems)
        else:
            db.session.commit()
            flash(_("Link saved."), "success")
            return redirect(url_for(".campaign", campaign_id=campaign_id, _anchor="links"))
    return (render_template("admin/marketing/campaign_link.html", form=form, link_form=form, link=link,
                            campaign=link.campaign), 422 if form.is_submitted() else 200)


@bp.post("/marketing/campaigns/<int:campaign_id>/links/<int:link_id>/delete")
def delete_link(campaign_id: int, link_id: int):
    link = campaigns.load_link(db.session, campaign_id, link_id) or abort(404)
    if EmptyForm().validate_on_submit():
        code = link.code
        try:
            campaigns.delete_link(db.session, link, **editor())
        except InvalidCampaign as error:
            db.session.rollback()
            for problem in error.problems:
                flash(problem_text(problem), "error")
        else:
            db.session.commit()
            flash(_("Link %(code)s deleted: its address now leads to the home page.", code=code), "success")
    return redirect(url_for(".campaign", campaign_id=campaign_id, _anchor="links"))


@bp.get("/marketing/campaigns/<int:campaign_id>/links/<int:link_id>/qr.svg")
def link_qr(campaign_id: int, link_id: int):
    """The link's QR code as an SVG file to print; ?locale= for the address under another language's prefix."""
    link = campaigns.load_link(db.session, campaign_id, link_id) or abort(404)
    locale = request.args.get("locale")
    if locale not in load_store_settings(db.session).enabled_locales:
        locale = None
    out = io.BytesIO()
    segno.make(link_url(link, locale), error="m").save(out, kind="svg", scale=8, border=4)
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Content-Disposition"] = f"attachment; filename=qr-{link.id}{'-' + locale if locale else ''}.svg"
    return response


@bp.get("/marketing/campaigns/<int:campaign_id>/report.csv")
def report_csv(campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    _form, start, end, touch = _period()
    report = reports.campaign_report(db.session, campaign, start=start, end=end, touch=touch)
    return _csv_response(reports.report_csv(report), f"campaign-{campaign.id}-{touch}-touch.csv")


# -- influencers and affiliates -----------------------------------------------------------------------------
class InfluencerFilterForm(PeriodForm):
    campaign = SelectField(_l("Campaign"), coerce=optional_id, validate_choice=False)


def _influencer_rows():
    form = InfluencerFilterForm(formdata=request.args)
    start, end, _touch = form.period()
    choices = campaigns.campaign_choices(db.session)
    form.campaign.choices = [SelectChoice("", _("All campaigns"))] + [SelectChoice(i, name) for i, name in choices]
    chosen = form.campaign.data if not form.campaign.errors else None
    campaign = db.session.get(Campaign, chosen) if chosen else None
    return form, reports.influencer_report(db.session, campaign, start=start, end=end)


def influencers_csv(rows: list[reports.InfluencerRow], currency: str) -> str:
    """The payable report as CSV: one row per link or code, amounts as decimals in the base currency."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_("Campaign"), _("Code"), _("Label"), _("Influencer"), _("Orders"), _("Revenue"),
                     _("Commission base"), _("Commission (%)"), _("Commission due"), _("Currency")])

    def text(value: str | None) -> str:
        value = value or ""
        return f"'{value}" if value.startswith(reports.FORMULA_STARTS) else value
    for row in rows:
        writer.writerow([text(row.campaign_name), text(row.code), text(row.label), text(row.influencer), row.orders,
                         decimal_string(row.revenue_base, currency), decimal_string(row.commission_base, currency),
                         f"{Decimal(row.commission_bp) / 100:f}" if row.commission_bp is not None else "",
                         decimal_string(row.commission_due_base, currency), currency])
    return out.getvalue()


@bp.get("/marketing/influencers")
def influencers():
    form, rows = _influencer_rows()
    return render_template("admin/marketing/influencers.html", form=form, rows=rows,
                           currency=load_store_settings(db.session).base_currency)


@bp.get("/marketing/influencers.csv")
def influencers_export():
    _form, rows = _influencer_rows()
    return _csv_response(influencers_csv(rows, load_store_settings(db.session).base_currency),
                         f"influencer-commissions-{utcnow():%Y-%m-%d}.csv")
