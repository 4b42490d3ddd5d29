"""Shipping zones and rates, carrier accounts, box presets, shipments and tracking events."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import false as sa_false
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.models.base import Base, TimestampMixin, currency_column, enum_column, utcnow


class ServiceLevel(str, enum.Enum):
    EXPRESS = "express"
    STANDARD = "standard"
    POSTAL = "postal"
    DEDICATED_LINE = "dedicated_line"
    LOCAL = "local"


class ShipmentStatus(str, enum.Enum):
    DRAFT = "draft"
    LABEL_PURCHASED = "label_purchased"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    FAILED_ATTEMPT = "failed_attempt"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"
    CANCELLED = "cancelled"


class ShipmentException(str, enum.Enum):
    """Why a shipment needs attention (see storefront.domain.tracking.exceptions)."""

    STALLED = "stalled"
    LATE = "late"
    FAILED_DELIVERY = "failed_delivery"
    RETURNED = "returned"
    CUSTOMS_HOLD = "customs_hold"
    CARRIER_EXCEPTION = "carrier_exception"


class ShippingZone(TimestampMixin, Base):
    __tablename__ = "shipping_zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # The zone used for countries no other zone lists.
    is_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    countries: Mapped[list[ShippingZoneCountry]] = relationship(
        back_populates="zone", cascade="all, delete-orphan"
    )
    rates: Mapped[list[ShippingRate]] = relationship(
        back_populates="zone", cascade="all, delete-orphan", order_by="ShippingRate.position"
    )


class ShippingZoneCountry(Base):
    __tablename__ = "shipping_zone_countries"

    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("shipping_zones.id", ondelete="CASCADE"), index=True)

    zone: Mapped[ShippingZone] = relationship(back_populates="countries")


class ShippingRate(TimestampMixin, Base):
    """A shipping option in a zone, priced by weight bracket in `currency`."""

    __tablename__ = "shipping_rates"
    __table_args__ = (
        CheckConstraint("min_days >= 0 AND max_days >= min_days", name="delivery_days"),
        CheckConstraint("free_over IS NULL OR free_over >= 0", name="free_over_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("shipping_zones.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    name_translations: Mapped[dict[str, str]] = mapped_column(default=dict)
    service_level: Mapped[ServiceLevel] = enum_column(ServiceLevel, default=ServiceLevel.STANDARD)
    carrier_hint: Mapped[str | None] = mapped_column(String(60))
    service_hint: Mapped[str | None] = mapped_column(String(60))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"))
    currency: Mapped[str] = currency_column()
    free_over: Mapped[int | None] = mapped_column(Integer)
    min_days: Mapped[int] = mapped_column(Integer, default=3)
    max_days: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Live rate: quote `service_hint` from this carrier account at checkout, add the margin, and fall
    # back to the weight brackets above when the carrier fails or is slow.
    carrier_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("carrier_accounts.id", ondelete="SET NULL")
    )
    live_rate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    margin_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    margin_fixed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    zone: Mapped[ShippingZone] = relationship(back_populates="rates")
    brackets: Mapped[list[ShippingRateBracket]] = relationship(
        back_populates="rate", cascade="all, delete-orphan", order_by="ShippingRateBracket.max_weight_grams"
    )


class ShippingRateBracket(Base):
    """Price for parcels up to `max_weight_grams`."""

    __tablename__ = "shipping_rate_brackets"
    __table_args__ = (
        UniqueConstraint("rate_id", "max_weight_grams"),
        CheckConstraint("price >= 0", name="price_non_negative"),
        CheckConstraint("max_weight_grams > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rate_id: Mapped[int] = mapped_column(ForeignKey("shipping_rates.id", ondelete="CASCADE"))
    max_weight_grams: Mapped[int] = mapped_column(Integer)
    price: Mapped[int] = mapped_column(Integer)

    rate: Mapped[ShippingRate] = relationship(back_populates="brackets")


class CarrierAccount(TimestampMixin, Base):
    """Credentials for a karrio carrier (or a generic forwarder), encrypted at rest."""

    __tablename__ = "carrier_accounts"
    __table_args__ = (UniqueConstraint("carrier_name", "account_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_name: Mapped[str] = mapped_column(String(60))
    account_label: Mapped[str] = mapped_column(String(120))
    credentials_encrypted: Mapped[str] = mapped_column(Text, default="")
    test_mode: Mapped[bool] = mapped_column(Boolean, default=True)
    services: Mapped[list[str]] = mapped_column(default=list)
    # Rate table and label settings for forwarders karrio has no connector for.
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tracking_url_template: Mapped[str | None] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    locations: Mapped[list[CarrierAccountLocation]] = relationship(cascade="all, delete-orphan")


class CarrierAccountLocation(Base):
    __tablename__ = "carrier_account_locations"

    carrier_account_id: Mapped[int] = mapped_column(
        ForeignKey("carrier_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True)


class BoxPreset(Base):
    __tablename__ = "box_presets"
    __table_args__ = (
        CheckConstraint("length_mm > 0 AND width_mm > 0 AND height_mm > 0", name="dimensions_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    length_mm: Mapped[int] = mapped_column(Integer)
    width_mm: Mapped[int] = mapped_column(Integer)
    height_mm: Mapped[int] = mapped_column(Integer)
    tare_weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    max_weight_grams: Mapped[int | None] = mapped_column(Integer)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class Shipment(TimestampMixin, Base):
    __tablename__ = "shipments"
    __table_args__ = (
        Index("ix_shipments_sync", "status", "next_sync_at"),
        CheckConstraint("weight_grams >= 0", name="weight_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"))
    carrier_account_id: Mapped[int | None] = mapped_column(ForeignKey("carrier_accounts.id", ondelete="SET NULL"))
    carrier_name: Mapped[str | None] = mapped_column(String(60))
    service_code: Mapped[str | None] = mapped_column(String(80))
    service_name: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[ShipmentStatus] = enum_column(ShipmentStatus, default=ShipmentStatus.DRAFT)
    tracking_number: Mapped[str | None] = mapped_column(String(80), index=True)
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    carrier_shipment_id: Mapped[str | None] = mapped_column(String(120))
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    # {"length_mm", "width_mm", "height_mm", "box_preset_id"}
    parcel: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {"incoterm", "content_type", "invoice_number", "commodities": [...], "ioss"/"vat" numbers}
    customs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    label_key: Mapped[str | None] = mapped_column(String(255))
    label_format: Mapped[str | None] = mapped_column(String(10))
    invoice_key: Mapped[str | None] = mapped_column(String(255))
    cost: Mapped[int | None] = mapped_column(Integer)
    cost_currency: Mapped[str | None] = currency_column()
    estimated_delivery: Mapped[date | None] = mapped_column(Date)
    shipped_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    last_synced_at: Mapped[datetime | None] = mapped_column()
    next_sync_at: Mapped[datetime | None] = mapped_column()
    exception_reason: Mapped[str | None] = mapped_column(Text)
    exception_kind: Mapped[ShipmentException | None] = enum_column(ShipmentException, nullable=True)
    exception_since: Mapped[datetime | None] = mapped_column()
    exception_notified_at: Mapped[datetime | None] = mapped_column()
    # One label per shipment however often "buy label" is pressed.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    service_level: Mapped[ServiceLevel | None] = enum_column(ServiceLevel, nullable=True)
    fulfilled_elsewhere: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    cost_base: Mapped[int | None] = mapped_column(Integer)
    label_created_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    sync_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sync_error: Mapped[str | None] = mapped_column(String(500))
    shipped_email_sent_at: Mapped[datetime | None] = mapped_column()
    delivered_email_sent_at: Mapped[datetime | None] = mapped_column()
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("label_batches.id", ondelete="SET NULL"))

    lines: Mapped[list[ShipmentLine]] = relationship(back_populates="shipment", cascade="all, delete-orphan")
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan", order_by="TrackingEvent.occurred_at"
    )


class ShipmentLine(Base):
    __tablename__ = "shipment_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)

    shipment: Mapped[Shipment] = relationship(back_populates="lines")


class TrackingEvent(Base):
    __tablename__ = "tracking_events"
    __table_args__ = (UniqueConstraint("shipment_id", "occurred_at", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column()
    location: Mapped[str | None] = mapped_column(String(255))
    code: Mapped[str] = mapped_column(String(60), default="")
    description: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[ShipmentStatus] = enum_column(ShipmentStatus, default=ShipmentStatus.IN_TRANSIT)
    # The carrier's own status word (karrio's normalized status for API carriers).
    carrier_status: Mapped[str | None] = mapped_column(String(60))
    # Offset of the carrier's local time at the event, to show "14:05 (UTC+09:00)" as scanned.
    utc_offset_minutes: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), default="carrier")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="events")


class LabelBatch(TimestampMixin, Base):
    """Labels bought for several orders in one background job, with its progress."""

    __tablename__ = "label_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued/running/done/failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    succeeded: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    # [{"order_id", "order_number", "ok", "message", "shipment_id"}]
    results: Mapped[list[Any]] = mapped_column(default=list)
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    finished_at: Mapped[datetime | None] = mapped_column()
