"""Products in and out as Shopify CSV: export, upload with a dry-run preview, then the import itself."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint
from storefront.domain import jobs
from storefront.domain.product_csv import progress
from storefront.domain.product_csv.errors import CsvFileRejected, CsvProblem
from storefront.domain.product_csv.export import export_rows
from storefront.domain.product_csv.reading import MAX_BYTES, read_table
from storefront.domain.store import load_store_settings
from storefront.extensions import db
from storefront.models import utcnow
from storefront.web.template_helpers import image_url

bp = admin_blueprint("admin_product_csv", __name__, Area.PRODUCTS)

PREVIEW_LIMIT = 200

MESSAGES = {
    CsvProblem.FILE_TOO_LARGE: _l("The file is larger than %(limit)s MB."),
    CsvProblem.NOT_UTF8: _l("The file is not UTF-8 text (see line %(row)s): save it as “CSV UTF-8” and upload it "
                            "again."),
    CsvProblem.NOT_CSV: _l("This is not a product CSV file: the first row must hold column names such as Handle "
                           "and Title, separated by commas."),
    CsvProblem.MALFORMED: _l("The file cannot be read near row %(row)s: a quotation mark may be missing."),
    CsvProblem.EMPTY_FILE: _l("The file has no product rows."),
    CsvProblem.MISSING_COLUMN: _l("The column “%(column)s” is missing."),
    CsvProblem.DUPLICATE_COLUMN: _l("The column “%(column)s” appears twice."),
    CsvProblem.NO_LOCATION: _l("There is no warehouse to put the stock in: add a location first."),
    CsvProblem.INTERRUPTED: _l("The import stopped because of an unexpected error. Nothing was saved."),
    CsvProblem.TOO_MANY_CELLS: _l("This row has %(cells)s cells but the header has %(columns)s columns."),
    CsvProblem.REQUIRED: _l("“%(column)s” must be filled in."),
    CsvProblem.TOO_LONG: _l("“%(column)s” is longer than %(max)s characters."),
    CsvProblem.BAD_DECIMAL: _l("“%(value)s” is not a number such as 19.90."),
    CsvProblem.TOO_MANY_DECIMALS: _l("“%(value)s” has more decimal places than %(currency)s allows (%(decimals)s)."),
    CsvProblem.NEGATIVE: _l("“%(column)s” cannot be negative."),
    CsvProblem.BAD_INTEGER: _l("“%(value)s” is not a whole number."),
    CsvProblem.BAD_BOOLEAN: _l("“%(value)s” must be TRUE or FALSE."),
    CsvProblem.BAD_STATUS: _l("“%(value)s” is not a status: use active, draft or archived."),
    CsvProblem.BAD_POLICY: _l("“%(value)s” is not an inventory policy: use deny or continue."),
    CsvProblem.BAD_HANDLE: _l("“%(value)s” is not a handle: use lower-case letters, digits and hyphens."),
    CsvProblem.BAD_COUNTRY: _l("“%(value)s” is not a two-letter country code such as CN."),
    CsvProblem.BAD_HS_CODE: _l("“%(value)s” is not an HS code such as 6109.10."),
    CsvProblem.BAD_URL: _l("“%(value)s” is not a web address."),
    CsvProblem.GIFT_CARD: _l("Gift cards cannot be imported."),
    CsvProblem.DUPLICATE_SKU: _l("The SKU %(sku)s is also used in row %(other_row)s."),
    CsvProblem.SKU_TAKEN: _l("The SKU %(sku)s already belongs to the product “%(handle)s”."),
    CsvProblem.HANDLE_TAKEN: _l("The handle “%(value)s” is already used by the product “%(handle)s”."),
    CsvProblem.IMAGE_TAKEN: _l("The picture %(value)s belongs to the product “%(handle)s”."),
    CsvProblem.OPTION_GAP: _l("“%(column)s” is filled in but the option before it is not."),
    CsvProblem.OPTION_NAME_MISMATCH: _l("“%(column)s” differs from the product's first row (“%(expected)s”)."),
    CsvProblem.OPTION_VALUE_MISSING: _l("“%(column)s” is empty, but the product has the option “%(option)s”."),
    CsvProblem.OPTION_VALUE_UNEXPECTED: _l("“%(column)s” is filled in, but the product has no option %(position)s."),
    CsvProblem.BAD_SWATCH: _l("“%(value)s” is not a colour such as #1F2A44."),
    CsvProblem.OPTION_VALUE_CONFLICT: _l("“%(column)s” differs from row %(other_row)s for the same option "
                                               "value."),
    CsvProblem.DUPLICATE_VARIANT: _l("Row %(other_row)s of this product has the same option values."),
    CsvProblem.STOCK_HELD: _l("The stock cannot go below %(minimum)s: the rest is reserved or in other "
                              "warehouses."),
    CsvProblem.VARIANT_RESERVED: _l("The variant %(variant)s is not in the file but has reserved stock, so it "
                                    "cannot be removed."),
    CsvProblem.COLUMN_IGNORED: _l("The column “%(column)s” is not imported."),
    CsvProblem.UNKNOWN_MARKET: _l("There is no market named “%(market)s”: its columns are not imported."),
}


class ProductImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file to upload."))])


def describe(problem: dict[str, Any]) -> str:
    """A problem from the status file in the staff user's language."""
    values = {"column": problem.get("column") or "", "row": problem.get("row") or "", **(problem.get("params") or {})}
    return str(MESSAGES[CsvProblem(problem["code"])]) % values


def _folder() -> Path:
    return progress.imports_folder(current_app.config["CLIPPER"].instance_path)


def _media_root() -> Path:
    return current_app.config["CLIPPER"].media_path


@bp.get("/products/export.csv")
def export():
    rows = export_rows(db.session, load_store_settings(db.session), image_url)

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    filename = f"products_export_{utcnow():%Y-%m-%d}.csv"
    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _upload_page(form: ProductImportForm, error: str | None = None, status: int = 200):
    return render_template("admin/csv/import.html", form=form, error=error,
                           limit_mb=MAX_BYTES // (1024 * 1024), background_rows=progress.ROWS_IN_BACKGROUND), status


@bp.get("/products/import")
def upload_form():
    return _upload_page(ProductImportForm())


@bp.post("/products/import")
def upload():
    form = ProductImportForm()
    if not form.validate_on_submit():
        return _upload_page(form, status=400)
    raw = form.file.data.stream.read(MAX_BYTES + 1)
    try:
        rows = len(read_table(raw).rows)
    except CsvFileRejected as rejected:
        return _upload_page(form, error=describe(rejected.problem.as_dict()), status=422)
    folder = _folder()
    import_id = progress.start_import(folder, raw, filename=(form.file.data.filename or "")[:200], rows=rows,
                                      staff_user_id=current_user.id)
    if progress.in_background(progress.read_status(folder, import_id) or {}):
        jobs.enqueue(progress.check_job, import_id)
    else:
        progress.check_import(db.session, folder, import_id, _media_root())
    return redirect(url_for("admin_product_csv.status", import_id=import_id))


@bp.get("/products/import/<import_id>")
def status(import_id: str):
    found = progress.read_status(_folder(), import_id)
    if found is None:
        abort(404)
    return render_template("admin/csv/status.html", status=found, describe=describe, form=EmptyForm(),
                           running=found["state"] in {s.value for s in progress.RUNNING}, limit=PREVIEW_LIMIT)


@bp.post("/products/import/<import_id>/apply")
def apply(import_id: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    folder = _folder()
    try:
        progress.claim(folder, import_id)
    except progress.ImportNotReady:
        if progress.read_status(folder, import_id) is None:
            abort(404)
        return redirect(url_for("admin_product_csv.status", import_id=import_id))  # the page says why
    if progress.in_background(progress.read_status(folder, import_id) or {}):
        jobs.enqueue(progress.apply_job, import_id, current_user.id, request.remote_addr)
    else:
        progress.apply_import(db.session, folder, import_id, _media_root(), staff_user_id=current_user.id,
                              ip_address=request.remote_addr)
    return redirect(url_for("admin_product_csv.status", import_id=import_id))
