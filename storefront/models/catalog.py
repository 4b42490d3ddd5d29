"""Products, their translations, options, variants, images and collections."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.models.base import Base, TimestampMixin, currency_column, enum_column


class ProductStatus(str, enum.Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class CollectionKind(str, enum.Enum):
    MANUAL = "manual"
    SMART = "smart"


class CollectionSort(str, enum.Enum):
    MANUAL = "manual"
    BEST_SELLING = "best-selling"
    TITLE_ASC = "title-ascending"
    PRICE_ASC = "price-ascending"
    PRICE_DESC = "price-descending"
    CREATED_DESC = "created-descending"


class InventoryPolicy(str, enum.Enum):
    DENY = "deny"
    CONTINUE = "continue"


class Product(TimestampMixin, Base):
    """A product; title and copy here are in the store's default locale."""

    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_status_published", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Optimistic locking: an edit based on an old version is refused instead of overwriting newer work.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    handle: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[ProductStatus] = enum_column(ProductStatus, default=ProductStatus.DRAFT)
    title: Mapped[str] = mapped_column(String(255))
    description_html: Mapped[str] = mapped_column(Text, default="")
    seo_title: Mapped[str | None] = mapped_column(String(255))
    seo_description: Mapped[str | None] = mapped_column(String(320))
    vendor: Mapped[str | None] = mapped_column(String(120), index=True)
    product_type: Mapped[str | None] = mapped_column(String(120), index=True)
    hs_code: Mapped[str | None] = mapped_column(String(16))
    origin_country: Mapped[str | None] = mapped_column(String(2))
    customs_description: Mapped[str | None] = mapped_column(String(255))
    certifications: Mapped[list[str]] = mapped_column(default=list)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column()

    translations: Mapped[list[ProductTranslation]] = relationship(
        back_populates="product", cascade="all, delete-orphan"
    )
    options: Mapped[list[ProductOption]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductOption.position"
    )
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.position"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        cascade="all, delete-orphan",
        order_by="ProductImage.position",
        foreign_keys="ProductImage.product_id",
    )
    tags: Mapped[list[ProductTag]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductTag.tag"
    )
    restrictions: Mapped[list[ProductMarketRestriction]] = relationship(
        back_populates="product", cascade="all, delete-orphan"
    )

    @property
    def tag_names(self) -> list[str]:
        return [t.tag for t in self.tags]


class ProductTranslation(TimestampMixin, Base):
    __tablename__ = "product_translations"
    __table_args__ = (
        UniqueConstraint("product_id", "locale"),
        UniqueConstraint("locale", "handle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(10))
    handle: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    description_html: Mapped[str] = mapped_column(Text, default="")
    seo_title: Mapped[str | None] = mapped_column(String(255))
    seo_description: Mapped[str | None] = mapped_column(String(320))

    product: Mapped[Product] = relationship(back_populates="translations")


class ProductTag(Base):
    __tablename__ = "product_tags"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)

    product: Mapped[Product] = relationship(back_populates="tags")


class ProductMarketRestriction(Base):
    """A market the product may not be sold to (batteries by post, regulated cosmetics…)."""

    __tablename__ = "product_market_restrictions"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("markets.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str | None] = mapped_column(String(255))

    product: Mapped[Product] = relationship(back_populates="restrictions")


class ProductOption(Base):
    __tablename__ = "product_options"
    __table_args__ = (
        UniqueConstraint("product_id", "position"),
        CheckConstraint("position BETWEEN 1 AND 3", name="position_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    name_translations: Mapped[dict[str, str]] = mapped_column(default=dict)

    product: Mapped[Product] = relationship(back_populates="options")
    values: Mapped[list[ProductOptionValue]] = relationship(
        back_populates="option", cascade="all, delete-orphan", order_by="ProductOptionValue.position"
    )


class ProductOptionValue(Base):
    __tablename__ = "product_option_values"
    __table_args__ = (UniqueConstraint("option_id", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("product_options.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[str] = mapped_column(String(120))
    translations: Mapped[dict[str, str]] = mapped_column(default=dict)
    swatch_hex: Mapped[str | None] = mapped_column(String(7))

    option: Mapped[ProductOption] = relationship(back_populates="values")


class Variant(TimestampMixin, Base):
    """A purchasable variant; `price` is in the store's base currency, minor units."""

    __tablename__ = "variants"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_non_negative"),
        CheckConstraint("compare_at_price IS NULL OR compare_at_price >= 0", name="compare_at_non_negative"),
        CheckConstraint("weight_grams >= 0", name="weight_non_negative"),
        Index("ix_variants_product_position", "product_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    sku: Mapped[str | None] = mapped_column(String(64), unique=True)
    barcode: Mapped[str | None] = mapped_column(String(64))
    option1: Mapped[str | None] = mapped_column(String(120))
    option2: Mapped[str | None] = mapped_column(String(120))
    option3: Mapped[str | None] = mapped_column(String(120))
    price: Mapped[int] = mapped_column(Integer)
    compare_at_price: Mapped[int | None] = mapped_column(Integer)
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    length_mm: Mapped[int | None] = mapped_column(Integer)
    width_mm: Mapped[int | None] = mapped_column(Integer)
    height_mm: Mapped[int | None] = mapped_column(Integer)
    requires_shipping: Mapped[bool] = mapped_column(Boolean, default=True)
    track_inventory: Mapped[bool] = mapped_column(Boolean, default=True)
    inventory_policy: Mapped[InventoryPolicy] = enum_column(InventoryPolicy, default=InventoryPolicy.DENY)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("product_images.id", ondelete="SET NULL"))

    product: Mapped[Product] = relationship(back_populates="variants")
    image: Mapped[ProductImage | None] = relationship(foreign_keys=[image_id])
    market_prices: Mapped[list[VariantMarketPrice]] = relationship(
        back_populates="variant", cascade="all, delete-orphan"
    )
    inventory_levels: Mapped[list["InventoryLevel"]] = relationship(  # noqa: F821
        back_populates="variant", cascade="all, delete-orphan"
    )

    @property
    def option_values(self) -> list[str]:
        return [v for v in (self.option1, self.option2, self.option3) if v is not None]


class VariantMarketPrice(Base):
    """A fixed price for one market, in that market's currency (overrides conversion)."""

    __tablename__ = "variant_market_prices"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_non_negative"),
        CheckConstraint("compare_at_price IS NULL OR compare_at_price >= 0", name="compare_at_non_negative"),
    )

    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"), primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("markets.id", ondelete="CASCADE"), primary_key=True)
    currency: Mapped[str] = currency_column()
    price: Mapped[int] = mapped_column(Integer)
    compare_at_price: Mapped[int | None] = mapped_column(Integer)

    variant: Mapped[Variant] = relationship(back_populates="market_prices")


class ProductImage(TimestampMixin, Base):
    """An uploaded picture; `key` names the stored files, one per generated size and format."""

    __tablename__ = "product_images"
    __table_args__ = (Index("ix_product_images_product_position", "product_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sizes: Mapped[list[Any]] = mapped_column(default=list)
    alt: Mapped[str | None] = mapped_column(String(255))
    alt_translations: Mapped[dict[str, str]] = mapped_column(default=dict)

    product: Mapped[Product] = relationship(back_populates="images", foreign_keys=[product_id])


class Collection(TimestampMixin, Base):
    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Optimistic locking: an edit based on an old version is refused instead of overwriting newer work.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    handle: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[CollectionKind] = enum_column(CollectionKind, default=CollectionKind.MANUAL)
    # Smart collections: [{"field": "tag"|"type"|"vendor"|"price", "relation": "equals"|"gt"|"lt", "value": "..."}]
    rules: Mapped[list[Any]] = mapped_column(default=list)
    disjunctive: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[CollectionSort] = enum_column(CollectionSort, default=CollectionSort.MANUAL)
    title: Mapped[str] = mapped_column(String(255))
    description_html: Mapped[str] = mapped_column(Text, default="")
    seo_title: Mapped[str | None] = mapped_column(String(255))
    seo_description: Mapped[str | None] = mapped_column(String(320))
    image_key: Mapped[str | None] = mapped_column(String(255))
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    translations: Mapped[list[CollectionTranslation]] = relationship(
        back_populates="collection", cascade="all, delete-orphan"
    )
    products: Mapped[list[CollectionProduct]] = relationship(
        back_populates="collection", cascade="all, delete-orphan", order_by="CollectionProduct.position"
    )


class CollectionTranslation(TimestampMixin, Base):
    __tablename__ = "collection_translations"
    __table_args__ = (
        UniqueConstraint("collection_id", "locale"),
        UniqueConstraint("locale", "handle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(10))
    handle: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    description_html: Mapped[str] = mapped_column(Text, default="")
    seo_title: Mapped[str | None] = mapped_column(String(255))
    seo_description: Mapped[str | None] = mapped_column(String(320))

    collection: Mapped[Collection] = relationship(back_populates="translations")


class CollectionProduct(Base):
    __tablename__ = "collection_products"
    __table_args__ = (Index("ix_collection_products_position", "collection_id", "position"),)

    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    collection: Mapped[Collection] = relationship(back_populates="products")
    product: Mapped[Product] = relationship()
