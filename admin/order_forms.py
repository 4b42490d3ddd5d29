"""Forms of the orders and customers screens: list filters, notes, refunds, cancellation."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput

from admin.assets import admin_money
from storefront.domain.money import minor_exponent, to_minor
from storefront.domain.orders.admin import OrderFilters
from storefront.domain.orders.refunds import RestockLine
from storefront.models import FulfillmentStatus, Market, Order, PaymentStatus


def payment_status_label(status: PaymentStatus) -> str:
    return {
        PaymentStatus.PENDING: _l("Payment pending"),
        PaymentStatus.PAID: _l("Paid"),
        PaymentStatus.PARTIALLY_REFUNDED: _l("Partially refunded"),
        PaymentStatus.REFUNDED: _l("Refunded"),
        PaymentStatus.FAILED: _l("Payment failed"),
        PaymentStatus.EXPIRED: _l("Expired"),
    }[status]


def fulfillment_status_label(status: FulfillmentStatus) -> str:
    return {
        FulfillmentStatus.UNFULFILLED: _l("Unfulfilled"),
        FulfillmentStatus.PARTIALLY_FULFILLED: _l("Partially fulfilled"),
        FulfillmentStatus.FULFILLED: _l("Fulfilled"),
        FulfillmentStatus.DELIVERED: _l("Delivered"),
        FulfillmentStatus.RETURNED: _l("Returned"),
    }[status]


class OrderFilterForm(FlaskForm):
    """The list's filters travel in the query string (a GET form needs no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Order number or e-mail"), validators=[Optional(), Length(max=254)])
    payment_status = SelectField(_l("Payment"), validators=[Optional()])
    fulfillment_status = SelectField(_l("Fulfilment"), validators=[Optional()])
    market = SelectField(_l("Market"), validators=[Optional()])
    created_from = DateField(_l("From"), validators=[Optional()])
    created_to = DateField(_l("To"), validators=[Optional()])
    needs_review = BooleanField(_l("Needs review only"))

    def __init__(self, markets: list[Market], **kwargs) -> None:
        super().__init__(**kwargs)
        anything = SelectChoice("", _l("Any"))
        self.payment_status.choices = [anything] + [SelectChoice(s.value, payment_status_label(s))
                                                    for s in PaymentStatus]
        self.fulfillment_status.choices = [anything] + [SelectChoice(s.value, fulfillment_status_label(s))
                                                        for s in FulfillmentStatus]
        self.market.choices = [anything] + [SelectChoice(str(m.id), m.name) for m in markets]

    def validate_created_to(self, field) -> None:
        if field.data and self.created_from.data and field.data < self.created_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def filters(self) -> OrderFilters:
        """What the person asked for, leaving out any field they typed wrongly (its error is shown)."""
        def value(field):
            return None if field.errors else field.data or None

        payment, fulfillment, market = value(self.payment_status), value(self.fulfillment_status), value(self.market)
        return OrderFilters(
            payment_status=PaymentStatus(payment) if payment else None,
            fulfillment_status=FulfillmentStatus(fulfillment) if fulfillment else None,
            market_id=int(market) if market else None, created_from=value(self.created_from),
            created_to=value(self.created_to), needs_review=bool(self.needs_review.data), query=value(self.q) or "")


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=5000)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Reason (for the timeline)"), validators=[Optional(), Length(max=255)])


class RestockLineForm(Form):
    line_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    quantity = IntegerField(_l("Restock"), default=0, validators=[Optional(), NumberRange(min=0, max=100000)])


class RefundForm(FlaskForm):
    """Amount typed as a decimal in the order's currency; `refunds_seen` makes a repeated submission harmless."""

    amount = StringField(_l("Amount to refund"), validators=[DataRequired(), Length(max=30)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=255)])
    restock = FieldList(FormField(RestockLineForm))
    refunds_seen = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    confirmed = HiddenField()

    def __init__(self, order: Order, **kwargs) -> None:
        self.order = order
        super().__init__(**kwargs)
        if not self.is_submitted():
            remaining = order.total - order.total_refunded
            self.amount.data = f"{Decimal(remaining).scaleb(-minor_exponent(order.currency)):f}"
            self.refunds_seen.data = len(order.refunds)
            for line in order.lines:
                self.restock.append_entry({"line_id": line.id, "quantity": 0})

    def validate_amount(self, field) -> None:
        currency = self.order.currency
        try:
            value = Decimal(field.data.strip())
        except (InvalidOperation, AttributeError):
            raise ValidationError(_l("Type the amount as a number, e.g. 12.50.")) from None
        places = minor_exponent(currency)
        if not value.is_finite() or value <= 0:
            raise ValidationError(_l("The amount must be more than zero."))
        if -value.as_tuple().exponent > places:
            raise ValidationError(ngettext("%(currency)s amounts have at most %(num)d decimal place.",
                                           "%(currency)s amounts have at most %(num)d decimal places.",
                                           places, currency=currency) if places else
                                  _l("%(currency)s amounts have no decimals.", currency=currency))
        remaining = self.order.total - self.order.total_refunded
        if to_minor(value, currency) > remaining:
            raise ValidationError(_l("At most %(amount)s can still be refunded.",
                                     amount=admin_money(remaining, currency)))

    def validate_restock(self, field) -> None:
        lines = {line.id: line for line in self.order.lines}
        for entry in field.entries:
            line = lines.get(entry.line_id.data)
            if line is None:
                raise ValidationError(_l("That line is not part of this order."))
            quantity = entry.quantity.data or 0
            if quantity > line.quantity - line.quantity_refunded:
                entry.quantity.errors = list(entry.quantity.errors) + [
                    _l("At most %(count)d of “%(title)s” can be restocked.",
                       count=line.quantity - line.quantity_refunded, title=line.title)]
                raise ValidationError(_l("Check the restock quantities."))

    def amount_minor(self) -> int:
        return to_minor(Decimal(self.amount.data.strip()), self.order.currency)

    def restock_lines(self) -> list[RestockLine]:
        return [RestockLine(entry.line_id.data, entry.quantity.data) for entry in self.restock.entries
                if entry.quantity.data]

    def line_for(self, entry):
        return next((line for line in self.order.lines if line.id == entry.line_id.data), None)


class CustomerSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField(_l("E-mail or name"), validators=[Optional(), Length(max=254)])
