"""Discount codes: whether a code applies to a cart, and how much it takes off, in the cart's currency."""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storefront.domain.cart.errors import CartError, CartErrorCode
from storefront.domain.money import minor_exponent
from storefront.domain.pricing import PricingContext
from storefront.models import DiscountCode, DiscountKind, DiscountRedemption, utcnow

MAX_CODE_LENGTH = 64


def normalize_code(code: str | None) -> str:
    return " ".join((code or "").split()).upper()[:MAX_CODE_LENGTH]


def find_code(session: Session, code: str) -> DiscountCode | None:
    normalized = normalize_code(code)
    if not normalized:
        return None
    return session.scalar(select(DiscountCode).where(func.upper(DiscountCode.code) == normalized)
                          .options(selectinload(DiscountCode.amounts)))


def from_base(ctx: PricingContext, base_amount: int) -> int:
    """A base-currency amount (discount value, minimum) at today's rate: no market rounding, no tax."""
    value = Decimal(base_amount).scaleb(-minor_exponent(ctx.base_currency)) * ctx.fx_rate
    return int(value.scaleb(minor_exponent(ctx.currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _amount_for_currency(discount: DiscountCode, currency: str):
    return next((a for a in discount.amounts if a.currency == currency), None)


def minimum_subtotal(discount: DiscountCode, ctx: PricingContext) -> int | None:
    fixed = _amount_for_currency(discount, ctx.currency)
    if fixed and fixed.minimum_subtotal is not None:
        return fixed.minimum_subtotal
    return from_base(ctx, discount.minimum_subtotal) if discount.minimum_subtotal else None


def check_usable(session: Session, discount: DiscountCode | None, *, email: str | None = None,
                 now: datetime | None = None) -> DiscountCode:
    """The code if it can be used now (by `email`, when known); CartError otherwise."""
    now = now or utcnow()
    if discount is None:
        raise CartError(CartErrorCode.DISCOUNT_UNKNOWN)
    if not discount.active or (discount.starts_at and now < discount.starts_at) or (
            discount.ends_at and now >= discount.ends_at):
        raise CartError(CartErrorCode.DISCOUNT_NOT_ACTIVE)
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        raise CartError(CartErrorCode.DISCOUNT_USED_UP)
    if email and discount.once_per_customer and session.scalar(
            select(func.count()).select_from(DiscountRedemption)
            .where(DiscountRedemption.discount_code_id == discount.id,
                   func.lower(DiscountRedemption.email) == email.strip().lower())):
        raise CartError(CartErrorCode.DISCOUNT_ALREADY_USED)
    return discount


def discount_amount(discount: DiscountCode, subtotal: int, ctx: PricingContext) -> int:
    """What the code takes off `subtotal` (items only; free shipping takes nothing off items)."""
    minimum = minimum_subtotal(discount, ctx)
    if minimum is not None and subtotal < minimum:
        raise CartError(CartErrorCode.DISCOUNT_MINIMUM, minimum=minimum)
    if discount.kind is DiscountKind.PERCENTAGE:
        amount = (Decimal(subtotal) * discount.value / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return min(int(amount), subtotal)
    if discount.kind is DiscountKind.FIXED_AMOUNT:
        return min(fixed_value(discount, ctx), subtotal)
    return 0


def fixed_value(discount: DiscountCode, ctx: PricingContext) -> int:
    """A fixed-amount code's face value in the cart's currency: its own amount there, else the base value converted."""
    fixed = _amount_for_currency(discount, ctx.currency)
    return fixed.amount if fixed else from_base(ctx, discount.value)
