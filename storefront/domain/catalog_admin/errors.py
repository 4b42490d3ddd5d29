"""What can go wrong when staff edit the catalogue: one vocabulary for views, messages and tests."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class CatalogAdminError(str, enum.Enum):
    REQUIRED = "required"
    TOO_LONG = "too_long"
    HANDLE_FORMAT = "handle_format"
    HANDLE_TAKEN = "handle_taken"
    SKU_TAKEN = "sku_taken"
    SKU_REPEATED = "sku_repeated"
    UNKNOWN_COUNTRY = "unknown_country"
    HS_CODE_FORMAT = "hs_code_format"
    AMOUNT_INVALID = "amount_invalid"
    AMOUNT_NEGATIVE = "amount_negative"
    AMOUNT_PRECISION = "amount_precision"
    AMOUNT_TOO_LARGE = "amount_too_large"
    NUMBER_NEGATIVE = "number_negative"
    NUMBER_TOO_LARGE = "number_too_large"
    OPTION_VALUE_MISSING = "option_value_missing"
    OPTION_VALUE_UNEXPECTED = "option_value_unexpected"
    VARIANT_REPEATED = "variant_repeated"
    VARIANTS_NEED_OPTIONS = "variants_need_options"
    NO_VARIANTS = "no_variants"
    NOT_AN_IMAGE = "not_an_image"
    IMAGE_TOO_LARGE = "image_too_large"
    UNKNOWN_PRODUCTS = "unknown_products"
    RULE_INCOMPLETE = "rule_incomplete"
    RULE_RELATION = "rule_relation"
    NO_RULES = "no_rules"
    NOTHING_SELECTED = "nothing_selected"


@dataclass(frozen=True)
class FieldError:
    """An error on one input: `path` names it ("texts.de.handle", "variants.2.sku", "uploads")."""

    path: str
    code: CatalogAdminError
    params: dict[str, Any] = field(default_factory=dict)


class InvalidInput(ValueError):
    """The input was refused as a whole; nothing was written."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(", ".join(f"{e.path}: {e.code.value}" for e in errors))
        self.errors = errors


class StaleEdit(RuntimeError):
    """Someone saved the row after the editor loaded it: the edit would overwrite their work."""

    def __init__(self, current_version: int) -> None:
        super().__init__(f"the row is at version {current_version}")
        self.current_version = current_version


class NotFound(LookupError):
    """No such product, collection or page."""


class ErrorList:
    """Collects field errors while checking input, then refuses the input at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, path: str, code: CatalogAdminError, **params: Any) -> None:
        self.errors.append(FieldError(path, code, params))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)
