"""The search index: analysis per language, typo tolerance, synonyms, SKUs, updates, hostile input."""
from __future__ import annotations

import subprocess
import sys

import pytest

from storefront.domain.search.analysis import analyzer_for
from storefront.domain.search.index import SearchIndex, record_change
from storefront.domain.search.query import ProductSearcher, build_query, normalize_query, transpositions
from storefront.settings import SUPPORTED_LOCALES
from tests.fixtures.factories import make_option, make_product


def tokens(locale: str, text: str) -> list[str]:
    return [t.text for t in analyzer_for(locale)(text)]


def test_german_french_and_spanish_words_are_stemmed_and_accents_folded():
    assert tokens("de", "Baumwolle")[0] == tokens("de", "baumwoll")[0]
    assert tokens("fr", "écharpes") == tokens("fr", "echarpe")
    assert tokens("es", "camisetas") == tokens("es", "camiseta")
    assert "shirt" in tokens("de", "Rundhals-T-Shirt")


def test_japanese_and_chinese_titles_become_character_pairs():
    assert tokens("ja", "充電器") == ["充電", "電器"]
    assert tokens("zh-CN", "65W 氮化镓充电器") == ["65w", "氮化", "化镓", "镓充", "充电", "电器"]


def test_a_transposed_pair_of_letters_is_one_of_the_variants_tried():
    assert "shirt" in transpositions("shrit")


@pytest.mark.parametrize("raw", ['"unbalanced', "(((", "*" * 500, "a AND OR NOT b", "x" * 5000, "\x00\x01nul",
                                 "<script>alert(1)</script>", "title:foo^3~2", "", "   ", "😀😀"])
def test_hostile_queries_build_without_errors(raw):
    text = normalize_query(raw)
    assert len(text) <= 200 and "\x00" not in text
    for locale in SUPPORTED_LOCALES:
        build_query(text, locale, [])


@pytest.fixture
def catalog(db):
    tee = make_product(db.session, title="Organic Cotton Crew Tee", handle="crew-tee",
                       translations={"de": "Rundhals-T-Shirt aus Bio-Baumwolle", "ja": "オーガニックコットン Tシャツ",
                                     "zh-CN": "有机棉圆领T恤", "fr": "T-shirt col rond en coton bio",
                                     "es": "Camiseta de algodón orgánico"},
                       variants=[{"option1": "Black", "sku": "HL-TEE1-BLACK"}, {"option1": "Red", "sku": "HL-TEE1-RED"}])
    make_option(db.session, tee, "Color", ["Black", "Red"])
    charger = make_product(db.session, title="65W GaN Charger", handle="gan-charger",
                           translations={"de": "65-W-GaN-Ladegerät", "ja": "65W GaN 充電器", "zh-CN": "65W 氮化镓充电器",
                                         "fr": "Chargeur GaN 65 W", "es": "Cargador GaN de 65 W"})
    hoodie = make_product(db.session, title="Heavyweight Fleece Hoodie", handle="fleece-hoodie")
    return {"tee": tee, "charger": charger, "hoodie": hoodie}


@pytest.fixture
def index(db, tmp_path, catalog):
    index = SearchIndex(tmp_path / "search", list(SUPPORTED_LOCALES))
    index.rebuild(db.session)
    return index


def found(index, text: str, locale: str = "en", synonyms=None) -> list[int]:
    return ProductSearcher(index).search(text, locale, synonyms).product_ids


@pytest.mark.parametrize("query", ["hoodie", "Hoodie", "fleece hoodie", "hoodi", "hodie", "hoodei", "heavywieght"])
def test_english_shoppers_find_the_hoodie_with_typos_and_prefixes(index, catalog, query):
    assert found(index, query) == [catalog["hoodie"].id]


def test_short_words_get_no_typo_tolerance(index):
    assert found(index, "tex") == []


@pytest.mark.parametrize("locale, query", [("de", "baumwolle"), ("de", "Rundhals"), ("de", "ladegerat"),
                                           ("fr", "coton"), ("fr", "chargeurs"), ("es", "camisetas"),
                                           ("es", "algodon")])
def test_european_shoppers_find_products_by_stemmed_words(index, catalog, locale, query):
    assert found(index, query, locale)


@pytest.mark.parametrize("locale, title", [("ja", "オーガニックコットン"), ("zh-CN", "有机棉圆领"), ("ja", "充電器"),
                                           ("zh-CN", "氮化镓充电器")])
def test_any_two_characters_of_a_cjk_title_find_it(index, locale, title):
    for start in range(len(title) - 1):
        assert found(index, title[start:start + 2], locale), title[start:start + 2]


def test_a_sku_finds_its_product_first(index, catalog):
    assert found(index, "hl-tee1-red")[0] == catalog["tee"].id


def test_synonyms_from_the_store_settings_widen_the_search(index, catalog):
    assert found(index, "sweatshirt") == []
    assert found(index, "sweatshirt", synonyms=[["hoodie", "sweatshirt"]]) == [catalog["hoodie"].id]
    assert found(index, "sweatshirt", synonyms=["hoodie, sweatshirt"]) == [catalog["hoodie"].id]


def test_option_values_are_searchable(index, catalog):
    assert catalog["tee"].id in found(index, "red tee")


def test_did_you_mean_offers_the_spelling_that_finds_more(index):
    result = ProductSearcher(index).search("cottn tee", "en")
    assert result.did_you_mean == "cotton tee"


def test_a_product_change_reaches_the_index_through_the_change_log(db, index, catalog):
    hoodie = catalog["hoodie"]
    hoodie.title = "Heavyweight Fleece Zip Jacket"
    record_change(db.session, hoodie.id)
    db.session.flush()
    assert found(index, "jacket") == []
    assert index.apply_changes(db.session) == 1
    assert found(index, "jacket") == [hoodie.id]
    assert found(index, "hoodie") == []


def test_a_deleted_product_leaves_the_index(db, index, catalog):
    charger_id = catalog["charger"].id
    db.session.delete(catalog["charger"])
    record_change(db.session, charger_id)
    db.session.flush()
    index.apply_changes(db.session)
    assert found(index, "charger") == []


def test_another_process_sees_an_update_made_by_this_one(db, index, catalog):
    script = (
        "import sys; from pathlib import Path\n"
        "from storefront.domain.search.index import SearchIndex\n"
        "from storefront.domain.search.query import ProductSearcher\n"
        "ix = SearchIndex(Path(sys.argv[1]), ['en'])\n"
        "print(ProductSearcher(ix).search(sys.argv[2], 'en').product_ids)\n"
    )

    def search_elsewhere(text: str) -> str:
        return subprocess.run([sys.executable, "-c", script, str(index.root), text], capture_output=True, text=True,
                              check=True).stdout.strip()

    assert search_elsewhere("parka") == "[]"
    catalog["hoodie"].title = "Heavyweight Parka"
    record_change(db.session, catalog["hoodie"].id)
    db.session.flush()
    index.apply_changes(db.session)
    assert search_elsewhere("parka") == f"[{catalog['hoodie'].id}]"


def test_rebuild_swaps_generations_and_removes_the_old_one(db, index):
    first = index.current_generation()
    index.rebuild(db.session)
    second = index.current_generation()
    assert second != first and second.is_dir() and not first.exists()


def test_a_second_writer_does_not_wait_for_the_first(index, db):
    with index.writer_lock() as held:
        assert held
        assert index.apply_changes(db.session, blocking=False) == 0


def test_editing_a_product_through_the_orm_records_a_change_for_the_index(db, index, catalog):
    from storefront.models import SearchIndexChange
    from sqlalchemy import select

    db.session.commit()  # a new transaction, as a later admin edit would be
    before = db.session.scalar(select(SearchIndexChange.id).order_by(SearchIndexChange.id.desc()).limit(1)) or 0
    catalog["hoodie"].title = "Heavyweight Fleece Anorak"
    db.session.flush()
    changed = db.session.scalars(select(SearchIndexChange.product_id).where(SearchIndexChange.id > before)).all()
    assert changed == [catalog["hoodie"].id]
    index.apply_changes(db.session)
    assert found(index, "anorak") == [catalog["hoodie"].id]


def test_a_stock_change_is_recorded_too(db, index, catalog):
    from storefront.models import SearchIndexChange
    from sqlalchemy import select

    db.session.commit()
    before = db.session.scalar(select(SearchIndexChange.id).order_by(SearchIndexChange.id.desc()).limit(1)) or 0
    catalog["charger"].variants[0].inventory_levels[0].on_hand = 0
    db.session.flush()
    assert db.session.scalars(select(SearchIndexChange.product_id).where(SearchIndexChange.id > before)).all() == [
        catalog["charger"].id]
