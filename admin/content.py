"""Collections and pages in the admin: their lists and editors, with copy in every shop language."""
from __future__ import annotations

from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint
from admin.product_forms import (
    PAGE_KIND_LABELS,
    collection_draft,
    collection_form,
    page_draft,
    page_form,
)
from admin.products import editor, load_or_404, render_editor, submit_editor
from storefront.domain.catalog_admin import queries
from storefront.domain.catalog_admin.collections import save_collection
from storefront.domain.catalog_admin.errors import NotFound, StaleEdit
from storefront.domain.catalog_admin.pages import save_page
from storefront.domain.catalog_admin.translations import COLLECTION_TEXT, PAGE_TEXT
from storefront.domain.catalog_admin.uploads import Upload
from storefront.domain.marketing import landing
from storefront.domain.marketing.landing import LandingError, LandingErrorCode
from storefront.domain.store import load_store_settings
from storefront.extensions import db
from storefront.models import Page, PageKind, StoreSettings

bp = admin_blueprint("admin_content", __name__, Area.CONTENT)


@bp.get("/collections")
def collections():
    return render_template("admin/collections/index.html", rows=queries.list_collections(db.session))


@bp.route("/collections/new", methods=["GET", "POST"])
def new_collection():
    return _collection_editor(None)


@bp.route("/collections/<int:collection_id>", methods=["GET", "POST"])
def collection(collection_id: int):
    return _collection_editor(collection_id)


def _collection_editor(collection_id: int | None):
    store = load_store_settings(db.session)
    found = load_or_404(queries.collection_for_editing, collection_id)
    form = collection_form(store, found)
    done, elsewhere, status = submit_editor(
        form, store, partial(save_collection, collection_id=collection_id), lambda: collection_draft(form, store),
        saved_url=lambda saved: url_for(".collection", collection_id=saved.id),
        stale_message=_("Someone else saved this collection while you were editing it, so your changes were not "
                        "saved. Open the collection again to see the current version."),
        saved_message=_("Collection saved."))
    if done is not None:
        return done
    return render_editor("admin/collections/edit.html", form, store, found, COLLECTION_TEXT, elsewhere, status,
                         collection=found,
                         members={m.product_id: m.product for m in found.products} if found else {})


@bp.get("/pages")
def pages():
    return render_template("admin/pages/index.html", pages=queries.list_pages(db.session), kinds=PAGE_KIND_LABELS)


@bp.route("/pages/new", methods=["GET", "POST"])
def new_page():
    return _page_editor(None)


@bp.route("/pages/<int:page_id>", methods=["GET", "POST"])
def page(page_id: int):
    return _page_editor(page_id)


def _page_editor(page_id: int | None):
    store = load_store_settings(db.session)
    found = load_or_404(queries.page_for_editing, page_id)
    form = page_form(store, found)
    done, elsewhere, status = submit_editor(
        form, store, partial(save_page, page_id=page_id), lambda: page_draft(form, store),
        saved_url=lambda saved: url_for(".page", page_id=saved.id),
        stale_message=_("Someone else saved this page while you were editing it, so your changes were not saved. "
                        "Open the page again to see the current version."),
        saved_message=_("Page saved."))
    if done is not None:
        return done
    return render_editor("admin/pages/edit.html", form, store, found, PAGE_TEXT, elsewhere, status, page=found,
                         **_blocks_overview(store, found))


# -- landing page blocks: one form per block, no JavaScript needed --------------------------------------------------

BLOCK_LABELS = {"hero": _l("Hero"), "rich_text": _l("Rich text"), "product_grid": _l("Product grid"),
                "countdown": _l("Countdown"), "faq": _l("Questions and answers (FAQ)"),
                "newsletter": _l("Newsletter sign-up")}
BLOCK_ERRORS = {
    LandingErrorCode.REQUIRED: _l("This cannot be empty."),
    LandingErrorCode.TOO_LONG: _l("Use at most %(max)d characters."),
    LandingErrorCode.NOT_TEXT: _l("This cannot be empty."),
    LandingErrorCode.NOT_A_NUMBER: _l("Enter a whole number."),
    LandingErrorCode.OUT_OF_RANGE: _l("Enter a number from %(min)d to %(max)d."),
    LandingErrorCode.BUTTON_INCOMPLETE: _l("A button needs both a label and a link."),
    LandingErrorCode.INVALID_LINK: _l("Enter a path in this shop that starts with “/”, such as /collections/sale, or "
                                      "the handle of a product or collection."),
    LandingErrorCode.INVALID_IMAGE: _l("This picture cannot be used. Please upload it again."),
    LandingErrorCode.INVALID_DATE: _l("Enter a date and time, such as 2026-05-31 23:59."),
    LandingErrorCode.TOO_MANY_ITEMS: _l("Enter at most %(max)d."),
    LandingErrorCode.UNKNOWN_COLLECTION: _l("This collection no longer exists. Choose another one."),
    LandingErrorCode.UNKNOWN_PRODUCTS: _l("No product has this handle or SKU: %(names)s."),
    LandingErrorCode.UNKNOWN_CAMPAIGN: _l("This campaign no longer exists. Choose another one."),
    LandingErrorCode.CAMPAIGN_WITHOUT_END: _l("This campaign has no end date. Give it one, or enter the end date "
                                              "here."),
    LandingErrorCode.UNKNOWN_PICTURE: _l("This product picture no longer exists. Choose another one."),
    LandingErrorCode.NO_PICTURE: _l("The product %(names)s has no picture yet."),
    LandingErrorCode.NOT_AN_IMAGE: _l("“%(filename)s” is not a picture: upload a JPEG, PNG, WebP or GIF file."),
    LandingErrorCode.IMAGE_TOO_LARGE: _l("“%(filename)s” is larger than %(megabytes)d MB."),
    LandingErrorCode.TOO_MANY_BLOCKS: _l("A page can have at most %(max)d sections."),
    LandingErrorCode.NO_SUCH_BLOCK: _l("This section is no longer there: someone may have changed the page. "
                                       "Open it again to see the current sections."),
    LandingErrorCode.UNKNOWN_LOCALE: _l("This shop does not offer this language."),
    LandingErrorCode.TRANSLATION_MISSING: _l("Give the page a title in this language and save it first; until then "
                                             "this language shows the default language's sections."),
    LandingErrorCode.ALREADY_HAS_BLOCKS: _l("This language already has its own sections."),
}
ONE_SOURCE_ERRORS = {"product_grid": _l("Choose a collection, or list the products to show."),
                     "countdown": _l("Choose a campaign, or enter the date and time the offer ends."),
                     "hero": _l("Use either an uploaded picture or a product's picture.")}
STALE_BLOCKS = _l("Someone else changed this page while you were editing it, so your change was not saved. Here "
                  "are the current sections.")


def block_error_message(error: LandingError) -> str:
    if error.code is LandingErrorCode.ONE_SOURCE:
        return str(ONE_SOURCE_ERRORS.get(error.block_type or "", BLOCK_ERRORS[LandingErrorCode.REQUIRED]))
    return str(BLOCK_ERRORS.get(error.code, BLOCK_ERRORS[LandingErrorCode.REQUIRED])) % error.params


def _blocks_locale(store: StoreSettings, locale: str | None) -> str:
    return locale if locale in store.enabled_locales else store.default_locale


def _blocks_overview(store: StoreSettings, page: Page | None) -> dict:
    """The page editor's "Sections" part: the blocks of the locale chosen with ?locale=."""
    if page is None or (page.kind is not PageKind.LANDING and not page.blocks
                        and not any(tr.blocks for tr in page.translations)):
        return {}
    locale = _blocks_locale(store, request.args.get("locale"))
    return {"blocks": landing.block_editor(db.session, page, locale, store.default_locale), "block_form": EmptyForm(),
            "block_labels": BLOCK_LABELS}


def _back_to_blocks(page_id: int, locale: str):
    return redirect(url_for(".page", page_id=page_id, locale=locale, _anchor="blocks"))


def _block_change(page_id: int, locale: str, change, done: str):
    """A move, delete or copy: a button's POST, then back to the page's sections."""
    store = load_store_settings(db.session)
    load_or_404(queries.page_for_editing, page_id)
    if not EmptyForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return _back_to_blocks(page_id, locale)
    try:
        change(db.session, page_id, locale, store=store, editor=editor(),
               expected_version=request.form.get("version", type=int))
    except NotFound:
        abort(404)
    except StaleEdit:
        db.session.rollback()
        flash(str(STALE_BLOCKS), "error")
        return _back_to_blocks(page_id, locale)
    except LandingError as exc:
        db.session.rollback()
        flash(block_error_message(exc), "error")
        return _back_to_blocks(page_id, locale)
    db.session.commit()
    flash(done)
    return _back_to_blocks(page_id, locale)


@bp.route("/pages/<int:page_id>/blocks/<locale>/new", methods=["GET", "POST"])
def new_page_block(page_id: int, locale: str):
    return _block_editor(page_id, locale, None)


@bp.route("/pages/<int:page_id>/blocks/<locale>/<int:index>", methods=["GET", "POST"])
def page_block(page_id: int, locale: str, index: int):
    return _block_editor(page_id, locale, index)


def _block_editor(page_id: int, locale: str, index: int | None):
    """One block's form: GET shows it, POST saves it (a new block goes at the end) and returns to the page."""
    store = load_store_settings(db.session)
    page = load_or_404(queries.page_for_editing, page_id)
    if locale not in store.enabled_locales:
        abort(404)
    state = landing.block_editor(db.session, page, locale, store.default_locale)
    current = state.blocks[index] if index is not None and index < len(state.blocks) else None
    block_type = current.get("type") if isinstance(current, dict) else request.values.get("type", "")
    if (index is not None and not isinstance(current, dict)) or block_type not in BLOCK_LABELS:
        abort(404)
    error, status = None, 200
    values = landing.block_form_values(current, state.product_handles) if current else {}
    if EmptyForm().validate_on_submit():
        try:
            _save_block(store, page_id, locale, index, block_type)
        except StaleEdit:
            db.session.rollback()
            flash(str(STALE_BLOCKS), "error")
            return _back_to_blocks(page_id, locale)
        except LandingError as exc:
            db.session.rollback()
            error, status, values = exc, 422, request.form.to_dict()
        else:
            db.session.commit()
            flash(_("Section saved."))
            return _back_to_blocks(page_id, locale)
    return render_template("admin/pages/block.html", page=page, store=store, state=state, index=index,
                           block_type=block_type, values=values, current=current, form=EmptyForm(), error=error,
                           error_message=block_error_message(error) if error else None,
                           block_labels=BLOCK_LABELS), status


def _save_block(store: StoreSettings, page_id: int, locale: str, index: int | None, block_type: str) -> None:
    file = request.files.get("image")
    landing.save_block(db.session, page_id, locale, index, block_type, request.form, store=store, editor=editor(),
                       expected_version=request.form.get("version", type=int),
                       upload=Upload(file.filename or "", file.stream) if file else None,
                       media_root=current_app.config["CLIPPER"].media_path)


@bp.post("/pages/<int:page_id>/blocks/<locale>/<int:index>/move")
def move_page_block(page_id: int, locale: str, index: int):
    offset = -1 if request.form.get("direction") == "up" else 1
    return _block_change(page_id, locale, partial(landing.move_block, index=index, offset=offset),
                         _("Section moved."))


@bp.post("/pages/<int:page_id>/blocks/<locale>/<int:index>/delete")
def delete_page_block(page_id: int, locale: str, index: int):
    return _block_change(page_id, locale, partial(landing.delete_block, index=index), _("Section deleted."))


@bp.post("/pages/<int:page_id>/blocks/<locale>/copy")
def copy_page_blocks(page_id: int, locale: str):
    return _block_change(page_id, locale, landing.copy_default_blocks,
                         _("The default language's sections were copied: translate them one by one."))


@bp.get("/pages/<int:page_id>/preview/<locale>")
def preview_page(page_id: int, locale: str):
    """Opens the page in the shop as shoppers in `locale` will see it, published or not, for a short while."""
    store = load_store_settings(db.session)
    page = load_or_404(queries.page_for_editing, page_id)
    if locale not in store.enabled_locales:
        abort(404)
    return redirect(request.script_root + landing.preview_path(page, locale, store.default_locale,
                                                                current_app.config["CLIPPER"].secret_key))
