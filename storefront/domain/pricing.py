"""The one pricing service: base price → market price in the shopper's currency, rounded and taxed for display.

Price in a market = the variant's fixed price for that market if set, else
base × FX rate × (1 + market adjustment) × (1 + VAT where the market shows prices with tax), then the
market's rounding rule. Amounts are integers in minor units throughout; Decimal only inside the maths.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from storefront.domain.fx import RateTable
from storefront.domain.markets import Localization, MarketInfo
from storefront.domain.money import minor_exponent
from storefront.domain.tax import TaxInfo, tax_for
from storefront.models import RoundingRule, Variant


@dataclass(frozen=True)
class PricingContext:
    base_currency: str
    market: MarketInfo
    country: str | None
    currency: str
    fx_rate: Decimal
    fx_rate_date: date | None
    tax: TaxInfo | None

    @property
    def prices_include_tax(self) -> bool:
        """Display prices with VAT/GST included: the market says so, the country's rate is known and shown inclusive."""
        return self.market.tax_inclusive and self.tax is not None and self.tax.inclusive_display

    @property
    def display_tax_rate(self) -> Decimal:
        return self.tax.rate if self.prices_include_tax and self.tax else Decimal(0)


def pricing_context(base_currency: str, localization: Localization, rates: RateTable,
                    tax_rates: dict) -> PricingContext:
    currency = localization.currency
    return PricingContext(
        base_currency=base_currency,
        market=localization.market,
        country=localization.country,
        currency=currency,
        fx_rate=rates.rate(base_currency, currency),
        fx_rate_date=rates.rate_date,
        tax=tax_for(tax_rates, localization.country),
    )


def apply_rounding(amount: int, currency: str, rule: RoundingRule | str) -> int:
    """Round a price in minor units by a market rule; idempotent, and 0 stays 0 (free is free)."""
    rule = RoundingRule(rule)
    if amount <= 0 or rule is RoundingRule.NONE:
        return max(amount, 0)
    unit = 10 ** minor_exponent(currency)
    if rule in (RoundingRule.ENDING_99, RoundingRule.ENDING_95):
        if unit < 100:
            return amount
        ending = unit * (99 if rule is RoundingRule.ENDING_99 else 95) // 100
        return max(-(-(amount - ending) // unit), 0) * unit + ending
    if rule is RoundingRule.WHOLE:
        return -(-amount // unit) * unit
    step = unit * (10 if rule is RoundingRule.NEAREST_10 else 100)
    return max((amount + step // 2) // step * step, step)


def convert(ctx: PricingContext, base_amount: int, *, with_tax: bool = True) -> int:
    """A base-currency amount as the shopper sees it (conversion, adjustment, display tax, rounding)."""
    if base_amount <= 0:
        return 0
    value = Decimal(base_amount).scaleb(-minor_exponent(ctx.base_currency)) * ctx.fx_rate
    value *= 1 + Decimal(ctx.market.price_adjustment_bp) / 10000
    if with_tax:
        value *= 1 + ctx.display_tax_rate / 100
    minor = int(value.scaleb(minor_exponent(ctx.currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return apply_rounding(minor, ctx.currency, ctx.market.rounding_rule)


@dataclass(frozen=True)
class FixedPrice:
    """A variant's price set by hand for one market, in that market's currency."""

    price: int
    compare_at_price: int | None


def fixed_price(ctx: PricingContext, variant: Variant) -> FixedPrice | None:
    for fixed in variant.market_prices:
        if fixed.market_id == ctx.market.id and fixed.currency == ctx.currency:
            return FixedPrice(fixed.price, fixed.compare_at_price)
    return None


def market_price(ctx: PricingContext, base_price: int, fixed: FixedPrice | None = None) -> int:
    return fixed.price if fixed else convert(ctx, base_price)


def market_compare_at(ctx: PricingContext, base_compare_at: int | None, price: int,
                      fixed: FixedPrice | None = None) -> int | None:
    """The "was" price, only when it is really higher than the price."""
    if fixed:
        compare = fixed.compare_at_price
    else:
        compare = convert(ctx, base_compare_at) if base_compare_at else None
    return compare if compare and compare > price else None


def variant_price(ctx: PricingContext, variant: Variant) -> int:
    return market_price(ctx, variant.price, fixed_price(ctx, variant))


def variant_compare_at(ctx: PricingContext, variant: Variant) -> int | None:
    fixed = fixed_price(ctx, variant)
    return market_compare_at(ctx, variant.compare_at_price, market_price(ctx, variant.price, fixed), fixed)


def price_range(ctx: PricingContext, variants: list[Variant]) -> tuple[int, int]:
    prices = [variant_price(ctx, v) for v in variants] or [0]
    return min(prices), max(prices)
