"""Search as the rest of the shop uses it: one searcher per process, kept in step with the database."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.domain.search.index import SearchIndex, latest_change
from storefront.domain.search.query import ProductSearcher, SyncThrottle, normalize_query
from storefront.extensions import cache, db
from storefront.models import SearchQueryStat, utcnow
from storefront.settings import Settings

_searchers: dict[Path, ProductSearcher] = {}
_throttles: dict[Path, SyncThrottle] = {}


def index_for(settings: Settings) -> SearchIndex:
    return SearchIndex(settings.instance_path / "search", list(settings.locales))


def searcher_for(settings: Settings) -> ProductSearcher:
    index = index_for(settings)
    if index.root not in _searchers:
        _searchers[index.root] = ProductSearcher(index)
        _throttles[index.root] = SyncThrottle()
    return _searchers[index.root]


RESULT_SECONDS = 300


def cached_search(settings: Settings, text: str, locale: str, synonyms, limit: int):
    """The ranked ids for a query, cached until the index changes (popular queries repeat a lot)."""
    index = index_for(settings)
    generation = index.current_generation()
    if generation is None:
        raise FileNotFoundError("the search index has not been built")
    digest = hashlib.sha256(json.dumps([text, locale, limit, synonyms], ensure_ascii=False).encode()).hexdigest()
    key = f"search:{generation.name}:{index.applied_change(generation)}:{digest}"
    result = cache.get(key)
    if result is None:
        result = searcher_for(settings).search(text, locale, synonyms, limit=limit)
        cache.set(key, result, timeout=RESULT_SECONDS)
    return result


def keep_current(session: Session, settings: Settings) -> None:
    """Apply product changes this node has not indexed yet (cheap: looks at most every 2 s)."""
    index = index_for(settings)
    throttle = _throttles.setdefault(index.root, SyncThrottle())
    if not throttle.due() or not index.exists():
        return
    if latest_change(session) > index.applied_change():
        index.apply_changes(session, blocking=False)


def sync_index_job() -> int:
    """Job: bring this node's index up to the change log (waits for the writer lock)."""
    settings = current_app.config["CLIPPER"]
    index = index_for(settings)
    if not index.exists():
        return 0
    return index.apply_changes(db.session, blocking=True)


def rebuild(session: Session, settings: Settings, progress=None) -> int:
    return index_for(settings).rebuild(session, progress)


def record_search(locale: str, query: str, results: int) -> None:
    """Job: count a search (and whether it found nothing) in today's row for the admin."""
    text = normalize_query(query).lower()[:255]
    if not text:
        return
    day = utcnow().date()
    zero = 1 if results == 0 else 0
    values = {"count": SearchQueryStat.count + 1, "zero_result_count": SearchQueryStat.zero_result_count + zero}
    where = (SearchQueryStat.locale == locale, SearchQueryStat.query == text, SearchQueryStat.day == day)
    if db.session.execute(update(SearchQueryStat).where(*where).values(**values)).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(SearchQueryStat(locale=locale, query=text, day=day, count=1, zero_result_count=zero))
    except IntegrityError:  # another worker inserted today's row first
        db.session.execute(update(SearchQueryStat).where(*where).values(**values))


def popular_queries(session: Session, locale: str, prefix: str, limit: int = 4, days: int = 30) -> list[str]:
    """Queries shoppers in this locale often made that found something, starting with `prefix`."""
    since = utcnow().date() - timedelta(days=days)
    text = normalize_query(prefix).lower()
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = session.execute(
        select(SearchQueryStat.query, func.sum(SearchQueryStat.count).label("total"))
        .where(SearchQueryStat.locale == locale, SearchQueryStat.day >= since,
               SearchQueryStat.query.like(f"{escaped}%", escape="\\"), SearchQueryStat.query != text)
        .group_by(SearchQueryStat.query)
        .having(func.sum(SearchQueryStat.count) > func.sum(SearchQueryStat.zero_result_count))
        .order_by(func.sum(SearchQueryStat.count).desc(), SearchQueryStat.query)
        .limit(limit)
    )
    return [query for query, _ in rows]
