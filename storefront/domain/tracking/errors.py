"""What can go wrong when staff record tracking by hand, as codes the admin turns into messages."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l


class TrackingErrorCode(str, enum.Enum):
    EMPTY_FILE = "empty_file"
    TOO_MANY_ROWS = "too_many_rows"
    NOT_CSV = "not_csv"
    MISSING_COLUMN = "missing_column"
    REQUIRED = "required"
    UNKNOWN_TRACKING_NUMBER = "unknown_tracking_number"
    AMBIGUOUS_TRACKING_NUMBER = "ambiguous_tracking_number"
    INVALID_TIME = "invalid_time"
    NO_UTC_OFFSET = "no_utc_offset"
    FUTURE_TIME = "future_time"
    INVALID_STATUS = "invalid_status"
    TOO_LONG = "too_long"
    SHIPMENT_CLOSED = "shipment_closed"
    NOT_AN_EXCEPTION = "not_an_exception"
    INVALID_ACTION = "invalid_action"


MESSAGES = {
    TrackingErrorCode.EMPTY_FILE: _l("The file has no tracking events."),
    TrackingErrorCode.TOO_MANY_ROWS: _l("The file has more than %(limit)s rows: split it into smaller files."),
    TrackingErrorCode.NOT_CSV: _l("The file cannot be read as CSV (UTF-8, comma separated)."),
    TrackingErrorCode.MISSING_COLUMN: _l("The column “%(column)s” is missing."),
    TrackingErrorCode.REQUIRED: _l("“%(name)s” is empty."),
    TrackingErrorCode.UNKNOWN_TRACKING_NUMBER: _l("No shipment has the tracking number “%(value)s”."),
    TrackingErrorCode.AMBIGUOUS_TRACKING_NUMBER: _l(
        "Several shipments have the tracking number “%(value)s”: add its events on the shipment itself."),
    TrackingErrorCode.INVALID_TIME: _l(
        "“%(value)s” is not a date and time: write it like 2026-03-01T14:05:00+08:00."),
    TrackingErrorCode.NO_UTC_OFFSET: _l(
        "“%(value)s” has no UTC offset: add the offset of the place of the scan, like 2026-03-01T14:05:00+08:00."),
    TrackingErrorCode.FUTURE_TIME: _l("“%(value)s” is in the future."),
    TrackingErrorCode.INVALID_STATUS: _l(
        "“%(value)s” is not a tracking status: use one of %(allowed)s."),
    TrackingErrorCode.TOO_LONG: _l("“%(name)s” is longer than %(limit)s characters."),
    TrackingErrorCode.SHIPMENT_CLOSED: _l("This shipment was cancelled: it cannot get tracking events."),
    TrackingErrorCode.NOT_AN_EXCEPTION: _l("This shipment has no open exception."),
    TrackingErrorCode.INVALID_ACTION: _l("Choose how the exception was resolved."),
}


def error_text(code: TrackingErrorCode, params: dict[str, Any]) -> str:
    text = str(MESSAGES[code])
    return text % params if params else text


class TrackingError(ValueError):
    """Staff input was refused; `field` names the input to fix. Nothing was saved."""

    def __init__(self, code: TrackingErrorCode, field: str | None = None, **params: Any) -> None:
        self.code = TrackingErrorCode(code)
        self.field = field
        self.params = params
        super().__init__(f"{field}: {self.code.value}" if field else self.code.value)

    @property
    def message(self) -> str:
        """What to fix, in the current language."""
        return error_text(self.code, self.params)


@dataclass(frozen=True)
class ImportProblem:
    """One problem of a tracking CSV file; `row` counts as a spreadsheet does (the header is row 1)."""

    row: int | None
    code: TrackingErrorCode
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        text = error_text(self.code, self.params)
        return gettext("Row %(row)s: %(problem)s", row=self.row, problem=text) if self.row else text


class TrackingImportError(ValueError):
    """The CSV file was refused as a whole (all-or-nothing); `problems` lists every row to fix."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"row {p.row}: {p.code.value}" if p.row else p.code.value for p in problems))
