"""The cart's error vocabulary, shared by the JSON API, the cart page and tests."""
from __future__ import annotations

import enum


class CartErrorCode(str, enum.Enum):
    UNKNOWN_VARIANT = "unknown_variant"
    UNKNOWN_LINE = "unknown_line"
    INVALID_QUANTITY = "invalid_quantity"
    SOLD_OUT = "sold_out"
    NOT_ENOUGH_STOCK = "not_enough_stock"
    NOT_SOLD_IN_MARKET = "not_sold_in_market"
    TOO_MANY_LINES = "too_many_lines"
    DISCOUNT_UNKNOWN = "discount_unknown"
    DISCOUNT_NOT_ACTIVE = "discount_not_active"
    DISCOUNT_MINIMUM = "discount_minimum"
    DISCOUNT_USED_UP = "discount_used_up"
    DISCOUNT_ALREADY_USED = "discount_already_used"
    EMPTY = "empty"


class CartError(Exception):
    def __init__(self, code: CartErrorCode, *, title: str = "", available: int | None = None,
                 minimum: int | None = None) -> None:
        super().__init__(code.value)
        self.code = code
        self.title = title
        self.available = available
        self.minimum = minimum

    @property
    def status(self) -> int:
        return 404 if self.code in (CartErrorCode.UNKNOWN_VARIANT, CartErrorCode.UNKNOWN_LINE) else 422
