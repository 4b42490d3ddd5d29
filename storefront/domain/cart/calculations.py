"""What a cart costs: each line priced for the shopper's market, compare-at savings, discount, totals."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from storefront.domain import discounts
from storefront.domain.cart.errors import CartError, CartErrorCode
from storefront.domain.catalog.display import ImageView
from storefront.domain.catalog.stock import LocationInfo, available_quantity, is_available
from storefront.domain.catalog.text import image_alt, option_name, option_value_text, product_text
from storefront.domain.pricing import PricingContext, variant_compare_at, variant_price
from storefront.models import Cart, CartLine, DiscountCode, DiscountKind, Product, Variant


def properties_hash(properties: dict | None) -> str:
    """Shopify's line key is "<variant id>:<hash of the line properties>"."""
    return hashlib.md5(json.dumps(properties or {}, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class LineView:
    line: CartLine
    key: str
    variant: Variant
    product: Product
    product_title: str
    handle: str
    variant_title: str | None
    options_with_values: list[tuple[str, str]]
    quantity: int
    price: int
    compare_at_price: int | None
    line_price: int
    image: ImageView | None
    available: bool
    available_quantity: int | None
    sold_in_market: bool

    @property
    def title(self) -> str:
        return f"{self.product_title} - {self.variant_title}" if self.variant_title else self.product_title

    @property
    def savings(self) -> int:
        return (self.compare_at_price - self.price) * self.quantity if self.compare_at_price else 0

    @property
    def problem(self) -> CartErrorCode | None:
        """Why this line could not be bought as it is, if it could not."""
        if not self.sold_in_market:
            return CartErrorCode.NOT_SOLD_IN_MARKET
        if not self.available:
            return CartErrorCode.SOLD_OUT
        if self.available_quantity is not None and self.quantity > self.available_quantity:
            return CartErrorCode.NOT_ENOUGH_STOCK
        return None


@dataclass
class CartView:
    cart: Cart
    currency: str
    lines: list[LineView] = field(default_factory=list)
    discount: DiscountCode | None = None   # the entered code or an automatic discount, whichever takes off more
    discount_amount: int = 0
    discount_error: CartError | None = None
    discount_description: str | None = None
    outbid_code: str | None = None          # the entered code works, but an automatic discount is better

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> int:
        return sum(line.line_price for line in self.lines)

    @property
    def savings(self) -> int:
        return sum(line.savings for line in self.lines)

    @property
    def total(self) -> int:
        return self.subtotal - self.discount_amount

    @property
    def total_weight(self) -> int:
        return sum(line.variant.weight_grams * line.quantity for line in self.lines)

    @property
    def requires_shipping(self) -> bool:
        return any(line.variant.requires_shipping for line in self.lines)

    @property
    def free_shipping(self) -> bool:
        return self.discount is not None and self.discount.kind is DiscountKind.FREE_SHIPPING

    @property
    def problems(self) -> list[LineView]:
        return [line for line in self.lines if line.problem]


def line_view(line: CartLine, ctx: PricingContext, locale: str, locations: tuple[LocationInfo, ...]) -> LineView:
    variant = line.variant
    product = variant.product
    text = product_text(product, locale)
    labels = []
    for option in product.options:
        value = variant.option_values[option.position - 1] if len(variant.option_values) >= option.position else None
        if value is None:
            continue
        shown = next((option_value_text(v, locale) for v in option.values if v.value == value), value)
        labels.append((option_name(option, locale), shown))
    price = variant_price(ctx, variant)
    image = variant.image or (product.images[0] if product.images else None)
    sold = all(r.market_id != ctx.market.id for r in product.restrictions)
    default_only = len(product.variants) == 1 and not labels
    return LineView(
        line=line, key=f"{variant.id}:{line.properties_hash}", variant=variant, product=product,
        product_title=text.title, handle=text.handle,
        variant_title=None if default_only else " / ".join(v for _, v in labels) or None,
        options_with_values=labels, quantity=line.quantity, price=price,
        compare_at_price=variant_compare_at(ctx, variant), line_price=price * line.quantity,
        image=ImageView(image, image_alt(image, locale, text.title)) if image else None,
        available=is_available(variant, locations, ctx.country),
        available_quantity=available_quantity(variant, locations, ctx.country), sold_in_market=sold,
    )


def price_cart(session: Session, cart: Cart, ctx: PricingContext, locale: str,
               locations: tuple[LocationInfo, ...]) -> CartView:
    view = CartView(cart=cart, currency=ctx.currency,
                    lines=[line_view(line, ctx, locale, locations) for line in cart.lines])
    choice = discounts.choose_discount(session, cart.discount_code, view.subtotal, ctx, locale, email=cart.email)
    view.discount, view.discount_amount, view.discount_error = choice.discount, choice.amount, choice.code_error
    view.discount_description, view.outbid_code = choice.description, choice.outbid_code
    return view
