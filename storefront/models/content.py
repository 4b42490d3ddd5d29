"""Content and landing pages, their translations, and URL redirects."""
from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.models.base import Base, TimestampMixin, enum_column


class PageKind(str, enum.Enum):
    CONTENT = "content"
    LEGAL = "legal"
    LANDING = "landing"


class Page(TimestampMixin, Base):
    """A page; `body_html`/`blocks` here are in the default locale."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Optimistic locking: an edit based on an old version is refused instead of overwriting newer work.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    handle: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[PageKind] = enum_column(PageKind, default=PageKind.CONTENT)
    title: Mapped[str] = mapped_column(String(255))
    body_html: Mapped[str] = mapped_column(Text, default="")
    blocks: Mapped[list[Any]] = mapped_column(default=list)
    seo_title: Mapped[str | None] = mapped_column(String(255))
    seo_description: Mapped[str | None] = mapped_column(String(320))
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    noindex: Mapped[bool] = mapped_column(Boolean, default=False)

    translations: Mapped[list[PageTranslation]] = relationship(back_populates="page", cascade="all, delete-orphan")


class PageTranslation(TimestampMixin, Base):
    __tablename__ = "page_translations"
    __table_args__ = (UniqueConstraint("page_id", "locale"), UniqueConstraint("locale", "handle"))

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(10))
    handle: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255))
    body_html: Mapped[str] = mapped_column(Text, default="")
    blocks: Mapped[list[Any]] = mapped_column(default=list)
    seo_title: Mapped[str | None] = mapped_column(String(255))
    seo_description: Mapped[str | None] = mapped_column(String(320))

    page: Mapped[Page] = relationship(back_populates="translations")


class Redirect(TimestampMixin, Base):
    __tablename__ = "redirects"
    __table_args__ = (CheckConstraint("status_code IN (301, 302, 307, 308)", name="status_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(500), unique=True)
    target: Mapped[str] = mapped_column(String(1000))
    status_code: Mapped[int] = mapped_column(Integer, default=301)
    hits: Mapped[int] = mapped_column(Integer, default=0)
