"""What the index holds for a product in a locale, read from the database in a few queries."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.domain.catalog.queries import visible_products
from storefront.models import (
    Collection,
    CollectionProduct,
    CollectionTranslation,
    InventoryPolicy,
    Product,
    ProductOption,
    Variant,
)

_TAGS = re.compile(r"<[^>]+>")


def html_to_text(value: str) -> str:
    return html.unescape(_TAGS.sub(" ", value or "")).strip()


@dataclass(frozen=True)
class ProductDocument:
    product_id: int
    locale: str
    title: str
    handle: str
    body: str
    vendor: str
    product_type: str
    tags: list[str]
    skus: list[str]
    options: list[str]          # "size=m" facet keys
    option_text: str            # option values in the locale, for matching
    collections: list[int]
    collection_text: str
    price: int                  # lowest base price, minor units
    available: bool
    created: int

    def fields(self) -> dict:
        return {
            "id": str(self.product_id), "title": self.title, "title_words": self.title, "handle": self.handle,
            "body": self.body,
            "vendor": self.vendor, "vendor_text": self.vendor, "product_type": self.product_type,
            "tags": ",".join(self.tags), "sku": ",".join(self.skus), "options": ",".join(self.options),
            "option_text": self.option_text, "collections": ",".join(str(c) for c in self.collections),
            "collection_text": self.collection_text, "price": self.price, "available": self.available,
            "created": self.created,
        }


def load_products_for_index(session: Session, product_ids: list[int] | None = None) -> list[Product]:
    stmt = visible_products().options(
        selectinload(Product.translations),
        selectinload(Product.options).selectinload(ProductOption.values),
        selectinload(Product.variants).selectinload(Variant.inventory_levels),
        selectinload(Product.tags),
    ).order_by(Product.id)
    if product_ids is not None:
        stmt = stmt.where(Product.id.in_(product_ids))
    return list(session.scalars(stmt))


def collection_memberships(session: Session, product_ids: list[int]) -> dict[int, list[tuple[int, dict[str, str], str]]]:
    """product id → [(collection id, {locale: title}, default title)]."""
    rows = session.execute(
        select(CollectionProduct.product_id, Collection.id, Collection.title)
        .join(Collection, Collection.id == CollectionProduct.collection_id)
        .where(CollectionProduct.product_id.in_(product_ids), Collection.published.is_(True))
    ).all()
    titles: dict[int, dict[str, str]] = {}
    for collection_id, locale, title in session.execute(
        select(CollectionTranslation.collection_id, CollectionTranslation.locale, CollectionTranslation.title)
    ):
        titles.setdefault(collection_id, {})[locale] = title
    result: dict[int, list[tuple[int, dict[str, str], str]]] = {}
    for product_id, collection_id, default_title in rows:
        result.setdefault(product_id, []).append((collection_id, titles.get(collection_id, {}), default_title))
    return result


def build_documents(product: Product, locales: list[str], memberships) -> list[ProductDocument]:
    available = any(
        not v.track_inventory or v.inventory_policy is InventoryPolicy.CONTINUE
        or sum(level.on_hand - level.reserved for level in v.inventory_levels) > 0
        for v in product.variants
    )
    prices = [v.price for v in product.variants] or [0]
    options = sorted({f"{o.name.strip().lower()}={value}" for o in product.options
                      for value in {getattr(v, f"option{o.position}") for v in product.variants} if value})
    created = int((product.published_at or product.created_at).timestamp())
    translations = {t.locale: t for t in product.translations}
    documents = []
    for locale in locales:
        tr = translations.get(locale)
        option_words = " ".join(
            f"{o.name_translations.get(locale) or o.name} "
            + " ".join(v.translations.get(locale) or v.value for v in o.values)
            for o in product.options
        )
        collections = memberships.get(product.id, [])
        documents.append(ProductDocument(
            product_id=product.id, locale=locale,
            title=tr.title if tr else product.title,
            handle=tr.handle if tr else product.handle,
            body=html_to_text(tr.description_html if tr and tr.description_html else product.description_html),
            vendor=product.vendor or "", product_type=product.product_type or "",
            tags=[t.tag for t in product.tags], skus=[v.sku.lower() for v in product.variants if v.sku],
            options=options, option_text=option_words,
            collections=[c for c, _, _ in collections],
            collection_text=" ".join(titles.get(locale, default) for _, titles, default in collections),
            price=min(prices), available=available, created=created,
        ))
    return documents
