"""Store-wide settings, markets, FX rates and tax rates."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.models.base import Base, TimestampMixin, currency_column, enum_column, utcnow


class RoundingRule(str, enum.Enum):
    NONE = "none"
    ENDING_99 = "ending_99"
    ENDING_95 = "ending_95"
    WHOLE = "whole"
    NEAREST_10 = "nearest_10"
    NEAREST_100 = "nearest_100"


class DutiesPolicy(str, enum.Enum):
    DDP = "DDP"
    DAP = "DAP"


class FxSource(str, enum.Enum):
    ECB = "ecb"
    MANUAL = "manual"


class StoreSettings(TimestampMixin, Base):
    """The one row of store-wide settings (id is always 1)."""

    __tablename__ = "store_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # Optimistic locking: an edit based on an old version is refused instead of overwriting newer work.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    name: Mapped[str] = mapped_column(String(120))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    base_currency: Mapped[str] = currency_column(default="USD")
    default_locale: Mapped[str] = mapped_column(String(10), default="en")
    enabled_locales: Mapped[list[str]] = mapped_column(default=lambda: ["en"])
    theme: Mapped[str] = mapped_column(String(60), default="default")
    theme_settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    timezone: Mapped[str] = mapped_column(String(60), default="UTC")
    order_number_start: Mapped[int] = mapped_column(Integer, default=1001)
    search_synonyms: Mapped[list[Any]] = mapped_column(default=list)
    attribution_window_days: Mapped[int] = mapped_column(Integer, default=30)
    low_stock_threshold: Mapped[int] = mapped_column(Integer, default=5)
    reservation_minutes: Mapped[int] = mapped_column(Integer, default=30)
    require_owner_2fa: Mapped[bool] = mapped_column(Boolean, default=False)
    ioss_number: Mapped[str | None] = mapped_column(String(40))
    uk_vat_number: Mapped[str | None] = mapped_column(String(40))
    eori_number: Mapped[str | None] = mapped_column(String(40))
    feed_token: Mapped[str | None] = mapped_column(String(64))
    # Payment settings kept by the admin (environment variables win); secrets are encrypted at rest.
    stripe_publishable_key: Mapped[str | None] = mapped_column(String(255))
    stripe_secret_key_encrypted: Mapped[str | None] = mapped_column(Text)
    stripe_webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)


class Market(TimestampMixin, Base):
    __tablename__ = "markets"
    __table_args__ = (
        CheckConstraint("price_adjustment_bp > -10000", name="adjustment_above_minus_100"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = currency_column()
    default_locale: Mapped[str] = mapped_column(String(10))
    locales: Mapped[list[str]] = mapped_column(default=list)
    # Percentage in basis points: 250 = +2.5 %. Keeps money maths free of floats.
    price_adjustment_bp: Mapped[int] = mapped_column(Integer, default=0)
    rounding_rule: Mapped[RoundingRule] = enum_column(RoundingRule, default=RoundingRule.NONE)
    tax_inclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    duties_policy: Mapped[DutiesPolicy] = enum_column(DutiesPolicy, default=DutiesPolicy.DAP)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    countries: Mapped[list[MarketCountry]] = relationship(
        back_populates="market", cascade="all, delete-orphan", order_by="MarketCountry.country_code"
    )

    @property
    def country_codes(self) -> list[str]:
        return [c.country_code for c in self.countries]


class MarketCountry(Base):
    """A country belongs to at most one market; unlisted countries use the default market."""

    __tablename__ = "market_countries"

    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("markets.id", ondelete="CASCADE"), index=True)

    market: Mapped[Market] = relationship(back_populates="countries")


class FxRate(Base):
    __tablename__ = "fx_rates"
    __table_args__ = (
        UniqueConstraint("base", "quote", "rate_date", "source"),
        CheckConstraint("rate > 0", name="positive"),
        Index("ix_fx_rates_lookup", "base", "quote", "rate_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    base: Mapped[str] = currency_column()
    quote: Mapped[str] = currency_column()
    rate: Mapped[Decimal] = mapped_column(Numeric(20, 10))
    rate_date: Mapped[date] = mapped_column(Date)
    source: Mapped[FxSource] = enum_column(FxSource, default=FxSource.ECB)
    expires_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaxRate(Base):
    __tablename__ = "tax_rates"
    __table_args__ = (
        UniqueConstraint("country_code", "region"),
        CheckConstraint("rate >= 0 AND rate <= 100", name="rate_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(40), default="VAT")
    # Percent: 19.000, or 14.975 for Québec's GST + QST.
    rate: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    inclusive_display: Mapped[bool] = mapped_column(Boolean, default=True)
    # Low-value import schemes: EU IOSS (≤ €150) and UK (≤ £135) collect VAT at checkout.
    import_threshold: Mapped[int | None] = mapped_column(Integer)
    import_threshold_currency: Mapped[str | None] = currency_column()
    notes: Mapped[str | None] = mapped_column(Text)
