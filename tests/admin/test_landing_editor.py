"""The landing page editor: sections per language added, edited, moved and deleted with plain forms, and a staff
preview of a page that is not visible yet."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from storefront.domain.marketing import landing
from storefront.models import AuditLog, Campaign, Page, PageKind, PageTranslation
from tests.admin.test_products import form_fields, png_bytes, submit, text
from tests.fixtures.admin import csrf_token
from tests.fixtures.factories import make_collection, make_image, make_page, make_product
from tests.web.test_seo import ROOT, meta

@pytest.fixture
def page(db, store):
    """A landing page with a hero and a FAQ in English, and a German copy without sections of its own."""
    found = make_page(db.session, handle="spring", title="Spring launch", kind=PageKind.LANDING, body_html="",
                      blocks=[{"type": "hero", "heading": "Spring, unpacked"},
                              {"type": "faq", "items": [{"question": "Returns?", "answer": "30 days."}]}])
    found.translations.append(PageTranslation(locale="de", title="Frühling", handle="fruehling"))
    db.session.flush()
    return found


def stored(db, page_id: int, locale: str | None = None) -> list[dict]:
    db.session.expire_all()
    found = db.session.get(Page, page_id)
    if locale is None:
        return found.blocks
    return next(tr.blocks for tr in found.translations if tr.locale == locale)


def headings(blocks: list[dict]) -> list[str]:
    return [block.get("heading", block["type"]) for block in blocks]


def open_block(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, text(response)[:500]
    return text(response)


def post_button(client, page_id: int, action: str, **fields):
    """A move/delete/copy button of the page editor's sections, with the page's CSRF token and version."""
    html = text(client.get(f"/admin/pages/{page_id}"))
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    return client.post(f"/admin/pages/{page_id}/blocks/{action}",
                       data={"csrf_token": csrf_token(client, f"/admin/pages/{page_id}"), "version": version,
                             **fields})


# -- the editor shows sections per language ----------------------------------------------------------------------

def test_page_editor_lists_the_sections_of_the_chosen_language(admin_client, page):
    english = text(admin_client.get(f"/admin/pages/{page.id}"))
    german = text(admin_client.get(f"/admin/pages/{page.id}?locale=de"))

    assert "Spring, unpacked" in english and f'/admin/pages/{page.id}/blocks/en/1' in english
    assert "shows the default language&#39;s" in german or "shows the default language's" in german
    assert "Copy the default language" in german
    assert f'href="/admin/pages/{page.id}/preview/de"' in german


def test_content_pages_point_to_the_landing_type_instead_of_showing_sections(admin_client, db, store):
    about = make_page(db.session, handle="about", title="About")

    html = text(admin_client.get(f"/admin/pages/{about.id}"))

    assert 'id="blocks"' not in html and "choose the type “Landing page”" in html


# -- adding and editing --------------------------------------------------------------------------------------------

def test_adding_a_product_grid_by_handles_shows_the_products_on_the_page(admin_client, db, markets, page):
    make_product(db.session, handle="linen-shirt", title="Linen shirt", variants=[{"sku": "LIN-1"}])
    make_product(db.session, handle="cotton-tee", title="Cotton tee")
    url = f"/admin/pages/{page.id}/blocks/en/new?type=product_grid"

    response = submit(admin_client, f"/admin/pages/{page.id}/blocks/en/new", open_block(admin_client, url),
                      {"heading": "Picked for spring", "source": "products", "product_ids": "cotton-tee, LIN-1",
                       "limit": "4"})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/pages/{page.id}?locale=en#blocks")
    grid = stored(db, page.id)[-1]
    assert grid["heading"] == "Picked for spring" and grid["limit"] == 4 and len(grid["product_ids"]) == 2
    shop = text(admin_client.get("/pages/spring"))
    assert shop.index("Cotton tee") < shop.index("Linen shirt")


def test_a_refused_section_says_what_is_wrong_keeps_what_was_typed_and_saves_nothing(admin_client, db, page):
    action = f"/admin/pages/{page.id}/blocks/en/new"
    html = open_block(admin_client, f"{action}?type=faq")

    response = submit(admin_client, action, html, {"heading": "More questions", "items.0.question": "",
                                                   "items.0.answer": "An answer without its question"})

    assert response.status_code == 422
    body = text(response)
    assert "Nothing was saved" in body and "This cannot be empty." in body
    assert 'name="items.0.question" value="" aria-invalid="true"' in body
    assert "An answer without its question" in body and 'value="More questions"' in body
    assert len(stored(db, page.id)) == 2


def test_unknown_products_in_a_grid_are_named(admin_client, db, page):
    action = f"/admin/pages/{page.id}/blocks/en/new"
    response = submit(admin_client, action, open_block(admin_client, f"{action}?type=product_grid"),
                      {"source": "products", "product_ids": "no-such-thing"})

    assert response.status_code == 422
    assert "No product has this handle or SKU: no-such-thing." in text(response)


def test_editing_the_hero_with_an_uploaded_picture_gives_link_previews_that_picture(admin_client, db, page):
    action = f"/admin/pages/{page.id}/blocks/en/0"
    html = open_block(admin_client, action)
    assert 'value="Spring, unpacked"' in html

    response = submit(admin_client, action, html, {"heading": "Spring is here", "button_label": "Shop now",
                                                   "button_link_kind": "path", "button_link": "/collections/all"},
                      files={"image": (__import__("io").BytesIO(png_bytes((1200, 600))), "hero.png")})

    assert response.status_code == 302, text(response)[:800]
    hero = stored(db, page.id)[0]
    assert hero["heading"] == "Spring is here" and hero["image"]["key"].startswith(f"pages/p{page.id}-")
    tags = meta(text(admin_client.get("/pages/spring")))
    assert tags["og:image"] == f"{ROOT}/media/{hero['image']['key']}-1080.jpg"


def test_a_file_that_is_not_a_picture_is_refused(admin_client, db, page):
    action = f"/admin/pages/{page.id}/blocks/en/0"
    response = submit(admin_client, action, open_block(admin_client, action),
                      files={"image": (__import__("io").BytesIO(b"not a picture"), "hero.png")})

    assert response.status_code == 422
    assert "“hero.png” is not a picture" in text(response)
    assert "image" not in stored(db, page.id)[0]


def test_a_hero_can_use_a_products_picture(admin_client, db, page):
    product = make_product(db.session, handle="linen-dress")
    picture = make_image(db.session, product, position=1)
    action = f"/admin/pages/{page.id}/blocks/en/0"

    response = submit(admin_client, action, open_block(admin_client, action), {"image_product": "linen-dress"})

    assert response.status_code == 302
    assert stored(db, page.id)[0]["product_image_id"] == picture.id


def test_a_heros_picture_can_be_removed(admin_client, db, page):
    product = make_product(db.session, handle="linen-dress")
    make_image(db.session, product)
    action = f"/admin/pages/{page.id}/blocks/en/0"
    submit(admin_client, action, open_block(admin_client, action), {"image_product": "linen-dress"})
    html = open_block(admin_client, action)
    assert 'name="remove_image"' in html

    submit(admin_client, action, html, {"remove_image": "y"})

    assert stored(db, page.id)[0] == {"type": "hero", "heading": "Spring, unpacked"}


def test_a_product_without_pictures_cannot_lend_one_to_the_hero(admin_client, db, page):
    make_product(db.session, handle="plain-mug")
    action = f"/admin/pages/{page.id}/blocks/en/0"

    response = submit(admin_client, action, open_block(admin_client, action), {"image_product": "plain-mug"})

    assert response.status_code == 422 and "The product plain-mug has no picture yet." in text(response)


def test_a_countdown_to_a_date_is_read_as_utc(admin_client, db, page):
    action = f"/admin/pages/{page.id}/blocks/en/new"
    response = submit(admin_client, action, open_block(admin_client, f"{action}?type=countdown"),
                      {"source": "date", "ends_at": "2026-05-31T23:59"})

    assert response.status_code == 302
    assert stored(db, page.id)[-1] == {"type": "countdown", "ends_at": "2026-05-31T23:59:00+00:00"}


def test_a_countdown_to_a_campaign_without_an_end_is_refused(admin_client, db, page):
    campaign = Campaign(name="Evergreen")
    db.session.add(campaign)
    db.session.flush()
    action = f"/admin/pages/{page.id}/blocks/en/new"

    response = submit(admin_client, action, open_block(admin_client, f"{action}?type=countdown"),
                      {"source": "campaign", "campaign_id": str(campaign.id)})

    assert response.status_code == 422 and "This campaign has no end date." in text(response)


def test_a_collection_grid_is_offered_every_collection(admin_client, db, page):
    collection = make_collection(db.session, title="Campaign picks", published=False)
    action = f"/admin/pages/{page.id}/blocks/en/new"
    html = open_block(admin_client, f"{action}?type=product_grid")
    assert f'<option value="{collection.id}">Campaign picks</option>' in html

    response = submit(admin_client, action, html, {"source": "collection", "collection_id": str(collection.id)})

    assert response.status_code == 302
    assert stored(db, page.id)[-1] == {"type": "product_grid", "collection_id": collection.id, "limit": 8}


# -- moving, deleting, copying ----------------------------------------------------------------------------------

def test_sections_move_up_and_down_and_are_deleted(admin_client, db, page):
    post_button(admin_client, page.id, "en/1/move", direction="up")
    assert headings(stored(db, page.id)) == ["faq", "Spring, unpacked"]

    post_button(admin_client, page.id, "en/0/move", direction="down")
    assert headings(stored(db, page.id)) == ["Spring, unpacked", "faq"]

    post_button(admin_client, page.id, "en/0/move", direction="up")  # already first: nothing moves
    assert headings(stored(db, page.id)) == ["Spring, unpacked", "faq"]

    response = post_button(admin_client, page.id, "en/0/delete")
    assert response.status_code == 302
    assert headings(stored(db, page.id)) == ["faq"]
    assert "Section deleted." in text(admin_client.get(response.headers["Location"]))


def test_each_change_to_sections_is_in_the_audit_log(admin_client, db, page):
    post_button(admin_client, page.id, "en/0/delete")

    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "page.blocks_update")).one()
    assert entry.entity_id == str(page.id)
    assert len(entry.before["blocks"]) == 2 and len(entry.after["blocks"]) == 1


def test_a_change_based_on_an_old_version_of_the_page_is_refused(admin_client, db, page):
    html = open_block(admin_client, f"/admin/pages/{page.id}/blocks/en/0")
    post_button(admin_client, page.id, "en/1/delete")  # someone else changes the page meanwhile

    response = submit(admin_client, f"/admin/pages/{page.id}/blocks/en/0", html, {"heading": "Mine"})

    assert response.status_code == 302
    assert "Someone else changed this page" in text(admin_client.get(response.headers["Location"]))
    assert headings(stored(db, page.id)) == ["Spring, unpacked"]


def test_a_section_that_is_not_there_is_not_found(admin_client, page):
    assert admin_client.get(f"/admin/pages/{page.id}/blocks/en/7").status_code == 404
    assert admin_client.get(f"/admin/pages/{page.id}/blocks/en/new?type=video").status_code == 404
    assert admin_client.get(f"/admin/pages/{page.id}/blocks/xx/0").status_code == 404
    assert post_button(admin_client, page.id, "en/7/delete").status_code == 302


def test_a_translation_starts_from_a_copy_of_the_default_sections_and_then_has_its_own(admin_client, db, page):
    post_button(admin_client, page.id, "de/copy")
    assert headings(stored(db, page.id, "de")) == ["Spring, unpacked", "faq"]

    action = f"/admin/pages/{page.id}/blocks/de/0"
    submit(admin_client, action, open_block(admin_client, action), {"heading": "Frühling, ausgepackt"})

    assert headings(stored(db, page.id, "de")) == ["Frühling, ausgepackt", "faq"]
    assert headings(stored(db, page.id)) == ["Spring, unpacked", "faq"]
    assert "Frühling, ausgepackt" in text(admin_client.get("/de/pages/fruehling"))
    assert "Spring, unpacked" in text(admin_client.get("/fr/pages/spring"))


def test_a_language_without_its_own_title_cannot_have_its_own_sections_yet(admin_client, db, page):
    html = text(admin_client.get(f"/admin/pages/{page.id}?locale=ja"))
    assert "Give the page a title in this language and save it first" in html
    assert f"/admin/pages/{page.id}/blocks/ja/new" not in html

    response = post_button(admin_client, page.id, "ja/copy")

    assert "Give the page a title in this language and save it first" in text(
        admin_client.get(response.headers["Location"]))
    assert not any(tr.locale == "ja" for tr in db.session.get(Page, page.id).translations)


def test_saving_the_page_form_keeps_the_sections(admin_client, db, page):
    from tests.admin.test_content import save_page

    response = save_page(admin_client, page.id, {"noindex": "y"})

    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Page, page.id)
    assert saved.noindex and headings(saved.blocks) == ["Spring, unpacked", "faq"]


# -- preview ---------------------------------------------------------------------------------------------------

def test_staff_preview_a_hidden_page_in_a_language_with_a_fresh_token(admin_client, client, db, page):
    page.published = False
    db.session.flush()

    response = admin_client.get(f"/admin/pages/{page.id}/preview/de")
    location = response.headers["Location"]
    assert response.status_code == 302 and location.startswith("/de/pages/fruehling?preview=")
    preview = admin_client.get(location)

    assert preview.status_code == 200 and "Spring, unpacked" in text(preview)
    assert preview.headers["Cache-Control"] == "private, no-store"
    assert '<meta name="robots" content="noindex">' in text(preview)
    assert admin_client.get("/de/pages/fruehling").status_code == 404
    assert client.get(location).status_code == 404  # not signed in as staff
    assert admin_client.get(location[:-3] + "abc").status_code == 404  # tampered with
    assert admin_client.get(location.replace("fruehling", "other")).status_code == 404


def test_a_preview_token_expires(admin_client, db, page):
    page.published = False
    db.session.flush()
    location = admin_client.get(f"/admin/pages/{page.id}/preview/en").headers["Location"]
    fresh = admin_client.get(location).status_code
    later = datetime.now(timezone.utc) + timedelta(seconds=landing.PREVIEW_MAX_AGE + 1)
    with time_machine.travel(later, tick=False):
        expired = admin_client.get(location).status_code

    assert (fresh, expired) == (200, 404)


def test_a_token_for_one_page_does_not_open_another(admin_client, db, page):
    other = make_page(db.session, handle="secret", published=False)
    location = admin_client.get(f"/admin/pages/{page.id}/preview/en").headers["Location"]

    assert admin_client.get(location.replace("/pages/spring", f"/pages/{other.handle}")).status_code == 404


# -- access ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [("staff", 403), ("admin", 200), ("owner", 200)])
def test_sections_are_edited_by_owners_and_admins_not_staff(staff_client, page, role, status):
    client = staff_client(role)

    assert client.get(f"/admin/pages/{page.id}/blocks/en/0").status_code == status
    assert client.get(f"/admin/pages/{page.id}/preview/en").status_code == (302 if status == 200 else 403)


def test_a_post_without_its_csrf_token_changes_nothing(admin_client, db, page):
    response = admin_client.post(f"/admin/pages/{page.id}/blocks/en/0/delete", data={"version": str(page.version)})

    assert response.status_code == 400
    assert len(stored(db, page.id)) == 2


def test_block_form_shows_every_field_of_its_type(admin_client, page):
    fields = {name for name, _value in form_fields(open_block(admin_client, f"/admin/pages/{page.id}/blocks/en/0"),
                                                   f"/admin/pages/{page.id}/blocks/en/0")}

    assert {"heading", "text", "image_product", "image_alt", "button_label", "button_link_kind",
            "button_link"} <= fields
