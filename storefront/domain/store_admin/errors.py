"""What can be wrong with a settings edit: one error-code vocabulary for the admin pages and the tests."""
from __future__ import annotations

import enum

from storefront.domain import problems
from storefront.domain.problems import Invalid
from storefront.domain.problems import Problem as Problem  # the settings pages import it from here


class SettingsErrorCode(str, enum.Enum):
    REQUIRED = "required"
    TOO_LONG = "too_long"
    UNKNOWN_COUNTRY = "unknown_country"
    UNKNOWN_REGION = "unknown_region"
    COUNTRY_IN_OTHER_MARKET = "country_in_other_market"
    COUNTRY_IN_OTHER_ZONE = "country_in_other_zone"
    NO_COUNTRIES = "no_countries"
    UNKNOWN_CURRENCY = "unknown_currency"
    NO_FX_RATE = "no_fx_rate"
    SAME_CURRENCY = "same_currency"
    CURRENCY_LOCKED = "currency_locked"
    INVALID_CODE = "invalid_code"
    DUPLICATE_CODE = "duplicate_code"
    UNKNOWN_LOCALE = "unknown_locale"
    LOCALE_NOT_ENABLED = "locale_not_enabled"
    DEFAULT_LOCALE_DISABLED = "default_locale_disabled"
    LOCALE_USED_BY_MARKET = "locale_used_by_market"
    ADJUSTMENT_OUT_OF_RANGE = "adjustment_out_of_range"
    TOO_MANY_DECIMALS = "too_many_decimals"
    NEGATIVE_AMOUNT = "negative_amount"
    NOT_POSITIVE = "not_positive"
    DEFAULT_MARKET_REQUIRED = "default_market_required"
    DEFAULT_MARKET_INACTIVE = "default_market_inactive"
    DEFAULT_MARKET_DELETE = "default_market_delete"
    TAX_RATE_OUT_OF_RANGE = "tax_rate_out_of_range"
    DUPLICATE_TAX_RATE = "duplicate_tax_rate"
    THRESHOLD_CURRENCY_REQUIRED = "threshold_currency_required"
    BAD_BRACKET_LINE = "bad_bracket_line"
    DUPLICATE_BRACKET = "duplicate_bracket"
    NO_BRACKETS = "no_brackets"
    DELIVERY_DAYS = "delivery_days"
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"
    INVALID_POSTAL_CODE = "invalid_postal_code"
    INVALID_TIMEZONE = "invalid_timezone"
    INVALID_IOSS_NUMBER = "invalid_ioss_number"
    INVALID_UK_VAT_NUMBER = "invalid_uk_vat_number"
    INVALID_EORI_NUMBER = "invalid_eori_number"
    LIVE_RATE_ACCOUNT_REQUIRED = "live_rate_account_required"
    LIVE_RATE_SERVICE_REQUIRED = "live_rate_service_required"
    UNKNOWN_CARRIER_SERVICE = "unknown_carrier_service"
    SYNONYM_GROUP_TOO_SMALL = "synonym_group_too_small"
    EXPIRY_IN_PAST = "expiry_in_past"
    UNKNOWN_THEME = "unknown_theme"
    INVALID_COLOR = "invalid_color"
    INVALID_CHOICE = "invalid_choice"
    INVALID_IMAGE = "invalid_image"
    INVALID_STRIPE_KEY = "invalid_stripe_key"


class InvalidSettings(Invalid):
    """The edit was refused; `problems` says what to fix, field by field. Nothing was saved."""


class StaleSettings(Exception):
    """Someone saved the store settings after this form was loaded: their work would be overwritten."""


class Problems(problems.Problems):
    error = InvalidSettings
