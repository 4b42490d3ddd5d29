"""Collections and pages in the admin: their lists and editors, with copy in every shop language."""
from __future__ import annotations

from functools import partial

from flask import render_template, url_for
from flask_babel import gettext as _

from admin.permissions import Area, admin_blueprint
from admin.product_forms import (
    PAGE_KIND_LABELS,
    collection_draft,
    collection_form,
    page_draft,
    page_form,
)
from admin.products import load_or_404, render_editor, submit_editor
from storefront.domain.catalog_admin import queries
from storefront.domain.catalog_admin.collections import save_collection
from storefront.domain.catalog_admin.pages import save_page
from storefront.domain.catalog_admin.translations import COLLECTION_TEXT, PAGE_TEXT
from storefront.domain.store import load_store_settings
from storefront.extensions import db

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
    return render_editor("admin/pages/edit.html", form, store, found, PAGE_TEXT, elsewhere, status, page=found)
