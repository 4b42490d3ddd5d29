"""What can stop a shipment: one error-code vocabulary for the admin pages, the label batch job and the tests."""
from __future__ import annotations

import enum


class FulfillmentErrorCode(str, enum.Enum):
    NOT_PAID = "not_paid"
    ORDER_CANCELLED = "order_cancelled"
    NO_LINES = "no_lines"
    UNKNOWN_LINE = "unknown_line"
    INVALID_QUANTITY = "invalid_quantity"
    TOO_MANY = "too_many"  # more than is left to fulfil
    UNKNOWN_LOCATION = "unknown_location"
    LOCATION_DOES_NOT_SHIP = "location_does_not_ship"
    UNKNOWN_BOX = "unknown_box"
    BOX_TOO_SMALL = "box_too_small"
    INVALID_PARCEL = "invalid_parcel"
    MISSING_WEIGHT = "missing_weight"
    MISSING_HS_CODE = "missing_hs_code"
    MISSING_ORIGIN = "missing_origin"
    MISSING_CUSTOMS_DESCRIPTION = "missing_customs_description"
    INVALID_ADDRESS = "invalid_address"
    MISSING_SHIPPER_ADDRESS = "missing_shipper_address"
    MISSING_FX_RATE = "missing_fx_rate"
    UNKNOWN_ACCOUNT = "unknown_account"
    ACCOUNT_NOT_AT_LOCATION = "account_not_at_location"
    UNKNOWN_SERVICE = "unknown_service"
    TRACKING_NUMBER_REQUIRED = "tracking_number_required"
    INVALID_CARRIER_NAME = "invalid_carrier_name"
    INVALID_TRACKING_NUMBER = "invalid_tracking_number"
    INVALID_TRACKING_URL = "invalid_tracking_url"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    KEY_USED_FOR_OTHER_ORDER = "key_used_for_other_order"
    CARRIER_REJECTED = "carrier_rejected"  # the carrier refused the request: fix what it names
    CARRIER_UNAVAILABLE = "carrier_unavailable"  # network, timeout, carrier down: try again later
    NO_RATE = "no_rate"
    NOT_VOIDABLE = "not_voidable"
    ALREADY_CANCELLED = "already_cancelled"
    NOT_A_DRAFT = "not_a_draft"
    DOCUMENT_MISSING = "document_missing"
    NO_ORDERS = "no_orders"


class FulfillmentError(Exception):
    """A shipment could not be planned, quoted, booked or voided. `message` says what to fix, translated;
    `field` names the form field (or order line) at fault when there is one. Nothing was saved."""

    def __init__(self, code: FulfillmentErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = FulfillmentErrorCode(code)
        self.message = message
        self.field = field

    @property
    def status(self) -> int:
        """The HTTP status a view answers with: the carrier being down is not the owner's mistake."""
        return 503 if self.code is FulfillmentErrorCode.CARRIER_UNAVAILABLE else 422

    def __repr__(self) -> str:
        return f"FulfillmentError({self.code.value!r}, {self.message!r}, field={self.field!r})"
