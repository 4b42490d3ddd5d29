"""Forms of the settings screens (Flask-WTF, CSRF on each) and the words for what can be wrong with them."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    Field,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from storefront.domain.markets import normalize_country
from storefront.domain.store_admin.errors import Problem, SettingsErrorCode
from storefront.domain.store_admin.markets import MarketInput
from storefront.domain.store_admin.shipping import MAX_DAYS, RateInput, ZoneInput
from storefront.domain.store_admin.store import StoreDetails, timezones
from storefront.domain.store_admin.taxes import TaxInput
from storefront.models import DutiesPolicy, RoundingRule, ServiceLevel
from storefront.settings import SUPPORTED_LOCALES
from storefront.web.template_helpers import LOCALE_NAMES


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _version_field() -> IntegerField:
    """The settings version the form was loaded with: a save based on an older one is refused."""
    return IntegerField(widget=HiddenInput(), validators=[InputRequired()])


def locale_choices(locales=SUPPORTED_LOCALES) -> list[tuple[str, str]]:
    return [(locale, f"{LOCALE_NAMES.get(locale, locale)} ({locale})") for locale in locales]


def country_label(code: str) -> str:
    """A country's name in the admin's language: DE → Germany / 德国."""
    return get_locale().territories.get(code, code)


def country_choices() -> list[tuple[str, str]]:
    names = get_locale().territories
    countries = sorted(((code, names[code]) for code in names if normalize_country(code) == code),
                       key=lambda pair: pair[1])
    return [("", "—")] + [(code, f"{name} ({code})") for code, name in countries]


def rounding_choices() -> list[tuple[str, str]]:
    labels = {
        RoundingRule.NONE: _("No rounding"),
        RoundingRule.ENDING_99: _("End in .99"),
        RoundingRule.ENDING_95: _("End in .95"),
        RoundingRule.WHOLE: _("Whole amount"),
        RoundingRule.NEAREST_10: _("Nearest 10"),
        RoundingRule.NEAREST_100: _("Nearest 100"),
    }
    return [(rule.value, labels[rule]) for rule in RoundingRule]


def duties_choices() -> list[tuple[str, str]]:
    return [(DutiesPolicy.DDP.value, _("DDP: duties and import taxes paid at checkout")),
            (DutiesPolicy.DAP.value, _("DAP: the customer pays duties on delivery"))]


def service_level_choices() -> list[tuple[str, str]]:
    labels = {
        ServiceLevel.EXPRESS: _("Express"),
        ServiceLevel.STANDARD: _("Standard"),
        ServiceLevel.POSTAL: _("Postal"),
        ServiceLevel.DEDICATED_LINE: _("Dedicated line"),
        ServiceLevel.LOCAL: _("Local delivery"),
    }
    return [(level.value, labels[level]) for level in ServiceLevel]


# -- store ---------------------------------------------------------------------------------------

class StoreDetailsForm(FlaskForm):
    version = _version_field()
    name = StringField(_l("Store name"))
    legal_name = StringField(_l("Legal name of the business"))
    contact_email = EmailField(_l("Contact e-mail"))
    contact_phone = StringField(_l("Contact phone"))
    address1 = StringField(_l("Address"), validators=[Length(max=200)])
    address2 = StringField(_l("Apartment, suite, etc."), validators=[Length(max=200)])
    city = StringField(_l("City"), validators=[Length(max=120)])
    province_code = StringField(_l("Province or state code"), validators=[Length(max=10)])
    postal_code = StringField(_l("Postal code"), validators=[Length(max=20)])
    country_code = SelectField(_l("Country"), validate_choice=False)
    timezone = SelectField(_l("Timezone"), validate_choice=False)
    ioss_number = StringField(_l("EU IOSS number"), description=_l("For EU orders up to €150: IM followed by 10 digits."))
    uk_vat_number = StringField(_l("UK VAT number"), description=_l("For UK orders up to £135: GB followed by 9 digits."))
    eori_number = StringField(_l("EORI number"), description=_l(
        "For customs in the EU and UK: the issuing country's two letters and up to 15 letters or digits, "
        "e.g. DE123456789012345."))
    low_stock_threshold = IntegerField(_l("Low-stock threshold"), validators=[InputRequired(), NumberRange(0, 100_000)])
    reservation_minutes = IntegerField(_l("Minutes stock stays reserved for an unpaid checkout"),
                                       validators=[InputRequired(), NumberRange(5, 1440)])
    attribution_window_days = IntegerField(_l("Campaign attribution window (days)"),
                                           validators=[InputRequired(), NumberRange(1, 365)])

    ADDRESS = ("address1", "address2", "city", "province_code", "postal_code", "country_code")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country_code.choices = country_choices()
        self.timezone.choices = [(tz, tz) for tz in timezones()]

    @classmethod
    def initial(cls, details: StoreDetails, version: int) -> dict:
        data = {key: getattr(details, key) for key in StoreDetails.__dataclass_fields__ if key != "address"}
        return data | {key: details.address.get(key, "") for key in cls.ADDRESS} | {"version": version}

    def to_details(self) -> StoreDetails:
        return StoreDetails(
            name=self.name.data, legal_name=self.legal_name.data, contact_email=self.contact_email.data,
            contact_phone=self.contact_phone.data, address={key: self[key].data or "" for key in self.ADDRESS},
            timezone=self.timezone.data, ioss_number=self.ioss_number.data, uk_vat_number=self.uk_vat_number.data,
            eori_number=self.eori_number.data, low_stock_threshold=self.low_stock_threshold.data, reservation_minutes=self.reservation_minutes.data,
            attribution_window_days=self.attribution_window_days.data,
        )


class BaseCurrencyForm(FlaskForm):
    version = _version_field()
    currency = StringField(_l("Base currency"), validators=[Length(max=3)])


class LocalesForm(FlaskForm):
    version = _version_field()
    enabled_locales = MultiCheckboxField(_l("Languages offered in the shop"), validate_choice=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.enabled_locales.choices = locale_choices()


class SynonymsForm(FlaskForm):
    version = _version_field()
    synonyms = TextAreaField(_l("Synonym groups"), validators=[Length(max=20_000)],
                             description=_l("One group per line, words separated by commas: tee, t-shirt, tshirt"))


# -- markets -------------------------------------------------------------------------------------

class MarketForm(FlaskForm):
    name = StringField(_l("Name"))
    code = StringField(_l("Code"), description=_l("Letters, digits, - and _, at most 16: EU, UK, US-WEST"))
    countries = TextAreaField(_l("Countries"), description=_l("ISO country codes separated by commas: DE, FR, AT"))
    currency = StringField(_l("Currency"), description=_l("ISO 4217 code: EUR, GBP, JPY"))
    default_locale = SelectField(_l("Default language"), validate_choice=False)
    locales = MultiCheckboxField(_l("Languages"), validate_choice=False)
    price_adjustment = DecimalField(_l("Price adjustment (%)"), places=None, validators=[Optional()],
                                    description=_l("Added to converted prices, e.g. 5 or -2.5"))
    rounding_rule = SelectField(_l("Price rounding"))
    tax_inclusive = BooleanField(_l("Prices include tax"))
    duties_policy = SelectField(_l("Duties and import taxes"))
    active = BooleanField(_l("Active"))
    is_default = BooleanField(_l("Default market (for every country no market lists)"))

    def __init__(self, *args, enabled_locales=SUPPORTED_LOCALES, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.default_locale.choices = locale_choices(enabled_locales)
        self.locales.choices = locale_choices(enabled_locales)
        self.rounding_rule.choices = rounding_choices()
        self.duties_policy.choices = duties_choices()

    def to_input(self) -> MarketInput:
        return MarketInput(**{key: self[key].data for key in MarketInput.__dataclass_fields__})


# -- FX ------------------------------------------------------------------------------------------

class FxOverrideForm(FlaskForm):
    base = StringField(_l("From currency"), validators=[Length(max=3)])
    quote = StringField(_l("To currency"), validators=[Length(max=3)])
    rate = DecimalField(_l("Rate"), places=None, validators=[Optional()],
                        description=_l("How much of the second currency one unit of the first buys"))
    expires_at = DateTimeLocalField(_l("Until (store time, optional)"), format="%Y-%m-%dT%H:%M",
                                    validators=[Optional()])


# -- shipping ------------------------------------------------------------------------------------

class ZoneForm(FlaskForm):
    name = StringField(_l("Zone name"))
    countries = TextAreaField(_l("Countries"), description=_l("ISO country codes separated by commas: DE, FR, AT"))
    is_fallback = BooleanField(_l("Fallback zone: ships to every country no other zone lists"))

    def to_input(self) -> ZoneInput:
        return ZoneInput(self.name.data, self.countries.data, self.is_fallback.data)


def _optional_id(value) -> int | None:
    return int(value) if value not in (None, "", "None") else None


def _optional_text(value) -> str | None:
    return str(value) if value not in (None, "") else None


class RateForm(FlaskForm):
    name = StringField(_l("Name shoppers see"))
    service_level = SelectField(_l("Service level"))
    carrier_hint = StringField(_l("Carrier"), description=_l("For booking labels: mydhl, fedex, ups, yunexpress…"))
    service_hint = StringField(_l("Carrier service"))
    currency = StringField(_l("Currency"), validators=[Length(max=3)])
    brackets = TextAreaField(_l("Price by weight"),
                             description=_l("One line per bracket, “max grams = price”: 500 = 4.90"))
    free_over = DecimalField(_l("Free shipping over (optional)"), places=None, validators=[Optional()])
    min_days = IntegerField(_l("Delivery in at least (days)"), validators=[InputRequired(), NumberRange(0, MAX_DAYS)])
    max_days = IntegerField(_l("Delivery in at most (days)"), validators=[InputRequired(), NumberRange(0, MAX_DAYS)])
    active = BooleanField(_l("Active"))
    carrier_account_id = SelectField(
        _l("Live rate from carrier account"), coerce=_optional_id, validate_choice=False,
        description=_l("Optional. At checkout the carrier quotes the parcel and the margin below is added; when the "
                       "carrier fails or is slow, the weight brackets above are charged instead."))
    live_service = SelectField(_l("Carrier service to quote"), coerce=_optional_text, validate_choice=False)
    margin_percent = DecimalField(_l("Margin on the carrier's price (%)"), places=None, validators=[Optional()],
                                  description=_l("e.g. 10 to charge the carrier's price plus 10 %"))
    margin_fixed = DecimalField(_l("Fixed amount added (optional)"), places=None, validators=[Optional()],
                                description=_l("In the rate's currency, added after the percentage."))

    def __init__(self, *args, translated_locales=(), live_accounts=(), live_services=None, **kwargs) -> None:
        """`live_accounts`: (id, label) of the carrier accounts; `live_services`: {account label: [(code, name)]}."""
        super().__init__(*args, **kwargs)
        self.service_level.choices = service_level_choices()
        self.translated_locales = list(translated_locales)
        self.carrier_account_id.choices = [("", _("None: weight brackets only"))] + list(live_accounts)
        self.live_service.choices = {None: [("", "—")]} | dict(live_services or {})

    def translation_fields(self) -> list[Field]:
        return [self[f"name_{locale}"] for locale in self.translated_locales]

    def to_input(self) -> RateInput:
        values = {key: self[key].data for key in RateInput.__dataclass_fields__
                  if key not in ("name_translations", "live_rate")}
        return RateInput(**values, live_rate=self.carrier_account_id.data is not None, name_translations={locale: self[f"name_{locale}"].data or ""
                                                      for locale in self.translated_locales})


for _locale in SUPPORTED_LOCALES:
    setattr(RateForm, f"name_{_locale}", StringField(_l("Name in %(language)s", language=LOCALE_NAMES[_locale])))


# -- taxes ---------------------------------------------------------------------------------------

class TaxForm(FlaskForm):
    country = StringField(_l("Country code"), validators=[Length(max=2)])
    region = StringField(_l("Region code (optional)"), validators=[Length(max=10)],
                         description=_l("ISO 3166-2 subdivision, e.g. QC for Québec"))
    name = StringField(_l("Tax name"), description=_l("VAT, GST, JCT…"))
    rate = DecimalField(_l("Rate (%)"), places=None, validators=[Optional()])
    inclusive_display = BooleanField(_l("Show prices with this tax included"))
    import_threshold = DecimalField(_l("Low-value import threshold (optional)"), places=None, validators=[Optional()],
                                    description=_l("Tax is collected at checkout up to this order value: 150 EUR, 135 GBP"))
    import_threshold_currency = StringField(_l("Threshold currency"), validators=[Length(max=3)])

    def to_input(self) -> TaxInput:
        return TaxInput(**{key: self[key].data for key in TaxInput.__dataclass_fields__})


# -- payments and theme --------------------------------------------------------------------------

class StripeKeysForm(FlaskForm):
    version = _version_field()
    publishable_key = StringField(_l("Publishable key"), validators=[Length(max=255)])
    secret_key = PasswordField(_l("Secret key"), validators=[Length(max=255)],
                               description=_l("Leave blank to keep the saved key."))
    webhook_secret = PasswordField(_l("Webhook signing secret"), validators=[Length(max=255)],
                                   description=_l("Leave blank to keep the saved secret."))
    remove_secret_key = BooleanField(_l("Remove the saved secret key"))
    remove_webhook_secret = BooleanField(_l("Remove the saved webhook secret"))


class ThemeChoiceForm(FlaskForm):
    version = _version_field()
    theme = SelectField(_l("Theme"), validate_choice=False)


class ThemeSettingsForm(FlaskForm):
    """The CSRF token and version; the schema's own inputs are read by the theme service."""

    version = _version_field()


# -- what can be wrong ---------------------------------------------------------------------------

def problem_text(problem: Problem) -> str:
    code, p = problem.code, problem.params
    if code is SettingsErrorCode.REQUIRED:
        return _("This field is required.")
    if code is SettingsErrorCode.TOO_LONG:
        return _("Use at most %(max)s characters.", max=p["max"])
    if code is SettingsErrorCode.UNKNOWN_COUNTRY:
        return _("“%(code)s” is not an ISO country code.", code=p["code"])
    if code is SettingsErrorCode.UNKNOWN_REGION:
        return _("“%(code)s” is not a region of %(country)s.", code=p["code"], country=p["country"])
    if code is SettingsErrorCode.COUNTRY_IN_OTHER_MARKET:
        return _("%(code)s already belongs to the market %(market)s.", code=p["code"], market=p["market"])
    if code is SettingsErrorCode.COUNTRY_IN_OTHER_ZONE:
        return _("%(code)s already ships by the zone %(zone)s.", code=p["code"], zone=p["zone"])
    if code is SettingsErrorCode.NO_COUNTRIES:
        return _("List at least one country, or make this the fallback zone.")
    if code is SettingsErrorCode.UNKNOWN_CURRENCY:
        return _("“%(code)s” is not an ISO 4217 currency code.", code=p["code"])
    if code is SettingsErrorCode.NO_FX_RATE:
        return _("There is no exchange rate from %(base)s to %(currency)s: refresh the rates or add a manual rate "
                 "first.", base=p["base"], currency=p["currency"])
    if code is SettingsErrorCode.SAME_CURRENCY:
        return _("Choose two different currencies.")
    if code is SettingsErrorCode.CURRENCY_LOCKED:
        return _("The base currency cannot change once the shop has orders: their amounts, refunds and reports "
                 "are kept in it.")
    if code is SettingsErrorCode.INVALID_CODE:
        return _("Use 1 to 16 letters, digits, - or _.")
    if code is SettingsErrorCode.DUPLICATE_CODE:
        return _("Another market already uses the code %(code)s.", code=p["code"])
    if code is SettingsErrorCode.UNKNOWN_LOCALE:
        return _("“%(locale)s” is not a language the shop supports.", locale=p["locale"])
    if code is SettingsErrorCode.LOCALE_NOT_ENABLED:
        return _("%(locale)s is not enabled for the shop; enable it under Languages first.", locale=p["locale"])
    if code is SettingsErrorCode.DEFAULT_LOCALE_DISABLED:
        return _("The default language (%(locale)s) must stay enabled.", locale=p["locale"])
    if code is SettingsErrorCode.LOCALE_USED_BY_MARKET:
        return _("%(locale)s is the default language of the market %(market)s.", locale=p["locale"],
                 market=p["market"])
    if code is SettingsErrorCode.ADJUSTMENT_OUT_OF_RANGE:
        return _("The adjustment must be more than -100 % and at most 1000 %.")
    if code is SettingsErrorCode.TOO_MANY_DECIMALS:
        return _("Use at most %(places)s decimal places.", places=p["places"])
    if code is SettingsErrorCode.NEGATIVE_AMOUNT:
        return _("The amount cannot be negative.")
    if code is SettingsErrorCode.NOT_POSITIVE:
        return _("The rate must be more than zero.")
    if code is SettingsErrorCode.DEFAULT_MARKET_REQUIRED:
        return _("The shop needs a default market: make another market the default instead.")
    if code is SettingsErrorCode.DEFAULT_MARKET_INACTIVE:
        return _("The default market must be active.")
    if code is SettingsErrorCode.DEFAULT_MARKET_DELETE:
        return _("The default market cannot be deleted: make another market the default first.")
    if code is SettingsErrorCode.TAX_RATE_OUT_OF_RANGE:
        return _("The rate must be between 0 and 100 %.")
    if code is SettingsErrorCode.DUPLICATE_TAX_RATE:
        return _("There is already a tax rate for %(place)s.", place=f"{p['country']} {p['region']}".strip())
    if code is SettingsErrorCode.THRESHOLD_CURRENCY_REQUIRED:
        return _("Give the currency of the threshold.")
    if code is SettingsErrorCode.BAD_BRACKET_LINE:
        return _("Line %(line)s: write “max grams = price”, for example 500 = 4.90.", line=p["line"])
    if code is SettingsErrorCode.DUPLICATE_BRACKET:
        return _("Line %(line)s: %(grams)s g is listed twice.", line=p["line"], grams=p["grams"])
    if code is SettingsErrorCode.NO_BRACKETS:
        return _("Give at least one weight bracket.")
    if code is SettingsErrorCode.DELIVERY_DAYS:
        return _("The latest delivery day cannot come before the earliest.")
    if code is SettingsErrorCode.INVALID_EMAIL:
        return _("Enter an e-mail address such as hello@example.com.")
    if code is SettingsErrorCode.INVALID_PHONE:
        return _("Enter a phone number with its country code, such as +44 20 7946 0958.")
    if code is SettingsErrorCode.INVALID_POSTAL_CODE:
        return _("This is not a postal code of %(country)s.", country=country_label(p["country"]))
    if code is SettingsErrorCode.INVALID_TIMEZONE:
        return _("Choose a timezone from the list.")
    if code is SettingsErrorCode.INVALID_IOSS_NUMBER:
        return _("An IOSS number is IM followed by 10 digits.")
    if code is SettingsErrorCode.INVALID_UK_VAT_NUMBER:
        return _("A UK VAT number is GB followed by 9 digits.")
    if code is SettingsErrorCode.INVALID_EORI_NUMBER:
        return _("An EORI number is the issuing country's two letters followed by up to 15 letters or digits, "
                 "e.g. DE123456789012345.")
    if code is SettingsErrorCode.LIVE_RATE_ACCOUNT_REQUIRED:
        return _("Choose the carrier account that quotes this rate live.")
    if code is SettingsErrorCode.LIVE_RATE_SERVICE_REQUIRED:
        return _("Choose the carrier service to quote.")
    if code is SettingsErrorCode.UNKNOWN_CARRIER_SERVICE:
        return _("The account %(account)s does not offer the service “%(code)s”: choose one of its enabled "
                 "services.", account=p["account"], code=p["code"])
    if code is SettingsErrorCode.SYNONYM_GROUP_TOO_SMALL:
        return _("Line %(line)s: a group needs at least two different words.", line=p["line"])
    if code is SettingsErrorCode.EXPIRY_IN_PAST:
        return _("The end must be in the future.")
    if code is SettingsErrorCode.UNKNOWN_THEME:
        return _("This theme is not installed.")
    if code is SettingsErrorCode.INVALID_COLOR:
        return _("Enter a colour as #rrggbb.")
    if code is SettingsErrorCode.INVALID_CHOICE:
        return _("Choose one of the options.")
    if code is SettingsErrorCode.INVALID_IMAGE:
        return _("Enter an uploaded file's name, a path starting with /, or an https:// address.")
    if code is SettingsErrorCode.INVALID_STRIPE_KEY:
        return _("This does not look like the right Stripe key: it starts with %(prefix)s.", prefix=p["prefix"])
    return _("This value is not valid.")
