"""Campaigns and their tracked links as staff create them: checks that name the field to fix, short link codes,
the campaign's and influencers' discount codes, and the audit log.

A campaign that already brought visits, carts or orders is archived (switched off) instead of deleted, so its
numbers stay in the reports; a link that is credited with orders cannot be deleted (its influencer is owed a
commission on them).
"""
from __future__ import annotations

import enum
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storefront.domain import audit, discounts
from storefront.domain.catalog_admin.checks import slugify
from storefront.domain.money import UnknownCurrency, minor_exponent, normalize_currency, to_minor
from storefront.domain.problems import Invalid, Problem, Problems
from storefront.domain.store import load_store_settings
from storefront.models import (
    Campaign,
    CampaignChannel,
    CampaignLink,
    Cart,
    Collection,
    DiscountCode,
    DiscountKind,
    LandingKind,
    Order,
    Page,
    PageKind,
    Product,
    ProductStatus,
    Visit,
)

# Generated link codes avoid characters people misread (0/o, 1/l/i) when they copy a link from a screen or a
# printed QR code; seven of these 31 characters give 27 billion codes.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
GENERATED_CODE_LENGTH = 7
LINK_CODE = re.compile(r"[a-z0-9_-]{3,64}")
NAME_LENGTH = 160
UTM_LENGTH = 120
LABEL_LENGTH = 160
INFLUENCER_LENGTH = 120
MAX_AMOUNT = 2**31 - 1
# utm_medium when the campaign leaves it empty: what analytics tools expect for each channel.
DEFAULT_MEDIUM = {
    CampaignChannel.SEARCH_ADS: "cpc", CampaignChannel.SOCIAL: "social", CampaignChannel.INFLUENCER: "influencer",
    CampaignChannel.EMAIL: "email", CampaignChannel.AFFILIATE: "affiliate",
}


class CampaignError(str, enum.Enum):
    REQUIRED = "required"
    TOO_LONG = "too_long"
    UNKNOWN_CHANNEL = "unknown_channel"
    UNKNOWN_LANDING_KIND = "unknown_landing_kind"
    UNKNOWN_PAGE = "unknown_page"
    UNKNOWN_PRODUCT = "unknown_product"
    UNKNOWN_COLLECTION = "unknown_collection"
    ENDS_BEFORE_START = "ends_before_start"
    NEGATIVE_AMOUNT = "negative_amount"
    AMOUNT_PRECISION = "amount_precision"
    AMOUNT_TOO_LARGE = "amount_too_large"
    UNKNOWN_CURRENCY = "unknown_currency"
    UNKNOWN_DISCOUNT = "unknown_discount"
    DISCOUNT_CODE_FORMAT = "discount_code_format"
    DISCOUNT_CODE_TAKEN = "discount_code_taken"
    UNKNOWN_DISCOUNT_KIND = "unknown_discount_kind"
    PERCENTAGE_RANGE = "percentage_range"
    BASE_AMOUNT_REQUIRED = "base_amount_required"
    AMOUNT_POSITIVE = "amount_positive"
    DISCOUNT_REFUSED = "discount_refused"
    LINK_CODE_FORMAT = "link_code_format"
    LINK_CODE_TAKEN = "link_code_taken"
    UNKNOWN_LOCALE = "unknown_locale"
    COMMISSION_RANGE = "commission_range"
    LINK_HAS_ORDERS = "link_has_orders"


class InvalidCampaign(Invalid):
    """The change was refused; `problems` says what to fix, field by field. Nothing was written."""


class _Problems(Problems):
    error = InvalidCampaign


class CampaignStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    RUNNING = "running"
    ENDED = "ended"
    OFF = "off"


class Removal(str, enum.Enum):
    DELETED = "deleted"
    ARCHIVED = "archived"


@dataclass
class NewDiscount:
    """A discount code to create with a campaign or an influencer's link."""

    code: str
    kind: DiscountKind | str = DiscountKind.PERCENTAGE
    percent: Decimal | None = None                                   # percentage codes: 15 = 15 % off
    amounts: dict[str, Decimal] = field(default_factory=dict)        # fixed codes: amount off per currency
    once_per_customer: bool = False


@dataclass
class CampaignDraft:
    name: str
    channel: CampaignChannel | str = CampaignChannel.OTHER
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None                  # empty: a slug of the name
    utm_content: str | None = None
    landing_kind: LandingKind | str = LandingKind.HOME
    landing_page_id: int | None = None
    landing_product_id: int | None = None
    landing_collection_id: int | None = None
    starts_at: datetime | None = None                # timezone-aware
    ends_at: datetime | None = None
    budget: Decimal | None = None                    # in budget_currency (the base currency when empty)
    spend: Decimal | None = None
    budget_currency: str | None = None
    active: bool = True
    discount_code_id: int | None = None              # an existing code applied on arrival
    new_discount: NewDiscount | None = None          # or one made for this campaign


@dataclass
class LinkDraft:
    code: str | None = None                          # empty: a generated one
    label: str | None = None
    locale: str | None = None                        # the language the link lands in
    influencer: str | None = None
    commission_percent: Decimal | None = None        # of goods after discount, 0–100
    discount_code_id: int | None = None              # an existing code the link applies
    new_discount: NewDiscount | None = None          # or the influencer's own (KOL) code


# -- reading --------------------------------------------------------------------------------------------------
def campaign_status(campaign: Campaign, now: datetime) -> CampaignStatus:
    if not campaign.active:
        return CampaignStatus.OFF
    if campaign.starts_at is not None and now < campaign.starts_at:
        return CampaignStatus.SCHEDULED
    if campaign.ends_at is not None and now >= campaign.ends_at:
        return CampaignStatus.ENDED
    return CampaignStatus.RUNNING


def load_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """The campaign with its links (oldest first)."""
    campaign = session.scalar(select(Campaign).where(Campaign.id == campaign_id)
                              .options(selectinload(Campaign.links)))
    if campaign is not None:
        campaign.links.sort(key=lambda link: link.id)
    return campaign


def landing_title(session: Session, campaign: Campaign) -> str | None:
    """The title of the page, product or collection the campaign lands on (None for the home page or one gone)."""
    model = {LandingKind.PAGE: (Page, campaign.landing_page_id),
             LandingKind.PRODUCT: (Product, campaign.landing_product_id),
             LandingKind.COLLECTION: (Collection, campaign.landing_collection_id)}.get(campaign.landing_kind)
    if model is None or model[1] is None:
        return None
    return session.scalar(select(model[0].title).where(model[0].id == model[1]))


def load_link(session: Session, campaign_id: int, link_id: int) -> CampaignLink | None:
    return session.scalar(select(CampaignLink).where(CampaignLink.id == link_id,
                                                     CampaignLink.campaign_id == campaign_id))


@dataclass(frozen=True)
class Choices:
    """What the campaign form offers: landing pages, active products, collections and discount codes."""

    pages: list[tuple[int, str]]
    products: list[tuple[int, str]]
    collections: list[tuple[int, str]]
    discount_codes: list[DiscountCode]


CHOICE_LIMIT = 500


def form_choices(session: Session, *, keep_product_id: int | None = None) -> Choices:
    """Landing pages (pages of the landing kind), active products (the first 500 by title, plus `keep_product_id`
    so a campaign's own product stays selectable), collections and the discount codes one can type in."""
    products = session.execute(select(Product.id, Product.title).where(Product.status == ProductStatus.ACTIVE)
                               .order_by(Product.title, Product.id).limit(CHOICE_LIMIT)).all()
    if keep_product_id and all(row[0] != keep_product_id for row in products):
        products += session.execute(select(Product.id, Product.title).where(Product.id == keep_product_id)).all()
    return Choices(
        pages=[tuple(row) for row in session.execute(
            select(Page.id, Page.title).where(Page.kind == PageKind.LANDING).order_by(Page.title, Page.id))],
        products=[tuple(row) for row in products],
        collections=[tuple(row) for row in session.execute(
            select(Collection.id, Collection.title).order_by(Collection.title, Collection.id))],
        discount_codes=list(session.scalars(
            select(DiscountCode).where(DiscountCode.is_automatic.is_(False)).order_by(DiscountCode.code)
            .options(selectinload(DiscountCode.amounts)).limit(CHOICE_LIMIT))),
    )


def campaign_choices(session: Session) -> list[tuple[int, str]]:
    """Every campaign as (id, name), newest first, for filters."""
    return [tuple(row) for row in session.execute(
        select(Campaign.id, Campaign.name).order_by(Campaign.created_at.desc(), Campaign.id.desc()))]


def discount_codes_by_id(session: Session, ids: set[int]) -> dict[int, DiscountCode]:
    if not ids:
        return {}
    return {code.id: code for code in session.scalars(
        select(DiscountCode).where(DiscountCode.id.in_(ids)).options(selectinload(DiscountCode.amounts)))}


# -- codes ----------------------------------------------------------------------------------------------------
def _link_code_taken(session: Session, code: str, *, except_id: int | None = None) -> bool:
    query = select(CampaignLink.id).where(func.lower(CampaignLink.code) == code.lower())
    if except_id is not None:
        query = query.where(CampaignLink.id != except_id)
    return session.scalar(query.limit(1)) is not None


def generate_link_code(session: Session, length: int = GENERATED_CODE_LENGTH) -> str:
    """A short random code no link uses yet, from an alphabet without look-alike characters."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
        if not _link_code_taken(session, code):
            return code


def normalize_link_code(code: str | None) -> str:
    return (code or "").strip().lower()


# -- checks ---------------------------------------------------------------------------------------------------
def _text(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    return text or None


def _check_length(problems: _Problems, name: str, value: str | None, limit: int) -> None:
    if value and len(value) > limit:
        problems.add(name, CampaignError.TOO_LONG, max=limit)


def _enum(problems: _Problems, name: str, value, enum_cls, code: CampaignError):
    try:
        return enum_cls(value)
    except ValueError:
        problems.add(name, code)
        return None


def _minor_amount(problems: _Problems, name: str, amount: Decimal | None, currency: str | None) -> int | None:
    """A decimal amount in minor units, or a problem for a negative, too precise or too large one."""
    if amount is None or currency is None:
        return None
    amount = Decimal(amount)
    if not amount.is_finite() or amount.adjusted() > 12:
        problems.add(name, CampaignError.AMOUNT_TOO_LARGE)
        return None
    exact = amount == amount.quantize(Decimal(1).scaleb(-minor_exponent(currency)))
    if amount < 0:
        problems.add(name, CampaignError.NEGATIVE_AMOUNT)
    elif not exact:
        problems.add(name, CampaignError.AMOUNT_PRECISION, currency=currency, places=minor_exponent(currency))
    elif to_minor(amount, currency) > MAX_AMOUNT:
        problems.add(name, CampaignError.AMOUNT_TOO_LARGE)
    else:
        return to_minor(amount, currency)
    return None


def _currency(problems: _Problems, name: str, code: str | None) -> str | None:
    try:
        return normalize_currency(code or "")
    except UnknownCurrency:
        problems.add(name, CampaignError.UNKNOWN_CURRENCY, code=(code or "").strip().upper())
        return None


def _commission_bp(problems: _Problems, percent: Decimal | None) -> int | None:
    """A commission of 0–100 % with at most two decimals (12.5) as basis points (1250)."""
    if percent is None:
        return None
    bp = Decimal(percent) * 100
    if not bp.is_finite() or not 0 <= bp <= 10000 or bp != bp.to_integral_value():
        problems.add("commission_percent", CampaignError.COMMISSION_RANGE)
        return None
    return int(bp)


def _check_landing(session: Session, problems: _Problems, draft: CampaignDraft) -> LandingKind | None:
    """The landing kind, and for a page, product or collection that it is picked and exists (a page must be a
    landing page)."""
    kind = _enum(problems, "landing_kind", draft.landing_kind, LandingKind, CampaignError.UNKNOWN_LANDING_KIND)
    if kind is LandingKind.PAGE:
        name, target_id, unknown = "landing_page_id", draft.landing_page_id, CampaignError.UNKNOWN_PAGE
        query = select(Page.id).where(Page.id == target_id, Page.kind == PageKind.LANDING)
    elif kind is LandingKind.PRODUCT:
        name, target_id, unknown = "landing_product_id", draft.landing_product_id, CampaignError.UNKNOWN_PRODUCT
        query = select(Product.id).where(Product.id == target_id)
    elif kind is LandingKind.COLLECTION:
        name, target_id = "landing_collection_id", draft.landing_collection_id
        unknown, query = CampaignError.UNKNOWN_COLLECTION, select(Collection.id).where(Collection.id == target_id)
    else:
        return kind
    if target_id is None:
        problems.add(name, CampaignError.REQUIRED)
    elif session.scalar(query) is None:
        problems.add(name, unknown)
    return kind


def _check_existing_discount(session: Session, problems: _Problems, code_id: int | None) -> None:
    if code_id is not None and session.get(DiscountCode, code_id) is None:
        problems.add("discount_code_id", CampaignError.UNKNOWN_DISCOUNT)


# What the discount service calls the new code's inputs and problems, in this form's words.
DISCOUNT_FIELDS = {"code": "discount_code", "kind": "discount_kind", "percent": "discount_percent",
                   "amounts": "discount_amounts", "title": "name", "ends_at": "ends_at",
                   "commission_percent": "commission_percent"}
DISCOUNT_ERRORS = {discounts.DiscountError.CODE_FORMAT: CampaignError.DISCOUNT_CODE_FORMAT,
                   discounts.DiscountError.CODE_TAKEN: CampaignError.DISCOUNT_CODE_TAKEN,
                   discounts.DiscountError.UNKNOWN_KIND: CampaignError.UNKNOWN_DISCOUNT_KIND}


def _from_discount(problem: discounts.Problem) -> Problem:
    code = DISCOUNT_ERRORS.get(problem.code)
    if code is None:
        code = CampaignError._value2member_map_.get(problem.code.value, CampaignError.DISCOUNT_REFUSED)
    return Problem(DISCOUNT_FIELDS.get(problem.field or ""), code, problem.params)


def _create_code(session: Session, new: NewDiscount, *, title: str, campaign_id: int | None,
                 starts_at: datetime | None, ends_at: datetime | None, commission_bp: int | None,
                 staff_user_id: int | None, ip_address: str | None) -> DiscountCode:
    """A campaign's or influencer's own code, through the discount service (which checks and audits it); it is
    valid while the campaign runs. InvalidCampaign names what to fix, and nothing is written then."""
    draft = discounts.DiscountDraft(
        code=new.code, title=title[:NAME_LENGTH], kind=new.kind, percent=new.percent, amounts=dict(new.amounts or {}),
        once_per_customer=bool(new.once_per_customer), starts_at=starts_at, ends_at=ends_at, campaign_id=campaign_id,
        commission_percent=Decimal(commission_bp) / 100 if commission_bp is not None else None)
    try:
        return discounts.save_discount(session, None, draft, base_currency=load_store_settings(session).base_currency,
                                       staff_user_id=staff_user_id, ip_address=ip_address)
    except discounts.InvalidDiscount as error:
        raise InvalidCampaign([_from_discount(problem) for problem in error.problems]) from None


def _discount_problems(session: Session, new: NewDiscount | None) -> list[Problem]:
    """The new code's problems, found by trying it in a savepoint that is always rolled back (so that a form
    with other mistakes shows these at the same time)."""
    if new is None:
        return []
    savepoint = session.begin_nested()
    try:
        _create_code(session, new, title="-", campaign_id=None, starts_at=None, ends_at=None, commission_bp=None,
                     staff_user_id=None, ip_address=None)
    except InvalidCampaign as error:
        return list(error.problems)
    finally:
        savepoint.rollback()
    return []


def _code_follows(session: Session, code: DiscountCode, changes: dict[str, Any], *, staff_user_id: int | None,
                  ip_address: str | None) -> None:
    """Change an own code along with its campaign or link (its dates, its commission), in the audit log too."""
    before = discounts.discount_snapshot(code)
    for key, value in changes.items():
        setattr(code, key, value)
    old, new = audit.changes(before, discounts.discount_snapshot(code))
    if new:
        audit.record(session, staff_user_id=staff_user_id, action="discount_code.update", entity_type="discount_code",
                     entity_id=code.id, before=old, after=new, ip_address=ip_address)


def _check_campaign(session: Session, draft: CampaignDraft) -> dict[str, Any]:
    """The campaign's values, or InvalidCampaign naming every field to fix (its new code's included)."""
    store = load_store_settings(session)
    problems = _Problems()
    name = _text(draft.name)
    if not name:
        problems.add("name", CampaignError.REQUIRED)
    _check_length(problems, "name", name, NAME_LENGTH)
    channel = _enum(problems, "channel", draft.channel, CampaignChannel, CampaignError.UNKNOWN_CHANNEL)
    utm = {key: _text(getattr(draft, key)) for key in ("utm_source", "utm_medium", "utm_campaign", "utm_content")}
    for key, value in utm.items():
        _check_length(problems, key, value, UTM_LENGTH)
    if not utm["utm_medium"] and channel is not None:
        utm["utm_medium"] = DEFAULT_MEDIUM.get(channel)
    if not utm["utm_campaign"] and name:
        utm["utm_campaign"] = slugify(name)[:UTM_LENGTH] or None
    kind = _check_landing(session, problems, draft)
    for key in ("starts_at", "ends_at"):
        moment = getattr(draft, key)
        if moment is not None and moment.tzinfo is None:
            raise ValueError(f"{key} must be timezone-aware")
    if draft.starts_at and draft.ends_at and draft.ends_at <= draft.starts_at:
        problems.add("ends_at", CampaignError.ENDS_BEFORE_START)
    currency = None
    if draft.budget is not None or draft.spend is not None or _text(draft.budget_currency):
        currency = _currency(problems, "budget_currency", _text(draft.budget_currency) or store.base_currency)
    budget = _minor_amount(problems, "budget", draft.budget, currency)
    spend = _minor_amount(problems, "spend", draft.spend, currency)
    _check_existing_discount(session, problems, draft.discount_code_id)
    if problems.items:
        problems.items += _discount_problems(session, draft.new_discount)
    problems.raise_if_any()
    return dict(
        name=name, channel=channel, **utm, landing_kind=kind,
        landing_page_id=draft.landing_page_id if kind is LandingKind.PAGE else None,
        landing_product_id=draft.landing_product_id if kind is LandingKind.PRODUCT else None,
        landing_collection_id=draft.landing_collection_id if kind is LandingKind.COLLECTION else None,
        starts_at=draft.starts_at, ends_at=draft.ends_at, budget=budget, spend=spend,
        budget_currency=currency if budget is not None or spend is not None else None, active=bool(draft.active),
        discount_code_id=draft.discount_code_id,
    )


def campaign_snapshot(campaign: Campaign) -> dict[str, Any]:
    """What the audit log keeps of a campaign."""
    values = {key: getattr(campaign, key) for key in (
        "name", "utm_source", "utm_medium", "utm_campaign", "utm_content", "landing_page_id", "landing_product_id",
        "landing_collection_id", "budget", "spend", "budget_currency", "active", "discount_code_id")}
    values.update(channel=campaign.channel.value, landing_kind=campaign.landing_kind.value,
                  starts_at=campaign.starts_at.isoformat() if campaign.starts_at else None,
                  ends_at=campaign.ends_at.isoformat() if campaign.ends_at else None)
    return values


# -- campaigns ------------------------------------------------------------------------------------------------
def _apply(session: Session, campaign: Campaign, values: dict[str, Any], new_discount: NewDiscount | None, *,
           staff_user_id: int | None, ip_address: str | None) -> None:
    for key, value in values.items():
        setattr(campaign, key, value)
    session.add(campaign)
    session.flush()
    if not campaign.utm_campaign:  # a name without Latin letters gives no slug
        campaign.utm_campaign = f"campaign-{campaign.id}"
    if new_discount is not None:
        code = _create_code(session, new_discount, title=campaign.name, campaign_id=campaign.id,
                            starts_at=campaign.starts_at, ends_at=campaign.ends_at, commission_bp=None,
                            staff_user_id=staff_user_id, ip_address=ip_address)
        campaign.discount_code_id = code.id
    session.flush()


def create_campaign(session: Session, draft: CampaignDraft, *, staff_user_id: int | None = None,
                    ip_address: str | None = None) -> Campaign:
    """A campaign (and its own discount code, when the draft asks for a new one); InvalidCampaign otherwise, with
    nothing written."""
    values = _check_campaign(session, draft)
    campaign = Campaign()
    with session.begin_nested():
        _apply(session, campaign, values, draft.new_discount, staff_user_id=staff_user_id, ip_address=ip_address)
        audit.record(session, staff_user_id=staff_user_id, action="campaign.create", entity_type="campaign",
                     entity_id=campaign.id, after=campaign_snapshot(campaign), ip_address=ip_address)
    return campaign


def update_campaign(session: Session, campaign: Campaign, draft: CampaignDraft, *, staff_user_id: int | None = None,
                    ip_address: str | None = None) -> Campaign:
    """Change a campaign; the codes made for it keep following its dates unless they were given their own."""
    values = _check_campaign(session, draft)
    before = campaign_snapshot(campaign)
    window = (campaign.starts_at, campaign.ends_at)
    with session.begin_nested():
        _apply(session, campaign, values, draft.new_discount, staff_user_id=staff_user_id, ip_address=ip_address)
        for code in session.scalars(select(DiscountCode).where(DiscountCode.campaign_id == campaign.id)
                                    .options(selectinload(DiscountCode.amounts))):
            if (code.starts_at, code.ends_at) == window:
                _code_follows(session, code, {"starts_at": campaign.starts_at, "ends_at": campaign.ends_at},
                              staff_user_id=staff_user_id, ip_address=ip_address)
        old, new = audit.changes(before, campaign_snapshot(campaign))
        if new:
            audit.record(session, staff_user_id=staff_user_id, action="campaign.update", entity_type="campaign",
                         entity_id=campaign.id, before=old, after=new, ip_address=ip_address)
    return campaign


def has_traffic(session: Session, campaign: Campaign) -> bool:
    """Whether visits, carts or orders are credited to the campaign (then deleting it would lose them)."""
    cid = campaign.id
    return bool(session.scalar(select(or_(
        exists().where(Visit.campaign_id == cid),
        exists().where(or_(Cart.first_touch_campaign_id == cid, Cart.last_touch_campaign_id == cid)),
        exists().where(or_(Order.first_touch_campaign_id == cid, Order.last_touch_campaign_id == cid)),
    ))))


def delete_campaign(session: Session, campaign: Campaign, *, staff_user_id: int | None = None,
                    ip_address: str | None = None) -> Removal:
    """Delete a campaign nobody arrived through; archive (switch off) one with visits, carts or orders. Either way
    its links stop working; on deletion the codes made for it are switched off too."""
    if has_traffic(session, campaign):
        before = campaign.active
        campaign.active = False
        audit.record(session, staff_user_id=staff_user_id, action="campaign.archive", entity_type="campaign",
                     entity_id=campaign.id, before={"active": before}, after={"active": False},
                     ip_address=ip_address)
        session.flush()
        return Removal.ARCHIVED
    own_codes = session.scalars(select(DiscountCode).where(DiscountCode.campaign_id == campaign.id)).all()
    for code in own_codes:
        code.active = False
        code.campaign_id = None
    audit.record(session, staff_user_id=staff_user_id, action="campaign.delete", entity_type="campaign",
                 entity_id=campaign.id, before={**campaign_snapshot(campaign),
                                                "links": [link.code for link in campaign.links],
                                                "codes_switched_off": [code.code for code in own_codes]},
                 ip_address=ip_address)
    session.delete(campaign)
    session.flush()
    return Removal.DELETED


# -- links ----------------------------------------------------------------------------------------------------
def link_snapshot(link: CampaignLink) -> dict[str, Any]:
    return {key: getattr(link, key) for key in ("campaign_id", "code", "label", "locale", "influencer",
                                                "commission_bp", "discount_code_id")}


def _check_link(session: Session, draft: LinkDraft, *, link: CampaignLink | None) -> dict[str, Any]:
    """The link's values; an empty code (or the link's own, in any case) keeps the code already handed out."""
    store = load_store_settings(session)
    problems = _Problems()
    code = normalize_link_code(draft.code)
    if link is not None and code in ("", link.code.lower()):
        code = link.code
    elif code and not LINK_CODE.fullmatch(code):
        problems.add("code", CampaignError.LINK_CODE_FORMAT)
    elif code and _link_code_taken(session, code, except_id=link.id if link else None):
        problems.add("code", CampaignError.LINK_CODE_TAKEN, code=code)
    label, influencer, locale = _text(draft.label), _text(draft.influencer), _text(draft.locale)
    _check_length(problems, "label", label, LABEL_LENGTH)
    _check_length(problems, "influencer", influencer, INFLUENCER_LENGTH)
    if locale and locale not in store.enabled_locales:
        problems.add("locale", CampaignError.UNKNOWN_LOCALE, locale=locale)
    commission = _commission_bp(problems, draft.commission_percent)
    _check_existing_discount(session, problems, draft.discount_code_id)
    if problems.items:
        problems.items += _discount_problems(session, draft.new_discount)
    problems.raise_if_any()
    return dict(code=code or None, label=label, locale=locale, influencer=influencer, commission_bp=commission,
                discount_code_id=draft.discount_code_id)


def _apply_link(session: Session, campaign: Campaign, link: CampaignLink, values: dict[str, Any],
                new_discount: NewDiscount | None, *, staff_user_id: int | None, ip_address: str | None) -> None:
    for key, value in values.items():
        setattr(link, key, value)
    if not link.code:
        link.code = generate_link_code(session)
    session.add(link)
    session.flush()
    if new_discount is not None:
        who = link.influencer or link.label or link.code
        code = _create_code(session, new_discount, title=f"{campaign.name} · {who}", campaign_id=campaign.id,
                            starts_at=campaign.starts_at, ends_at=campaign.ends_at, commission_bp=link.commission_bp,
                            staff_user_id=staff_user_id, ip_address=ip_address)
        link.discount_code_id = code.id
    session.flush()


def add_link(session: Session, campaign: Campaign, draft: LinkDraft, *, staff_user_id: int | None = None,
             ip_address: str | None = None) -> CampaignLink:
    """A tracked link /c/<code> of the campaign: its own code or a generated one, optionally for one language
    and one influencer (with their commission and their own discount code, which credits them without a click)."""
    values = _check_link(session, draft, link=None)
    link = CampaignLink(campaign_id=campaign.id)
    with session.begin_nested():
        _apply_link(session, campaign, link, values, draft.new_discount, staff_user_id=staff_user_id,
                    ip_address=ip_address)
        audit.record(session, staff_user_id=staff_user_id, action="campaign_link.create",
                     entity_type="campaign_link", entity_id=link.id, after=link_snapshot(link), ip_address=ip_address)
    return link


def update_link(session: Session, link: CampaignLink, draft: LinkDraft, *, staff_user_id: int | None = None,
                ip_address: str | None = None) -> CampaignLink:
    values = _check_link(session, draft, link=link)
    before = link_snapshot(link)
    with session.begin_nested():
        _apply_link(session, link.campaign, link, values, draft.new_discount, staff_user_id=staff_user_id,
                    ip_address=ip_address)
        code = discounts.load_discount(session, link.discount_code_id) if link.discount_code_id else None
        if code is not None and code.campaign_id == link.campaign_id and code.commission_bp == before["commission_bp"]:
            # the influencer's own code earns what their link earns
            _code_follows(session, code, {"commission_bp": link.commission_bp}, staff_user_id=staff_user_id,
                          ip_address=ip_address)
        old, new = audit.changes(before, link_snapshot(link))
        if new:
            audit.record(session, staff_user_id=staff_user_id, action="campaign_link.update",
                         entity_type="campaign_link", entity_id=link.id, before=old, after=new,
                         ip_address=ip_address)
    return link


def delete_link(session: Session, link: CampaignLink, *, staff_user_id: int | None = None,
                ip_address: str | None = None) -> None:
    """Delete a link no paid or pending order is credited to (its visits stay with the campaign)."""
    if session.scalar(select(exists().where(Order.campaign_link_id == link.id))):
        raise InvalidCampaign([Problem(None, CampaignError.LINK_HAS_ORDERS, {"code": link.code})])
    audit.record(session, staff_user_id=staff_user_id, action="campaign_link.delete", entity_type="campaign_link",
                 entity_id=link.id, before=link_snapshot(link), ip_address=ip_address)
    session.delete(link)
    session.flush()
