"""Bulk actions from the product list: publish, archive, set to draft, add or remove a tag on many products."""
from __future__ import annotations

import enum

from sqlalchemy.orm import Session

from storefront.domain.catalog_admin import events, queries
from storefront.domain.catalog_admin.checks import normalize_tags
from storefront.domain.catalog_admin.collections import refresh_smart_collections
from storefront.domain.catalog_admin.errors import CatalogAdminError, ErrorList
from storefront.domain.catalog_admin.events import Editor
from storefront.models import Product, ProductStatus, ProductTag, StoreSettings, utcnow


class BulkAction(str, enum.Enum):
    PUBLISH = "publish"
    ARCHIVE = "archive"
    DRAFT = "draft"
    ADD_TAG = "add_tag"
    REMOVE_TAG = "remove_tag"


TAG_ACTIONS = (BulkAction.ADD_TAG, BulkAction.REMOVE_TAG)


def check_bulk_action(action: BulkAction, product_ids: list[int], tag: str) -> str | None:
    """The normalized tag of a bulk action; refuses an empty selection or a tag action without a tag."""
    errors = ErrorList()
    if not product_ids:
        errors.add("product_ids", CatalogAdminError.NOTHING_SELECTED)
    tags = normalize_tags([tag], "tag", errors) if action in TAG_ACTIONS else []
    if action in TAG_ACTIONS and not tags and not errors:
        errors.add("tag", CatalogAdminError.REQUIRED)
    errors.raise_if_any()
    return tags[0] if tags else None


def bulk_edit_products(session: Session, product_ids: list[int], action: BulkAction, *, tag: str = "",
                       store: StoreSettings, editor: Editor) -> int:
    """Publish, archive, set to draft, or add/remove a tag on many products; returns how many changed. Each
    changed product moves to a new version, so an editor open on it meanwhile cannot overwrite the change."""
    tag_name = check_bulk_action(action, product_ids, tag)
    changed = 0
    for product in queries.products_by_ids(session, product_ids):
        before = {"status": product.status.value, "tags": product.tag_names}
        if action is BulkAction.PUBLISH:
            product.status = ProductStatus.ACTIVE
            product.published_at = product.published_at or utcnow()
        elif action is BulkAction.ARCHIVE:
            product.status = ProductStatus.ARCHIVED
        elif action is BulkAction.DRAFT:
            product.status = ProductStatus.DRAFT
        elif action is BulkAction.ADD_TAG and tag_name not in product.tag_names:
            product.tags.append(ProductTag(tag=tag_name))
        elif action is BulkAction.REMOVE_TAG:
            product.tags = [t for t in product.tags if t.tag != tag_name]
        after = {"status": product.status.value, "tags": [t.tag for t in product.tags]}
        if after == before:
            continue
        product.version = Product.version + 1
        events.product_bulk_edited(session, editor=editor, product_id=product.id, action=action.value,
                                   before=before, after=after)
        changed += 1
    session.flush()
    if action in TAG_ACTIONS and changed:
        refresh_smart_collections(session, store.base_currency)
    return changed

