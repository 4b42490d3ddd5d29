"""/admin/settings/carriers: carrier accounts (credentials sealed, secrets masked, test connection) and box presets."""
from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from admin.assets import admin_money
from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint
from admin.settings_forms import MultiCheckboxField
from admin.settings_saving import INVALID, editor
from storefront.domain import carrier_accounts
from storefront.domain.carrier_accounts import CarrierAccountError, CarrierAccountErrorCode, ConnectionCheck
from storefront.domain.inventory_admin import locations as all_locations
from storefront.extensions import db
from storefront.integrations import carriers
from storefront.integrations.carriers.types import CarrierErrorCode, CarrierSpec
from storefront.models import BoxPreset, CarrierAccount

bp = admin_blueprint("admin_carriers", __name__, Area.SETTINGS)

# -- forms ---------------------------------------------------------------------------------------

class CarrierAccountForm(FlaskForm):
    """The fields every carrier has; `for_spec` adds the carrier's own credential fields (`cred_<name>`)."""

    account_label = StringField(_l("Account name"), validators=[Length(max=120)],
                                description=_l("Your name for this account, e.g. “DHL Shenzhen”."))
    test_mode = BooleanField(_l("Test mode (the carrier's sandbox: labels are not billed and cannot be used)"))
    active = BooleanField(_l("Active: offer its rates when shipping orders"))
    services = MultiCheckboxField(_l("Enabled services"), validate_choice=False,
                                  description=_l("None ticked: every service the carrier offers."))
    location_ids = MultiCheckboxField(_l("Ships from"), coerce=int, validate_choice=False)
    currency = StringField(_l("Account currency"),
                           description=_l("What the carrier bills you in, e.g. USD or CNY."))
    default_service = SelectField(_l("Default service"), validate_choice=False,
                                  description=_l("Used when buying labels for several orders at once."))
    tracking_url_template = StringField(
        _l("Tracking page"), validators=[Length(max=500)],
        description=_l("Optional. The carrier's public tracking page, with {tracking_number} where the number goes."))
    server_url = StringField(_l("API address (advanced)"), validators=[Length(max=500)],
                             description=_l("Leave blank to use the carrier's own API."))
    use_default_table = BooleanField(_l("Use the default rate table"))
    rate_table = TextAreaField(
        _l("Rate table (JSON)"), validators=[Length(max=200_000)],
        description=_l("A list of zones, each with a name, ISO country codes ([\"*\"] for the rest of the world), "
                       "a currency and its services' weight brackets: [max grams, price in minor units], rising "
                       "(e.g. [500, 2450] is up to 500 g for 24.50)."))

    @classmethod
    def for_spec(cls, spec: CarrierSpec, *args, masked: dict[str, str] | None = None, **kwargs) -> CarrierAccountForm:
        masked = masked or {}
        fields = {}
        for credential in spec.credential_fields:
            if credential.secret:
                hint = (_l("Saved: %(masked)s. Leave blank to keep it.", masked=masked[credential.name])
                        if masked.get(credential.name) else None)
                fields[f"cred_{credential.name}"] = PasswordField(credential.label, validators=[Length(max=2000)],
                                                                  description=hint)
            else:
                fields[f"cred_{credential.name}"] = StringField(credential.label, validators=[Length(max=2000)])
        form_class = type(f"{spec.name}AccountForm", (cls,), fields)
        form = form_class(*args, **kwargs)
        form.spec = spec
        form.services.choices = [(s.code, s.name) for s in spec.services]
        form.default_service.choices = [("", "—")] + [(s.code, s.name) for s in spec.services]
        form.location_ids.choices = [(loc.id, f"{loc.name} ({loc.country_code})")
                                     for loc in all_locations(db.session)]
        return form

    def credential_fields(self):
        return [self[f"cred_{f.name}"] for f in self.spec.credential_fields]

    def credentials(self) -> dict[str, str]:
        return {f.name: self[f"cred_{f.name}"].data or "" for f in self.spec.credential_fields}

    def settings(self, saved: dict) -> dict:
        """The account's settings: what the form edits over what it does not (kept as saved)."""
        values = {key: value for key, value in saved.items() if key != "rate_table"}
        values |= {"currency": self.currency.data, "default_service": self.default_service.data,
                   "server_url": self.server_url.data}
        if self.spec.is_forwarder and not self.use_default_table.data:
            values["rate_table"] = self.rate_table.data or ""
        return values

    def account_values(self, saved_settings: dict) -> dict:
        return dict(account_label=self.account_label.data, credentials=self.credentials(),
                    test_mode=self.test_mode.data, active=self.active.data, services=self.services.data or [],
                    location_ids=self.location_ids.data or [], settings=self.settings(saved_settings),
                    tracking_url_template=self.tracking_url_template.data)


def _initial(account: CarrierAccount, spec: CarrierSpec, masked: dict[str, str]) -> dict:
    """The form as saved; secret fields start blank ("leave blank to keep")."""
    settings = account.settings or {}
    return {
        "account_label": account.account_label, "test_mode": account.test_mode, "active": account.active,
        "services": list(account.services or []), "location_ids": carrier_accounts.location_ids(account),
        "currency": settings.get("currency", ""), "default_service": settings.get("default_service", ""),
        "tracking_url_template": account.tracking_url_template or "", "server_url": settings.get("server_url", ""),
        "use_default_table": "rate_table" not in settings, "rate_table": _table_text(spec, settings),
    } | {f"cred_{f.name}": masked.get(f.name, "") for f in spec.credential_fields if not f.secret}


def _new_initial(spec: CarrierSpec) -> dict:
    return {"test_mode": True, "active": True, "use_default_table": True, "rate_table": _table_text(spec, {}),
            "location_ids": [loc.id for loc in all_locations(db.session)]}


def _table_text(spec: CarrierSpec, settings: dict) -> str:
    """A forwarder's own table, else its default one to start editing from."""
    if not spec.is_forwarder:
        return ""
    table = settings.get("rate_table") or carrier_accounts.default_rate_table(spec.name)
    return carrier_accounts.rate_table_text(table)


class BoxPresetForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=120)])
    length_mm = IntegerField(_l("Length (mm)"), validators=[Optional(), NumberRange(1, 5000)])
    width_mm = IntegerField(_l("Width (mm)"), validators=[Optional(), NumberRange(1, 5000)])
    height_mm = IntegerField(_l("Height (mm)"), validators=[Optional(), NumberRange(1, 5000)])
    tare_weight_grams = IntegerField(_l("Empty box weight (g)"), validators=[Optional(), NumberRange(0, 100_000)],
                                     description=_l("Added to the items' weight when a parcel is packed in it."))
    max_weight_grams = IntegerField(_l("Maximum load (g, optional)"),
                                    validators=[Optional(), NumberRange(1, 1_000_000)])
    is_default = BooleanField(_l("Default box: offered first when packing a parcel"))

    def to_input(self) -> carrier_accounts.BoxPresetInput:
        return carrier_accounts.BoxPresetInput(**{key: self[key].data for key in (
            "name", "length_mm", "width_mm", "height_mm", "tare_weight_grams", "max_weight_grams", "is_default")})


# -- messages ------------------------------------------------------------------------------------

def problem_text(error: CarrierAccountError) -> str:
    code, p = error.code, error.params
    if code is CarrierAccountErrorCode.REQUIRED:
        return _("This field is required.")
    if code is CarrierAccountErrorCode.TOO_LONG:
        return _("Use at most %(max)s characters.", max=p["max"])
    if code is CarrierAccountErrorCode.UNKNOWN_CARRIER:
        return _("“%(carrier)s” is not a carrier the shop can use.", carrier=p.get("carrier"))
    if code is CarrierAccountErrorCode.DUPLICATE_LABEL:
        return _("There is already a %(carrier)s account named “%(label)s”: choose another name.",
                 carrier=p["carrier"], label=p["label"])
    if code is CarrierAccountErrorCode.UNKNOWN_SERVICE:
        return _("%(carrier)s has no service “%(code)s”: choose one of the listed services.", carrier=p["carrier"],
                 code=p["code"])
    if code is CarrierAccountErrorCode.UNKNOWN_LOCATION:
        return _("A chosen location no longer exists: reload the page and choose again.")
    if code is CarrierAccountErrorCode.UNKNOWN_CURRENCY:
        return _("“%(code)s” is not an ISO 4217 currency code.", code=p["code"])
    if code is CarrierAccountErrorCode.INVALID_URL:
        return _("Enter an address starting with https:// (or http://).")
    if code is CarrierAccountErrorCode.INVALID_TIMEOUT:
        return _("The timeout must be more than 0 and at most %(max)s seconds.", max=p["max"])
    if code is CarrierAccountErrorCode.INVALID_TRACKING_TEMPLATE:
        return _("Enter the tracking page's address with {tracking_number} where the number goes, e.g. "
                 "https://t.17track.net/en#nums={tracking_number}")
    if code is CarrierAccountErrorCode.INVALID_RATE_TABLE:
        return rate_table_problem(p)
    if code is CarrierAccountErrorCode.ACCOUNT_IN_USE:
        return _("%(count)s shipments booked with this account are still on their way and need it for tracking: "
                 "untick “Active” instead, so it stops offering rates.", count=p["count"])
    if code is CarrierAccountErrorCode.INVALID_DIMENSION:
        return _("Enter a whole number from %(min)s to %(max)s.", min=p["min"], max=p["max"])
    if code is CarrierAccountErrorCode.DUPLICATE_NAME:
        return _("There is already a box named “%(name)s”.", name=p["name"])
    return _("This value is not valid.")


def rate_table_problem(p: dict) -> str:
    if p.get("reason") == "json":
        return _("The rate table is not valid JSON: %(detail)s at line %(line)s, column %(column)s.",
                 detail=p["detail"], line=p["line"], column=p["column"])
    if p.get("reason") == "not_forwarder":
        return _("Only forwarders use a rate table; this carrier quotes its own prices.")
    return _("The rate table cannot be used: %(problems)s", problems=" ".join(p.get("details", ())))


_FORM_FIELDS = {"settings.currency": "currency", "settings.default_service": "default_service",
                "settings.server_url": "server_url", "settings.rate_table": "rate_table"}


def _show_problems(form: FlaskForm, error: CarrierAccountError) -> None:
    for problem in error.problems:
        name = problem.field or ""
        name = f"cred_{name.removeprefix('credentials.')}" if name.startswith("credentials.") else \
            _FORM_FIELDS.get(name, name)
        if name in form:
            form[name].errors = [*form[name].errors, problem_text(problem)]
        else:
            form.form_errors.append(problem_text(problem))


def connection_message(account: CarrierAccount, spec: CarrierSpec | None, check: ConnectionCheck) -> str:
    carrier = spec.display_name if spec else account.carrier_name
    if check.ok:
        cheapest = min(check.quotes, key=lambda quote: quote.amount)
        return _("The connection works: %(carrier)s quoted %(count)s services for a 500 g parcel from %(origin)s to "
                 "%(destination)s, from %(price)s (%(service)s).", carrier=carrier, count=len(check.quotes),
                 origin=check.origin, destination=check.destination, service=cheapest.service_name,
                 price=admin_money(cheapest.amount, cheapest.currency))
    if check.problem is CarrierAccountErrorCode.NO_LOCATION:
        return _("Choose a ships-from location for this account first: the test quotes a parcel sent from it.")
    if check.problem is CarrierAccountErrorCode.NO_QUOTES:
        return _("%(carrier)s answered but quoted no service from %(origin)s to %(destination)s: check the enabled "
                 "services and the location's address.", carrier=carrier, origin=check.origin,
                 destination=check.destination)
    error = check.error
    if error.code is CarrierErrorCode.AUTHENTICATION:
        return _("%(carrier)s refused the credentials: %(message)s Check them, and that test mode matches the "
                 "kind of credentials you entered (sandbox or live).", carrier=carrier, message=error.message)
    if error.code is CarrierErrorCode.UNAVAILABLE:
        return _("%(carrier)s did not answer: %(message)s Try again in a few minutes.", carrier=carrier,
                 message=error.message)
    if error.code is CarrierErrorCode.INVALID_REQUEST:
        return _("%(carrier)s could not quote the test parcel from %(origin)s: %(message)s Check the location's "
                 "address and the account number.", carrier=carrier, origin=check.origin, message=error.message)
    return _("%(carrier)s: %(message)s", carrier=carrier, message=error.message)


# -- accounts ------------------------------------------------------------------------------------

def _account_or_404(account_id: int) -> CarrierAccount:
    return db.session.get(CarrierAccount, account_id) or abort(404)


def _spec_or_404(carrier_name: str) -> CarrierSpec:
    spec = carrier_accounts.spec_of(carrier_name)
    return spec or abort(404)


def _specs() -> dict[str, CarrierSpec]:
    return {spec.name: spec for spec in carriers.carrier_specs()}


@bp.get("/settings/carriers")
def index():
    accounts = carrier_accounts.list_accounts(db.session)
    return render_template("admin/settings/carriers.html", accounts=accounts, specs=_specs(),
                           locations={loc.id: loc for loc in all_locations(db.session)},
                           boxes=carrier_accounts.list_box_presets(db.session), delete_form=EmptyForm())


@bp.get("/settings/carriers/new")
def choose_carrier():
    specs = sorted(carriers.carrier_specs(), key=lambda spec: (spec.is_forwarder, spec.display_name))
    return render_template("admin/settings/carriers_choose.html", specs=specs)


@bp.route("/settings/carriers/new/<carrier_name>", methods=["GET", "POST"])
def new_account(carrier_name: str):
    spec = _spec_or_404(carrier_name)
    form = CarrierAccountForm.for_spec(spec, data=_new_initial(spec))
    if form.validate_on_submit():
        try:
            account = carrier_accounts.create_account(db.session, carrier_name=spec.name, actor=editor(),
                                                      **form.account_values({}))
        except CarrierAccountError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("Carrier account saved. Use “Test connection” to check the credentials."), "success")
            return redirect(url_for("admin_carriers.account", account_id=account.id))
    status = INVALID if form.is_submitted() else 200
    return render_template("admin/settings/carriers_account.html", form=form, spec=spec, account=None), status


@bp.route("/settings/carriers/<int:account_id>", methods=["GET", "POST"])
def account(account_id: int):
    found = _account_or_404(account_id)
    spec = _spec_or_404(found.carrier_name)
    masked = carrier_accounts.masked_credentials(found)
    form = CarrierAccountForm.for_spec(spec, data=_initial(found, spec, masked), masked=masked)
    if form.validate_on_submit():
        try:
            carrier_accounts.update_account(db.session, found, actor=editor(),
                                            **form.account_values(dict(found.settings or {})))
        except CarrierAccountError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("Carrier account saved."), "success")
            return redirect(url_for("admin_carriers.account", account_id=found.id))
    status = INVALID if form.is_submitted() else 200
    return render_template("admin/settings/carriers_account.html", form=form, spec=spec, account=found,
                           masked=masked, readable=carrier_accounts.credentials_readable(found),
                           action_form=EmptyForm()), status


@bp.post("/settings/carriers/<int:account_id>/test")
def test_connection(account_id: int):
    found = _account_or_404(account_id)
    if EmptyForm().validate_on_submit():
        check = carrier_accounts.test_connection(db.session, found, actor=editor())
        db.session.commit()
        flash(connection_message(found, carrier_accounts.spec_of(found.carrier_name), check),
              "success" if check.ok else "error")
    return redirect(url_for("admin_carriers.account", account_id=found.id))


@bp.post("/settings/carriers/<int:account_id>/delete")
def delete_account(account_id: int):
    found = _account_or_404(account_id)
    if EmptyForm().validate_on_submit():
        try:
            carrier_accounts.delete_account(db.session, found, actor=editor())
        except CarrierAccountError as error:
            db.session.rollback()
            flash(problem_text(error), "error")
            return redirect(url_for("admin_carriers.account", account_id=found.id))
        db.session.commit()
        flash(_("Carrier account deleted."), "success")
    return redirect(url_for("admin_carriers.index"))


# -- box presets ---------------------------------------------------------------------------------

def _box_or_404(box_id: int) -> BoxPreset:
    return db.session.get(BoxPreset, box_id) or abort(404)


@bp.get("/settings/carriers/boxes")
def box_presets():
    return render_template("admin/settings/box_presets.html", boxes=carrier_accounts.list_box_presets(db.session),
                           delete_form=EmptyForm())


@bp.route("/settings/carriers/boxes/new", methods=["GET", "POST"], defaults={"box_id": None})
@bp.route("/settings/carriers/boxes/<int:box_id>", methods=["GET", "POST"])
def box_preset(box_id: int | None):
    found = _box_or_404(box_id) if box_id else None
    form = BoxPresetForm(data=asdict(carrier_accounts.box_preset_input(found)) if found else {"tare_weight_grams": 0})
    if form.validate_on_submit():
        try:
            carrier_accounts.save_box_preset(db.session, found, form.to_input(), actor=editor())
        except CarrierAccountError as error:
            db.session.rollback()
            _show_problems(form, error)
        else:
            db.session.commit()
            flash(_("Box saved."), "success")
            return redirect(url_for("admin_carriers.box_presets"))
    status = INVALID if form.is_submitted() else 200
    return render_template("admin/settings/box_presets_edit.html", form=form, box=found), status


@bp.post("/settings/carriers/boxes/<int:box_id>/delete")
def delete_box_preset(box_id: int):
    found = _box_or_404(box_id)
    if EmptyForm().validate_on_submit():
        carrier_accounts.delete_box_preset(db.session, found, actor=editor())
        db.session.commit()
        flash(_("Box deleted."), "success")
    return redirect(url_for("admin_carriers.box_presets"))
