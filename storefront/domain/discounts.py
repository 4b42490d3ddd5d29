"""Discount codes and automatic discounts: whether one applies to a cart, how much it takes off in the cart's
currency, which one a cart gets, what shoppers are told about it, and how staff create and change them.

A cart gets at most one order-level discount: the better of the code the shopper entered and the best automatic
discount it qualifies for (on a tie the entered code wins, so an influencer's code keeps its attribution). The
chosen one goes through the same path whatever its origin: cart totals, the Stripe coupon, the order's
discount_total and, once paid, a DiscountRedemption under its code.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import format_percent
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from storefront.domain import audit
from storefront.domain.cart.errors import CartError, CartErrorCode
from storefront.domain.catalog.versions import catalog_version
from storefront.domain.money import UnknownCurrency, format_money, minor_exponent, normalize_currency, to_minor
from storefront.domain.pricing import PricingContext
from storefront.domain.problems import Invalid, Problems
from storefront.domain.problems import Problem as Problem  # the admin imports it from here
from storefront.extensions import cache
from storefront.models import Campaign, DiscountAmount, DiscountCode, DiscountKind, DiscountRedemption, utcnow

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


# The calculations below take a DiscountCode or an AutomaticRule (its cached copy): both have kind, value,
# minimum_subtotal, window and amounts (currency, amount, minimum_subtotal).
def _amount_for_currency(discount: DiscountCode | AutomaticRule, currency: str):
    return next((a for a in discount.amounts if a.currency == currency), None)


def minimum_subtotal(discount: DiscountCode | AutomaticRule, ctx: PricingContext) -> int | None:
    fixed = _amount_for_currency(discount, ctx.currency)
    if fixed and fixed.minimum_subtotal is not None:
        return fixed.minimum_subtotal
    return from_base(ctx, discount.minimum_subtotal) if discount.minimum_subtotal else None


def in_window(discount: DiscountCode | AutomaticRule, now: datetime) -> bool:
    return bool(discount.active) and not (discount.starts_at and now < discount.starts_at) and not (
        discount.ends_at and now >= discount.ends_at)


def check_usable(session: Session, discount: DiscountCode | None, *, email: str | None = None,
                 now: datetime | None = None) -> DiscountCode:
    """The code if it can be used now (by `email`, when known); CartError otherwise."""
    now = now or utcnow()
    if discount is None:
        raise CartError(CartErrorCode.DISCOUNT_UNKNOWN)
    if not in_window(discount, now):
        raise CartError(CartErrorCode.DISCOUNT_NOT_ACTIVE)
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        raise CartError(CartErrorCode.DISCOUNT_USED_UP)
    if email and discount.once_per_customer and session.scalar(
            select(func.count()).select_from(DiscountRedemption)
            .where(DiscountRedemption.discount_code_id == discount.id,
                   func.lower(DiscountRedemption.email) == email.strip().lower())):
        raise CartError(CartErrorCode.DISCOUNT_ALREADY_USED)
    return discount


def discount_amount(discount: DiscountCode | AutomaticRule, subtotal: int, ctx: PricingContext) -> int:
    """What the discount takes off `subtotal` (items only; free shipping takes nothing off items)."""
    minimum = minimum_subtotal(discount, ctx)
    if minimum is not None and subtotal < minimum:
        raise CartError(CartErrorCode.DISCOUNT_MINIMUM, minimum=minimum)
    if discount.kind is DiscountKind.PERCENTAGE:
        amount = (Decimal(subtotal) * discount.value / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return min(int(amount), subtotal)
    if discount.kind is DiscountKind.FIXED_AMOUNT:
        return min(fixed_value(discount, ctx), subtotal)
    return 0


def fixed_value(discount: DiscountCode | AutomaticRule, ctx: PricingContext) -> int:
    """A fixed-amount code's face value in the cart's currency: its own amount there, else the base value converted."""
    fixed = _amount_for_currency(discount, ctx.currency)
    return fixed.amount if fixed else from_base(ctx, discount.value)


def describe(discount: DiscountCode | AutomaticRule, ctx: PricingContext, locale: str) -> str:
    """What the discount gives, in the shopper's language and currency: "10 % off orders of 80,00 € or more"."""
    minimum = minimum_subtotal(discount, ctx)
    amount = format_money(minimum, ctx.currency, locale) if minimum else None
    if discount.kind is DiscountKind.PERCENTAGE:
        percent = format_percent(Decimal(discount.value) / 10000, locale=locale.replace("-", "_"),
                                 decimal_quantization=False)
        return (_("%(percent)s off orders of %(amount)s or more", percent=percent, amount=amount) if amount
                else _("%(percent)s off every order", percent=percent))
    if discount.kind is DiscountKind.FIXED_AMOUNT:
        value = format_money(fixed_value(discount, ctx), ctx.currency, locale)
        return (_("%(value)s off orders of %(amount)s or more", value=value, amount=amount) if amount
                else _("%(value)s off every order", value=value))
    return (_("Free shipping on orders of %(amount)s or more", amount=amount) if amount
            else _("Free shipping on every order"))


# -- automatic discounts ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RuleAmount:
    currency: str
    amount: int
    minimum_subtotal: int | None


@dataclass(frozen=True)
class AutomaticRule:
    """A plain copy of an automatic discount, cheap to cache for every page that shows or depends on it."""

    id: int
    code: str
    title: str | None
    kind: DiscountKind
    value: int
    minimum_subtotal: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    amounts: tuple[RuleAmount, ...]
    stamp: str
    active: bool = True


@dataclass(frozen=True)
class AutomaticOffer:
    title: str
    description: str


AUTOMATIC_KEY = "automatic-discounts"
AUTOMATIC_SECONDS = 60
MAX_AUTOMATIC = 50


def automatic_rules(session: Session, *, now: datetime | None = None) -> tuple[AutomaticRule, ...]:
    """Switched-on automatic discounts that have not ended nor run out, scheduled ones included (so their start
    is seen on time); cached for a minute under the catalogue version, which saving a discount bumps."""
    key = f"{AUTOMATIC_KEY}:{catalog_version()}"
    rules = cache.get(key)
    if rules is None:
        now = now or utcnow()
        found = session.scalars(select(DiscountCode).where(DiscountCode.is_automatic.is_(True),
                                                           DiscountCode.active.is_(True))
                                .options(joinedload(DiscountCode.amounts))
                                .order_by(DiscountCode.id).limit(MAX_AUTOMATIC)).unique()
        rules = tuple(
            AutomaticRule(d.id, d.code, d.title, d.kind, d.value, d.minimum_subtotal, d.starts_at, d.ends_at,
                          tuple(RuleAmount(a.currency, a.amount, a.minimum_subtotal) for a in d.amounts),
                          d.updated_at.isoformat() if d.updated_at else "")
            for d in found
            if not (d.ends_at and now >= d.ends_at)
            and not (d.usage_limit is not None and d.times_used >= d.usage_limit))
        cache.set(key, rules, timeout=AUTOMATIC_SECONDS)
    return rules


def automatic_discounts_key(session: Session, *, now: datetime | None = None) -> str:
    """The automatic discounts running now, for cache keys: a page cached before one starts or ends is not reused
    after."""
    now = now or utcnow()
    return ",".join(f"{rule.id}@{rule.stamp}" for rule in automatic_rules(session, now=now) if in_window(rule, now))


def automatic_offers(session: Session, ctx: PricingContext, locale: str, *, price: int,
                     now: datetime | None = None) -> list[AutomaticOffer]:
    """The automatic discounts running now that an order of `price` (in the shopper's currency) qualifies for."""
    now = now or utcnow()
    offers = []
    for rule in automatic_rules(session, now=now):
        minimum = minimum_subtotal(rule, ctx)
        if in_window(rule, now) and (minimum is None or price >= minimum):
            description = describe(rule, ctx, locale)
            offers.append(AutomaticOffer(rule.title or description, description))
    return offers


def best_automatic_discount(session: Session, ctx: PricingContext, subtotal: int, *, now: datetime | None = None,
                            email: str | None = None) -> DiscountCode | None:
    """The usable automatic discount taking most off `subtotal` (free shipping only when none takes anything off;
    the oldest on a tie), read from the database so usage limits are exact."""
    now = now or utcnow()
    candidates = session.scalars(select(DiscountCode).where(DiscountCode.is_automatic.is_(True),
                                                            DiscountCode.active.is_(True))
                                 .options(selectinload(DiscountCode.amounts)).order_by(DiscountCode.id))
    best, best_key = None, None
    for discount in candidates:
        try:
            check_usable(session, discount, email=email, now=now)
            amount = discount_amount(discount, subtotal, ctx)
        except CartError:
            continue
        key = (amount, discount.kind is DiscountKind.FREE_SHIPPING)
        if best_key is None or key > best_key:
            best, best_key = discount, key
    return best


@dataclass(frozen=True)
class DiscountChoice:
    """The one discount a cart gets, and what to tell the shopper about the code they entered."""

    discount: DiscountCode | None = None
    amount: int = 0
    description: str | None = None
    code_error: CartError | None = None     # why the entered code cannot be used
    outbid_code: str | None = None          # the entered code works, but an automatic discount takes off more


def choose_discount(session: Session, code: str | None, subtotal: int, ctx: PricingContext, locale: str, *,
                    email: str | None = None, now: datetime | None = None) -> DiscountChoice:
    """The better of the entered `code` and the best automatic discount for a cart of `subtotal`."""
    now = now or utcnow()
    entered, entered_amount, error = None, 0, None
    if code:
        try:
            entered = check_usable(session, find_code(session, code), email=email, now=now)
            entered_amount = discount_amount(entered, subtotal, ctx)
        except CartError as problem:
            entered, error = None, problem
    automatic = best_automatic_discount(session, ctx, subtotal, now=now, email=email)
    if automatic is not None and automatic is not entered and (
            entered is None or discount_amount(automatic, subtotal, ctx) > entered_amount):
        return DiscountChoice(automatic, discount_amount(automatic, subtotal, ctx), describe(automatic, ctx, locale),
                              error, entered.code if entered else None)
    if entered is not None:
        return DiscountChoice(entered, entered_amount, describe(entered, ctx, locale))
    return DiscountChoice(code_error=error)


# -- staff: creating and changing discounts -----------------------------------------------------------------------
CODE_PATTERN = re.compile(r"[A-Z0-9_-]{3,64}")
TITLE_LENGTH = 160
MAX_AMOUNT = 2**31 - 1


class DiscountError(str, enum.Enum):
    REQUIRED = "required"
    TOO_LONG = "too_long"
    CODE_FORMAT = "code_format"
    CODE_TAKEN = "code_taken"
    UNKNOWN_KIND = "unknown_kind"
    PERCENTAGE_RANGE = "percentage_range"
    BASE_AMOUNT_REQUIRED = "base_amount_required"
    AMOUNT_POSITIVE = "amount_positive"
    NEGATIVE_AMOUNT = "negative_amount"
    AMOUNT_PRECISION = "amount_precision"
    AMOUNT_TOO_LARGE = "amount_too_large"
    UNKNOWN_CURRENCY = "unknown_currency"
    MINIMUM_WITHOUT_AMOUNT = "minimum_without_amount"
    ENDS_BEFORE_START = "ends_before_start"
    USAGE_LIMIT_RANGE = "usage_limit_range"
    UNKNOWN_CAMPAIGN = "unknown_campaign"
    COMMISSION_RANGE = "commission_range"
    AUTOMATIC_COMMISSION = "automatic_commission"


class InvalidDiscount(Invalid):
    """Nothing was written; `problems` names each field to fix."""


@dataclass
class DiscountDraft:
    code: str
    title: str | None = None
    kind: DiscountKind | str = DiscountKind.PERCENTAGE
    percent: Decimal | None = None                                  # 15 = 15 % off
    amounts: dict[str, Decimal] = field(default_factory=dict)       # fixed amount off per currency (base required)
    minimum: Decimal | None = None                                  # minimum subtotal in the base currency
    minimums: dict[str, Decimal] = field(default_factory=dict)      # its own minimum in other currencies
    starts_at: datetime | None = None                               # timezone-aware
    ends_at: datetime | None = None
    usage_limit: int | None = None
    once_per_customer: bool = False
    is_automatic: bool = False
    active: bool = True
    campaign_id: int | None = None
    commission_percent: Decimal | None = None                       # a KOL/affiliate code's commission, 0–100


class DiscountStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    ENDED = "ended"
    USED_UP = "used_up"
    OFF = "off"


def discount_status(discount: DiscountCode, now: datetime) -> DiscountStatus:
    if not discount.active:
        return DiscountStatus.OFF
    if discount.ends_at and now >= discount.ends_at:
        return DiscountStatus.ENDED
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        return DiscountStatus.USED_UP
    if discount.starts_at and now < discount.starts_at:
        return DiscountStatus.SCHEDULED
    return DiscountStatus.RUNNING


def list_discounts(session: Session) -> list[DiscountCode]:
    """Automatic discounts first, then codes, each alphabetically."""
    return list(session.scalars(select(DiscountCode).options(selectinload(DiscountCode.amounts))
                                .order_by(DiscountCode.is_automatic.desc(), DiscountCode.code)))


def load_discount(session: Session, discount_id: int) -> DiscountCode | None:
    return session.scalar(select(DiscountCode).where(DiscountCode.id == discount_id)
                          .options(selectinload(DiscountCode.amounts)))


class _Checks(Problems):
    error = InvalidDiscount

    def currency(self, name: str, code: str) -> str | None:
        try:
            return normalize_currency(code)
        except UnknownCurrency:
            self.add(name, DiscountError.UNKNOWN_CURRENCY, code=(code or "").strip().upper())
            return None

    def minor(self, name: str, amount: Decimal | None, currency: str | None) -> int | None:
        if amount is None or currency is None:
            return None
        amount = Decimal(amount)
        places = minor_exponent(currency)
        if not amount.is_finite() or amount.adjusted() > 12 or to_minor(amount, currency) > MAX_AMOUNT:
            self.add(name, DiscountError.AMOUNT_TOO_LARGE)
        elif amount < 0:
            self.add(name, DiscountError.NEGATIVE_AMOUNT)
        elif amount != amount.quantize(Decimal(1).scaleb(-places)):
            self.add(name, DiscountError.AMOUNT_PRECISION, currency=currency, places=places)
        else:
            return to_minor(amount, currency)
        return None

    def per_currency(self, name: str, amounts: dict[str, Decimal]) -> dict[str, int]:
        result = {}
        for raw, amount in amounts.items():
            currency = self.currency(name, raw)
            minor = self.minor(name, amount, currency)
            if currency and minor is not None:
                result[currency] = minor
        return result

    def basis_points(self, name: str, percent: Decimal | None, low: int, code: DiscountError) -> int | None:
        """A percentage with at most two decimals (15.5) as basis points (1550)."""
        if percent is None:
            return None
        bp = Decimal(percent) * 100
        if not bp.is_finite() or not low <= bp <= 10000 or bp != bp.to_integral_value():
            self.add(name, code)
            return None
        return int(bp)


def _checked_values(session: Session, draft: DiscountDraft, base_currency: str, *,
                    except_id: int | None) -> tuple[dict[str, Any], list[DiscountAmount]]:
    checks = _Checks()
    code = normalize_code(draft.code)
    if not code:
        checks.add("code", DiscountError.REQUIRED)
    elif not CODE_PATTERN.fullmatch(code):
        checks.add("code", DiscountError.CODE_FORMAT)
    else:
        taken = find_code(session, code)
        if taken is not None and taken.id != except_id:
            checks.add("code", DiscountError.CODE_TAKEN, code=code)
    title = " ".join((draft.title or "").split()) or None
    if draft.is_automatic and not title:
        checks.add("title", DiscountError.REQUIRED)
    if title and len(title) > TITLE_LENGTH:
        checks.add("title", DiscountError.TOO_LONG, max=TITLE_LENGTH)
    try:
        kind = DiscountKind(draft.kind)
    except ValueError:
        kind = None
        checks.add("kind", DiscountError.UNKNOWN_KIND)
    value, amounts = 0, {}
    if kind is DiscountKind.PERCENTAGE:
        if draft.percent is None:
            checks.add("percent", DiscountError.REQUIRED)
        value = checks.basis_points("percent", draft.percent, 1, DiscountError.PERCENTAGE_RANGE) or 0
    elif kind is DiscountKind.FIXED_AMOUNT:
        before = len(checks.items)
        amounts = checks.per_currency("amounts", draft.amounts)
        if len(checks.items) == before and base_currency not in amounts:
            checks.add("amounts", DiscountError.BASE_AMOUNT_REQUIRED, currency=base_currency)
        elif any(amount == 0 for amount in amounts.values()):
            checks.add("amounts", DiscountError.AMOUNT_POSITIVE)
        value = amounts.get(base_currency, 0)
    minimum = checks.minor("minimum", draft.minimum, base_currency)
    minimums = checks.per_currency("minimums", draft.minimums)
    if kind is DiscountKind.FIXED_AMOUNT:
        for currency in sorted(set(minimums) - set(amounts)):
            checks.add("minimums", DiscountError.MINIMUM_WITHOUT_AMOUNT, currency=currency)
    for moment in (draft.starts_at, draft.ends_at):
        if moment is not None and moment.tzinfo is None:
            raise ValueError("discount windows must be timezone-aware")
    if draft.starts_at and draft.ends_at and draft.ends_at <= draft.starts_at:
        checks.add("ends_at", DiscountError.ENDS_BEFORE_START)
    if draft.usage_limit is not None and not 1 <= draft.usage_limit <= MAX_AMOUNT:
        checks.add("usage_limit", DiscountError.USAGE_LIMIT_RANGE)
    if draft.campaign_id is not None and session.get(Campaign, draft.campaign_id) is None:
        checks.add("campaign_id", DiscountError.UNKNOWN_CAMPAIGN)
    commission = checks.basis_points("commission_percent", draft.commission_percent, 0,
                                     DiscountError.COMMISSION_RANGE)
    if draft.is_automatic and commission is not None:
        checks.add("commission_percent", DiscountError.AUTOMATIC_COMMISSION)
    checks.raise_if_any()
    rows = [DiscountAmount(currency=currency, amount=amounts.get(currency, 0), minimum_subtotal=minimums.get(currency))
            for currency in sorted(set(amounts) | set(minimums))]
    values = dict(code=code, title=title, kind=kind, value=value, minimum_subtotal=minimum or None,
                  starts_at=draft.starts_at, ends_at=draft.ends_at, usage_limit=draft.usage_limit,
                  once_per_customer=bool(draft.once_per_customer), is_automatic=bool(draft.is_automatic),
                  active=bool(draft.active), campaign_id=draft.campaign_id, commission_bp=commission)
    return values, rows


def discount_snapshot(discount: DiscountCode) -> dict[str, Any]:
    """What the audit log keeps of a discount."""
    return {"code": discount.code, "title": discount.title, "kind": discount.kind.value, "value": discount.value,
            "minimum_subtotal": discount.minimum_subtotal,
            "amounts": {a.currency: [a.amount, a.minimum_subtotal] for a in discount.amounts},
            "starts_at": discount.starts_at.isoformat() if discount.starts_at else None,
            "ends_at": discount.ends_at.isoformat() if discount.ends_at else None,
            "usage_limit": discount.usage_limit, "once_per_customer": discount.once_per_customer,
            "is_automatic": discount.is_automatic, "active": discount.active, "campaign_id": discount.campaign_id,
            "commission_bp": discount.commission_bp}


def save_discount(session: Session, discount: DiscountCode | None, draft: DiscountDraft, *, base_currency: str,
                  staff_user_id: int | None = None, ip_address: str | None = None) -> DiscountCode:
    """Create (`discount` None) or change a discount after checking every field; InvalidDiscount otherwise."""
    values, rows = _checked_values(session, draft, base_currency, except_id=discount.id if discount else None)
    before = discount_snapshot(discount) if discount is not None else None
    if discount is None:
        discount = DiscountCode()
        session.add(discount)
    for key, value in values.items():
        setattr(discount, key, value)
    discount.amounts = rows
    discount.updated_at = utcnow()  # a change of amounts alone must reach cached pages too
    session.flush()
    after = discount_snapshot(discount)
    if before is None:
        audit.record(session, staff_user_id=staff_user_id, action="discount_code.create", entity_type="discount_code",
                     entity_id=discount.id, after=after, ip_address=ip_address)
    else:
        changed_before, changed_after = audit.changes(before, after)
        audit.record(session, staff_user_id=staff_user_id, action="discount_code.update", entity_type="discount_code",
                     entity_id=discount.id, before=changed_before, after=changed_after, ip_address=ip_address)
    return discount
