"""Products in the admin: the list with search, filters and bulk actions, and the product editor."""
from __future__ import annotations

from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint
from admin.product_forms import (
    BULK_LABELS,
    STATUS_LABELS,
    BulkForm,
    editor_locales,
    error_message,
    product_draft,
    product_filter_form,
    product_form,
    product_query,
    show_errors,
    text_forms,
)
from storefront.domain.catalog_admin import queries
from storefront.domain.catalog_admin.bulk import (
    BulkAction,
    bulk_edit_products,
    check_bulk_action,
)
from storefront.domain.catalog_admin.errors import InvalidInput, NotFound, StaleEdit
from storefront.domain.catalog_admin.events import Editor
from storefront.domain.catalog_admin.products import delete_product, save_product
from storefront.domain.catalog_admin.translations import (
    PRODUCT_TEXT,
    Translated,
    shop_paths,
)
from storefront.domain.store import load_store_settings
from storefront.extensions import db
from storefront.models import StoreSettings

bp = admin_blueprint("admin_products", __name__, Area.PRODUCTS)


def editor() -> Editor:
    return Editor(staff_user_id=current_user.id, ip_address=request.remote_addr)


@bp.get("/products")
def index():
    form = product_filter_form(request.args, queries.filter_choices(db.session))
    query = product_query(form, page=request.args.get("page", 1, type=int))
    store = load_store_settings(db.session)
    listing = queries.list_products(db.session, query, store.low_stock_threshold)
    return render_template("admin/products/index.html", form=form, listing=listing, bulk_form=BulkForm(),
                           status_labels=STATUS_LABELS, low_stock=store.low_stock_threshold)


def _list_url(return_to: str | None) -> str:
    """Back to the list as it was filtered, never anywhere else."""
    if return_to and return_to.startswith(url_for(".index")) and "//" not in return_to and "\\" not in return_to:
        return return_to
    return url_for(".index")


@bp.post("/products/bulk")
def bulk():
    form = BulkForm()
    back = _list_url(form.return_to.data)
    if not form.validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return redirect(back)
    action, ids = BulkAction(form.action.data), form.product_ids.data
    try:
        if not form.confirm.data:
            check_bulk_action(action, ids, form.tag.data or "")
            return render_template("admin/products/confirm_bulk.html", form=form, action_label=BULK_LABELS[action],
                                   products=queries.products_by_ids(db.session, ids), back=back)
        changed = bulk_edit_products(db.session, ids, action, tag=form.tag.data or "",
                                     store=load_store_settings(db.session), editor=editor())
    except InvalidInput as exc:
        db.session.rollback()
        for error in exc.errors:
            flash(error_message(error), "error")
        return redirect(back)
    db.session.commit()
    flash(ngettext("%(num)d product changed.", "%(num)d products changed.", changed))
    return redirect(back)


@bp.route("/products/new", methods=["GET", "POST"])
def new():
    return _editor(None)


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def edit(product_id: int):
    return _editor(product_id)


def load_or_404(load, row_id: int | None):
    """The row an editor page shows: None for a new one, 404 for one that does not exist."""
    if row_id is None:
        return None
    return load(db.session, row_id) or abort(404)


def submit_editor(form, store: StoreSettings, save, make_draft, *, saved_url, stale_message: str,
                  saved_message: str):
    """An editor's POST: run the save service on a valid form. Returns (redirect to the saved row, [], 200) on
    success, else (None, messages for no single field, status): 200 for a GET, 409 for a stale edit, 422 for
    invalid input, with the session rolled back."""
    if not form.validate_on_submit():
        return None, [], 422 if form.is_submitted() else 200
    try:
        saved = save(db.session, make_draft(), store=store, editor=editor(), expected_version=form.version.data)
    except StaleEdit:
        db.session.rollback()
        flash(stale_message, "error")
        return None, [], 409
    except InvalidInput as exc:
        db.session.rollback()
        return None, show_errors(form, exc.errors), 422
    except NotFound:
        abort(404)
    db.session.commit()
    flash(saved_message)
    return redirect(saved_url(saved)), [], 200


def render_editor(template: str, form, store: StoreSettings, row, kind: Translated, elsewhere: list[str],
                  status: int, **context):
    """An editor page: the form with a tab of copy per locale and, for a saved row, its links into the shop."""
    locales = editor_locales(store)
    paths = shop_paths(row, kind, default_locale=store.default_locale, locales=locales) if row is not None else {}
    return render_template(template, form=form, store=store, texts=text_forms(form, locales), elsewhere=elsewhere,
                           shop_paths=paths, **context), status


def _editor(product_id: int | None):
    store = load_store_settings(db.session)
    markets = queries.all_markets(db.session)
    product = load_or_404(queries.product_for_editing, product_id)
    form = product_form(store, markets, product)
    done, elsewhere, status = submit_editor(
        form, store, partial(save_product, product_id=product_id, media_root=current_app.config["CLIPPER"].media_path),
        lambda: product_draft(form, store, markets), saved_url=lambda saved: url_for(".edit", product_id=saved.id),
        stale_message=_("Someone else saved this product while you were editing it, so your changes were not "
                        "saved. Open the product again to see the current version."),
        saved_message=_("Product saved."))
    if done is not None:
        return done
    return render_editor(
        "admin/products/edit.html", form, store, product, PRODUCT_TEXT, elsewhere, status, product=product,
        markets=markets, images={image.id: image for image in product.images} if product else {},
        variants={variant.id: variant for variant in product.variants} if product else {})


@bp.route("/products/<int:product_id>/delete", methods=["GET", "POST"])
def delete(product_id: int):
    """Asks first (GET), deletes on the confirming POST."""
    product = load_or_404(queries.product_for_editing, product_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        return render_template("admin/products/confirm_delete.html", form=form, product=product)
    title = delete_product(db.session, product_id, store=load_store_settings(db.session), editor=editor())
    db.session.commit()
    flash(_("“%(title)s” was deleted.", title=title))
    return redirect(url_for(".index"))
