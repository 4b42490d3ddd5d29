"""Loading carts with everything the cart page and the AJAX API show, in a fixed number of queries."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.models import Cart, CartLine, Product, ProductOption, ProductTranslation, Variant


def cart_load_options(locale: str):
    variant = selectinload(Cart.lines).selectinload(CartLine.variant)
    product = variant.selectinload(Variant.product)
    return (
        variant.selectinload(Variant.inventory_levels),
        variant.selectinload(Variant.market_prices),
        variant.selectinload(Variant.image),
        product.selectinload(Product.translations.and_(ProductTranslation.locale == locale)),
        product.selectinload(Product.options).selectinload(ProductOption.values),
        product.selectinload(Product.images),
        product.selectinload(Product.restrictions),
        product.selectinload(Product.variants),
    )


def find_cart(session: Session, token: str | None, locale: str) -> Cart | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(Cart).where(Cart.token == token, Cart.completed_at.is_(None))
                          .options(*cart_load_options(locale)))
