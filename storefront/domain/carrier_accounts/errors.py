"""What can be wrong with a carrier account or box preset edit: one error-code vocabulary for admin and tests."""
from __future__ import annotations

import enum
from typing import Any


class CarrierAccountErrorCode(str, enum.Enum):
    UNKNOWN_CARRIER = "unknown_carrier"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    DUPLICATE_LABEL = "duplicate_label"
    UNKNOWN_SERVICE = "unknown_service"
    UNKNOWN_LOCATION = "unknown_location"
    UNKNOWN_CURRENCY = "unknown_currency"
    INVALID_URL = "invalid_url"
    INVALID_TIMEOUT = "invalid_timeout"
    INVALID_TRACKING_TEMPLATE = "invalid_tracking_template"
    INVALID_RATE_TABLE = "invalid_rate_table"
    NO_LOCATION = "no_location"
    NO_QUOTES = "no_quotes"
    ACCOUNT_IN_USE = "account_in_use"
    INVALID_DIMENSION = "invalid_dimension"
    DUPLICATE_NAME = "duplicate_name"


class CarrierAccountError(ValueError):
    """An account or box preset edit was refused; `field` names the input to fix and `params` fill the message.

    When several inputs are wrong, `problems` holds one error per problem (this one is the first). Nothing was saved.
    """

    def __init__(self, code: CarrierAccountErrorCode, field: str | None = None, /, **params: Any) -> None:
        self.code = CarrierAccountErrorCode(code)
        self.field = field
        self.params = params
        self.problems: tuple[CarrierAccountError, ...] = (self,)
        super().__init__(f"{field}: {self.code.value}" if field else self.code.value)


class Problems:
    """Collects every problem of a form, so the owner sees them all at once rather than one per try."""

    def __init__(self) -> None:
        self.items: list[CarrierAccountError] = []

    def add(self, code: CarrierAccountErrorCode, field: str | None, /, **params: Any) -> None:
        self.items.append(CarrierAccountError(code, field, **params))

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            first.problems = tuple(self.items)
            raise first


def text(raw: str | None, problems: Problems, field: str, *, max_length: int, required: bool = False) -> str | None:
    """Trimmed text, None when blank."""
    value = (raw or "").strip()
    if not value:
        if required:
            problems.add(CarrierAccountErrorCode.REQUIRED, field)
        return None
    if len(value) > max_length:
        problems.add(CarrierAccountErrorCode.TOO_LONG, field, max=max_length)
    return value
