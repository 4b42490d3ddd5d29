"""Orders, their lines and timeline, payments and refunds."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.models.base import Base, TimestampMixin, currency_column, enum_column, utcnow


class OrderStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class PaymentStatus(str, enum.Enum):
    PENDING = "pending"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FAILED = "failed"
    EXPIRED = "expired"


class FulfillmentStatus(str, enum.Enum):
    UNFULFILLED = "unfulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    DELIVERED = "delivered"
    RETURNED = "returned"


class PaymentState(str, enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class RefundStatus(str, enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Order(TimestampMixin, Base):
    """An order; amounts are in the presentment `currency`, `base_*` in the store's base currency."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total >= 0", name="total_non_negative"),
        CheckConstraint("subtotal >= 0", name="subtotal_non_negative"),
        Index("ix_orders_created", "created_at"),
        Index("ix_orders_payment_status", "payment_status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str] = mapped_column(String(10))
    market_id: Mapped[int | None] = mapped_column(ForeignKey("markets.id", ondelete="SET NULL"))
    country_code: Mapped[str | None] = mapped_column(String(2))
    status: Mapped[OrderStatus] = enum_column(OrderStatus, default=OrderStatus.OPEN)
    payment_status: Mapped[PaymentStatus] = enum_column(PaymentStatus, default=PaymentStatus.PENDING)
    fulfillment_status: Mapped[FulfillmentStatus] = enum_column(
        FulfillmentStatus, default=FulfillmentStatus.UNFULFILLED
    )

    currency: Mapped[str] = currency_column()
    subtotal: Mapped[int] = mapped_column(Integer, default=0)
    discount_total: Mapped[int] = mapped_column(Integer, default=0)
    shipping_total: Mapped[int] = mapped_column(Integer, default=0)
    tax_total: Mapped[int] = mapped_column(Integer, default=0)
    duties_total: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    total_refunded: Mapped[int] = mapped_column(Integer, default=0)
    taxes_included: Mapped[bool] = mapped_column(Boolean, default=False)
    duties_policy: Mapped[str | None] = mapped_column(String(3))

    base_currency: Mapped[str] = currency_column()
    fx_rate: Mapped[Decimal] = mapped_column(Numeric(20, 10), default=Decimal(1))
    fx_rate_date: Mapped[date | None] = mapped_column(Date)
    base_subtotal: Mapped[int] = mapped_column(Integer, default=0)
    base_discount_total: Mapped[int] = mapped_column(Integer, default=0)
    base_shipping_total: Mapped[int] = mapped_column(Integer, default=0)
    base_tax_total: Mapped[int] = mapped_column(Integer, default=0)
    base_total: Mapped[int] = mapped_column(Integer, default=0)

    shipping_address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    billing_address: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shipping_rate_id: Mapped[int | None] = mapped_column(ForeignKey("shipping_rates.id", ondelete="SET NULL"))
    shipping_method: Mapped[str | None] = mapped_column(String(120))
    discount_code: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cart_token: Mapped[str | None] = mapped_column(String(64), index=True)
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    first_touch_campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    last_touch_campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    campaign_link_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_links.id", ondelete="SET NULL"), index=True
    )
    paid_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    reservation_expires_at: Mapped[datetime | None] = mapped_column()
    # Set when a payment does not match the order (amount, currency) or is disputed: staff must look.
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    review_reason: Mapped[str | None] = mapped_column(String(255))

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.created_at"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="order", order_by="Payment.id")
    refunds: Mapped[list[Refund]] = relationship(back_populates="order", order_by="Refund.id")


class OrderLine(Base):
    """A line frozen at purchase time: titles, prices and customs data are copied, not referenced."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("quantity_fulfilled >= 0 AND quantity_fulfilled <= quantity", name="fulfilled_range"),
        CheckConstraint("quantity_refunded >= 0 AND quantity_refunded <= quantity", name="refunded_range"),
        CheckConstraint("unit_price >= 0", name="unit_price_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id", ondelete="SET NULL"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(255))
    variant_title: Mapped[str | None] = mapped_column(String(255))
    sku: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)
    compare_at_price: Mapped[int | None] = mapped_column(Integer)
    line_total: Mapped[int] = mapped_column(Integer)
    discount_total: Mapped[int] = mapped_column(Integer, default=0)
    tax_total: Mapped[int] = mapped_column(Integer, default=0)
    base_unit_price: Mapped[int] = mapped_column(Integer)
    weight_grams: Mapped[int] = mapped_column(Integer, default=0)
    hs_code: Mapped[str | None] = mapped_column(String(16))
    origin_country: Mapped[str | None] = mapped_column(String(2))
    customs_description: Mapped[str | None] = mapped_column(String(255))
    requires_shipping: Mapped[bool] = mapped_column(Boolean, default=True)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="SET NULL"))
    quantity_fulfilled: Mapped[int] = mapped_column(Integer, default=0)
    quantity_refunded: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(Base):
    """One entry of an order's timeline, written through storefront.domain.order events."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_order_created", "order_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(60))
    message: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")


class Payment(TimestampMixin, Base):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    provider: Mapped[str] = mapped_column(String(20), default="stripe")
    status: Mapped[PaymentState] = enum_column(PaymentState, default=PaymentState.PENDING)
    amount: Mapped[int] = mapped_column(Integer)
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = currency_column()
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255), index=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_charge_id: Mapped[str | None] = mapped_column(String(255))
    captured_at: Mapped[datetime | None] = mapped_column()

    order: Mapped[Order] = relationship(back_populates="payments")


class Refund(TimestampMixin, Base):
    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))
    status: Mapped[RefundStatus] = enum_column(RefundStatus, default=RefundStatus.PENDING)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = currency_column()
    reason: Mapped[str | None] = mapped_column(String(255))
    restock: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"order_line_id": 1, "quantity": 1}]
    lines: Mapped[list[Any]] = mapped_column(default=list)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))

    order: Mapped[Order] = relationship(back_populates="refunds")
