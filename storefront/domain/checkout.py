"""Checkout: re-check the cart, reserve stock, create the order, hand the shopper to Stripe Checkout.

The order and its reservations are committed before Stripe is called, so row locks are held for
milliseconds, not for a network round trip; if Stripe fails, a second transaction takes everything
back (reservations released, order removed) and the shopper sees why on the cart.
"""
from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable

import pycountry
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.domain import inventory, shipping
from storefront.domain.cart.calculations import CartView
from storefront.domain.cart.errors import CartError, CartErrorCode
from storefront.domain.catalog.changes import product_changed
from storefront.domain.catalog.stock import LocationInfo
from storefront.domain.database import begin_writing
from storefront.domain.markets import MarketInfo
from storefront.domain.marketing import attribution
from storefront.domain.money import minor_exponent
from storefront.domain.orders import events
from storefront.domain.orders.actions import expire_overdue
from storefront.domain.pricing import PricingContext
from storefront.domain.tax import TaxInfo
from storefront.integrations.stripe_gateway import GatewayError, StripeGateway
from storefront.models import InventoryReservation, Order, OrderEvent, OrderLine, StoreSettings, utcnow

STRIPE_LOCALES = {"en": "en", "de": "de", "fr": "fr", "es": "es", "ja": "ja", "zh-CN": "zh"}
SESSION_MINUTES = 31  # Stripe wants at least 30 minutes
MAX_SHIPPING_OPTIONS = 5
# Countries Stripe cannot ship to or sell in, left out of the default market's list.
EXCLUDED_COUNTRIES = {"AQ", "BV", "CU", "HM", "IR", "KP", "SY", "UM"}


class CheckoutErrorCode(str, enum.Enum):
    EMPTY = "empty"
    CART_PROBLEM = "cart_problem"
    OUT_OF_STOCK = "out_of_stock"
    NO_SHIPPING = "no_shipping"
    PAYMENT_UNAVAILABLE = "payment_unavailable"


class CheckoutError(Exception):
    def __init__(self, code: CheckoutErrorCode, title: str = "") -> None:
        super().__init__(code.value)
        self.code = code
        self.title = title


@dataclass(frozen=True)
class CheckoutUrls:
    success: Callable[[str], str]  # order token → absolute URL (may contain {CHECKOUT_SESSION_ID})
    cancel: str
    image: Callable[[str], str]     # media key → absolute URL


@dataclass(frozen=True)
class StartedCheckout:
    order: Order
    redirect_url: str


def _split(total: int, weights: list[int]) -> list[int]:
    """Allocate `total` over lines in proportion to `weights`, exactly (largest remainder)."""
    whole = sum(weights)
    if not whole or not total:
        return [0] * len(weights)
    raw = [Decimal(total) * w / whole for w in weights]
    shares = [int(r) for r in raw]
    for index in sorted(range(len(raw)), key=lambda i: raw[i] - shares[i], reverse=True)[:total - sum(shares)]:
        shares[index] += 1
    return shares


def included_tax(amount: int, rate: Decimal) -> int:
    """The VAT inside a tax-inclusive amount: amount − amount / (1 + rate)."""
    if not rate or amount <= 0:
        return 0
    net = (Decimal(amount) / (1 + rate / 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return amount - int(net)


def added_tax(amount: int, rate: Decimal) -> int:
    return int((Decimal(amount) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) if rate else 0


def to_base(amount: int, ctx: PricingContext) -> int:
    value = Decimal(amount).scaleb(-minor_exponent(ctx.currency)) / ctx.fx_rate
    return int(value.scaleb(minor_exponent(ctx.base_currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def allowed_countries(market: MarketInfo, country: str | None) -> list[str]:
    if market.countries:
        return sorted(market.countries)
    everywhere = {c.alpha_2 for c in pycountry.countries} - EXCLUDED_COUNTRIES
    return sorted(everywhere | ({country} if country else set()))


def next_order_number(session: Session, store: StoreSettings) -> int:
    highest = session.scalar(select(func.max(Order.number)))
    return max(highest + 1 if highest else store.order_number_start, store.order_number_start)


def _reserve_all(session: Session, view: CartView, locations: tuple[LocationInfo, ...], country: str | None):
    held = []
    for line in view.lines:
        if not line.variant.track_inventory:
            continue
        reserved = inventory.reserve(session, line.variant, line.quantity, locations, country)
        if reserved is None:
            raise CheckoutError(CheckoutErrorCode.OUT_OF_STOCK, title=line.product_title)
        held.append(reserved)
    return held


def create_order(session: Session, *, view: CartView, ctx: PricingContext, store: StoreSettings, locale: str,
                 locations: tuple[LocationInfo, ...], tax: TaxInfo | None, email: str | None = None) -> Order:
    """Reserve every line and write the order (pending payment) in the caller's transaction."""
    if not view.lines:
        raise CheckoutError(CheckoutErrorCode.EMPTY)
    problem = next((line for line in view.lines if line.problem), None)
    if problem is not None:
        sold_out = problem.problem in (CartErrorCode.SOLD_OUT, CartErrorCode.NOT_ENOUGH_STOCK)
        raise CheckoutError(CheckoutErrorCode.OUT_OF_STOCK if sold_out else CheckoutErrorCode.CART_PROBLEM,
                            title=problem.product_title)
    # A code that does not apply (e.g. a campaign's code below its minimum) never blocks the purchase: the cart
    # page says why it is not applied and shows the total without it, which is what the shopper pays.
    country = ctx.country
    held = _reserve_all(session, view, locations, country)
    location_of = {(h.variant_id): h.location_id for h in held}
    subtotal, discount = view.subtotal, view.discount_amount
    line_discounts = _split(discount, [line.line_price for line in view.lines])
    inclusive = ctx.prices_include_tax
    rate = tax.rate if tax else Decimal(0)
    line_taxes = [included_tax(line.line_price - d, rate) if inclusive else added_tax(line.line_price - d, rate)
                  for line, d in zip(view.lines, line_discounts)]
    tax_total = sum(line_taxes)
    total = subtotal - discount + (0 if inclusive else tax_total)
    now = utcnow()
    order = Order(
        token=secrets.token_urlsafe(24), email=email or view.cart.email or "", locale=locale,
        market_id=ctx.market.id or None, country_code=country, currency=ctx.currency, subtotal=subtotal,
        discount_total=discount, shipping_total=0, tax_total=tax_total, total=total, taxes_included=inclusive,
        duties_policy=ctx.market.duties_policy, base_currency=ctx.base_currency, fx_rate=ctx.fx_rate,
        fx_rate_date=ctx.fx_rate_date, base_subtotal=to_base(subtotal, ctx), base_discount_total=to_base(discount, ctx),
        base_tax_total=to_base(tax_total, ctx), base_total=to_base(total, ctx),
        discount_code=view.discount.code if view.discount else None, note=view.cart.note,
        attributes=dict(view.cart.attributes or {}), cart_token=view.cart.token,
        first_touch_campaign_id=view.cart.first_touch_campaign_id,
        last_touch_campaign_id=view.cart.last_touch_campaign_id,
        reservation_expires_at=now + timedelta(minutes=store.reservation_minutes),
    )
    attribution.attribute_order(session, order, view.cart, now=now)
    order.lines = [
        OrderLine(
            variant_id=line.variant.id, product_id=line.product.id, title=line.product_title,
            variant_title=line.variant_title, sku=line.variant.sku, quantity=line.quantity, unit_price=line.price,
            compare_at_price=line.compare_at_price, line_total=line.line_price, discount_total=line_discount,
            tax_total=line_tax, base_unit_price=line.variant.price, weight_grams=line.variant.weight_grams,
            hs_code=line.product.hs_code, origin_country=line.product.origin_country,
            customs_description=line.product.customs_description, requires_shipping=line.variant.requires_shipping,
            properties=dict(line.line.properties or {}), location_id=location_of.get(line.variant.id),
        )
        for line, line_discount, line_tax in zip(view.lines, line_discounts, line_taxes)
    ]
    for attempt in range(5):  # two checkouts may pick the same next number: the unique index decides
        order.number = next_order_number(session, store) + attempt
        try:
            with session.begin_nested():
                session.add(order)
                session.flush()
            break
        except IntegrityError:
            if attempt == 4:
                raise
    inventory.record_reservations(session, order.id, held, order.reservation_expires_at)
    for line in view.lines:
        product_changed(session, line.product.id)
    events.order_placed(session, order=order, cart_token=view.cart.token)
    return order


def stripe_params(order: Order, view: CartView, ctx: PricingContext, options: list[shipping.ShippingOption],
                  urls: CheckoutUrls, tax: TaxInfo | None) -> dict[str, Any]:
    currency = ctx.currency.lower()
    line_items: list[dict[str, Any]] = []
    for line in view.lines:
        product_data: dict[str, Any] = {"name": line.title[:250],
                                        "metadata": {"variant_id": str(line.variant.id), "sku": line.variant.sku or ""}}
        if line.image:
            product_data["images"] = [urls.image(f"{line.image.image.key}-{line.image.image.sizes[-1]}.jpg")]
        line_items.append({"quantity": line.quantity,
                           "price_data": {"currency": currency, "unit_amount": line.price, "product_data": product_data}})
    if order.tax_total and not order.taxes_included:
        line_items.append({"quantity": 1, "price_data": {"currency": currency, "unit_amount": order.tax_total,
                                                         "product_data": {"name": tax.name if tax else "Tax"}}})
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": line_items,
        "locale": STRIPE_LOCALES.get(order.locale, "auto"),
        "client_reference_id": order.token,
        "metadata": {"order_number": str(order.number), "order_token": order.token, "market": ctx.market.code},
        "payment_intent_data": {"metadata": {"order_number": str(order.number), "order_token": order.token}},
        "success_url": urls.success(order.token),
        "cancel_url": urls.cancel,
        "expires_at": int((utcnow() + timedelta(minutes=SESSION_MINUTES)).timestamp()),
        "shipping_address_collection": {"allowed_countries": allowed_countries(ctx.market, ctx.country)},
        "shipping_options": [
            {"shipping_rate_data": {
                "type": "fixed_amount", "display_name": option.name[:100],
                "fixed_amount": {"amount": option.price, "currency": currency},
                "delivery_estimate": {"minimum": {"unit": "business_day", "value": max(option.min_days, 1)},
                                      "maximum": {"unit": "business_day", "value": max(option.max_days, 1)}},
                "metadata": {"rate_id": str(option.rate_id)},
            }}
            for option in options[:MAX_SHIPPING_OPTIONS]
        ],
    }
    if order.email:
        params["customer_email"] = order.email
    return params


def start_checkout(session: Session, *, view: CartView, ctx: PricingContext, store: StoreSettings, locale: str,
                   locations: tuple[LocationInfo, ...], tax: TaxInfo | None, rates, gateway: StripeGateway,
                   urls: CheckoutUrls) -> StartedCheckout:
    """Reserve and record (commit), then create the Stripe Checkout Session; undo everything if Stripe fails."""
    # Stock held by abandoned checkouts goes back first, even where no worker runs the expiry job.
    if expire_overdue(session):
        session.commit()
        begin_writing(session)
    if view.requires_shipping:
        options = shipping.options_for(session, ctx, rates, country=ctx.country, weight_grams=view.total_weight,
                                       subtotal=view.total, locale=locale, free_shipping=view.free_shipping)
        if not options:
            raise CheckoutError(CheckoutErrorCode.NO_SHIPPING)
    else:
        options = []
    try:
        order = create_order(session, view=view, ctx=ctx, store=store, locale=locale, locations=locations, tax=tax)
        order.attributes = {**order.attributes, "shipping_options": [
            {"rate_id": o.rate_id, "name": o.name, "amount": o.price, "service_level": o.service_level,
             **({"carrier_quote": o.carrier_quote} if o.carrier_quote else {})}
            for o in options[:MAX_SHIPPING_OPTIONS]]}
        # Everything Stripe needs is read now: no database work happens while waiting for Stripe.
        params = stripe_params(order, view, ctx, options, urls, tax)
        coupon = None
        if view.discount and view.discount_amount:
            # The shopper sees the coupon's name on Stripe's page: an automatic discount's title reads better.
            name = (view.discount.title if view.discount.is_automatic else None) or view.discount.code
            coupon = (name, view.discount_amount)
        order_id, token = order.id, order.token
        session.commit()
    except (CheckoutError, CartError):
        session.rollback()
        raise
    try:
        if coupon:
            params["discounts"] = [{"coupon": gateway.create_coupon(
                amount_off=coupon[1], currency=ctx.currency.lower(), name=coupon[0][:40],
                idempotency_key=f"coupon-{token}")}]
        checkout = gateway.create_checkout_session(params, idempotency_key=f"checkout-{token}")
    except GatewayError:
        undo_order(session, order_id)
        raise CheckoutError(CheckoutErrorCode.PAYMENT_UNAVAILABLE) from None
    begin_writing(session)
    order = session.get(Order, order_id)
    order.stripe_checkout_session_id = checkout.id
    events.checkout_session_created(session, order=order, session_id=checkout.id)
    session.commit()
    return StartedCheckout(order=order, redirect_url=checkout.url)


def undo_order(session: Session, order_id: int) -> None:
    """Stripe would not take the order: give the stock back and leave no trace of it."""
    session.rollback()
    begin_writing(session)
    order = session.get(Order, order_id)
    inventory.release(session, order.id)
    for line in order.lines:
        if line.product_id:
            product_changed(session, line.product_id)
    session.execute(delete(InventoryReservation).where(InventoryReservation.order_id == order.id))
    session.execute(delete(OrderEvent).where(OrderEvent.order_id == order.id))
    session.delete(order)
    session.commit()
