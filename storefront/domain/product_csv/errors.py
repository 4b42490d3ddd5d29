"""What can be wrong with an uploaded product CSV: one vocabulary for the preview, the status page and tests."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class CsvProblem(str, enum.Enum):
    # The file as a whole
    FILE_TOO_LARGE = "file_too_large"
    NOT_UTF8 = "not_utf8"
    NOT_CSV = "not_csv"
    MALFORMED = "malformed"
    EMPTY_FILE = "empty_file"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    NO_LOCATION = "no_location"
    INTERRUPTED = "interrupted"
    # One cell or row
    TOO_MANY_CELLS = "too_many_cells"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    BAD_DECIMAL = "bad_decimal"
    TOO_MANY_DECIMALS = "too_many_decimals"
    NEGATIVE = "negative"
    BAD_INTEGER = "bad_integer"
    BAD_BOOLEAN = "bad_boolean"
    BAD_STATUS = "bad_status"
    BAD_POLICY = "bad_policy"
    BAD_HANDLE = "bad_handle"
    BAD_COUNTRY = "bad_country"
    BAD_HS_CODE = "bad_hs_code"
    BAD_URL = "bad_url"
    GIFT_CARD = "gift_card"
    DUPLICATE_SKU = "duplicate_sku"
    SKU_TAKEN = "sku_taken"
    HANDLE_TAKEN = "handle_taken"
    IMAGE_TAKEN = "image_taken"
    OPTION_GAP = "option_gap"
    OPTION_NAME_MISMATCH = "option_name_mismatch"
    OPTION_VALUE_MISSING = "option_value_missing"
    OPTION_VALUE_UNEXPECTED = "option_value_unexpected"
    OPTION_VALUE_CONFLICT = "option_value_conflict"
    BAD_SWATCH = "bad_swatch"
    DUPLICATE_VARIANT = "duplicate_variant"
    STOCK_HELD = "stock_held"
    VARIANT_RESERVED = "variant_reserved"
    # Worth knowing, not blocking
    COLUMN_IGNORED = "column_ignored"
    UNKNOWN_MARKET = "unknown_market"


@dataclass(frozen=True)
class Problem:
    """One finding; `row` is the spreadsheet row number (the header is row 1)."""

    code: CsvProblem
    row: int | None = None
    column: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code.value, "row": self.row, "column": self.column, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(CsvProblem(data["code"]), data.get("row"), data.get("column"), data.get("params") or {})


class CsvFileRejected(ValueError):
    """The upload cannot be read as a product CSV at all."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code.value)
        self.problem = problem


class ImportRejected(ValueError):
    """Checking the file found errors, so nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems
