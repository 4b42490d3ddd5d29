"""What the XML sitemaps list: every indexable product, collection and page with its path in each locale.

Each kind loads in a fixed number of set-based queries (rows, their translations, product pictures), however
many rows there are; products come in chunks so one sitemap file stays under the protocol's limits.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.domain.catalog.queries import ALL_PRODUCTS_HANDLE, visible_products
from storefront.models import (
    Collection,
    CollectionTranslation,
    Page,
    PageTranslation,
    Product,
    ProductImage,
    ProductTranslation,
)

PRODUCTS = "products"
COLLECTIONS = "collections"
PAGES = "pages"
KINDS = (PRODUCTS, COLLECTIONS, PAGES)


@dataclass(frozen=True)
class SitemapImage:
    key: str
    size: int


@dataclass(frozen=True)
class SitemapEntry:
    """One product, collection or page: its unprefixed path and last change in every locale asked for."""

    paths: dict[str, str]
    lastmod: dict[str, datetime | None]
    images: tuple[SitemapImage, ...] = ()


def _entries(rows, translations, prefix: str, locales: list[str],
             images: dict[int, tuple[SitemapImage, ...]] | None = None) -> list[SitemapEntry]:
    """`rows` are (id, default handle, updated_at); `translations` (owner id, locale, handle, updated_at)."""
    by_owner: dict[int, dict[str, tuple[str, datetime]]] = defaultdict(dict)
    for owner_id, locale, handle, updated_at in translations:
        by_owner[owner_id][locale] = (handle, updated_at)
    entries = []
    for owner_id, handle, updated_at in rows:
        translated = by_owner.get(owner_id, {})
        paths, lastmod = {}, {}
        for locale in locales:
            # A translation row for the default locale is what that locale's own URLs use (as on the pages).
            own_handle, own_updated = translated.get(locale, (handle, None))
            paths[locale] = f"{prefix}/{own_handle}"
            lastmod[locale] = max(filter(None, (updated_at, own_updated)), default=None)
        entries.append(SitemapEntry(paths, lastmod, (images or {}).get(owner_id, ())))
    return entries


def count_products(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(visible_products().subquery())) or 0


def product_entries(session: Session, locales: list[str], *, offset: int,
                    limit: int) -> list[SitemapEntry]:
    """Active, published products in id order, `limit` from `offset`, with their pictures (largest size)."""
    rows = session.execute(
        visible_products().with_only_columns(Product.id, Product.handle, Product.updated_at)
        .order_by(Product.id).offset(offset).limit(limit)
    ).all()
    if not rows:
        return []
    # Rows come in id order, so the chunk's translations and pictures are those of products in its id range.
    in_chunk = (Product.id.between(rows[0].id, rows[-1].id), visible_products().whereclause)
    translations = session.execute(
        select(ProductTranslation.product_id, ProductTranslation.locale, ProductTranslation.handle,
               ProductTranslation.updated_at)
        .join(Product, Product.id == ProductTranslation.product_id)
        .where(*in_chunk, ProductTranslation.locale.in_(locales))
    ).all()
    images: dict[int, list[SitemapImage]] = defaultdict(list)
    for product_id, key, sizes in session.execute(
        select(ProductImage.product_id, ProductImage.key, ProductImage.sizes)
        .join(Product, Product.id == ProductImage.product_id)
        .where(*in_chunk).order_by(ProductImage.product_id, ProductImage.position, ProductImage.id)
    ):
        if sizes:
            images[product_id].append(SitemapImage(key, max(sizes)))
    return _entries(rows, translations, "/products", locales,
                    {owner: tuple(found) for owner, found in images.items()})


def collection_entries(session: Session, locales: list[str]) -> list[SitemapEntry]:
    """/collections/all first, then every published collection."""
    newest_product = session.scalar(
        visible_products().with_only_columns(func.max(Product.updated_at)).order_by(None))
    all_products = SitemapEntry({locale: f"/collections/{ALL_PRODUCTS_HANDLE}" for locale in locales},
                                {locale: newest_product for locale in locales})
    published = Collection.published.is_(True)
    rows = session.execute(
        select(Collection.id, Collection.handle, Collection.updated_at).where(published)
        .order_by(Collection.position, Collection.id)
    ).all()
    translations = session.execute(
        select(CollectionTranslation.collection_id, CollectionTranslation.locale, CollectionTranslation.handle,
               CollectionTranslation.updated_at)
        .join(Collection, Collection.id == CollectionTranslation.collection_id)
        .where(published, CollectionTranslation.locale.in_(locales))
    ).all()
    return [all_products, *_entries(rows, translations, "/collections", locales)]


def page_entries(session: Session, locales: list[str]) -> list[SitemapEntry]:
    """Published pages that do not ask search engines to stay away (noindex)."""
    indexable = (Page.published.is_(True), Page.noindex.is_(False))
    rows = session.execute(
        select(Page.id, Page.handle, Page.updated_at).where(*indexable).order_by(Page.id)
    ).all()
    translations = session.execute(
        select(PageTranslation.page_id, PageTranslation.locale, PageTranslation.handle, PageTranslation.updated_at)
        .join(Page, Page.id == PageTranslation.page_id)
        .where(*indexable, PageTranslation.locale.in_(locales))
    ).all()
    return _entries(rows, translations, "/pages", locales)
