"""Landing pages built from blocks: what a block may hold (blocks), the page and its blocks ready for the theme
(display), editing blocks per locale in the admin (editing), and staff previews (preview).

Blocks are JSON on the page (default locale) and on each translation row; a locale without blocks of its own
shows the default locale's. Stored block shapes (what `validate_blocks` accepts and returns):

    hero:         heading, text, image {key, width, height, sizes} | product_image_id, image_alt,
                  button_label + button_link with button_link_kind path | product | collection
    rich_text:    html (cleaned with the catalogue's allow-list)
    product_grid: heading, collection_id | product_ids, limit (1-24)
    countdown:    heading, campaign_id | ends_at (ISO 8601 with its UTC offset)
    faq:          heading, items [{question, answer}]
    newsletter:   heading, text
"""
from __future__ import annotations

from storefront.domain.marketing.landing.blocks import (
    BLOCK_TYPES,
    MAX_BLOCKS,
    MAX_GRID_PRODUCTS,
    check_block,
    check_references,
    parse_utc,
    validate_blocks,
)
from storefront.domain.marketing.landing.display import (
    Section,
    UploadedImage,
    blocks_for,
    faq_structured_data,
    find_page,
    hero_image,
    page_paths,
    page_view,
    sections_summary,
    stored_blocks,
)
from storefront.domain.marketing.landing.editing import (
    BlockEditor,
    block_editor,
    block_form_values,
    block_from_form,
    copy_default_blocks,
    delete_block,
    move_block,
    save_block,
)
from storefront.domain.marketing.landing.errors import LandingError, LandingErrorCode
from storefront.domain.marketing.landing.preview import (
    PREVIEW_MAX_AGE,
    preview_page_id,
    preview_path,
    preview_token,
)

__all__ = [
    "BLOCK_TYPES", "MAX_BLOCKS", "MAX_GRID_PRODUCTS", "PREVIEW_MAX_AGE", "BlockEditor", "LandingError",
    "LandingErrorCode", "Section", "UploadedImage", "block_editor", "block_form_values", "block_from_form",
    "blocks_for", "check_block", "check_references", "copy_default_blocks", "delete_block", "faq_structured_data",
    "find_page", "hero_image", "move_block", "page_paths", "page_view", "parse_utc", "preview_page_id",
    "preview_path", "preview_token", "save_block", "sections_summary", "stored_blocks", "validate_blocks",
]
