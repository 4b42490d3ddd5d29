"""Forms of the inventory screens: stock filters, adjustments, transfers, new locations."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SearchField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from storefront.domain.inventory_admin import REASON_SIGNS, AdjustmentReason, StockFilters
from storefront.models import Location

MAX_UNITS = 1_000_000

REASON_LABELS = {
    AdjustmentReason.RECEIVED: _l("Received (adds stock)"),
    AdjustmentReason.CORRECTION: _l("Correction (count)"),
    AdjustmentReason.DAMAGED: _l("Damaged (removes stock)"),
    AdjustmentReason.RETURNED: _l("Returned (adds stock)"),
}


def _location_choices(locations: list[Location]) -> list[tuple[str, str]]:
    return [SelectChoice(str(loc.id), f"{loc.name} ({loc.code})") for loc in locations]


def country_codes() -> dict[str, str]:
    """ISO country codes with their names in the staff user's language."""
    return {code: name for code, name in get_locale().territories.items()
            if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB", "XK"}}


class StockFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("SKU or product"), validators=[Optional(), Length(max=120)])
    location = SelectField(_l("Location"), validators=[Optional()])
    low_stock = BooleanField(_l("Low stock only"))

    def __init__(self, locations: list[Location], **kwargs) -> None:
        super().__init__(**kwargs)
        self.location.choices = [SelectChoice("", _l("All locations"))] + _location_choices(locations)

    def filters(self) -> StockFilters:
        """What the person asked for, leaving out any field they typed wrongly (its error is shown)."""
        location = None if self.location.errors else self.location.data
        return StockFilters(query="" if self.q.errors else self.q.data or "",
                            location_id=int(location) if location else None, low_stock_only=bool(self.low_stock.data))


class AdjustForm(FlaskForm):
    location = SelectField(_l("Location"), validators=[DataRequired()])
    reason = SelectField(_l("Reason"), choices=[SelectChoice(r.value, label) for r, label in REASON_LABELS.items()],
                         validators=[DataRequired()])
    delta = IntegerField(_l("Change in units (use − to remove)"), validators=[
        InputRequired(message=_l("Type how many units to add or remove.")),
        NumberRange(min=-MAX_UNITS, max=MAX_UNITS)])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=120)])

    def __init__(self, locations: list[Location], **kwargs) -> None:
        super().__init__(**kwargs)
        self.location.choices = _location_choices(locations)

    def validate_delta(self, field) -> None:
        if field.data == 0:
            raise ValidationError(_l("A change of zero units changes nothing."))
        if self.reason.data not in AdjustmentReason._value2member_map_:
            return
        sign = REASON_SIGNS[AdjustmentReason(self.reason.data)]
        if sign > 0 and field.data < 0:
            raise ValidationError(_l("This reason adds stock: type a positive number."))
        if sign < 0 and field.data > 0:
            raise ValidationError(_l("This reason removes stock: type a negative number, e.g. -2."))


class TransferForm(FlaskForm):
    from_location = SelectField(_l("From"), validators=[DataRequired()])
    to_location = SelectField(_l("To"), validators=[DataRequired()])
    quantity = IntegerField(_l("Units"), validators=[InputRequired(message=_l("Type how many units to move.")),
                                                     NumberRange(min=1, max=MAX_UNITS)])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=120)])

    def __init__(self, locations: list[Location], **kwargs) -> None:
        super().__init__(**kwargs)
        self.from_location.choices = self.to_location.choices = _location_choices(locations)

    def validate_to_location(self, field) -> None:
        if field.data == self.from_location.data:
            raise ValidationError(_l("Choose two different locations."))


class LocationForm(FlaskForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=32),
        Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Use letters, digits, - and _ only, e.g. US-EAST."))])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    country_code = SelectField(_l("Country"), validators=[DataRequired()])
    ships_to = StringField(_l("Ships to"), default="*", validators=[DataRequired(), Length(max=2000)])

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        countries = country_codes()
        self.country_code.choices = [SelectChoice("", _l("Choose a country"))] + [
            SelectChoice(code, name) for code, name in sorted(countries.items(), key=lambda c: c[1])]

    def validate_ships_to(self, field) -> None:
        codes = self.ships_to_codes()
        unknown = [c for c in codes if c != "*" and c not in country_codes()]
        if not codes or unknown:
            raise ValidationError(_l("Use * for everywhere, or country codes separated by commas, e.g. US, CA, MX. "
                                     "Not recognised: %(codes)s", codes=", ".join(unknown) or "—"))

    def ships_to_codes(self) -> list[str]:
        codes = [c.strip().upper() for c in (self.ships_to.data or "").replace(";", ",").split(",") if c.strip()]
        return ["*"] if "*" in codes else list(dict.fromkeys(codes))
