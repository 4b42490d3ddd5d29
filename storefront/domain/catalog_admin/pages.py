"""Saving content, legal and landing pages from the admin."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from storefront.domain.catalog_admin import events, queries
from storefront.domain.catalog_admin.errors import ErrorList
from storefront.domain.catalog_admin.events import Editor
from storefront.domain.catalog_admin.locking import claim_version, row_for_edit
from storefront.domain.catalog_admin.translations import (
    PAGE_TEXT,
    TextDraft,
    apply_texts,
    check_texts,
    texts_snapshot,
)
from storefront.models import Page, PageKind, StoreSettings


@dataclass
class PageDraft:
    kind: PageKind = PageKind.CONTENT
    published: bool = True
    noindex: bool = False
    texts: dict[str, TextDraft] = field(default_factory=dict)


def page_snapshot(page: Page, default_locale: str) -> dict[str, Any]:
    return {"kind": page.kind.value, "published": page.published, "noindex": page.noindex,
            "texts": texts_snapshot(page, PAGE_TEXT, default_locale)}


def save_page(session: Session, draft: PageDraft, *, store: StoreSettings, editor: Editor, page_id: int | None = None,
              expected_version: int | None = None) -> Page:
    """Create or update a page; its landing-page blocks are kept as they are."""
    page = row_for_edit(session, queries.page_for_editing, page_id, expected_version)
    locales = list(store.enabled_locales)
    errors = ErrorList()
    texts = check_texts(session, PAGE_TEXT, draft.texts, owner_id=page_id, default_locale=store.default_locale,
                        locales=locales, errors=errors)
    errors.raise_if_any()

    before = page_snapshot(page, store.default_locale) if page else {}
    if page is None:
        page = Page(version=1, blocks=[])
        session.add(page)
    else:
        claim_version(session, page, expected_version)
    apply_texts(page, PAGE_TEXT, texts, default_locale=store.default_locale, locales=locales)
    page.kind, page.published, page.noindex = draft.kind, draft.published, draft.noindex
    session.flush()
    events.page_saved(session, editor=editor, page_id=page.id, before=before,
                      after=page_snapshot(page, store.default_locale))
    return page
