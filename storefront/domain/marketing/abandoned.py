"""Abandoned checkouts: the shopper gave Stripe their e-mail but did not pay. One e-mail, after a delay and in
their language, lists what they left with a link that puts it back in their cart; arrivals through that link
are visits of the system campaign "Abandoned checkout e-mails", so recovered orders show in the reports like
those of any campaign.

An abandoned checkout is the latest order of a cart that is still unpaid after its Stripe session or its stock
reservation expired, at least `delay` old (and not older than RECOVERY_WINDOW), whose shopper's e-mail we know,
whose cart was never e-mailed (`Cart.recovery_email_sent_at`), never completed, and whose shopper neither
unsubscribed nor paid another order since.
"""
from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from storefront.domain.cart import actions as cart_actions
from storefront.domain.cart.calculations import properties_hash
from storefront.domain.cart.errors import CartError, CartErrorCode
from storefront.domain.catalog.stock import LocationInfo
from storefront.domain.markets import Localization
from storefront.domain.marketing import attribution, newsletter
from storefront.domain.orders import events
from storefront.domain.orders.actions import FINAL
from storefront.domain.orders.queries import find_order_by_token
from storefront.domain.pricing import PricingContext
from storefront.domain.seo import locale_path
from storefront.domain.store import load_store_settings
from storefront.extensions import db
from storefront.integrations.mailer import MailError
from storefront.models import (
    Campaign,
    CampaignChannel,
    Cart,
    DiscountCode,
    LandingKind,
    Order,
    OrderLine,
    PaymentStatus,
    Product,
    ProductImage,
    Subscriber,
    SubscriberStatus,
    Variant,
    Visit,
    utcnow,
)

TEMPLATE = "abandoned_checkout"
DEFAULT_DELAY = timedelta(hours=1)
# A checkout abandoned longer ago than this is not chased any more (nor are old ones when the job first runs).
RECOVERY_WINDOW = timedelta(days=7)
RECOVERY_LINK_LIFETIME = timedelta(days=30)
RECOVER_SALT = "abandoned-checkout-recover"
BATCH_SIZE = 200
SYSTEM_CAMPAIGN_NAME = "Abandoned checkout e-mails"
SYSTEM_UTM = {"utm_source": "clipper", "utm_medium": "email", "utm_campaign": "abandoned-checkout"}
log = logging.getLogger(__name__)


class RecoveryErrorCode(str, enum.Enum):
    UNKNOWN_LINK = "unknown_link"
    ALREADY_PAID = "already_paid"


class RecoveryError(Exception):
    def __init__(self, code: RecoveryErrorCode, *, order_token: str | None = None) -> None:
        super().__init__(code.value)
        self.code = code
        self.order_token = order_token


# -- the system campaign -----------------------------------------------------------------------------------------
def system_campaign(session: Session) -> Campaign:
    """The campaign recovered carts are attributed to, created the first time it is needed (staff may rename
    it: it is found by its channel and UTM campaign)."""
    campaign = session.scalars(
        select(Campaign).where(Campaign.channel == CampaignChannel.EMAIL,
                               Campaign.utm_campaign == SYSTEM_UTM["utm_campaign"])
        .order_by(Campaign.id).limit(1)).first()
    if campaign is None:
        campaign = Campaign(name=SYSTEM_CAMPAIGN_NAME, channel=CampaignChannel.EMAIL, landing_kind=LandingKind.HOME,
                            active=True, **SYSTEM_UTM)
        session.add(campaign)
        session.flush()
    return campaign


# -- finding them --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AbandonedCheckout:
    order: Order
    cart: Cart
    email: str


def find_abandoned_checkouts(session: Session, *, now: datetime, delay: timedelta = DEFAULT_DELAY,
                             limit: int = BATCH_SIZE) -> list[AbandonedCheckout]:
    """Checkouts to e-mail now, newest first (see the module's docstring for what counts)."""
    newer = aliased(Order)
    paid_later = aliased(Order)
    email = func.lower(func.coalesce(func.nullif(Order.email, ""), Cart.email))
    stmt = (
        select(Order, Cart, email)
        .join(Cart, Cart.token == Order.cart_token)
        .where(
            or_(Order.payment_status == PaymentStatus.EXPIRED,
                and_(Order.payment_status == PaymentStatus.PENDING, Order.reservation_expires_at < now)),
            Order.created_at <= now - delay, Order.created_at >= now - RECOVERY_WINDOW,
            Cart.completed_at.is_(None), Cart.recovery_email_sent_at.is_(None),
            func.coalesce(email, "") != "",
            ~exists().where(newer.cart_token == Order.cart_token, newer.created_at > Order.created_at),
            ~exists().where(func.lower(paid_later.email) == email, paid_later.paid_at.is_not(None),
                            paid_later.paid_at >= Order.created_at),
            ~exists().where(Subscriber.email == email, Subscriber.status == SubscriberStatus.UNSUBSCRIBED),
        )
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return [AbandonedCheckout(order, cart, address) for order, cart, address in session.execute(stmt)]


# -- the e-mail ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EmailItem:
    title: str
    variant_title: str | None
    quantity: int
    line_total: int
    image: ProductImage | None


def email_items(session: Session, order: Order) -> list[EmailItem]:
    """The order's lines as the e-mail shows them, each with its variant's picture (else its product's first)."""
    ids = {line.variant_id for line in order.lines if line.variant_id}
    loaded = session.scalars(select(Variant).where(Variant.id.in_(ids)).options(
        selectinload(Variant.image), selectinload(Variant.product).selectinload(Product.images))) if ids else []
    variants = {v.id: v for v in loaded}

    def picture(line: OrderLine) -> ProductImage | None:
        variant = variants.get(line.variant_id)
        if variant is None:
            return None
        return variant.image or min(variant.product.images, key=lambda i: (i.position, i.id), default=None)

    return [EmailItem(line.title, line.variant_title, line.quantity, line.line_total, picture(line))
            for line in order.lines]


def _serializer(secret_key: str | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key or current_app.config["CLIPPER"].secret_key, salt=RECOVER_SALT)


def recovery_token(order: Order, *, secret_key: str | None = None) -> str:
    """The signed token of the link that puts the order's lines back in a cart."""
    return _serializer(secret_key).dumps(order.token)


def send_recovery_email(session: Session, found: AbandonedCheckout, *, now: datetime) -> bool:
    """E-mail one abandoned checkout, once: the cart row is locked and re-checked, and marked when the mail
    has gone."""
    cart = session.get(Cart, found.cart.id, with_for_update=True, populate_existing=True)
    if cart is None or cart.recovery_email_sent_at is not None or newsletter.has_opted_out(session, found.email):
        return False
    order = found.order
    newsletter.send_marketing_email(TEMPLATE, found.email, order.locale, order=order,
                                    items=email_items(session, order), recover_token=recovery_token(order))
    cart.recovery_email_sent_at = now
    events.email_sent(session, order=order, template=TEMPLATE, to=found.email)
    return True


def send_abandoned_checkout_emails(session: Session, *, now: datetime | None = None,
                                   delay: timedelta = DEFAULT_DELAY) -> int:
    """E-mail every abandoned checkout that is due, committing after each one so that a mail server failing
    half-way neither loses what was sent nor sends it twice. Returns how many went."""
    now = now or utcnow()
    system_campaign(session)  # reports list the campaign from the first e-mail on
    session.commit()
    sent = 0
    for found in find_abandoned_checkouts(session, now=now, delay=delay):
        try:
            sent += send_recovery_email(session, found, now=now)
        except MailError:
            log.exception("abandoned-checkout e-mail for order %s not sent", found.order.number)
        session.commit()
    return sent


def send_abandoned_checkout_emails_job() -> int:
    """The periodic job (jobs.PERIODIC)."""
    return send_abandoned_checkout_emails(db.session)


# -- the link back -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recovery:
    cart: Cart
    cart_path: str  # the cart page in the shopper's language (root-relative, without the app's base path)
    problems: tuple[CartError, ...]
    visit: Visit | None


def order_for_recovery_token(session: Session, token: str | None, *, secret_key: str | None = None) -> Order:
    if not token or len(token) > 200:
        raise RecoveryError(RecoveryErrorCode.UNKNOWN_LINK)
    try:
        order_token = _serializer(secret_key).loads(token, max_age=int(RECOVERY_LINK_LIFETIME.total_seconds()))
    except BadSignature:  # forged, damaged or expired (SignatureExpired is a BadSignature)
        raise RecoveryError(RecoveryErrorCode.UNKNOWN_LINK) from None
    order = find_order_by_token(session, order_token) if isinstance(order_token, str) else None
    if order is None:
        raise RecoveryError(RecoveryErrorCode.UNKNOWN_LINK)
    return order


def _restore_line(session: Session, cart: Cart, line: OrderLine, ctx: PricingContext,
                  locations: tuple[LocationInfo, ...]) -> CartError | None:
    """Put one order line back (as far as it is still for sale); what could not be put back, and why."""
    if line.variant_id is None:
        return CartError(CartErrorCode.UNKNOWN_VARIANT, title=line.title)
    properties = cart_actions.clean_properties(dict(line.properties or {}))
    digest = properties_hash(properties)
    existing = next((l for l in cart.lines if l.variant_id == line.variant_id and l.properties_hash == digest), None)
    missing = line.quantity - (existing.quantity if existing else 0)
    if missing <= 0:
        return None
    try:
        cart_actions.add_item(session, cart, line.variant_id, missing, properties, ctx, locations)
        return None
    except CartError as error:
        error.title = error.title or line.title
        in_cart = sum(l.quantity for l in cart.lines if l.variant_id == line.variant_id)
        addable = min(missing, (error.available or 0) - in_cart)
        if error.code is CartErrorCode.NOT_ENOUGH_STOCK and addable > 0:
            cart_actions.add_item(session, cart, line.variant_id, addable, properties, ctx, locations)
        return error


def recover_cart(session: Session, token: str | None, *, cart: Cart | None, localization: Localization,
                 pricing: PricingContext, locations: tuple[LocationInfo, ...], visitor_id: str | None,
                 referrer_host: str | None, now: datetime, secret_key: str | None = None) -> Recovery:
    """The shopper followed the e-mail's link: put the order's lines back into their cart (a new one when they
    have none), with its discount code and e-mail, and, when they may be tracked, record the arrival as a visit
    of the system campaign and attribute the cart to it."""
    order = order_for_recovery_token(session, token, secret_key=secret_key)
    if order.payment_status in FINAL:
        raise RecoveryError(RecoveryErrorCode.ALREADY_PAID, order_token=order.token)
    store = load_store_settings(session)
    locale = order.locale if order.locale in store.enabled_locales else store.default_locale
    if cart is None:
        cart = cart_actions.new_cart(session, localization, locale)
    problems = [problem for line in order.lines
                if (problem := _restore_line(session, cart, line, pricing, locations)) is not None]
    # An automatic discount applies by itself again; only a code the shopper typed is put back.
    typed = order.discount_code and not session.scalar(
        select(DiscountCode.is_automatic).where(DiscountCode.code == order.discount_code))
    if typed and not cart.discount_code:
        try:
            cart_actions.apply_discount_code(session, cart, order.discount_code)
        except CartError as error:
            problems.append(error)
    cart.email = cart.email or order.email or None
    cart_path = locale_path("/cart", locale, store.default_locale)
    visit = None
    if visitor_id:
        campaign = system_campaign(session)
        visit = attribution.record_visit(
            session, visitor_id=visitor_id, campaign=campaign, utm=attribution.campaign_utm(campaign),
            landing_path=cart_path, referrer_host=referrer_host, locale=locale, country_code=localization.country,
            now=now)
        attribution.attribute_cart(session, cart, visitor_id=visitor_id, now=now)
    session.flush()
    return Recovery(cart=cart, cart_path=cart_path, problems=tuple(problems), visit=visit)
