"""Localized words for cart errors (one vocabulary for the JSON API and the cart page)."""
from __future__ import annotations

from flask import g
from flask_babel import gettext as _

from storefront.domain import checkout
from storefront.domain.cart.errors import CartError, CartErrorCode
from storefront.domain.money import format_money


def cart_error_text(error: CartError) -> str:
    code = error.code
    if code is CartErrorCode.UNKNOWN_VARIANT:
        return _("This product is no longer available.")
    if code is CartErrorCode.UNKNOWN_LINE:
        return _("This item is no longer in your cart.")
    if code is CartErrorCode.INVALID_QUANTITY:
        return _("Please enter a quantity between 1 and 999.")
    if code is CartErrorCode.SOLD_OUT:
        return _("%(title)s is sold out.", title=error.title) if error.title else _("This item is sold out.")
    if code is CartErrorCode.NOT_ENOUGH_STOCK:
        return _("You can only add %(count)s of %(title)s to your cart.", count=error.available, title=error.title)
    if code is CartErrorCode.NOT_SOLD_IN_MARKET:
        return _("%(title)s cannot be shipped to your country.", title=error.title)
    if code is CartErrorCode.TOO_MANY_LINES:
        return _("Your cart is full. Please check out or remove some items first.")
    if code is CartErrorCode.DISCOUNT_UNKNOWN:
        return _("This discount code does not exist.")
    if code is CartErrorCode.DISCOUNT_NOT_ACTIVE:
        return _("This discount code is not valid at the moment.")
    if code is CartErrorCode.DISCOUNT_USED_UP:
        return _("This discount code has reached its usage limit.")
    if code is CartErrorCode.DISCOUNT_ALREADY_USED:
        return _("You have already used this discount code.")
    if code is CartErrorCode.DISCOUNT_MINIMUM:
        minimum = format_money(error.minimum or 0, g.pricing.currency, g.locale)
        return _("This discount code needs a subtotal of at least %(amount)s.", amount=minimum)
    if code is CartErrorCode.EMPTY:
        return _("Your cart is empty.")
    return _("Something went wrong with your cart. Please try again.")


def error_from_code(value: str | None, title: str = "", available: int | None = None) -> str | None:
    try:
        return cart_error_text(CartError(CartErrorCode(value), title=title, available=available)) if value else None
    except ValueError:
        return None


def line_problem_text(line) -> str:
    return cart_error_text(CartError(line.problem, title=line.product_title, available=line.available_quantity))


def checkout_error_text(error: checkout.CheckoutError) -> str:
    code = error.code
    if code is checkout.CheckoutErrorCode.EMPTY:
        return _("Your cart is empty.")
    if code is checkout.CheckoutErrorCode.OUT_OF_STOCK:
        return _("Sorry, %(title)s sold out while you were shopping.", title=error.title)
    if code is checkout.CheckoutErrorCode.CART_PROBLEM:
        return _("Please review your cart: some items or the discount code can no longer be used as they are.")
    if code is checkout.CheckoutErrorCode.NO_SHIPPING:
        return _("We cannot ship this cart to your country yet.")
    return _("Payment is not available right now. Nothing was charged; please try again in a moment.")


def checkout_error_message(code: str | None, title: str = "") -> str | None:
    """The cart page's words for ?checkout_error=<code> (never text taken from the URL)."""
    try:
        return checkout_error_text(checkout.CheckoutError(checkout.CheckoutErrorCode(code), title=title)) if code else None
    except ValueError:
        return None
