"""Loading catalogue rows for shopper pages: by handle in a locale, with what a page needs eagerly loaded."""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from storefront.models import (
    Collection,
    CollectionProduct,
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


def _find_by_handle(session: Session, stmt, model, translation, owner_id, handle: str, locale: str):
    """The row of `stmt` with `handle` in `locale`, else with it as its default handle, else with it in another
    locale (a link shared from another language, or a language switch), for the caller to redirect.
    `stmt` must load only `locale`'s translations."""
    for this_locale_only in (True, False):
        translated = select(owner_id).where(translation.handle == handle)
        if this_locale_only:
            translated = translated.where(translation.locale == locale)
        candidates = session.scalars(stmt.where(or_(model.id.in_(translated), model.handle == handle))).all()
        # A translated handle wins over another row's default handle.
        for row in candidates:
            if any(tr.handle == handle for tr in row.translations):
                return row
        if candidates:
            return candidates[0]
    return None


def find_product(session: Session, handle: str, locale: str) -> Product | None:
    """An active product by handle, as _find_by_handle looks for it."""
    return _find_by_handle(session, visible_products().options(*product_load_options(locale)), Product,
                           ProductTranslation, ProductTranslation.product_id, handle, locale)


def load_products(session: Session, ids: list[int], locale: str, *, with_tags: bool = False) -> list[Product]:
    """Products in the order of `ids`; `with_tags` for listings that show tags (the JSON feeds), which would
    otherwise load them one product at a time."""
    if not ids:
        return []
    options = product_load_options(locale) + ((selectinload(Product.tags),) if with_tags else ())
    rows = session.scalars(select(Product).where(Product.id.in_(ids)).options(*options)).all()
    by_id = {p.id: p for p in rows}
    return [by_id[i] for i in ids if i in by_id]


def find_collection(session: Session, handle: str, locale: str) -> Collection | None:
    """A published collection by handle, as _find_by_handle looks for it."""
    stmt = select(Collection).where(Collection.published.is_(True)).options(
        selectinload(Collection.translations.and_(CollectionTranslation.locale == locale)))
    return _find_by_handle(session, stmt, Collection, CollectionTranslation, CollectionTranslation.collection_id,
                           handle, locale)


def first_collection(session: Session, product_id: int, locale: str) -> tuple[str, str] | None:
    """(handle, title) in `locale` of the published collection that lists the product first (featured ones
    first, then by position), for breadcrumbs; None when it is in none."""
    row = session.execute(
        select(Collection.handle, Collection.title, CollectionTranslation.handle, CollectionTranslation.title)
        .join(CollectionProduct, CollectionProduct.collection_id == Collection.id)
        .outerjoin(CollectionTranslation, and_(CollectionTranslation.collection_id == Collection.id,
                                               CollectionTranslation.locale == locale))
        .where(CollectionProduct.product_id == product_id, Collection.published.is_(True))
        .order_by(Collection.featured.desc(), Collection.position, Collection.id).limit(1)
    ).first()
    if row is None:
        return None
    handle, title, translated_handle, translated_title = row
    return (translated_handle, translated_title) if translated_handle else (handle, title)


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


def handles_by_locale(session: Session, translation_model, owner_column: str, owner_id: int, default_handle: str,
                      default_locale: str) -> dict[str, str]:
    """Every locale's handle of a product, collection or page (the default locale's is on the row itself)."""
    column = getattr(translation_model, owner_column)
    rows = session.execute(
        select(translation_model.locale, translation_model.handle).where(column == owner_id)
    ).all()
    return {default_locale: default_handle, **{locale: handle for locale, handle in rows}}
