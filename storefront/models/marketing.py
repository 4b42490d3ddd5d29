"""Campaigns, tracked links, visits and discount codes."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.models.base import Base, TimestampMixin, currency_column, enum_column, utcnow


class CampaignChannel(str, enum.Enum):
    SEARCH_ADS = "search_ads"
    SOCIAL = "social"
    INFLUENCER = "influencer"
    EMAIL = "email"
    AFFILIATE = "affiliate"
    OTHER = "other"


class LandingKind(str, enum.Enum):
    HOME = "home"
    PAGE = "page"
    PRODUCT = "product"
    COLLECTION = "collection"


class DiscountKind(str, enum.Enum):
    PERCENTAGE = "percentage"
    FIXED_AMOUNT = "fixed_amount"
    FREE_SHIPPING = "free_shipping"


class Campaign(TimestampMixin, Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    channel: Mapped[CampaignChannel] = enum_column(CampaignChannel, default=CampaignChannel.OTHER)
    utm_source: Mapped[str | None] = mapped_column(String(120))
    utm_medium: Mapped[str | None] = mapped_column(String(120))
    utm_campaign: Mapped[str | None] = mapped_column(String(120), index=True)
    utm_content: Mapped[str | None] = mapped_column(String(120))
    landing_kind: Mapped[LandingKind] = enum_column(LandingKind, default=LandingKind.HOME)
    landing_page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id", ondelete="SET NULL"))
    landing_product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    landing_collection_id: Mapped[int | None] = mapped_column(ForeignKey("collections.id", ondelete="SET NULL"))
    discount_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("discount_codes.id", ondelete="SET NULL")
    )
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    budget: Mapped[int | None] = mapped_column(Integer)
    budget_currency: Mapped[str | None] = currency_column()
    # What was actually spent (in budget_currency); return on ad spend uses it, else the budget.
    spend: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    links: Mapped[list[CampaignLink]] = relationship(back_populates="campaign", cascade="all, delete-orphan")


class CampaignLink(TimestampMixin, Base):
    """A short link /c/<code>; optionally per locale and per influencer."""

    __tablename__ = "campaign_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(160))
    locale: Mapped[str | None] = mapped_column(String(10))
    influencer: Mapped[str | None] = mapped_column(String(120))
    commission_bp: Mapped[int | None] = mapped_column(Integer)
    discount_code_id: Mapped[int | None] = mapped_column(ForeignKey("discount_codes.id", ondelete="SET NULL"))

    campaign: Mapped[Campaign] = relationship(back_populates="links")


class Visit(Base):
    """An attributed arrival (campaign link or UTM parameters); no personal data."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_campaign_created", "campaign_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visitor_id: Mapped[str] = mapped_column(String(64), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    campaign_link_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_links.id", ondelete="SET NULL"))
    utm_source: Mapped[str | None] = mapped_column(String(120))
    utm_medium: Mapped[str | None] = mapped_column(String(120))
    utm_campaign: Mapped[str | None] = mapped_column(String(120))
    utm_content: Mapped[str | None] = mapped_column(String(120))
    utm_term: Mapped[str | None] = mapped_column(String(120))
    landing_path: Mapped[str | None] = mapped_column(String(500))
    referrer_host: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(10))
    country_code: Mapped[str | None] = mapped_column(String(2))
    is_first_touch: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DiscountCode(TimestampMixin, Base):
    """A code or automatic discount. Percentages in basis points; fixed amounts per currency."""

    __tablename__ = "discount_codes"
    __table_args__ = (
        CheckConstraint("value >= 0", name="value_non_negative"),
        CheckConstraint("kind <> 'percentage' OR value <= 10000", name="percentage_range"),
        CheckConstraint("usage_limit IS NULL OR usage_limit > 0", name="usage_limit_positive"),
        CheckConstraint("times_used >= 0", name="times_used_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str | None] = mapped_column(String(160))
    kind: Mapped[DiscountKind] = enum_column(DiscountKind, default=DiscountKind.PERCENTAGE)
    # Basis points for percentages (1500 = 15 %); base-currency minor units for fixed amounts.
    value: Mapped[int] = mapped_column(Integer, default=0)
    minimum_subtotal: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime | None] = mapped_column()
    ends_at: Mapped[datetime | None] = mapped_column()
    usage_limit: Mapped[int | None] = mapped_column(Integer)
    times_used: Mapped[int] = mapped_column(Integer, default=0)
    once_per_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    commission_bp: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A campaign's or an influencer's code: orders using it are attributed to the campaign.
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL", use_alter=True), index=True
    )

    amounts: Mapped[list[DiscountAmount]] = relationship(cascade="all, delete-orphan")


class DiscountAmount(Base):
    """A fixed-amount discount's value in one currency (so €10 off stays €10 off)."""

    __tablename__ = "discount_amounts"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_non_negative"),)

    discount_code_id: Mapped[int] = mapped_column(
        ForeignKey("discount_codes.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)
    minimum_subtotal: Mapped[int | None] = mapped_column(Integer)


class DiscountRedemption(Base):
    __tablename__ = "discount_redemptions"
    __table_args__ = (
        UniqueConstraint("discount_code_id", "order_id"),
        Index("ix_discount_redemptions_email", "discount_code_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    discount_code_id: Mapped[int] = mapped_column(ForeignKey("discount_codes.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    amount: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
