"""Index storage: one Whoosh index per locale in a generation folder, swapped atomically on rebuild.

Changes reach the index through the SearchIndexChange log in the database: whoever holds this node's
writer lock applies the changes it has not applied yet, so several workers (and several nodes, each
with its own index) converge on the database without writing over each other.
"""
from __future__ import annotations

import fcntl
import multiprocessing
import os
import shutil
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from whoosh import index as whoosh_index
from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, TEXT, Schema

from storefront.domain.search.analysis import analyzer_for, plain_analyzer
from storefront.domain.search.documents import build_documents, collection_memberships, load_products_for_index
from storefront.models import SearchIndexChange

BATCH = 500
PARALLEL_FROM = 2000  # below this, starting processes costs more than it saves


def _write_locale_index(path: str, locale: str, documents: list[dict]) -> None:
    Path(path).mkdir(parents=True, exist_ok=True)
    writer = whoosh_index.create_in(path, schema_for(locale)).writer(limitmb=256)
    for fields in documents:
        writer.add_document(**fields)
    writer.commit(optimize=True)


def schema_for(locale: str) -> Schema:
    text = analyzer_for(locale)
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=text, stored=True, field_boost=4.0),
        # Unstemmed title words: the vocabulary "did you mean" picks from.
        title_words=TEXT(analyzer=plain_analyzer()),
        handle=ID(stored=True),
        body=TEXT(analyzer=text),
        vendor=ID(stored=True),
        vendor_text=TEXT(analyzer=plain_analyzer(), field_boost=1.5),
        product_type=ID(stored=True),
        tags=KEYWORD(commas=True, lowercase=True, scorable=True),
        sku=KEYWORD(commas=True, lowercase=True),
        options=KEYWORD(commas=True, stored=True),
        option_text=TEXT(analyzer=text, field_boost=1.5),
        collections=KEYWORD(commas=True, stored=True),
        collection_text=TEXT(analyzer=text, field_boost=1.5),
        price=NUMERIC(int, bits=64, stored=True, sortable=True),
        available=BOOLEAN(stored=True),
        created=NUMERIC(int, bits=64, stored=True, sortable=True),
    )


class SearchIndex:
    """The node's index folder: <root>/current names the live generation."""

    def __init__(self, root: Path, locales: list[str]) -> None:
        self.root = root
        self.locales = list(locales)

    # -- generations ---------------------------------------------------------------------------
    def current_generation(self) -> Path | None:
        pointer = self.root / "current"
        try:
            name = pointer.read_text().strip()
        except FileNotFoundError:
            return None
        path = self.root / name
        return path if path.is_dir() else None

    def _publish(self, generation: Path) -> None:
        tmp = self.root / f".current-{uuid.uuid4().hex}"
        tmp.write_text(generation.name)
        os.replace(tmp, self.root / "current")  # atomic: readers see the old or the new, never half

    def exists(self) -> bool:
        return self.current_generation() is not None

    def open(self, locale: str):
        generation = self.current_generation()
        if generation is None:
            raise FileNotFoundError("the search index has not been built: run `clipper search reindex`")
        return whoosh_index.open_dir(str(generation / locale))

    # -- writing -------------------------------------------------------------------------------
    @contextmanager
    def writer_lock(self, blocking: bool = True) -> Iterator[bool]:
        """The node's single-writer lock (a file lock, so it holds across processes)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "writer.lock", "a+") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def applied_change(self, generation: Path | None = None) -> int:
        generation = generation or self.current_generation()
        try:
            return int((generation / "applied").read_text()) if generation else 0
        except (FileNotFoundError, ValueError):
            return 0

    def _set_applied(self, generation: Path, change_id: int) -> None:
        tmp = generation / f".applied-{uuid.uuid4().hex}"
        tmp.write_text(str(change_id))
        os.replace(tmp, generation / "applied")

    def rebuild(self, session: Session, progress: Callable[[int, int], None] | None = None) -> int:
        """Build a fresh generation from the database, publish it, and drop old generations.

        Documents are read once; each language's index is then written in a process of its own, since
        analysis is pure Python and the languages do not share anything.
        """
        with self.writer_lock():
            last_change = session.scalar(select(func.max(SearchIndexChange.id))) or 0
            generation = self.root / f"gen-{int(time.time())}-{uuid.uuid4().hex[:6]}"
            generation.mkdir(parents=True)
            products = load_products_for_index(session)
            memberships = collection_memberships(session, [p.id for p in products])
            documents: dict[str, list[dict]] = {locale: [] for locale in self.locales}
            for done, product in enumerate(products, start=1):
                for document in build_documents(product, self.locales, memberships):
                    documents[document.locale].append(document.fields())
                if progress and (done % 50 == 0 or done == len(products)):
                    progress(done, len(products))
            jobs = [(str(generation / locale), locale, documents[locale]) for locale in self.locales]
            if len(products) >= PARALLEL_FROM:
                context = multiprocessing.get_context("fork")
                with ProcessPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 1), mp_context=context) as pool:
                    list(pool.map(_write_locale_index, *zip(*jobs)))
            else:
                for job in jobs:
                    _write_locale_index(*job)
            self._set_applied(generation, last_change)
            previous = self.current_generation()
            self._publish(generation)
            if previous and previous != generation:
                shutil.rmtree(previous, ignore_errors=True)
            return len(products)

    def apply_changes(self, session: Session, blocking: bool = False) -> int:
        """Re-index the products changed since this node last looked; 0 if another process is at it."""
        with self.writer_lock(blocking=blocking) as locked:
            if not locked:
                return 0
            generation = self.current_generation()
            if generation is None:
                return 0
            applied = self.applied_change(generation)
            changes = session.execute(
                select(SearchIndexChange.id, SearchIndexChange.product_id)
                .where(SearchIndexChange.id > applied).order_by(SearchIndexChange.id)
            ).all()
            if not changes:
                return 0
            product_ids = sorted({pid for _, pid in changes})
            for start in range(0, len(product_ids), BATCH):
                self._reindex(session, generation, product_ids[start:start + BATCH])
            self._set_applied(generation, changes[-1][0])
            return len(product_ids)

    def _reindex(self, session: Session, generation: Path, product_ids: list[int]) -> None:
        products = load_products_for_index(session, product_ids)
        memberships = collection_memberships(session, [p.id for p in products])
        documents = [d for p in products for d in build_documents(p, self.locales, memberships)]
        for locale in self.locales:
            ix = whoosh_index.open_dir(str(generation / locale))
            with ix.writer(timeout=30) as writer:
                for product_id in product_ids:
                    writer.delete_by_term("id", str(product_id))
                for document in documents:
                    if document.locale == locale:
                        writer.add_document(**document.fields())


def record_change(session: Session, product_id: int) -> None:
    """Note that a product changed (in the same transaction as the change itself)."""
    session.add(SearchIndexChange(product_id=product_id))


def latest_change(session: Session) -> int:
    return session.scalar(select(func.max(SearchIndexChange.id))) or 0
