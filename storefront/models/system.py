"""Bookkeeping tables: received webhooks, search statistics and the search-index change log."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storefront.models.base import Base, utcnow


class WebhookEvent(Base):
    """A provider event seen once: the unique (provider, event_id) makes handling idempotent."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)


class SearchQueryStat(Base):
    __tablename__ = "search_query_stats"
    __table_args__ = (UniqueConstraint("locale", "query", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    locale: Mapped[str] = mapped_column(String(10))
    query: Mapped[str] = mapped_column(String(255))
    day: Mapped[date] = mapped_column(Date, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    zero_result_count: Mapped[int] = mapped_column(Integer, default=0)


class SearchIndexChange(Base):
    """Products changed since a node last updated its own search index (DESIGN §10)."""

    __tablename__ = "search_index_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
