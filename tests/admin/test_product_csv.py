"""Product CSV in the admin: export download, upload → dry-run preview → confirm, errors, rights and audit."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storefront.domain.product_csv import progress
from storefront.models import AuditLog, Product
from tests.fixtures.admin import csrf_token, table_rows
from tests.fixtures.factories import make_image, make_location, make_product

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "shopify_products_sample.csv"
HEADER = ["Handle", "Title", "Option1 Name", "Option1 Value", "Variant SKU", "Variant Inventory Qty", "Variant Price"]


def csv_file(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(client, raw: bytes, filename: str = "products.csv"):
    return client.post("/admin/products/import", content_type="multipart/form-data",
                       data={"csrf_token": csrf_token(client, "/admin/products/import"),
                             "file": (io.BytesIO(raw), filename)})


def confirm(client, status_url: str):
    return client.post(f"{status_url}/apply", data={"csrf_token": csrf_token(client, status_url)})


def products(db) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Product.id)))


@pytest.fixture
def warehouse(db, store):
    return make_location(db.session, code="CN-SZX", is_default=True)


def test_owner_downloads_every_product_as_a_shopify_csv(admin_client, db, warehouse):
    product = make_product(db.session, handle="linen-tee", title="Linen Tee", location=warehouse, stock=8,
                           variants=[{"sku": "TEE-1", "price": 2490}])
    make_image(db.session, product, key="products/linen-tee-abc", sizes=[360, 720])
    response = admin_client.get("/admin/products/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"products_export_")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["Handle"], r["Title"], r["Variant SKU"], r["Variant Price"], r["Variant Inventory Qty"], r["Status"])
            for r in rows] == [("linen-tee", "Linen Tee", "TEE-1", "24.90", "8", "active")]
    assert rows[0]["Image Src"] == "http://localhost/media/products/linen-tee-abc-720.jpg"


@pytest.mark.parametrize("path", ["/admin/products/export.csv", "/admin/products/import"])
def test_staff_users_may_not_open_export_or_import(staff_client, path):
    assert staff_client("staff").get(path).status_code == 403


def test_staff_users_may_not_upload_products(staff_client, db, warehouse):
    client = staff_client("staff")
    response = client.post("/admin/products/import", content_type="multipart/form-data",
                           data={"csrf_token": csrf_token(client, "/admin/"),
                                 "file": (io.BytesIO(SAMPLE.read_bytes()), "products.csv")})
    assert response.status_code == 403
    assert products(db) == 0


def test_upload_shows_a_preview_and_nothing_is_saved_until_confirmed(admin_client, db, warehouse):
    make_product(db.session, handle="stoneware-mug", title="Old mug", variants=[{"sku": "KS-MUG-350"}],
                 location=warehouse)
    before = products(db)
    response = upload(admin_client, SAMPLE.read_bytes(), "shopify_products_sample.csv")
    assert response.status_code == 302
    status_url = response.headers["Location"]
    page = admin_client.get(status_url).get_data(as_text=True)
    assert "Products to create" in page and "Linen Apron" in page
    assert "Products to update (same Handle)" in page and "Stoneware Mug, 350 ml" in page
    assert "3 picture addresses point outside this shop" in page
    assert "There is no market named “International”" in page
    assert "Import 2 products" in page
    assert products(db) == before

    assert confirm(admin_client, status_url).status_code == 302
    done = admin_client.get(status_url).get_data(as_text=True)
    assert "Import finished. Products created: 1. Products updated: 1." in done
    assert products(db) == before + 1
    assert db.session.scalar(select(Product.title).where(Product.handle == "stoneware-mug")) == "Stoneware Mug, 350 ml"


def test_an_import_is_written_to_the_audit_log_with_who_did_it(admin_client, db, warehouse):
    status_url = upload(admin_client, SAMPLE.read_bytes(), "spring.csv").headers["Location"]
    confirm(admin_client, status_url)
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "products.csv_import")).one()
    assert entry.staff_user_id == admin_client.staff_user.id
    assert entry.entity_id == status_url.rsplit("/", 1)[1]
    assert (entry.after["file"], entry.after["created"], entry.after["handles_created"]) == (
        "spring.csv", 2, ["linen-apron", "stoneware-mug"])
    assert len(entry.after["images_not_downloaded"]) == 3


def test_rows_with_errors_are_listed_and_the_file_cannot_be_imported(admin_client, db, warehouse):
    raw = csv_file([["wool-hat", "Wool Hat", "Size", "S", "HAT-S", "3", "19.00"],
                    ["wool-hat", "", "", "M", "HAT-M", "3", "19,00"],
                    ["wool-scarf", "Wool Scarf", "Title", "Default Title", "HAT-S", "2", "29.00"]])
    status_url = upload(admin_client, raw).headers["Location"]
    page = admin_client.get(status_url).get_data(as_text=True)
    assert "Nothing will be imported until every error is fixed." in page
    assert table_rows(page, "import-problems") == [
        ["3", "Variant Price", "“19,00” is not a number such as 19.90."],
        ["4", "Variant SKU", "The SKU HAT-S is also used in row 2."],
    ]
    assert "/apply" not in page  # no button to import
    assert confirm(admin_client, status_url).status_code == 302
    assert products(db) == 0
    assert "Rows with errors" in admin_client.get(status_url).get_data(as_text=True)


def test_a_file_that_is_not_a_csv_is_refused_on_the_upload_page(admin_client, db, warehouse):
    response = upload(admin_client, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.csv")
    assert response.status_code == 422
    assert "This is not a product CSV file" in response.get_data(as_text=True)


def test_a_file_in_another_encoding_is_refused_with_advice(admin_client, db, warehouse):
    raw = "Handle,Title,Variant Price\ncafe,Café au lait,3.00\n".encode("cp1252")
    response = upload(admin_client, raw)
    assert response.status_code == 422
    assert "save it as “CSV UTF-8”" in response.get_data(as_text=True)


def test_uploading_without_choosing_a_file_asks_for_one(admin_client, db, warehouse):
    response = admin_client.post("/admin/products/import", content_type="multipart/form-data",
                                 data={"csrf_token": csrf_token(admin_client, "/admin/products/import")})
    assert response.status_code == 400
    assert "Choose a CSV file to upload." in response.get_data(as_text=True)


def test_confirming_without_a_csrf_token_is_refused(admin_client, db, warehouse):
    status_url = upload(admin_client, SAMPLE.read_bytes()).headers["Location"]
    assert admin_client.post(f"{status_url}/apply").status_code == 400
    assert products(db) == 0


def test_confirming_twice_imports_once(admin_client, db, warehouse):
    status_url = upload(admin_client, SAMPLE.read_bytes()).headers["Location"]
    confirm(admin_client, status_url)
    assert confirm(admin_client, status_url).status_code == 302
    assert products(db) == 2
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "products.csv_import")) == 1


def test_an_unknown_import_is_not_found(admin_client, db, warehouse):
    assert admin_client.get("/admin/products/import/" + "0" * 32).status_code == 404
    assert admin_client.get("/admin/products/import/../../secret_key").status_code == 404


def test_a_running_import_shows_its_progress_on_a_page_that_refreshes(app, admin_client, db, warehouse):
    folder = progress.imports_folder(app.config["CLIPPER"].instance_path)
    import_id = progress.start_import(folder, SAMPLE.read_bytes(), filename="big.csv", rows=4800, staff_user_id=None)
    progress.write_status(folder, import_id, state="applying", progress={"done": 150, "total": 1600})
    page = admin_client.get(f"/admin/products/import/{import_id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Products written: 150 of 1600." in page


def test_a_file_over_two_thousand_rows_is_checked_and_imported_in_the_background(app, admin_client, db, warehouse):
    rows = [[f"tee-{n}", f"Tee {n}" if size == "S" else "", "Size" if size == "S" else "", size, f"TEE-{n}-{size}",
             "2", "20.00"] for n in range(667) for size in ("S", "M", "L")]
    assert len(rows) == 2001
    response = upload(admin_client, csv_file(rows), "big.csv")
    status_url = response.headers["Location"]
    import_id = status_url.rsplit("/", 1)[1]
    folder = progress.imports_folder(app.config["CLIPPER"].instance_path)
    status = progress.read_status(folder, import_id)
    # The check ran as a job once the upload's response was sent.
    assert (status["background"], status["rows"], status["state"]) == (True, 2001, "preview")
    assert "Import 667 products" in admin_client.get(status_url).get_data(as_text=True)

    confirm(admin_client, status_url)
    status = progress.read_status(folder, import_id)
    assert (status["state"], status["progress"]) == ("done", {"done": 667, "total": 667})
    assert "Products created: 667. Products updated: 0." in admin_client.get(status_url).get_data(as_text=True)
    assert products(db) == 667
