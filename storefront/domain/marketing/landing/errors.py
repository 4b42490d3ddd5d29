"""What can be wrong with a landing page's blocks or a change to them: one vocabulary for the admin and tests."""
from __future__ import annotations

import enum
from typing import Any


class LandingErrorCode(str, enum.Enum):
    NOT_A_LIST = "not_a_list"
    TOO_MANY_BLOCKS = "too_many_blocks"
    NOT_A_BLOCK = "not_a_block"
    UNKNOWN_TYPE = "unknown_type"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    NOT_TEXT = "not_text"
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    ONE_SOURCE = "one_source"
    BUTTON_INCOMPLETE = "button_incomplete"
    INVALID_LINK = "invalid_link"
    INVALID_IMAGE = "invalid_image"
    INVALID_DATE = "invalid_date"
    TOO_MANY_ITEMS = "too_many_items"
    UNKNOWN_COLLECTION = "unknown_collection"
    UNKNOWN_PRODUCTS = "unknown_products"
    UNKNOWN_CAMPAIGN = "unknown_campaign"
    CAMPAIGN_WITHOUT_END = "campaign_without_end"
    UNKNOWN_PICTURE = "unknown_picture"
    NO_PICTURE = "no_picture"
    NOT_AN_IMAGE = "not_an_image"
    IMAGE_TOO_LARGE = "image_too_large"
    NO_SUCH_BLOCK = "no_such_block"
    UNKNOWN_LOCALE = "unknown_locale"
    TRANSLATION_MISSING = "translation_missing"
    ALREADY_HAS_BLOCKS = "already_has_blocks"


class LandingError(ValueError):
    """A block (0-based `block_index`) or one of its fields was refused; nothing was written."""

    def __init__(self, code: LandingErrorCode, block_index: int | None = None, field: str | None = None,
                 block_type: str | None = None, **params: Any) -> None:
        where = "blocks" if block_index is None else f"block {block_index + 1}" + (f" ({block_type})" if block_type
                                                                                   else "")
        super().__init__(f"{where}{f', field {field}' if field else ''}: {code.value}"
                         + (f" {params}" if params else ""))
        self.code, self.block_index, self.field, self.block_type, self.params = (code, block_index, field,
                                                                                 block_type, params)
