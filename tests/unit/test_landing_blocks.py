"""Landing page blocks: what each block may hold, errors that name the block and the field, what the blocks
point at, the render-ready sections, the editing services and staff preview tokens."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from storefront.domain.catalog_admin.errors import StaleEdit
from storefront.domain.catalog_admin.events import Editor
from storefront.domain.marketing import landing
from storefront.domain.marketing.landing import LandingError, LandingErrorCode
from storefront.domain.pricing import pricing_context
from storefront.domain.fx import load_rate_table
from storefront.domain.markets import load_markets, localize
from storefront.domain.tax import load_tax_rates
from storefront.models import Campaign, Page, PageKind, PageTranslation, ProductStatus
from tests.fixtures.factories import make_collection, make_image, make_page, make_product

EDITOR = Editor(staff_user_id=None)
SECRET = "a-secret-key-that-is-long-enough-for-signing-0123456789"


def refused(raw, session=None) -> LandingError:
    with pytest.raises(LandingError) as caught:
        landing.validate_blocks(raw, session=session)
    return caught.value


# -- validation ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, code, index, field", [
    ({"type": "hero"}, LandingErrorCode.NOT_A_LIST, None, None),
    ([{"type": "hero", "heading": "ok"}, "hero"], LandingErrorCode.NOT_A_BLOCK, 1, None),
    ([{"type": "video"}], LandingErrorCode.UNKNOWN_TYPE, 0, "type"),
    ([{"type": "hero", "heading": "   "}], LandingErrorCode.REQUIRED, 0, "heading"),
    ([{"type": "hero", "heading": "x" * 151}], LandingErrorCode.TOO_LONG, 0, "heading"),
    ([{"type": "hero", "heading": 12}], LandingErrorCode.NOT_TEXT, 0, "heading"),
    ([{"type": "hero", "heading": "ok", "button_label": "Shop"}], LandingErrorCode.BUTTON_INCOMPLETE, 0, "button_link"),
    ([{"type": "hero", "heading": "ok", "button_label": "Go", "button_link": "https://evil.example"}],
     LandingErrorCode.INVALID_LINK, 0, "button_link"),
    ([{"type": "hero", "heading": "ok", "button_label": "Go", "button_link": "//evil.example/x"}],
     LandingErrorCode.INVALID_LINK, 0, "button_link"),
    ([{"type": "hero", "heading": "ok", "button_label": "Go", "button_link": "javascript:alert(1)"}],
     LandingErrorCode.INVALID_LINK, 0, "button_link"),
    ([{"type": "hero", "heading": "ok", "button_label": "Go", "button_link": "Bad Handle",
       "button_link_kind": "product"}], LandingErrorCode.INVALID_LINK, 0, "button_link"),
    ([{"type": "hero", "heading": "ok", "image": {"key": "../../etc/passwd", "width": 1, "height": 1, "sizes": [1]}}],
     LandingErrorCode.INVALID_IMAGE, 0, "image"),
    ([{"type": "hero", "heading": "ok", "image": {"key": "pages/p1", "width": 10, "height": 10, "sizes": [""]}}],
     LandingErrorCode.INVALID_IMAGE, 0, "image"),
    ([{"type": "rich_text", "html": "<script>alert(1)</script>"}], LandingErrorCode.REQUIRED, 0, "html"),
    ([{"type": "product_grid"}], LandingErrorCode.ONE_SOURCE, 0, "source"),
    ([{"type": "product_grid", "collection_id": 1, "product_ids": [2]}], LandingErrorCode.ONE_SOURCE, 0, "source"),
    ([{"type": "product_grid", "collection_id": 1, "limit": 25}], LandingErrorCode.OUT_OF_RANGE, 0, "limit"),
    ([{"type": "product_grid", "collection_id": 1, "limit": 0}], LandingErrorCode.OUT_OF_RANGE, 0, "limit"),
    ([{"type": "product_grid", "collection_id": "one"}], LandingErrorCode.NOT_A_NUMBER, 0, "collection_id"),
    ([{"type": "product_grid", "product_ids": list(range(1, 26))}], LandingErrorCode.TOO_MANY_ITEMS, 0,
     "product_ids"),
    ([{"type": "countdown", "ends_at": "2026-05-01T12:00"}], LandingErrorCode.INVALID_DATE, 0, "ends_at"),
    ([{"type": "countdown", "ends_at": "next friday"}], LandingErrorCode.INVALID_DATE, 0, "ends_at"),
    ([{"type": "countdown"}], LandingErrorCode.ONE_SOURCE, 0, "source"),
    ([{"type": "faq", "items": []}], LandingErrorCode.REQUIRED, 0, "items"),
    ([{"type": "newsletter"}, {"type": "faq", "items": [{"question": "Why?", "answer": "Because."},
                                                         {"question": "", "answer": "No question"}]}],
     LandingErrorCode.REQUIRED, 1, "items.1.question"),
    ([{"type": "newsletter", "text": "x" * 601}], LandingErrorCode.TOO_LONG, 0, "text"),
    ([{"type": "newsletter"}] * 31, LandingErrorCode.TOO_MANY_BLOCKS, None, None),
])
def test_invalid_blocks_are_refused_naming_the_block_and_field(raw, code, index, field):
    error = refused(raw)

    assert (error.code, error.block_index, error.field) == (code, index, field)


def test_the_error_message_names_the_block_its_type_and_the_field():
    error = refused([{"type": "newsletter"}, {"type": "product_grid", "collection_id": 3, "limit": 99}])

    assert str(error) == "block 2 (product_grid), field limit: out_of_range {'min': 1, 'max': 24}"


def test_valid_blocks_come_back_cleaned_with_only_their_own_fields():
    blocks = landing.validate_blocks([
        {"type": "hero", "heading": "  Spring  ", "button_label": "Shop", "button_link": "/collections/sale?sort=new",
         "colour": "#fff", "image": {"key": "pages/p1-abc", "width": "1600", "height": 900, "sizes": [1080, 360]}},
        {"type": "rich_text", "html": '<p onclick="x()">Hi <img src=x onerror=alert(1)></p>'},
        {"type": "product_grid", "product_ids": ["7", 3, 7]},
        {"type": "countdown", "ends_at": "2026-05-01T14:00:00+02:00"},
        {"type": "faq", "items": [{"question": " Why? ", "answer": "Because.", "extra": 1}]},
        {"type": "newsletter", "heading": "Join"},
    ])

    assert blocks == [
        {"type": "hero", "heading": "Spring", "button_label": "Shop", "button_link": "/collections/sale?sort=new",
         "button_link_kind": "path", "image": {"key": "pages/p1-abc", "width": 1600, "height": 900,
                                               "sizes": [360, 1080]}},
        {"type": "rich_text", "html": "<p>Hi </p>"},
        {"type": "product_grid", "product_ids": [7, 3], "limit": 8},
        {"type": "countdown", "ends_at": "2026-05-01T12:00:00+00:00"},
        {"type": "faq", "items": [{"question": "Why?", "answer": "Because."}]},
        {"type": "newsletter", "heading": "Join"},
    ]


def test_rich_text_keeps_the_catalogues_allowed_tags():
    html = '<h2>Title</h2><ul><li><a href="/pages/faq" title="FAQ">FAQ</a></li></ul><table><tr><th scope="col">A</th></tr></table>'

    assert landing.validate_blocks([{"type": "rich_text", "html": html}])[0]["html"] == (
        '<h2>Title</h2><ul><li><a href="/pages/faq" title="FAQ" rel="noopener noreferrer">FAQ</a></li></ul>'
        '<table><tbody><tr><th scope="col">A</th></tr></tbody></table>')


# -- references ----------------------------------------------------------------------------------------------------

def test_references_to_missing_rows_are_refused_with_a_session(db, store):
    product = make_product(db.session)
    collection = make_collection(db.session, [product])
    evergreen = Campaign(name="Evergreen")
    db.session.add(evergreen)
    db.session.flush()

    assert landing.validate_blocks([{"type": "product_grid", "collection_id": collection.id},
                                    {"type": "product_grid", "product_ids": [product.id]}], session=db.session)
    assert refused([{"type": "product_grid", "collection_id": collection.id + 1000}], db.session).code \
        is LandingErrorCode.UNKNOWN_COLLECTION
    missing = refused([{"type": "hero", "heading": "x"}, {"type": "product_grid", "product_ids": [product.id, 999999]}],
                      db.session)
    assert (missing.code, missing.block_index, missing.params) == (LandingErrorCode.UNKNOWN_PRODUCTS, 1,
                                                                   {"names": "999999"})
    assert refused([{"type": "countdown", "campaign_id": evergreen.id}], db.session).code \
        is LandingErrorCode.CAMPAIGN_WITHOUT_END
    assert refused([{"type": "hero", "heading": "x", "product_image_id": 999999}], db.session).code \
        is LandingErrorCode.UNKNOWN_PICTURE


# -- sections for the theme ------------------------------------------------------------------------------------------

@pytest.fixture
def us_pricing(db, markets):
    localization = localize(load_markets(db.session), chosen_country="US", query_country=None, header_country=None,
                            currency=None)
    return pricing_context("USD", localization, load_rate_table(db.session), load_tax_rates(db.session))


def page_with(db, blocks, translations=None) -> Page:
    page = make_page(db.session, kind=PageKind.LANDING, blocks=blocks)
    for locale, own in (translations or {}).items():
        page.translations.append(PageTranslation(locale=locale, title=locale, handle=f"{page.handle}-{locale}",
                                                 blocks=own))
    db.session.flush()
    return page


def test_sections_hold_priced_cards_pictures_and_the_time_left(db, us_pricing):
    tee = make_product(db.session, title="Tee", variants=[{"price": 2500}])
    draft = make_product(db.session, title="Draft", status=ProductStatus.DRAFT)
    picture = make_image(db.session, tee, alt="A tee", alt_translations={"de": "Ein Shirt"})
    collection = make_collection(db.session, [draft, tee])
    now = datetime(2026, 4, 1, tzinfo=timezone.utc)
    page = page_with(db, [
        {"type": "hero", "heading": "Hi", "product_image_id": picture.id},
        {"type": "product_grid", "collection_id": collection.id},
        {"type": "countdown", "ends_at": (now + timedelta(hours=2)).isoformat()},
        {"type": "countdown", "ends_at": (now - timedelta(seconds=1)).isoformat()},
    ])

    hero, grid, countdown = landing.blocks_for(db.session, page, "de", us_pricing, now=now)

    assert (hero.image.id, hero.image_alt, hero.number) == (picture.id, "Ein Shirt", 1)
    assert [(card.title, card.price, card.currency) for card in grid.cards] == [("Tee", 2500, "USD")]
    assert (countdown.seconds_left, countdown.number) == (7200, 3)


def test_blocks_of_a_language_fall_back_to_the_default_ones_only_when_it_has_none(db, us_pricing):
    page = page_with(db, [{"type": "hero", "heading": "Default"}],
                     {"de": [], "ja": [{"type": "hero", "heading": "日本語"}]})

    def heading(locale: str) -> str:
        return landing.blocks_for(db.session, page, locale, us_pricing)[0].fields["heading"]

    assert [heading(locale) for locale in ("en", "de", "fr", "ja")] == ["Default", "Default", "Default", "日本語"]


def test_faq_structured_data_and_the_page_summary_come_from_the_sections(db, us_pricing):
    page = page_with(db, [{"type": "rich_text", "html": "<p>Linen <strong>and</strong> cotton.</p>"},
                          {"type": "faq", "items": [{"question": "Q1", "answer": "A1"}]},
                          {"type": "faq", "items": [{"question": "Q2", "answer": "A2"}]}])
    sections = landing.blocks_for(db.session, page, "en", us_pricing)

    assert landing.sections_summary(sections) == "Linen and cotton."
    assert [q["name"] for q in landing.faq_structured_data(sections)["mainEntity"]] == ["Q1", "Q2"]
    assert landing.faq_structured_data(sections[:1]) is None


# -- editing -------------------------------------------------------------------------------------------------------

def test_blocks_are_added_from_a_form_moved_and_deleted_under_the_pages_version(db, store):
    tee = make_product(db.session, handle="tee", variants=[{"sku": "TEE-1"}])
    page = page_with(db, [{"type": "hero", "heading": "Hi"}])

    landing.save_block(db.session, page.id, "en", None, "product_grid",
                       {"source": "products", "product_ids": "TEE-1\n", "limit": "4", "heading": " Picks "},
                       store=store, editor=EDITOR, expected_version=1)
    assert page.blocks[-1] == {"type": "product_grid", "heading": "Picks", "product_ids": [tee.id], "limit": 4}

    landing.move_block(db.session, page.id, "en", 1, -1, store=store, editor=EDITOR, expected_version=2)
    assert [b["type"] for b in page.blocks] == ["product_grid", "hero"]

    landing.delete_block(db.session, page.id, "en", 0, store=store, editor=EDITOR, expected_version=3)
    assert page.blocks == [{"type": "hero", "heading": "Hi"}] and page.version == 4

    with pytest.raises(StaleEdit):
        landing.delete_block(db.session, page.id, "en", 0, store=store, editor=EDITOR, expected_version=3)
    with pytest.raises(LandingError) as gone:
        landing.delete_block(db.session, page.id, "en", 5, store=store, editor=EDITOR, expected_version=4)
    assert gone.value.code is LandingErrorCode.NO_SUCH_BLOCK


def test_a_form_value_for_the_countdown_is_utc_and_faq_rows_left_empty_are_dropped(db, store):
    assert landing.block_from_form(db.session, "countdown", {"source": "date", "ends_at": "2026-05-31T23:59"},
                                   index=0, page_id=1)["ends_at"] == "2026-05-31T23:59:00+00:00"
    faq = landing.block_from_form(db.session, "faq", {"items.0.question": "Q", "items.0.answer": "A",
                                                      "items.1.question": "", "items.1.answer": "",
                                                      "items.12.question": "Q2", "items.12.answer": "A2"},
                                  index=0, page_id=1)
    assert faq["items"] == [{"question": "Q", "answer": "A"}, {"question": "Q2", "answer": "A2"}]


def test_form_values_are_what_the_form_would_send_back(db, store):
    block = {"type": "countdown", "heading": "Soon", "ends_at": "2026-05-31T23:59:00+00:00"}

    values = landing.block_form_values(block, {})

    assert values == {"type": "countdown", "heading": "Soon", "source": "date", "ends_at": "2026-05-31T23:59"}
    assert landing.check_block(landing.block_from_form(db.session, "countdown", values, index=0, page_id=1)) == block


def test_a_translation_without_its_row_cannot_have_its_own_blocks(db, store):
    page = page_with(db, [{"type": "hero", "heading": "Hi"}])

    with pytest.raises(LandingError) as caught:
        landing.save_block(db.session, page.id, "ja", None, "newsletter", {}, store=store, editor=EDITOR,
                           expected_version=1)

    assert caught.value.code is LandingErrorCode.TRANSLATION_MISSING
    assert db.session.get(Page, page.id).version == 1


# -- preview tokens ------------------------------------------------------------------------------------------------

def test_preview_tokens_name_their_page_and_expire():
    token = landing.preview_token(42, SECRET)

    assert landing.preview_page_id(token, SECRET) == 42
    assert landing.preview_page_id(token, "another-secret-key-that-is-long-enough-0123456789") is None
    assert landing.preview_page_id(token + "x", SECRET) is None
    assert landing.preview_page_id(token, SECRET, max_age=-1) is None
    assert landing.preview_page_id("", SECRET) is None


def test_the_preview_path_is_in_the_pages_own_handle_for_that_language(db, store):
    page = page_with(db, [], {"de": []})

    assert landing.preview_path(page, "de", "en", SECRET).startswith(f"/de/pages/{page.handle}-de?preview=")
    assert landing.preview_path(page, "ja", "en", SECRET).startswith(f"/ja/pages/{page.handle}?preview=")
    assert db.session.scalar(select(Page.id).where(Page.id == page.id))
