"""Loading catalogue rows for shopper pages: by handle in a locale, with what a page needs eagerly loaded."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from storefront.models import (
    Collection,
    CollectionTranslation,
    Product,
    ProductOption,
    ProductStatus,
    ProductTranslation,
    Variant,
)

ALL_PRODUCTS_HANDLE = "all"


def product_load_options(locale: str):
    """Everything a product page or card shows, in a fixed number of queries whatever the product size."""
    return (
        selectinload(Product.translations.and_(ProductTranslation.locale == locale)),
        selectinload(Product.images),
        selectinload(Product.options).selectinload(ProductOption.values),
        selectinload(Product.variants).selectinload(Variant.inventory_levels),
        selectinload(Product.variants).selectinload(Variant.market_prices),
        selectinload(Product.restrictions),
    )


def visible_products():
    return select(Product).where(Product.status == ProductStatus.ACTIVE, Product.published_at.is_not(None))


def find_product(session: Session, handle: str, locale: str) -> Product | None:
    """An active product by its handle in `locale`, or by its default handle."""
    translated = select(ProductTranslation.product_id).where(
        ProductTranslation.locale == locale, ProductTranslation.handle == handle
    )
    candidates = session.scalars(
        visible_products().where(or_(Product.id.in_(translated), Product.handle == handle))
        .options(*product_load_options(locale))
    ).all()
    # A translated handle wins over another product's default handle.
    for product in candidates:
        if any(tr.handle == handle for tr in product.translations):
            return product
    return candidates[0] if candidates else None


def load_products(session: Session, ids: list[int], locale: str) -> list[Product]:
    """Products in the order of `ids`."""
    if not ids:
        return []
    rows = session.scalars(select(Product).where(Product.id.in_(ids)).options(*product_load_options(locale))).all()
    by_id = {p.id: p for p in rows}
    return [by_id[i] for i in ids if i in by_id]


def find_collection(session: Session, handle: str, locale: str) -> Collection | None:
    translated = select(CollectionTranslation.collection_id).where(
        CollectionTranslation.locale == locale, CollectionTranslation.handle == handle
    )
    candidates = session.scalars(
        select(Collection)
        .where(Collection.published.is_(True), or_(Collection.id.in_(translated), Collection.handle == handle))
        .options(selectinload(Collection.translations.and_(CollectionTranslation.locale == locale)))
    ).all()
    for collection in candidates:
        if any(tr.handle == handle for tr in collection.translations):
            return collection
    return candidates[0] if candidates else None


def featured_products(session: Session, locale: str, limit: int = 8) -> list[Product]:
    return list(session.scalars(
        visible_products().where(Product.featured.is_(True))
        .options(*product_load_options(locale))
        .order_by(Product.published_at.desc(), Product.id).limit(limit)
    ))


def published_collections(session: Session, locale: str, limit: int | None = None) -> list[Collection]:
    stmt = (
        select(Collection).where(Collection.published.is_(True))
        .options(selectinload(Collection.translations.and_(CollectionTranslation.locale == locale)))
        .order_by(Collection.featured.desc(), Collection.position, Collection.id)
    )
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))
