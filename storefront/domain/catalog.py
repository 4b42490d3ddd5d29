"""Reading the catalogue in a shopper's locale, with fallback to the store's default locale."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.models import Collection, Product, ProductStatus, Variant


@dataclass(frozen=True)
class ProductText:
    handle: str
    title: str
    description_html: str
    seo_title: str
    seo_description: str


def product_text(product: Product, locale: str) -> ProductText:
    """The product's copy in `locale`, else in the store's default locale (the product row)."""
    for tr in product.translations:
        if tr.locale == locale:
            return ProductText(tr.handle, tr.title, tr.description_html, tr.seo_title or tr.title,
                               tr.seo_description or "")
    return ProductText(product.handle, product.title, product.description_html,
                       product.seo_title or product.title, product.seo_description or "")


def collection_title(collection: Collection, locale: str) -> str:
    for tr in collection.translations:
        if tr.locale == locale:
            return tr.title
    return collection.title


def collection_handle(collection: Collection, locale: str) -> str:
    for tr in collection.translations:
        if tr.locale == locale:
            return tr.handle
    return collection.handle


def featured_products(session: Session, limit: int = 8) -> list[Product]:
    return list(
        session.scalars(
            select(Product)
            .where(Product.status == ProductStatus.ACTIVE, Product.featured.is_(True))
            .options(
                selectinload(Product.translations),
                selectinload(Product.images),
                selectinload(Product.variants).selectinload(Variant.inventory_levels),
            )
            .order_by(Product.published_at.desc(), Product.id)
            .limit(limit)
        )
    )


def featured_collections(session: Session, limit: int = 6) -> list[Collection]:
    return list(
        session.scalars(
            select(Collection)
            .where(Collection.published.is_(True))
            .options(selectinload(Collection.translations))
            .order_by(Collection.featured.desc(), Collection.position, Collection.id)
            .limit(limit)
        )
    )


def price_range(product: Product) -> tuple[int, int]:
    prices = [v.price for v in product.variants] or [0]
    return min(prices), max(prices)


def is_available(product: Product) -> bool:
    for variant in product.variants:
        if not variant.track_inventory:
            return True
        if sum(level.on_hand - level.reserved for level in variant.inventory_levels) > 0:
            return True
    return False
