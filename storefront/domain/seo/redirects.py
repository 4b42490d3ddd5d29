"""URL redirects: serving the Redirect table, and creating redirects when a product, collection or page moves.

A handle change (the default-locale handle on the row, or a translated handle on its translation row) is seen
in a `before_flush` session event, so every way of saving (admin, CLI, import) leaves the old URL working.
Redirects never chain: earlier redirects to the old URL are pointed at the new one, and a redirect whose
source is a live URL again is removed.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import event, inspect, or_, select, update
from sqlalchemy.orm import Session

from storefront.domain.seo import locale_path
from storefront.models import (
    Collection,
    CollectionTranslation,
    Page,
    PageTranslation,
    Product,
    ProductTranslation,
    Redirect,
    StoreSettings,
)

MOVED_PERMANENTLY = 301


@dataclass(frozen=True)
class Moved:
    source: str
    target: str


@dataclass(frozen=True)
class _Addressed:
    """How a model's rows are addressed: URL prefix, and for translations the row they translate."""

    prefix: str
    owner: str | None = None


_ADDRESSED = {
    Product: _Addressed("/products"),
    Collection: _Addressed("/collections"),
    Page: _Addressed("/pages"),
    ProductTranslation: _Addressed("/products", owner="product"),
    CollectionTranslation: _Addressed("/collections", owner="collection"),
    PageTranslation: _Addressed("/pages", owner="page"),
}


def redirect_target(target: str) -> str | None:
    """The target if it may be redirected to: a path on this site or an absolute http(s) URL, else None
    ("//evil.example", "javascript:…", control characters)."""
    if not target or "\\" in target or not target.isprintable():
        return None
    if target.startswith("/"):
        return None if target.startswith("//") else target
    parts = urlsplit(target)
    return target if parts.scheme in ("http", "https") and parts.netloc else None


def follow_redirect(session: Session, path: str) -> Redirect | None:
    """The redirect for `path` (with its locale prefix, without the query), counting the hit."""
    found = session.scalars(select(Redirect).where(Redirect.path == path)).first()
    if found is None or redirect_target(found.target) is None:
        return None
    # A hit is not an edit: updated_at keeps saying when the redirect itself last changed.
    session.execute(update(Redirect).where(Redirect.id == found.id)
                    .values(hits=Redirect.hits + 1, updated_at=Redirect.updated_at)
                    .execution_options(synchronize_session=False))
    return found


def _changed_handle(obj) -> tuple[str, str] | None:
    history = inspect(obj).attrs.handle.history
    if history.deleted and history.added and history.deleted[0] != history.added[0]:
        return history.deleted[0], history.added[0]
    return None


def _store_locales(session: Session) -> tuple[str, list[str]]:
    store = session.get(StoreSettings, 1)
    if store is None:
        return "en", ["en"]
    return store.default_locale, list(store.enabled_locales)


def handle_moves(session: Session) -> list[Moved]:
    """Old URL → new URL for every handle changed in the session's pending changes."""
    moves: list[Moved] = []
    locales: tuple[str, list[str]] | None = None
    for obj in session.dirty:
        addressed = _ADDRESSED.get(type(obj))
        changed = _changed_handle(obj) if addressed else None
        if changed is None:
            continue
        old, new = changed
        if locales is None:
            locales = _store_locales(session)
        default_locale, enabled = locales
        if addressed.owner:
            moves.append(Moved(locale_path(f"{addressed.prefix}/{old}", obj.locale, default_locale),
                               locale_path(f"{addressed.prefix}/{new}", obj.locale, default_locale)))
            continue
        # The row's own handle is the URL of the default locale and of every locale without a translation.
        translated = {tr.locale for tr in obj.translations}
        for locale in dict.fromkeys([default_locale, *enabled]):
            if locale not in translated:
                moves.append(Moved(locale_path(f"{addressed.prefix}/{old}", locale, default_locale),
                                   locale_path(f"{addressed.prefix}/{new}", locale, default_locale)))
    return moves


def apply_moves(session: Session, moves: list[Moved]) -> None:
    """Point each moved URL at its new one, re-point redirects to the old URL (no chains), and drop redirects
    from URLs that are live again."""
    if not moves:
        return
    sources = {m.source for m in moves}
    paths = sources | {m.target for m in moves}
    existing = session.scalars(select(Redirect).where(or_(Redirect.path.in_(paths), Redirect.target.in_(sources))))
    by_path = {r.path: r for r in existing}
    removed: dict[str, Redirect] = {}
    for move in moves:
        for earlier in by_path.values():
            if earlier.target == move.source:
                earlier.target = move.target
        live = by_path.pop(move.target, None)
        if live is not None:
            removed[move.target] = live
        redirect = by_path.get(move.source) or removed.pop(move.source, None)
        if redirect is None:
            redirect = Redirect(path=move.source, hits=0)
            session.add(redirect)
        redirect.target, redirect.status_code = move.target, MOVED_PERMANENTLY
        by_path[move.source] = redirect
    for redirect in removed.values():
        if redirect in session.new:
            session.expunge(redirect)
        else:
            session.delete(redirect)


def _redirect_moved_handles(session: Session, _flush_context, _instances) -> None:
    with session.no_autoflush:
        apply_moves(session, handle_moves(session))


def register_handle_redirects() -> None:
    """Listen to every session's flushes, once however many apps are created."""
    if not event.contains(Session, "before_flush", _redirect_moved_handles):
        event.listen(Session, "before_flush", _redirect_moved_handles)
