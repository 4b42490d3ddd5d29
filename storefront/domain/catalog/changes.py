"""Whatever changes what shoppers see of a product reaches the search index and the page cache.

A session hook notes every product whose text, variants, prices, options, images, collections or
stock changed in a flush (as SearchIndexChange rows, in the same transaction), and after the commit
bumps the catalogue version and schedules the index sync job. Code that changes stock with a bulk
UPDATE (checkout reservations) calls `product_changed` itself.
"""
from __future__ import annotations

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from storefront.domain import jobs
from storefront.domain.catalog.versions import bump_catalog_version
from storefront.models import (
    CollectionProduct,
    InventoryLevel,
    Product,
    ProductImage,
    ProductMarketRestriction,
    ProductOption,
    ProductOptionValue,
    ProductTag,
    ProductTranslation,
    SearchIndexChange,
    Variant,
    VariantMarketPrice,
)

PENDING_KEY = "clipper_catalog_changed"


def _product_id(obj) -> int | None:
    if isinstance(obj, Product):
        return obj.id
    if isinstance(obj, (ProductTranslation, Variant, ProductImage, ProductOption, ProductTag, CollectionProduct,
                        ProductMarketRestriction)):
        return obj.product_id
    if isinstance(obj, ProductOptionValue):
        return obj.option.product_id if obj.option is not None else None
    if isinstance(obj, (InventoryLevel, VariantMarketPrice)):
        variant = obj.variant
        return variant.product_id if variant is not None else None
    return None


def _changed_products(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        product_id = _product_id(obj)
        if product_id is not None:
            ids.add(product_id)
    return ids


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _context) -> None:
    ids = _changed_products(session)
    for obj in session.new:  # new products get their id during the flush
        if isinstance(obj, Product) and inspect(obj).identity:
            ids.add(obj.id)
    ids.discard(None)
    if not ids:
        return
    pending = session.info.setdefault(PENDING_KEY, set())
    new_ids = ids - pending
    pending.update(ids)
    if new_ids:
        session.execute(SearchIndexChange.__table__.insert(), [{"product_id": pid} for pid in sorted(new_ids)])


@event.listens_for(Session, "after_commit")
def _publish_changes(session: Session) -> None:
    if not session.info.pop(PENDING_KEY, None) or not has_app_context():
        return
    bump_catalog_version()
    schedule_index_sync()


@event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


def schedule_index_sync() -> None:
    """Queue the sync job (RQ), or run it after the response; elsewhere searches catch up by themselves."""
    if current_app.config["CLIPPER"].redis_url or has_request_context():
        jobs.enqueue("storefront.domain.search.service.sync_index_job")


def product_changed(session: Session, product_id: int) -> None:
    """For changes made without the ORM noticing (bulk stock updates)."""
    pending = session.info.setdefault(PENDING_KEY, set())
    pending.add(product_id)
    session.add(SearchIndexChange(product_id=product_id))
