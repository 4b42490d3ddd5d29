"""What a shopper sees of a product: cards for listings and the full product view, priced and stocked."""
from __future__ import annotations

from dataclasses import dataclass, field

from storefront.domain.catalog.stock import LocationInfo, available_quantity, is_available
from storefront.domain.catalog.text import LocalizedText, image_alt, option_name, option_value_text, product_text
from storefront.domain.pricing import PricingContext, fixed_price, market_compare_at, market_price
from storefront.models import Product, ProductImage, Variant


@dataclass(frozen=True)
class ImageView:
    image: ProductImage
    alt: str


@dataclass(frozen=True)
class ProductCard:
    id: int
    handle: str
    title: str
    vendor: str | None
    image: ImageView | None
    price: int
    price_max: int
    compare_at_price: int | None
    currency: str
    available: bool

    @property
    def price_varies(self) -> bool:
        return self.price != self.price_max


@dataclass(frozen=True)
class VariantView:
    id: int
    title: str
    options: list[str]
    option_labels: list[str]
    sku: str | None
    barcode: str | None
    price: int
    compare_at_price: int | None
    available: bool
    quantity: int | None
    image_id: int | None
    weight_grams: int
    requires_shipping: bool


@dataclass(frozen=True)
class OptionValueView:
    value: str
    label: str
    swatch_hex: str | None


@dataclass(frozen=True)
class OptionView:
    name: str
    label: str
    position: int
    values: list[OptionValueView]


@dataclass
class ProductView:
    product: Product
    text: LocalizedText
    currency: str
    options: list[OptionView]
    variants: list[VariantView]
    images: list[ImageView]
    sold_in_market: bool
    selected: VariantView | None = None
    certifications: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.sold_in_market and any(v.available for v in self.variants)

    @property
    def price_range(self) -> tuple[int, int]:
        prices = [v.price for v in self.variants] or [0]
        return min(prices), max(prices)

    def image_for(self, variant: VariantView | None) -> ImageView | None:
        if variant and variant.image_id:
            for view in self.images:
                if view.image.id == variant.image_id:
                    return view
        return self.images[0] if self.images else None

    def select(self, variant_id: str | int | None = None, options: dict[int, str] | None = None) -> VariantView | None:
        """The variant asked for by id, else the one matching the chosen option values, else the first
        available one; never a variant of another product."""
        if variant_id is not None and str(variant_id).isascii() and str(variant_id).isdigit():
            for view in self.variants:
                if view.id == int(variant_id):
                    self.selected = view
                    return view
        if options:
            matches = [v for v in self.variants
                       if all(len(v.options) >= pos and v.options[pos - 1] == value for pos, value in options.items())]
            if matches:
                self.selected = next((v for v in matches if v.available), matches[0])
                return self.selected
        self.selected = next((v for v in self.variants if v.available), self.variants[0] if self.variants else None)
        return self.selected


def _sold_in_market(product: Product, ctx: PricingContext) -> bool:
    return all(r.market_id != ctx.market.id for r in product.restrictions)


def _variant_prices(ctx: PricingContext, variant: Variant) -> tuple[int, int | None]:
    fixed = fixed_price(ctx, variant)
    price = market_price(ctx, variant.price, fixed)
    return price, market_compare_at(ctx, variant.compare_at_price, price, fixed)


def product_card(product: Product, ctx: PricingContext, locale: str, locations: tuple[LocationInfo, ...]) -> ProductCard:
    text = product_text(product, locale)
    priced = [(_variant_prices(ctx, v), v) for v in product.variants]
    sold = _sold_in_market(product, ctx)
    if priced:
        (low, low_compare), _ = min(priced, key=lambda item: item[0][0])
        high = max(p for (p, _), _ in priced)
    else:
        low = high = 0
        low_compare = None
    image = product.images[0] if product.images else None
    return ProductCard(
        id=product.id, handle=text.handle, title=text.title, vendor=product.vendor,
        image=ImageView(image, image_alt(image, locale, text.title)) if image else None,
        price=low, price_max=high, compare_at_price=low_compare, currency=ctx.currency,
        available=sold and any(is_available(v, locations, ctx.country) for v in product.variants),
    )


def product_view(product: Product, ctx: PricingContext, locale: str, locations: tuple[LocationInfo, ...]) -> ProductView:
    text = product_text(product, locale)
    sold = _sold_in_market(product, ctx)
    options = [
        OptionView(
            name=option.name, label=option_name(option, locale), position=option.position,
            values=[OptionValueView(v.value, option_value_text(v, locale), v.swatch_hex) for v in option.values],
        )
        for option in product.options
    ]
    labels = {(o.position, v.value): v.label for o in options for v in o.values}
    variants = []
    for variant in product.variants:
        price, compare_at = _variant_prices(ctx, variant)
        values = variant.option_values
        option_labels = [labels.get((i, value), value) for i, value in enumerate(values, start=1)]
        variants.append(VariantView(
            id=variant.id, title=" / ".join(option_labels) or text.title, options=values, option_labels=option_labels,
            sku=variant.sku, barcode=variant.barcode, price=price, compare_at_price=compare_at,
            available=sold and is_available(variant, locations, ctx.country),
            quantity=available_quantity(variant, locations, ctx.country), image_id=variant.image_id,
            weight_grams=variant.weight_grams, requires_shipping=variant.requires_shipping,
        ))
    images = [ImageView(image, image_alt(image, locale, text.title)) for image in product.images]
    return ProductView(product=product, text=text, currency=ctx.currency, options=options, variants=variants,
                       images=images, sold_in_market=sold, certifications=list(product.certifications or []))
