"""Changing a cart: add, change, update, clear, note, discount code. Stock and market are checked here."""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.domain import discounts
from storefront.domain.cart.calculations import properties_hash
from storefront.domain.cart.errors import CartError, CartErrorCode
from storefront.domain.catalog.queries import visible_products
from storefront.domain.catalog.stock import LocationInfo, available_quantity, is_available
from storefront.domain.markets import Localization
from storefront.domain.marketing import attribution
from storefront.domain.pricing import PricingContext
from storefront.models import Cart, CartLine, Product, Variant, utcnow

MAX_QUANTITY = 999
MAX_LINES = 100
MAX_PROPERTIES = 20
MAX_NOTE = 5000
MAX_ID = 2**31 - 1  # ids are INTEGER columns; a larger number is no variant, and SQLite cannot even bind it


def new_cart(session: Session, localization: Localization, locale: str, *, visitor_id: str | None = None) -> Cart:
    """A new cart; a tracked visitor's cart starts attributed to the campaigns that brought them."""
    cart = Cart(token=secrets.token_urlsafe(32), market_id=localization.market.id or None,
                currency=localization.currency, locale=locale, country_code=localization.country)
    session.add(cart)
    attribution.attribute_cart(session, cart, visitor_id=visitor_id, now=utcnow())
    session.flush()
    return cart


def follow_localization(cart: Cart, localization: Localization, locale: str) -> None:
    """Prices are always computed fresh; the cart only remembers where and how it is shown."""
    cart.market_id = localization.market.id or None
    cart.currency = localization.currency
    cart.locale = locale
    cart.country_code = localization.country


def parse_quantity(raw: Any, *, allow_zero: bool) -> int:
    try:
        quantity = int(str(raw).strip()) if raw is not None and str(raw).strip() != "" else 1
    except (TypeError, ValueError):
        raise CartError(CartErrorCode.INVALID_QUANTITY) from None
    if quantity < (0 if allow_zero else 1) or quantity > MAX_QUANTITY:
        raise CartError(CartErrorCode.INVALID_QUANTITY)
    return quantity


def clean_properties(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    cleaned = {}
    for key, value in list(raw.items())[:MAX_PROPERTIES]:
        if isinstance(key, str) and key.strip() and value not in (None, ""):
            cleaned[key.strip()[:100]] = str(value)[:500]
    return cleaned


def _purchasable_variant(session: Session, variant_id: Any) -> Variant:
    try:
        vid = int(str(variant_id).strip())
    except (TypeError, ValueError):
        raise CartError(CartErrorCode.UNKNOWN_VARIANT) from None
    if not 0 < vid <= MAX_ID:
        raise CartError(CartErrorCode.UNKNOWN_VARIANT)
    variant = session.scalar(
        select(Variant).join(Product).where(Variant.id == vid, Product.id.in_(visible_products().with_only_columns(Product.id)))
        .options(selectinload(Variant.inventory_levels), selectinload(Variant.product).selectinload(Product.restrictions),
                 selectinload(Variant.product).selectinload(Product.translations))
    )
    if variant is None:
        raise CartError(CartErrorCode.UNKNOWN_VARIANT)
    return variant


def _check_stock(variant: Variant, quantity: int, ctx: PricingContext, locations: tuple[LocationInfo, ...],
                 title: str) -> None:
    if any(r.market_id == ctx.market.id for r in variant.product.restrictions):
        raise CartError(CartErrorCode.NOT_SOLD_IN_MARKET, title=title)
    if not is_available(variant, locations, ctx.country):
        raise CartError(CartErrorCode.SOLD_OUT, title=title)
    available = available_quantity(variant, locations, ctx.country)
    if available is not None and quantity > available and variant.inventory_policy.value == "deny":
        raise CartError(CartErrorCode.NOT_ENOUGH_STOCK, title=title, available=available)


def _in_other_lines(cart: Cart, variant_id: int, line: CartLine | None) -> int:
    """Units of the variant on the cart's other lines (other properties): they take from the same stock."""
    return sum(other.quantity for other in cart.lines if other.variant_id == variant_id and other is not line)


def _title(variant: Variant, locale: str) -> str:
    tr = next((t for t in variant.product.translations if t.locale == locale), None)
    return tr.title if tr else variant.product.title


def add_item(session: Session, cart: Cart, variant_id: Any, quantity: Any, properties: Any,
             ctx: PricingContext, locations: tuple[LocationInfo, ...]) -> CartLine:
    """Add to the line with the same variant and properties, or start a new one."""
    amount = parse_quantity(quantity, allow_zero=False)
    variant = _purchasable_variant(session, variant_id)
    props = clean_properties(properties)
    digest = properties_hash(props)
    line = next((l for l in cart.lines if l.variant_id == variant.id and l.properties_hash == digest), None)
    total = amount + (line.quantity if line else 0)
    if total > MAX_QUANTITY:
        raise CartError(CartErrorCode.INVALID_QUANTITY)
    _check_stock(variant, total + _in_other_lines(cart, variant.id, line), ctx, locations, _title(variant, cart.locale))
    if line is None:
        if len(cart.lines) >= MAX_LINES:
            raise CartError(CartErrorCode.TOO_MANY_LINES)
        line = CartLine(variant_id=variant.id, variant=variant, quantity=amount, properties=props,
                        properties_hash=digest, position=max((l.position for l in cart.lines), default=0) + 1)
        cart.lines.append(line)
    else:
        line.quantity = total
    session.flush()
    return line


def find_line(cart: Cart, *, line: Any = None, key: Any = None, variant_id: Any = None) -> CartLine:
    """Shopify's ways to name a line: 1-based `line`, `key` "<variant>:<hash>", or a variant `id`."""
    if line not in (None, ""):
        try:
            index = int(str(line))
        except ValueError:
            raise CartError(CartErrorCode.UNKNOWN_LINE) from None
        if 1 <= index <= len(cart.lines):
            return cart.lines[index - 1]
        raise CartError(CartErrorCode.UNKNOWN_LINE)
    if key not in (None, ""):
        for candidate in cart.lines:
            if f"{candidate.variant_id}:{candidate.properties_hash}" == str(key):
                return candidate
        raise CartError(CartErrorCode.UNKNOWN_LINE)
    if variant_id not in (None, ""):
        text = str(variant_id)
        for candidate in cart.lines:
            if str(candidate.variant_id) == text or f"{candidate.variant_id}:{candidate.properties_hash}" == text:
                return candidate
    raise CartError(CartErrorCode.UNKNOWN_LINE)


def set_quantity(session: Session, cart: Cart, target: CartLine, quantity: Any, ctx: PricingContext,
                 locations: tuple[LocationInfo, ...]) -> None:
    amount = parse_quantity(quantity, allow_zero=True)
    if amount == 0:
        cart.lines.remove(target)
    else:
        if amount > target.quantity:
            _check_stock(target.variant, amount + _in_other_lines(cart, target.variant_id, target), ctx, locations,
                         _title(target.variant, cart.locale))
        target.quantity = amount
    session.flush()


def set_properties(session: Session, cart: Cart, target: CartLine, properties: Any) -> None:
    """Replace a line's properties (change.js). Its key follows them; a line that now matches another joins it."""
    props = clean_properties(properties)
    digest = properties_hash(props)
    twin = next((l for l in cart.lines if l is not target and l.variant_id == target.variant_id
                 and l.properties_hash == digest), None)
    if twin is None:
        target.properties, target.properties_hash = props, digest
    else:
        if twin.quantity + target.quantity > MAX_QUANTITY:
            raise CartError(CartErrorCode.INVALID_QUANTITY)
        twin.quantity += target.quantity
        cart.lines.remove(target)
    session.flush()


def update_quantities(session: Session, cart: Cart, updates: Any, ctx: PricingContext,
                      locations: tuple[LocationInfo, ...]) -> None:
    """Shopify's update.js `updates`: a {variant id or key: quantity} map, or a list by line order."""
    if isinstance(updates, list):
        pairs = [(cart.lines[i], qty) for i, qty in enumerate(updates) if i < len(cart.lines)]
    elif isinstance(updates, dict):
        pairs = []
        for ident, qty in updates.items():
            try:
                target = find_line(cart, variant_id=ident)
            except CartError:
                if parse_quantity(qty, allow_zero=True) > 0:
                    add_item(session, cart, str(ident).split(":")[0], qty, None, ctx, locations)
                continue
            pairs.append((target, qty))
    else:
        return
    for target, qty in pairs:
        if target in cart.lines:
            set_quantity(session, cart, target, qty, ctx, locations)


def set_note_and_attributes(cart: Cart, note: Any = None, attributes: Any = None) -> None:
    if note is not None:
        cart.note = str(note)[:MAX_NOTE]
    if isinstance(attributes, dict):
        merged = dict(cart.attributes or {})
        for key, value in list(attributes.items())[:MAX_PROPERTIES]:
            if not isinstance(key, str) or not key.strip():
                continue
            if value in (None, ""):
                merged.pop(key.strip()[:100], None)
            else:
                merged[key.strip()[:100]] = str(value)[:500]
        cart.attributes = merged


def clear(session: Session, cart: Cart) -> None:
    cart.lines.clear()
    session.flush()


def apply_discount_code(session: Session, cart: Cart, code: str) -> None:
    """Remember a code the shopper typed if it exists and can be used now (the minimum is checked on totals)."""
    normalized = discounts.normalize_code(code)
    if not normalized:
        cart.discount_code = None
        return
    discounts.check_usable(session, discounts.find_code(session, normalized), email=cart.email)
    cart.discount_code = normalized
