"""Attribution: tracked links and UTM arrivals become visits, and visits give carts and orders their first and
last touch campaign.

A visitor is a random first-party id in the `clipper_vid` cookie, given only to people who do not ask not to
be tracked (DNT / Sec-GPC) and are not bots. A visit stores no personal data: the campaign, the UTM values as
they came (cleaned and capped), the landing path, the referring host, the language and the country.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, joinedload

from storefront.domain import discounts
from storefront.domain.cart.errors import CartError
from storefront.domain.seo import locale_path
from storefront.domain.store import load_store_settings
from storefront.models import (
    Campaign,
    CampaignLink,
    Cart,
    Collection,
    CollectionTranslation,
    DiscountCode,
    LandingKind,
    Order,
    Page,
    PageTranslation,
    Product,
    ProductStatus,
    ProductTranslation,
    Visit,
    utcnow,
)

VISITOR_COOKIE = "clipper_vid"
VISITOR_COOKIE_AGE = 365 * 24 * 3600
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
UTM_MAX_LENGTH = 120
# Arrivals of one visitor from the same source within this time are one visit (a reload, the landing page
# after /c/ redirected to it with the same UTM parameters).
VISIT_SESSION = timedelta(minutes=30)
# Lower-case pieces of user agents that are crawlers, link previews, monitors and scripts, not shoppers.
BOT_MARKERS = (
    "bot", "crawl", "spider", "slurp", "facebookexternalhit", "facebookcatalog", "preview", "headless",
    "lighthouse", "pingdom", "uptime", "monitor", "curl/", "wget", "python-requests", "python-urllib", "httpx",
    "aiohttp", "okhttp", "go-http-client", "java/", "libwww", "scrapy", "phantomjs", "embedly", "whatsapp",
    "telegram", "discord", "skype", "vkshare", "ia_archiver", "feedfetcher", "mediapartners", "adsbot",
)
_VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_HOST = re.compile(r"[a-z0-9.-]{1,253}(:[0-9]{1,5})?")
_COUNTRY = re.compile(r"[A-Z]{2}")
_CART_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_PATH_LENGTH = 500
MAX_CODE_LENGTH = 64


# -- who counts --------------------------------------------------------------------------------------------
def is_bot(user_agent: str | None) -> bool:
    """Crawlers, link previews, headless browsers and scripts (and requests with no user agent) don't count."""
    agent = (user_agent or "").strip().lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    return next((str(value) for key, value in headers.items() if key.lower() == wanted), "").strip()


def tracking_allowed(headers: Mapping[str, str]) -> bool:
    """False when the browser asks not to be tracked: `DNT: 1` or `Sec-GPC: 1` (Global Privacy Control)."""
    return _header(headers, "DNT") != "1" and _header(headers, "Sec-GPC") != "1"


def new_visitor_id() -> str:
    return secrets.token_urlsafe(18)


def valid_visitor_id(value: str | None) -> bool:
    """Only ids this shop could have issued are read back; anything else gets a fresh one."""
    return bool(value) and _VISITOR_ID.fullmatch(value) is not None


# -- cleaning what arrives -----------------------------------------------------------------------------------
def clean_utm_value(raw: object) -> str | None:
    """One UTM value as stored: control and invisible format characters out, whitespace collapsed, at most
    120 characters. HTML is kept as text (templates escape it when they show it)."""
    if raw is None:
        return None
    text = str(raw)[: UTM_MAX_LENGTH * 4]
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return " ".join(text.split())[:UTM_MAX_LENGTH] or None


def clean_utm(raw: Mapping[str, object]) -> dict[str, str | None]:
    return {field: clean_utm_value(raw.get(field)) for field in UTM_FIELDS}


def has_utm(raw: Mapping[str, object]) -> bool:
    return any(clean_utm_value(raw.get(field)) for field in UTM_FIELDS)


def clean_path(raw: str | None) -> str | None:
    """A landing path as stored: no control characters (PostgreSQL refuses NUL), at most 500 characters."""
    text = "".join(ch for ch in (raw or "")[: MAX_PATH_LENGTH * 2] if not unicodedata.category(ch).startswith("C"))
    return text[:MAX_PATH_LENGTH] or None


def clean_host(raw: str | None) -> str | None:
    host = (raw or "").strip().lower()
    return host if _HOST.fullmatch(host) else None


def clean_country(raw: str | None) -> str | None:
    code = (raw or "").strip().upper()
    return code if _COUNTRY.fullmatch(code) else None


# -- tracked links and campaigns ---------------------------------------------------------------------------------
def campaign_running(campaign: Campaign, now: datetime) -> bool:
    return bool(campaign.active) and (campaign.starts_at is None or campaign.starts_at <= now) and (
        campaign.ends_at is None or now < campaign.ends_at)


def resolve_link(session: Session, code: str | None, *, now: datetime) -> CampaignLink | None:
    """The link behind /c/<code> while its campaign runs; None for an unknown code, an inactive campaign, one
    that has not started or one that has ended. A code typed in another case still finds its one link."""
    code = (code or "").strip()
    if not code or len(code) > MAX_CODE_LENGTH or not code.isprintable():
        return None
    stmt = select(CampaignLink).options(joinedload(CampaignLink.campaign))
    link = session.scalar(stmt.where(CampaignLink.code == code))
    if link is None:
        matches = session.scalars(stmt.where(func.lower(CampaignLink.code) == code.lower()).limit(2)).all()
        link = matches[0] if len(matches) == 1 else None
    return link if link is not None and campaign_running(link.campaign, now) else None


def match_campaign(session: Session, utm: Mapping[str, object], *, now: datetime) -> Campaign | None:
    """The running campaign plain UTM parameters name: its utm_campaign, and its utm_source when both say one."""
    values = clean_utm(utm)
    name, source = values["utm_campaign"], values["utm_source"]
    if not name:
        return None
    candidates = session.scalars(
        select(Campaign).where(func.lower(Campaign.utm_campaign) == name.lower(), Campaign.active.is_(True))
        .order_by(Campaign.created_at.desc(), Campaign.id.desc())
    ).all()
    running = [c for c in candidates if campaign_running(c, now)
               and (not source or not c.utm_source or c.utm_source.lower() == source.lower())]
    if source:  # a campaign that names this very source beats one that names none
        running.sort(key=lambda c: not (c.utm_source and c.utm_source.lower() == source.lower()))
    return running[0] if running else None


def campaign_utm(campaign: Campaign, link: CampaignLink | None = None) -> dict[str, str | None]:
    """The UTM parameters a tracked link lands with; utm_content names the link when the campaign sets none."""
    return clean_utm({
        "utm_source": campaign.utm_source, "utm_medium": campaign.utm_medium, "utm_campaign": campaign.utm_campaign,
        "utm_content": campaign.utm_content or (link.code if link else None),
    })


def arrival_locale(link: CampaignLink | None, url_locale: str, enabled_locales: list[str]) -> str:
    """The link's own language when the shop offers it, else the language of the URL it was opened under."""
    return link.locale if link and link.locale in enabled_locales else url_locale


def _translated_handle(session: Session, model, translation, owner_column, model_id: int, locale: str,
                       *conditions) -> str | None:
    row = session.execute(
        select(model.handle, translation.handle)
        .outerjoin(translation, and_(owner_column == model.id, translation.locale == locale))
        .where(model.id == model_id, *conditions)
    ).first()
    return (row[1] or row[0]) if row else None


def landing_page_path(session: Session, campaign: Campaign, locale: str) -> str:
    """The root-relative path of the campaign's landing page in `locale`, without the locale prefix; the home
    page when the page, product or collection is gone or not on sale/published."""
    handle, prefix = None, "/"
    if campaign.landing_kind is LandingKind.PAGE and campaign.landing_page_id:
        handle = _translated_handle(session, Page, PageTranslation, PageTranslation.page_id,
                                    campaign.landing_page_id, locale, Page.published.is_(True))
        prefix = "/pages/"
    elif campaign.landing_kind is LandingKind.PRODUCT and campaign.landing_product_id:
        handle = _translated_handle(session, Product, ProductTranslation, ProductTranslation.product_id,
                                    campaign.landing_product_id, locale, Product.status == ProductStatus.ACTIVE,
                                    Product.published_at.is_not(None))
        prefix = "/products/"
    elif campaign.landing_kind is LandingKind.COLLECTION and campaign.landing_collection_id:
        handle = _translated_handle(session, Collection, CollectionTranslation, CollectionTranslation.collection_id,
                                    campaign.landing_collection_id, locale, Collection.published.is_(True))
        prefix = "/collections/"
    return prefix + quote(handle, safe="") if handle else "/"


def landing_url(session: Session, campaign: Campaign, link: CampaignLink | None, *, locale: str) -> str:
    """Where /c/<code> sends the shopper: the landing page in `locale` (prefixed unless it is the default
    language) with the campaign's utm_* parameters."""
    store = load_store_settings(session)
    path = locale_path(landing_page_path(session, campaign, locale), locale, store.default_locale)
    query = urlencode([(field, value) for field, value in campaign_utm(campaign, link).items() if value])
    return f"{path}?{query}" if query else path


def home_url(session: Session, *, locale: str) -> str:
    """Where an unknown or expired link goes: the home page in the shopper's language."""
    return locale_path("/", locale, load_store_settings(session).default_locale)


def arrival_discount(session: Session, campaign: Campaign, link: CampaignLink | None, *,
                     email: str | None = None, now: datetime) -> DiscountCode | None:
    """The link's (else the campaign's) discount code when it can be used now; None otherwise."""
    code_id = (link.discount_code_id if link else None) or campaign.discount_code_id
    if code_id is None:
        return None
    try:
        return discounts.check_usable(session, session.get(DiscountCode, code_id), email=email, now=now)
    except CartError:
        return None


# -- visits ----------------------------------------------------------------------------------------------------------
def _window(session: Session) -> timedelta:
    return timedelta(days=load_store_settings(session).attribution_window_days)


def record_visit(session: Session, *, visitor_id: str, campaign: Campaign | None, link: CampaignLink | None = None,
                 utm: Mapping[str, object], landing_path: str | None, referrer_host: str | None,
                 locale: str | None, country_code: str | None, now: datetime) -> Visit:
    """Store one arrival. The same visitor arriving again with the same UTM values within half an hour is the
    visit already stored, which is returned: a reload, or the landing page /c/ redirected to (its parameters
    may name no campaign, but they are the ones the link's visit stored)."""
    values = clean_utm(utm)
    campaign_id = campaign.id if campaign else None
    recent = session.scalars(
        select(Visit).where(Visit.visitor_id == visitor_id, Visit.created_at > now - VISIT_SESSION,
                            Visit.created_at <= now)
        .order_by(Visit.created_at.desc(), Visit.id.desc())
    ).all()
    for visit in recent:
        if campaign_id in (None, visit.campaign_id) and all(getattr(visit, f) == values[f] for f in UTM_FIELDS):
            return visit
    earlier = campaign is not None and session.scalar(
        select(Visit.id).where(Visit.visitor_id == visitor_id, Visit.campaign_id.is_not(None),
                               Visit.created_at >= now - _window(session), Visit.created_at <= now).limit(1))
    visit = Visit(
        visitor_id=visitor_id, campaign_id=campaign_id, campaign_link_id=link.id if link else None, **values,
        landing_path=clean_path(landing_path), referrer_host=clean_host(referrer_host),
        locale=(locale or "")[:10] or None, country_code=clean_country(country_code),
        is_first_touch=campaign is not None and not earlier, created_at=now,
    )
    session.add(visit)
    session.flush()
    return visit


@dataclass(frozen=True)
class Arrival:
    """What one arrival did: the visit (None for bots and people who asked not to be tracked) and whether a
    discount code was put on the cart."""

    visit: Visit | None
    discount_applied: bool


def arrive(session: Session, *, campaign: Campaign | None, link: CampaignLink | None, visitor_id: str | None,
           cart: Cart | None, discount: DiscountCode | None = None, utm: Mapping[str, object],
           landing_path: str | None, referrer_host: str | None, locale: str | None, country_code: str | None,
           now: datetime) -> Arrival:
    """A shopper arrives from a campaign link or with UTM parameters: record the visit (when tracked), put the
    arrival discount on the cart (tracked or not: a discount is not tracking) and re-attribute the cart."""
    visit = None
    if visitor_id:
        visit = record_visit(session, visitor_id=visitor_id, campaign=campaign, link=link, utm=utm,
                             landing_path=landing_path, referrer_host=referrer_host, locale=locale,
                             country_code=country_code, now=now)
    applied = False
    if cart is not None and discount is not None:
        cart.discount_code = discounts.normalize_code(discount.code)
        applied = True
    if cart is not None and visitor_id:
        attribute_cart(session, cart, visitor_id=visitor_id, now=now)
    session.flush()
    return Arrival(visit=visit, discount_applied=applied)


# -- carts and orders ---------------------------------------------------------------------------------------------------
def _touches(session: Session, visitor_id: str, now: datetime) -> tuple[Visit | None, Visit | None]:
    """The visitor's first and latest campaign visits within the attribution window."""
    within = select(Visit).where(Visit.visitor_id == visitor_id, Visit.campaign_id.is_not(None),
                                 Visit.created_at >= now - _window(session), Visit.created_at <= now)
    first = session.scalars(within.order_by(Visit.created_at, Visit.id).limit(1)).first()
    last = session.scalars(within.order_by(Visit.created_at.desc(), Visit.id.desc()).limit(1)).first()
    return first, last


def attribute_cart(session: Session, cart: Cart, *, visitor_id: str | None, now: datetime) -> None:
    """Give the cart its visitor and the first and last touch campaigns of the visitor's visits within the
    store's attribution window (none when the window holds no campaign visit)."""
    if not visitor_id:
        return
    cart.visitor_id = visitor_id
    first, last = _touches(session, visitor_id, now)
    cart.first_touch_campaign_id = first.campaign_id if first else None
    cart.last_touch_campaign_id = last.campaign_id if last else None


def _cart_token(token: str | None) -> bool:
    return bool(token) and _CART_TOKEN.fullmatch(token) is not None


def link_cart(session: Session, token: str | None, *, visitor_id: str, now: datetime) -> Cart | None:
    """Attribute an open cart that has no visitor yet (one just created by the cart API) to `visitor_id`."""
    if not _cart_token(token):
        return None
    cart = session.scalar(select(Cart).where(Cart.token == token, Cart.completed_at.is_(None),
                                             Cart.visitor_id.is_(None)))
    if cart is not None:
        attribute_cart(session, cart, visitor_id=visitor_id, now=now)
        session.flush()
    return cart


def open_cart(session: Session, token: str | None) -> Cart | None:
    """The open cart with this token, without its lines (attribution needs none)."""
    if not _cart_token(token):
        return None
    return session.scalar(select(Cart).where(Cart.token == token, Cart.completed_at.is_(None)))


def code_attribution(session: Session, code: str | None) -> tuple[int | None, int | None]:
    """(campaign id, link id) a discount code belongs to: its own campaign, the link that hands it out, or the
    campaign that applies it on arrival."""
    found = discounts.find_code(session, code) if code else None
    if found is None:
        return None, None
    link = session.scalars(select(CampaignLink).where(CampaignLink.discount_code_id == found.id)
                           .order_by(CampaignLink.id).limit(1)).first()
    campaign_id = found.campaign_id or (link.campaign_id if link else None) or session.scalar(
        select(Campaign.id).where(Campaign.discount_code_id == found.id).order_by(Campaign.id).limit(1))
    return campaign_id, link.id if link else None


def attribute_order(session: Session, order: Order, cart: Cart | None, *, now: datetime | None = None) -> None:
    """Copy the cart's first and last touch (refreshed from the visitor's visits) and the tracked link of the
    last touch onto the order. A KOL/affiliate code used without a click attributes the order to its campaign;
    a link's own code always credits that link (its influencer earns the commission)."""
    now = now or utcnow()
    last_visit = None
    if cart is not None and cart.visitor_id:
        first, last_visit = _touches(session, cart.visitor_id, now)
        cart.first_touch_campaign_id = first.campaign_id if first else None
        cart.last_touch_campaign_id = last_visit.campaign_id if last_visit else None
    if cart is not None:
        order.first_touch_campaign_id = cart.first_touch_campaign_id
        order.last_touch_campaign_id = cart.last_touch_campaign_id
    order.campaign_link_id = last_visit.campaign_link_id if last_visit else None
    campaign_id, link_id = code_attribution(session, order.discount_code)
    if campaign_id is not None and order.last_touch_campaign_id is None:
        order.first_touch_campaign_id = order.last_touch_campaign_id = campaign_id
    if link_id is not None:
        order.campaign_link_id = link_id
