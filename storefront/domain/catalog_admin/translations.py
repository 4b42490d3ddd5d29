"""Each locale's title, handle, copy and SEO fields of a product, collection or page.

The store's default locale lives on the row itself, every other locale in a translation row; a locale left
blank has no row and shows the default copy.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from storefront.domain.catalog_admin.checks import (
    check_handle,
    check_length,
    sanitize_html,
    slugify,
)
from storefront.domain.catalog_admin.errors import CatalogAdminError, ErrorList
from storefront.domain.seo import locale_path
from storefront.models import (
    Collection,
    CollectionTranslation,
    Page,
    PageTranslation,
    Product,
    ProductTranslation,
)

TITLE_LENGTH = 255
SEO_TITLE_LENGTH = 255
SEO_DESCRIPTION_LENGTH = 320


@dataclass
class TextDraft:
    """One locale's copy as typed; `body_html` is a description (products, collections) or a page body."""

    title: str = ""
    handle: str = ""
    body_html: str = ""
    seo_title: str = ""
    seo_description: str = ""

    def is_blank(self) -> bool:
        return not any((getattr(self, f.name) or "").strip() for f in fields(self))


@dataclass(frozen=True)
class Translated:
    """How one kind of row keeps its copy and where the shop shows it."""

    model: type
    translation: type
    owner_column: str
    body: str
    shop_prefix: str


PRODUCT_TEXT = Translated(Product, ProductTranslation, "product_id", "description_html", "/products")
COLLECTION_TEXT = Translated(Collection, CollectionTranslation, "collection_id", "description_html", "/collections")
PAGE_TEXT = Translated(Page, PageTranslation, "page_id", "body_html", "/pages")


def _default_handle_taken(session: Session, kind: Translated, handle: str, owner_id: int | None) -> bool:
    """The default handle is every untranslated locale's URL, so no other row may use it in any locale."""
    owner = getattr(kind.translation, kind.owner_column)
    return bool(session.scalar(select(or_(
        exists().where(kind.model.handle == handle, kind.model.id != owner_id),
        exists().where(kind.translation.handle == handle, owner != owner_id),
    ))))


def _translated_handle_taken(session: Session, kind: Translated, locale: str, handle: str,
                             owner_id: int | None) -> bool:
    owner = getattr(kind.translation, kind.owner_column)
    return bool(session.scalar(select(or_(
        exists().where(kind.translation.locale == locale, kind.translation.handle == handle, owner != owner_id),
        exists().where(kind.model.handle == handle, kind.model.id != owner_id),
    ))))


def _clean(text: TextDraft, handle: str, path: str, errors: ErrorList) -> TextDraft:
    title = " ".join(text.title.split())
    if not title:
        errors.add(f"{path}.title", CatalogAdminError.REQUIRED)
    check_length(title, TITLE_LENGTH, f"{path}.title", errors)
    seo_title, seo_description = text.seo_title.strip(), " ".join(text.seo_description.split())
    check_length(seo_title, SEO_TITLE_LENGTH, f"{path}.seo_title", errors)
    check_length(seo_description, SEO_DESCRIPTION_LENGTH, f"{path}.seo_description", errors)
    return TextDraft(title, handle, sanitize_html(text.body_html), seo_title, seo_description)


def check_texts(session: Session, kind: Translated, texts: dict[str, TextDraft], *, owner_id: int | None,
                default_locale: str, locales: list[str], errors: ErrorList) -> dict[str, TextDraft]:
    """The copy to save per locale, cleaned: an empty default handle comes from the title, an empty translated
    handle is the default one; every handle must be well-formed and free in its locale."""
    default = texts.get(default_locale) or TextDraft()
    path = f"texts.{default_locale}"
    handle = default.handle.strip() or slugify(default.title)
    if check_handle(handle, f"{path}.handle", errors) and _default_handle_taken(session, kind, handle, owner_id):
        errors.add(f"{path}.handle", CatalogAdminError.HANDLE_TAKEN, handle=handle)
    cleaned = {default_locale: _clean(default, handle, path, errors)}
    for locale in locales:
        text = texts.get(locale)
        if locale == default_locale or text is None or text.is_blank():
            continue
        path = f"texts.{locale}"
        translated_handle = text.handle.strip() or handle
        if (check_handle(translated_handle, f"{path}.handle", errors)
                and _translated_handle_taken(session, kind, locale, translated_handle, owner_id)):
            errors.add(f"{path}.handle", CatalogAdminError.HANDLE_TAKEN, handle=translated_handle)
        cleaned[locale] = _clean(text, translated_handle, path, errors)
    return cleaned


def apply_texts(owner: Any, kind: Translated, cleaned: dict[str, TextDraft], *, default_locale: str,
                locales: list[str]) -> None:
    """Write checked copy; a locale without copy loses its translation row (and shows the default copy)."""
    default = cleaned[default_locale]
    owner.title, owner.handle = default.title, default.handle
    setattr(owner, kind.body, default.body_html)
    owner.seo_title, owner.seo_description = default.seo_title or None, default.seo_description or None
    existing = {tr.locale: tr for tr in owner.translations}
    for locale in locales:
        if locale == default_locale:
            continue
        text, row = cleaned.get(locale), existing.get(locale)
        if text is None:
            if row is not None:
                owner.translations.remove(row)
            continue
        if row is None:
            row = kind.translation(locale=locale)
            owner.translations.append(row)
        row.title, row.handle = text.title, text.handle
        setattr(row, kind.body, text.body_html)
        row.seo_title, row.seo_description = text.seo_title or None, text.seo_description or None


def current_texts(owner: Any, kind: Translated, default_locale: str) -> dict[str, TextDraft]:
    """The saved copy per locale, as an editor shows it."""
    texts = {default_locale: TextDraft(owner.title, owner.handle, getattr(owner, kind.body) or "",
                                       owner.seo_title or "", owner.seo_description or "")}
    for row in owner.translations:
        texts[row.locale] = TextDraft(row.title, row.handle, getattr(row, kind.body) or "", row.seo_title or "",
                                      row.seo_description or "")
    return texts


def texts_snapshot(owner: Any, kind: Translated, default_locale: str) -> dict[str, dict[str, str]]:
    return {locale: vars(text) for locale, text in sorted(current_texts(owner, kind, default_locale).items())}


def shop_paths(owner: Any, kind: Translated, *, default_locale: str, locales: list[str]) -> dict[str, str]:
    """Where the shop shows the row in each locale ("View in shop")."""
    handles = {row.locale: row.handle for row in owner.translations}
    return {locale: locale_path(f"{kind.shop_prefix}/{handles.get(locale, owner.handle)}", locale, default_locale)
            for locale in locales}
