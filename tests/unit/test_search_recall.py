"""Recall on the demo catalogue: what a shopper types in any of the six languages finds the product."""
from __future__ import annotations

import re

import pytest
from sqlalchemy.orm import Session

from storefront.demo.seed import DemoSeeder
from storefront.domain.search.analysis import CJK_LOCALES, analyzer_for
from storefront.domain.search.index import SearchIndex
from storefront.domain.search.query import ProductSearcher
from storefront.extensions import db
from storefront.models import Product
from storefront.settings import SUPPORTED_LOCALES

pytestmark = pytest.mark.slow
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]{2,}")
_WORD = re.compile(r"\w+", re.UNICODE)


@pytest.fixture(scope="module")
def demo(app, tmp_path_factory):
    """The demo catalogue (without drawing pictures) in a transaction, and its index."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        DemoSeeder(session, tmp_path_factory.mktemp("media"), render_pictures=False).run()
        session.flush()
        index = SearchIndex(tmp_path_factory.mktemp("search"), list(SUPPORTED_LOCALES))
        index.rebuild(session)
        titles = {}
        for product in session.query(Product).all():
            titles[product.id] = {"en": product.title, **{t.locale: t.title for t in product.translations}}
        yield ProductSearcher(index), titles
        session.close()
        transaction.rollback()
        connection.close()


def _words(title: str, locale: str) -> set[str]:
    """Words a shopper could type: those the analyzer keeps (not stop words), three letters or more."""
    analyzer = analyzer_for(locale)
    return {w for w in _WORD.findall(title) if len(w) >= 3 and not w.isdigit() and list(analyzer(w))}


@pytest.mark.parametrize("locale", [loc for loc in SUPPORTED_LOCALES if loc not in CJK_LOCALES])
def test_every_title_word_finds_its_product(demo, locale):
    searcher, titles = demo
    misses = []
    for product_id, by_locale in titles.items():
        for word in _words(by_locale[locale], locale):
            if product_id not in searcher.search(word, locale, limit=1000).product_ids:
                misses.append((by_locale[locale], word))
    assert misses == []


@pytest.mark.parametrize("locale", [loc for loc in SUPPORTED_LOCALES if loc not in CJK_LOCALES])
def test_a_transposition_typo_in_the_longest_word_still_finds_it(demo, locale):
    searcher, titles = demo
    misses = []
    for product_id, by_locale in titles.items():
        words = sorted((w for w in _words(by_locale[locale], locale) if len(w) >= 5 and w.isalpha()), key=len)
        if not words:
            continue
        word = words[-1]
        typo = word[:2] + word[3] + word[2] + word[4:]
        if typo.lower() == word.lower():
            continue
        if product_id not in searcher.search(typo, locale, limit=1000).product_ids:
            misses.append((by_locale[locale], typo))
    assert misses == []


@pytest.mark.parametrize("locale", sorted(CJK_LOCALES))
def test_any_two_characters_of_a_japanese_or_chinese_title_find_it(demo, locale):
    searcher, titles = demo
    misses = []
    for product_id, by_locale in titles.items():
        for run in _CJK_RUN.findall(by_locale[locale]):
            for start in range(len(run) - 1):
                pair = run[start:start + 2]
                if product_id not in searcher.search(pair, locale, limit=1000).product_ids:
                    misses.append((by_locale[locale], pair))
    assert misses == []


@pytest.mark.parametrize("locale, query, expected", [
    ("de", "socken", "Baumwollsocken"),
    ("fr", "echarpe", "Écharpe"),
    ("es", "cargador", "Cargador"),
    ("en", "power bank", "Power Bank"),
])
def test_shoppers_find_typical_products_in_their_language(demo, locale, query, expected):
    searcher, titles = demo
    found = searcher.search(query, locale).product_ids
    assert any(expected.lower() in titles[pid][locale].lower() for pid in found), (query, [titles[p][locale] for p in found])
