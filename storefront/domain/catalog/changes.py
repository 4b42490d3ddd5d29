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
    Collection,
    CollectionProduct,
    CollectionTranslation,
    DiscountAmount,
    DiscountCode,
    FxRate,
    Location,
    Market,
    MarketCountry,
    Page,
    PageTranslation,
    StoreSettings,
    TaxRate,
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


# Changes that alter what pages show without touching a product: cached pages must go, the index need not.
PAGE_ONLY = (Collection, CollectionTranslation, Page, PageTranslation, StoreSettings, Market, MarketCountry, TaxRate,
             FxRate, Location, DiscountCode, DiscountAmount)
BUMP_KEY = "clipper_pages_changed"


def register_change_tracking() -> None:
    """Install the session hooks once (create_app may run several times in one process)."""
    if not event.contains(Session, "after_flush", _note_changes):
        event.listen(Session, "after_flush", _note_changes)
        event.listen(Session, "after_commit", _publish_changes)
        event.listen(Session, "after_rollback", _forget_changes)


def _note_changes(session: Session, _context) -> None:
    if any(isinstance(obj, PAGE_ONLY) for obj in list(session.new) + list(session.dirty) + list(session.deleted)):
        session.info[BUMP_KEY] = True
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


def _publish_changes(session: Session) -> None:
    products = session.info.pop(PENDING_KEY, None)
    pages = session.info.pop(BUMP_KEY, None)
    if not has_app_context() or not (products or pages):
        return
    bump_catalog_version()
    if products:
        schedule_index_sync()


def _forget_changes(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
    session.info.pop(BUMP_KEY, None)


def schedule_index_sync() -> None:
    """Queue the sync job (RQ), or run it after the response; elsewhere searches catch up by themselves."""
    if current_app.config["CLIPPER"].redis_url or has_request_context():
        jobs.enqueue("storefront.domain.search.service.sync_index_job")


def product_changed(session: Session, product_id: int) -> None:
    """For changes made without the ORM noticing (bulk stock updates)."""
    pending = session.info.setdefault(PENDING_KEY, set())
    pending.add(product_id)
    session.add(SearchIndexChange(product_id=product_id))
