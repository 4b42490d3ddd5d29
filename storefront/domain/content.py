"""Content pages in the shopper's locale, with fallback to the default locale."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from storefront.models import Page, PageTranslation


@dataclass(frozen=True)
class PageView:
    handle: str
    kind: str
    title: str
    body_html: str
    blocks: list[Any]
    seo_title: str
    seo_description: str
    noindex: bool


def find_page(session: Session, handle: str, locale: str) -> PageView | None:
    """A published page by its handle in `locale` or its default handle."""
    translated = select(PageTranslation.page_id).where(
        PageTranslation.locale == locale, PageTranslation.handle == handle
    )
    page = session.scalars(
        select(Page)
        .where(Page.published.is_(True), or_(Page.handle == handle, Page.id.in_(translated)))
        .options(selectinload(Page.translations))
    ).first()
    if page is None:
        return None
    tr = next((t for t in page.translations if t.locale == locale), None)
    title = tr.title if tr else page.title
    return PageView(
        handle=tr.handle if tr else page.handle,
        kind=page.kind.value,
        title=title,
        body_html=tr.body_html if tr else page.body_html,
        blocks=(tr.blocks if tr else page.blocks) or [],
        seo_title=(tr.seo_title if tr else page.seo_title) or title,
        seo_description=(tr.seo_description if tr else page.seo_description) or "",
        noindex=page.noindex,
    )


def suggest_pages(session: Session, text: str, locale: str, limit: int = 3) -> list[PageView]:
    """Published, indexable pages whose title in `locale` contains `text`."""
    needle = text.lower()
    pages = session.scalars(
        select(Page).where(Page.published.is_(True), Page.noindex.is_(False)).options(selectinload(Page.translations))
    ).all()
    found = []
    for page in pages:
        tr = next((t for t in page.translations if t.locale == locale), None)
        title = tr.title if tr else page.title
        if needle in title.lower():
            found.append(PageView(handle=tr.handle if tr else page.handle, kind=page.kind.value, title=title,
                                  body_html="", blocks=[], seo_title=title, seo_description="", noindex=page.noindex))
    return found[:limit]
