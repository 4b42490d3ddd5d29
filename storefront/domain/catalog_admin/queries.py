"""Loading the catalogue for the admin: the product list with search and filters, and rows to edit."""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, distinct, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storefront.models import (
    Collection,
    CollectionProduct,
    InventoryLevel,
    Market,
    Page,
    Product,
    ProductOption,
    ProductStatus,
    ProductTranslation,
    Variant,
)

PAGE_SIZE = 50


class StockFilter(str, enum.Enum):
    IN_STOCK = "in_stock"
    LOW = "low"
    OUT = "out"


SORTS: dict[str, tuple[ColumnElement, ...]] = {
    "-updated": (Product.updated_at.desc(), Product.id.desc()),
    "updated": (Product.updated_at.asc(), Product.id.asc()),
    "title": (func.lower(Product.title).asc(), Product.id.asc()),
    "-title": (func.lower(Product.title).desc(), Product.id.desc()),
    "-created": (Product.created_at.desc(), Product.id.desc()),
}


@dataclass(frozen=True)
class ProductQuery:
    q: str = ""
    status: ProductStatus | None = None
    collection_id: int | None = None
    product_type: str = ""
    vendor: str = ""
    stock: StockFilter | None = None
    sort: str = "-updated"
    page: int = 1


@dataclass(frozen=True)
class ProductRow:
    product: Product
    variants: int
    tracked: bool
    available: int


@dataclass(frozen=True)
class ProductPage:
    rows: list[ProductRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class FilterChoices:
    vendors: list[str]
    product_types: list[str]
    collections: list[tuple[int, str]]


def _contains(column, needle: str) -> ColumnElement:
    return func.lower(column).contains(needle, autoescape=True)


def _stock_totals():
    """Per product: variants, stock-tracked variants, and units available in all locations for tracked ones."""
    tracked = Variant.track_inventory.is_(True)
    return (
        select(
            Variant.product_id.label("product_id"),
            func.count(distinct(Variant.id)).label("variants"),
            func.count(distinct(Variant.id)).filter(tracked).label("tracked"),
            func.coalesce(func.sum(InventoryLevel.on_hand - InventoryLevel.reserved).filter(tracked), 0)
            .label("available"),
        )
        .outerjoin(InventoryLevel, InventoryLevel.variant_id == Variant.id)
        .group_by(Variant.product_id)
        .subquery()
    )


def list_products(session: Session, query: ProductQuery, low_stock_threshold: int) -> ProductPage:
    """One page of products matching the search (title in any locale, handle, SKU) and filters."""
    stock = _stock_totals()
    tracked = func.coalesce(stock.c.tracked, 0)
    available = func.coalesce(stock.c.available, 0)
    conditions: list[ColumnElement] = []
    needle = " ".join(query.q.split()).lower()
    if needle:
        conditions.append(or_(
            _contains(Product.title, needle),
            _contains(Product.handle, needle),
            Product.id.in_(select(Variant.product_id).where(_contains(Variant.sku, needle))),
            Product.id.in_(select(ProductTranslation.product_id).where(_contains(ProductTranslation.title, needle))),
        ))
    if query.status is not None:
        conditions.append(Product.status == query.status)
    if query.collection_id is not None:
        conditions.append(Product.id.in_(select(CollectionProduct.product_id)
                                         .where(CollectionProduct.collection_id == query.collection_id)))
    if query.product_type:
        conditions.append(Product.product_type == query.product_type)
    if query.vendor:
        conditions.append(Product.vendor == query.vendor)
    if query.stock is StockFilter.IN_STOCK:
        conditions.append(or_(tracked == 0, available > 0))
    elif query.stock is StockFilter.LOW:
        conditions.append((tracked > 0) & (available > 0) & (available <= low_stock_threshold))
    elif query.stock is StockFilter.OUT:
        conditions.append((tracked > 0) & (available <= 0))

    base = select(Product.id).outerjoin(stock, stock.c.product_id == Product.id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(query.page, 1), pages)
    rows = session.execute(
        select(Product, func.coalesce(stock.c.variants, 0), tracked, available)
        .outerjoin(stock, stock.c.product_id == Product.id)
        .where(*conditions)
        .order_by(*SORTS.get(query.sort, SORTS["-updated"]))
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        .options(selectinload(Product.images))
    ).all()
    return ProductPage([ProductRow(p, variants, tracked_count > 0, stock_available)
                        for p, variants, tracked_count, stock_available in rows], total, page, pages)


def filter_choices(session: Session) -> FilterChoices:
    vendors = session.scalars(select(Product.vendor).distinct().where(Product.vendor.is_not(None))
                              .order_by(Product.vendor))
    types = session.scalars(select(Product.product_type).distinct().where(Product.product_type.is_not(None))
                            .order_by(Product.product_type))
    collections = session.execute(select(Collection.id, Collection.title).order_by(func.lower(Collection.title)))
    return FilterChoices([v for v in vendors if v], [t for t in types if t], [tuple(row) for row in collections])


def product_for_editing(session: Session, product_id: int) -> Product | None:
    return session.scalars(
        select(Product).where(Product.id == product_id).options(
            selectinload(Product.translations),
            selectinload(Product.options).selectinload(ProductOption.values),
            selectinload(Product.variants).selectinload(Variant.market_prices),
            selectinload(Product.variants).selectinload(Variant.inventory_levels),
            selectinload(Product.images),
            selectinload(Product.tags),
            selectinload(Product.restrictions),
        )
    ).first()


def products_by_ids(session: Session, product_ids: list[int]) -> list[Product]:
    if not product_ids:
        return []
    return list(session.scalars(select(Product).where(Product.id.in_(product_ids))
                                .options(selectinload(Product.tags)).order_by(func.lower(Product.title))))


def all_markets(session: Session) -> list[Market]:
    """Every market, for fixed prices and sales restrictions (inactive ones too: their settings are kept)."""
    return list(session.scalars(select(Market).order_by(Market.position, Market.id)))


@dataclass(frozen=True)
class CollectionRow:
    collection: Collection
    products: int


def list_collections(session: Session) -> list[CollectionRow]:
    counts = (select(CollectionProduct.collection_id, func.count().label("n"))
              .group_by(CollectionProduct.collection_id).subquery())
    rows = session.execute(
        select(Collection, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.collection_id == Collection.id)
        .order_by(Collection.position, func.lower(Collection.title))
    ).all()
    return [CollectionRow(c, n) for c, n in rows]


def collection_for_editing(session: Session, collection_id: int) -> Collection | None:
    return session.scalars(
        select(Collection).where(Collection.id == collection_id).options(
            selectinload(Collection.translations),
            selectinload(Collection.products).selectinload(CollectionProduct.product).selectinload(Product.images),
        )
    ).first()


def list_pages(session: Session) -> list[Page]:
    return list(session.scalars(select(Page).order_by(Page.kind, func.lower(Page.title))))


def page_for_editing(session: Session, page_id: int) -> Page | None:
    return session.scalars(select(Page).where(Page.id == page_id).options(selectinload(Page.translations))).first()
