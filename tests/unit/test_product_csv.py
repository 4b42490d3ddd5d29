"""Shopify product CSV: reading and checking files, the all-or-nothing import, and export → import round trips."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from storefront.domain.images import store_image
from storefront.domain.product_csv import columns as c
from storefront.domain.product_csv.actions import import_products
from storefront.domain.product_csv.drafts import StoreContext, build_drafts
from storefront.domain.product_csv.errors import (
    CsvFileRejected,
    CsvProblem,
    ImportRejected,
)
from storefront.domain.product_csv.export import export_rows
from storefront.domain.product_csv.planning import check_file
from storefront.domain.product_csv.reading import MAX_BYTES, read_table
from storefront.models import (
    InventoryLevel,
    InventoryPolicy,
    Product,
    ProductImage,
    ProductMarketRestriction,
    ProductOptionValue,
    ProductStatus,
    ProductTag,
    ProductTranslation,
    StockMovement,
    Variant,
    VariantMarketPrice,
)
from tests.fixtures.factories import make_location, make_option, make_product

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "shopify_products_sample.csv"
CONTEXT = StoreContext("USD", ("de", "fr", "es", "ja", "zh-CN"))
HEADER = [c.HANDLE, c.TITLE, c.BODY, "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value", c.SKU, c.GRAMS,
          c.TRACKER, c.QTY, c.PRICE, c.COMPARE_AT, c.STATUS]


def csv_bytes(rows: list[dict[str, str]], header: list[str] | None = None, bom: bool = False) -> bytes:
    header = header or HEADER
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def tee_rows(handle: str = "linen-tee", sku: str = "TEE") -> list[dict[str, str]]:
    return [
        {c.HANDLE: handle, c.TITLE: "Linen Tee", "Option1 Name": "Size", "Option1 Value": "S", c.SKU: f"{sku}-S",
         c.GRAMS: "180", c.TRACKER: "shopify", c.QTY: "4", c.PRICE: "24.90", c.STATUS: "active"},
        {c.HANDLE: handle, "Option1 Value": "M", c.SKU: f"{sku}-M", c.GRAMS: "190", c.TRACKER: "shopify",
         c.QTY: "6", c.PRICE: "24.90"},
    ]


def drafts_of(raw: bytes):
    return build_drafts(read_table(raw), CONTEXT)


def codes(problems) -> list[tuple[CsvProblem, int | None, str | None]]:
    """Problems as the preview lists them: by row, then column."""
    return sorted(((p.code, p.row, p.column) for p in problems), key=lambda p: (p[1] or 0, p[2] or ""))


# -- reading and checking, no database -------------------------------------------------------------------------

def test_shopify_sample_file_reads_as_an_apron_with_three_variants_and_a_draft_mug():
    drafts = drafts_of(SAMPLE.read_bytes())
    assert drafts.problems == []
    apron, mug = drafts.products
    assert (apron.handle, apron.title, apron.vendor, apron.status) == ("linen-apron", "Linen Apron", "Field & Flax",
                                                                       ProductStatus.ACTIVE)
    assert apron.tags == ["kitchen", "linen", "gift"]
    assert [(o.name, o.values) for o in apron.options] == [("Size", ["Regular", "Long"]),
                                                          ("Color", ["Oat", "Charcoal"])]
    assert [(v.values, v.sku, v.price, v.compare_at_price, v.weight_grams, v.quantity) for v in apron.variants] == [
        (("Regular", "Oat"), "FF-APRON-REG-OAT", 3800, 4500, 310, 12),
        (("Regular", "Charcoal"), "FF-APRON-REG-CHA", 3800, 4500, 310, 0),
        (("Long", "Oat"), "FF-APRON-LNG-OAT", 4200, None, 340, 5),
    ]
    assert apron.variants[1].inventory_policy is InventoryPolicy.CONTINUE
    assert [(i.position, i.alt) for i in apron.images] == [(1, "Oat linen apron, front"), (2, "Charcoal linen apron"),
                                                          (3, "Pocket detail")]
    assert (mug.title, mug.status, mug.published, mug.options) == ("Stoneware Mug, 350 ml", ProductStatus.DRAFT,
                                                                    False, [])
    assert [(v.values, v.price, v.track_inventory) for v in mug.variants] == [((), 1650, False)]
    ignored = {p.column for p in drafts.warnings if p.code is CsvProblem.COLUMN_IGNORED}
    assert {"Product Category", "Cost per item", "Google Shopping / Gender"} <= ignored
    assert [p.params for p in drafts.warnings if p.code is CsvProblem.UNKNOWN_MARKET] == [{"market": "International"}]


def test_a_byte_order_mark_from_excel_does_not_hide_the_handle_column():
    drafts = drafts_of(csv_bytes(tee_rows(), bom=True))
    assert drafts.problems == []
    assert [p.handle for p in drafts.products] == ["linen-tee"]


def test_quoted_cells_keep_their_commas_quotes_and_line_breaks():
    rows = tee_rows()
    rows[0][c.TITLE] = 'Tee "Classic", linen'
    rows[0][c.BODY] = "<p>Line one, with a comma.</p>\n<p>Line two.</p>"
    drafts = drafts_of(csv_bytes(rows))
    assert drafts.problems == []
    product = drafts.products[0]
    assert product.title == 'Tee "Classic", linen'
    assert product.description_html == "<p>Line one, with a comma.</p>\n<p>Line two.</p>"
    assert [v.row for v in product.variants] == [2, 3]  # a line break inside a cell does not shift row numbers


def test_semicolon_separated_files_from_european_spreadsheets_are_read():
    raw = csv_bytes(tee_rows()).decode().replace(",", ";").encode()
    assert [p.handle for p in drafts_of(raw).products] == ["linen-tee"]


def test_missing_required_columns_are_each_named():
    raw = csv_bytes([{c.HANDLE: "tee", c.TITLE: "Tee"}], header=[c.HANDLE, c.TITLE, c.VENDOR])
    assert [(p.code, p.column) for p in read_table(raw).problems] == [(CsvProblem.MISSING_COLUMN, c.PRICE)]


@pytest.mark.parametrize("column, value, code", [
    (c.PRICE, "24,90", CsvProblem.BAD_DECIMAL),
    (c.PRICE, "-1.00", CsvProblem.NEGATIVE),
    (c.PRICE, "24.999", CsvProblem.TOO_MANY_DECIMALS),
    (c.PRICE, "", CsvProblem.REQUIRED),
    (c.COMPARE_AT, "lots", CsvProblem.BAD_DECIMAL),
    (c.GRAMS, "12.5", CsvProblem.BAD_INTEGER),
    (c.GRAMS, "heavy", CsvProblem.BAD_INTEGER),
    (c.QTY, "-3", CsvProblem.NEGATIVE),
    (c.STATUS, "published", CsvProblem.BAD_STATUS),
    (c.HANDLE, "Linen Tee!", CsvProblem.BAD_HANDLE),
])
def test_a_bad_cell_is_reported_with_its_row_and_column(column, value, code):
    rows = tee_rows()
    rows[0][column] = value
    if column == c.HANDLE:
        rows[1][column] = value
    assert codes(drafts_of(csv_bytes(rows)).problems) == [(code, 2, column)]


def test_a_price_in_yen_may_not_have_decimals_but_whole_yen_with_zeros_are_fine():
    rows = tee_rows()
    rows[0][c.PRICE], rows[1][c.PRICE] = "1980.00", "1980.50"
    drafts = build_drafts(read_table(csv_bytes(rows)), StoreContext("JPY", ()))
    assert codes(drafts.problems) == [(CsvProblem.TOO_MANY_DECIMALS, 3, c.PRICE)]
    assert drafts.products[0].variants[0].price == 1980


def test_a_sku_used_twice_in_the_file_names_both_rows():
    rows = tee_rows() + tee_rows("linen-tee-2", sku="OTHER")
    rows[3][c.SKU] = "TEE-S"
    problems = drafts_of(csv_bytes(rows)).problems
    assert [(p.code, p.row, p.params) for p in problems] == [
        (CsvProblem.DUPLICATE_SKU, 5, {"sku": "TEE-S", "other_row": 2})]


def test_inconsistent_options_are_reported_per_row():
    rows = tee_rows() + [
        {c.HANDLE: "linen-tee", "Option1 Value": "S", c.PRICE: "24.90"},  # S again
        {c.HANDLE: "linen-tee", "Option1 Name": "Colour", "Option1 Value": "L", c.PRICE: "24.90"},
        {c.HANDLE: "linen-tee", c.PRICE: "24.90"},  # no size
        {c.HANDLE: "linen-tee", "Option1 Value": "XL", "Option2 Value": "Red", c.PRICE: "24.90"},
    ]
    assert codes(drafts_of(csv_bytes(rows)).problems) == [
        (CsvProblem.DUPLICATE_VARIANT, 4, "Option1 Value"),
        (CsvProblem.OPTION_NAME_MISMATCH, 5, "Option1 Name"),
        (CsvProblem.OPTION_VALUE_MISSING, 6, "Option1 Value"),
        (CsvProblem.OPTION_VALUE_UNEXPECTED, 7, "Option2 Value"),
    ]


def test_a_second_option_without_a_first_is_refused():
    rows = tee_rows()
    rows[0]["Option1 Name"], rows[0]["Option2 Name"] = "", "Size"
    assert (CsvProblem.OPTION_GAP, 2, "Option2 Name") in codes(drafts_of(csv_bytes(rows)).problems)


def test_a_new_product_without_a_handle_gets_one_from_its_title():
    rows = [{c.TITLE: "Crème Brûlée Set", c.PRICE: "30.00"}]
    assert [p.handle for p in drafts_of(csv_bytes(rows)).products] == ["creme-brulee-set"]


@pytest.mark.parametrize("raw, code", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", CsvProblem.NOT_CSV),
    ("Handle,Title,Variant Price\ncaf\u00e9,Caf\u00e9,3\n".encode("latin-1"), CsvProblem.NOT_UTF8),
    (b"Email,First Name,Last Name\na@example.com,Ann,Lee\n", CsvProblem.NOT_CSV),
    (b"Just a sentence without any separators\n", CsvProblem.NOT_CSV),
    (b'Handle,Title,Variant Price\ntee,"Unclosed quote,1\n', CsvProblem.MALFORMED),
    (b"Handle,Title,Variant Price\n", CsvProblem.EMPTY_FILE),
    (b"", CsvProblem.EMPTY_FILE),
])
def test_files_that_are_not_product_csv_are_refused_as_a_whole(raw, code):
    with pytest.raises(CsvFileRejected) as rejected:
        read_table(raw)
    assert rejected.value.problem.code is code


def test_files_over_the_size_limit_are_refused_before_reading():
    with pytest.raises(CsvFileRejected) as rejected:
        read_table(b"Handle,Title,Variant Price\n" + b"x" * MAX_BYTES)
    assert rejected.value.problem.code is CsvProblem.FILE_TOO_LARGE


def test_description_html_is_sanitized_on_the_way_in():
    rows = tee_rows()
    rows[0][c.BODY] = '<p onclick="steal()">Soft</p><script>alert(1)</script>'
    assert drafts_of(csv_bytes(rows)).products[0].description_html == "<p>Soft</p>"


# -- against the database ----------------------------------------------------------------------------------------

@pytest.fixture
def warehouse(db, store):
    return make_location(db.session, code="CN-MAIN", is_default=True)


def product_count(db) -> int:
    return db.session.scalar(select(func.count(Product.id)))


def test_importing_the_sample_creates_products_with_stock_in_the_default_warehouse(db, store, tmp_path):
    make_location(db.session, code="FIRST")
    default = make_location(db.session, code="DEFAULT", is_default=True)
    result = import_products(db.session, SAMPLE.read_bytes(), tmp_path, staff_user_id=None, reference="sample")
    assert result.created == ["linen-apron", "stoneware-mug"]
    apron = db.session.scalar(select(Product).where(Product.handle == "linen-apron"))
    assert [(v.sku, v.option1, v.option2, v.price) for v in apron.variants] == [
        ("FF-APRON-REG-OAT", "Regular", "Oat", 3800), ("FF-APRON-REG-CHA", "Regular", "Charcoal", 3800),
        ("FF-APRON-LNG-OAT", "Long", "Oat", 4200)]
    assert [[(lv.location_id, lv.on_hand) for lv in v.inventory_levels] for v in apron.variants] == [
        [(default.id, 12)], [(default.id, 0)], [(default.id, 5)]]
    assert apron.images == []  # addresses elsewhere on the web are not downloaded…
    assert len(result.images_not_downloaded) == 3  # …but reported
    mug = db.session.scalar(select(Product).where(Product.handle == "stoneware-mug"))
    assert (mug.status, mug.published_at, mug.options) == (ProductStatus.DRAFT, None, [])


def test_one_broken_row_means_no_product_is_written(db, warehouse, tmp_path):
    existing = make_product(db.session, handle="linen-tee", title="Old title", variants=[{"sku": "TEE-S"}],
                            location=warehouse)
    rows = tee_rows() + tee_rows("wool-tee", sku="WOOL")
    rows[3][c.PRICE] = "twenty"
    before = product_count(db)
    with pytest.raises(ImportRejected) as rejected:
        import_products(db.session, csv_bytes(rows), tmp_path, staff_user_id=None, reference="broken")
    assert codes(rejected.value.problems) == [(CsvProblem.BAD_DECIMAL, 5, c.PRICE)]
    db.session.expire_all()
    assert product_count(db) == before
    assert db.session.get(Product, existing.id).title == "Old title"


def test_a_sku_that_belongs_to_another_product_is_an_error(db, warehouse, tmp_path):
    make_product(db.session, handle="somebody-else", variants=[{"sku": "TEE-M"}])
    plan = check_file(db.session, csv_bytes(tee_rows()), tmp_path)
    assert [(p.code, p.row, p.params) for p in plan.problems] == [
        (CsvProblem.SKU_TAKEN, 3, {"sku": "TEE-M", "handle": "somebody-else"})]


def test_a_product_with_the_same_handle_is_updated_and_dropped_variants_are_listed(db, warehouse, tmp_path):
    product = make_product(db.session, handle="linen-tee", variants=[{"sku": "TEE-S", "option1": "S"},
                                                                     {"sku": "TEE-XL", "option1": "XL"}],
                           location=warehouse)
    make_option(db.session, product, "Size", ["S", "XL"])
    plan = check_file(db.session, csv_bytes(tee_rows()), tmp_path)
    summary = plan.summary()
    assert summary["creates"] == []
    assert [(u["handle"], u["variants"], u["removed_variants"]) for u in summary["updates"]] == [
        ("linen-tee", 2, ["TEE-XL"])]
    import_products(db.session, csv_bytes(tee_rows()), tmp_path, staff_user_id=None, reference="update")
    db.session.expire_all()
    assert [v.sku for v in db.session.get(Product, product.id).variants] == ["TEE-S", "TEE-M"]
    assert [v.value for v in db.session.get(Product, product.id).options[0].values] == ["S", "M"]


def test_stock_cannot_be_lowered_below_what_is_reserved(db, warehouse, tmp_path):
    product = make_product(db.session, handle="linen-tee", variants=[{"sku": "TEE-S", "option1": "S"}],
                           location=warehouse, stock=10)
    make_option(db.session, product, "Size", ["S"])
    product.variants[0].inventory_levels[0].reserved = 5
    db.session.flush()
    rows = tee_rows()[:1]
    rows[0][c.QTY] = "3"
    plan = check_file(db.session, csv_bytes(rows), tmp_path)
    assert [(p.code, p.row, p.params) for p in plan.problems] == [(CsvProblem.STOCK_HELD, 2, {"minimum": 5})]


def test_stock_changes_are_booked_in_the_default_warehouse_with_a_movement(db, store, tmp_path):
    other = make_location(db.session, code="US")
    default = make_location(db.session, code="CN", is_default=True)
    product = make_product(db.session, handle="linen-tee", variants=[{"sku": "TEE-S", "option1": "S"}],
                           location=other, stock=4)
    make_option(db.session, product, "Size", ["S"])
    rows = tee_rows()[:1]
    rows[0][c.QTY] = "10"
    import_products(db.session, csv_bytes(rows), tmp_path, staff_user_id=None, reference="restock")
    variant = db.session.get(Product, product.id).variants[0]
    assert sorted((lv.location_id, lv.on_hand) for lv in variant.inventory_levels) == sorted(
        [(other.id, 4), (default.id, 6)])
    movements = db.session.scalars(select(StockMovement).where(StockMovement.variant_id == variant.id)).all()
    assert [(m.location_id, m.delta, m.reference) for m in movements] == [(default.id, 6, "CSV import restock")]


def test_stock_without_any_warehouse_is_refused(db, store, tmp_path):
    plan = check_file(db.session, csv_bytes(tee_rows()), tmp_path)
    assert [p.code for p in plan.problems] == [CsvProblem.NO_LOCATION]


def test_translation_handles_must_be_unique_per_language(db, warehouse, tmp_path):
    make_product(db.session, handle="cotton-tee", translations={"de": "Baumwoll-T-Shirt"})  # de handle cotton-tee-de
    header = HEADER + [c.localized(c.TITLE, "de"), c.localized(c.HANDLE, "de")]
    rows = tee_rows()
    rows[0][c.localized(c.TITLE, "de")], rows[0][c.localized(c.HANDLE, "de")] = "Leinen-T-Shirt", "cotton-tee-de"
    plan = check_file(db.session, csv_bytes(rows, header), tmp_path)
    assert [(p.code, p.column, p.params) for p in plan.problems] == [
        (CsvProblem.HANDLE_TAKEN, "Handle (de)", {"value": "cotton-tee-de", "handle": "cotton-tee"})]


# -- round trips -------------------------------------------------------------------------------------------------

def picture(tmp_path: Path, prefix: str, colour: str):
    return store_image(tmp_path, Image.new("RGB", (720, 540), colour), prefix)


def build_catalogue(db, markets, media_root: Path) -> None:
    """A demo-like catalogue: options with translated names and values, variants, translations in every
    locale, stock in two warehouses, fixed market prices, a market restriction and our own pictures."""
    cn = make_location(db.session, code="CN-SZX", is_default=True)
    us = make_location(db.session, code="US-EWR", country_code="US")
    tee = make_product(
        db.session, handle="organic-tee", title="Organic Tee",
        description_html="<p>Soft, <strong>organic</strong>.</p>",
        seo_title="Organic Tee – 180 g", seo_description="A tee, made well.", vendor="Harbor & Loom",
        product_type="T-Shirts", hs_code="6109.10", origin_country="CN", customs_description="Cotton T-shirt",
        certifications=["GOTS", "OEKO-TEX"], location=cn,
        variants=[{"sku": f"TEE-{s}-{k}", "option1": s, "option2": colour, "price": price, "compare_at_price": 3200,
                   "weight_grams": 180, "barcode": f"200000000{i}", "length_mm": 300, "width_mm": 250, "height_mm": 20,
                   "stock": 7 + i}
                  for i, (s, colour, k, price) in enumerate([("S", "White", "W", 2490), ("S", "Black", "B", 2490),
                                                             ("M", "White", "W", 2690), ("M", "Black", "B", 2690)])])
    tee.tags = [ProductTag(tag="organic"), ProductTag(tag="basics")]
    size = make_option(db.session, tee, "Size", ["S", "M"], position=1)
    size.name_translations = {"de": "Größe", "fr": "Taille", "es": "Talla", "ja": "サイズ", "zh-CN": "尺码"}
    colour = make_option(db.session, tee, "Color", ["White", "Black"], position=2)
    colour.name_translations = {"de": "Farbe", "ja": "カラー"}
    colour.values[0].translations = {"de": "Weiß", "fr": "Blanc", "zh-CN": "白色"}
    colour.values[0].swatch_hex, colour.values[1].swatch_hex = "#f5f5f0", "#1B1B1B"
    colour.values[1].translations = {"de": "Schwarz", "fr": "Noir", "zh-CN": "黑色"}
    for locale, title in {"de": "Bio-T-Shirt", "fr": "T-shirt bio", "es": "Camiseta orgánica", "ja": "オーガニックT",
                          "zh-CN": "有机T恤"}.items():
        tee.translations.append(ProductTranslation(
            locale=locale, title=title, handle=f"organic-tee-{locale.lower()}",
            description_html=f"<p>{title}, fein.</p>",
            seo_title=f"{title} SEO", seo_description=f"{title}, beschrieben."))
    tee.variants[2].inventory_levels.append(InventoryLevel(location_id=us.id, on_hand=5))
    tee.variants[0].market_prices.append(VariantMarketPrice(market_id=markets["JP"].id, currency="JPY", price=2980))
    tee.variants[0].market_prices.append(VariantMarketPrice(market_id=markets["EU"].id, currency="EUR", price=2495,
                                                            compare_at_price=2995))
    tee.restrictions.append(ProductMarketRestriction(market_id=markets["GB"].id))
    for position, (name, hex_colour) in enumerate([("White", "#f5f5f0"), ("Black", "#1b1b1b")], start=1):
        stored = picture(media_root, "products/organic-tee", hex_colour)
        image = ProductImage(key=stored.key, width=stored.width, height=stored.height, sizes=stored.sizes,
                             position=position, alt=f"Organic Tee – {name}",
                             alt_translations={"de": f"Bio-T-Shirt – {name}"})
        tee.images.append(image)
    db.session.flush()
    tee.variants[1].image_id = tee.images[1].id
    tee.variants[0].image_id = tee.images[0].id
    mug = make_product(db.session, handle="stoneware-mug", title='Stoneware Mug, "Kiln" 350 ml',
                       description_html="<p>Line one, with a comma.</p>\n<p>Line two.</p>",
                       status=ProductStatus.DRAFT, published_at=None, vendor=None, hs_code=None, origin_country=None,
                       location=cn, variants=[{"sku": "MUG-350", "price": 1650, "track_inventory": False,
                                               "inventory_policy": InventoryPolicy.CONTINUE,
                                               "requires_shipping": True, "stock": 0}])
    mug.translations.append(ProductTranslation(locale="ja", title="マグカップ", handle="stoneware-mug"))
    make_product(db.session, handle="gift-wrap", title="Gift wrap", status=ProductStatus.ARCHIVED, location=cn,
                 variants=[{"sku": "WRAP", "price": 0, "requires_shipping": False, "weight_grams": 0, "stock": 3}])
    db.session.flush()
    db.session.expire_all()


def catalogue(db) -> dict:
    """Everything the round trip must keep, product by product, in a comparable form."""
    snapshot = {}
    for product in db.session.scalars(select(Product).order_by(Product.handle)):
        snapshot[product.handle] = {
            "fields": (product.title, product.description_html, product.status, product.published_at is not None,
                       product.vendor, product.product_type, product.seo_title, product.seo_description,
                       product.hs_code, product.origin_country, product.customs_description, product.certifications),
            "tags": product.tag_names,
            "translations": sorted((t.locale, t.title, t.handle, t.description_html, t.seo_title, t.seo_description)
                                   for t in product.translations),
            "options": [(o.position, o.name, o.name_translations,
                         [(v.value, v.position, v.translations, v.swatch_hex) for v in o.values])
                        for o in product.options],
            "variants": [(v.position, v.sku, v.option_values, v.price, v.compare_at_price, v.weight_grams,
                          v.track_inventory, v.inventory_policy, v.requires_shipping, v.barcode,
                          (v.length_mm, v.width_mm, v.height_mm), sum(lv.on_hand for lv in v.inventory_levels),
                          sorted((p.market_id, p.currency, p.price, p.compare_at_price) for p in v.market_prices),
                          v.image.key if v.image else None) for v in product.variants],
            "images": [(i.key, i.position, i.width, i.height, i.sizes, i.alt, i.alt_translations)
                       for i in product.images],
            "restrictions": sorted(r.market_id for r in product.restrictions),
        }
    return snapshot


def export_bytes(db, store) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in export_rows(db.session, store,
                           lambda image: f"https://shop.example/media/{image.key}-{max(image.sizes)}.jpg"):
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def test_export_puts_shopify_columns_first_then_markets_status_and_ours(db, store, markets, tmp_path):
    build_catalogue(db, markets, tmp_path)
    rows = list(csv.reader(io.StringIO(export_bytes(db, store).decode())))
    header = rows[0]
    assert header[:8] == ["Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published"]
    assert header[header.index("Variant SKU"):header.index("Variant SKU") + 3] == [
        "Variant SKU", "Variant Grams", "Variant Inventory Tracker"]
    assert header.index("Cost per item") < header.index("Price / Japan") < header.index("Status") \
        < header.index("HS Code") < header.index("Title (de)")
    assert "Title (en)" not in header  # the default locale is the plain columns
    by_handle = [dict(zip(header, row)) for row in rows[1:]]
    tee = [row for row in by_handle if row["Handle"] == "organic-tee"]
    assert len(tee) == 4  # one row per variant; both pictures ride on the first two
    assert (tee[0]["Title"], tee[0]["Status"], tee[0]["Published"], tee[0]["Option1 Name"]) == (
        "Organic Tee", "active", "TRUE", "Size")
    assert (tee[0]["Variant Price"], tee[0]["Variant Grams"], tee[0]["Variant Inventory Tracker"],
            tee[2]["Variant Inventory Qty"]) == ("24.90", "180", "shopify", "14")  # 9 in CN + 5 in the US
    assert tee[0]["Image Src"].startswith("https://shop.example/media/products/organic-tee-")
    assert tee[0]["Image Src"].endswith("-720.jpg")
    assert (tee[0]["Included / United Kingdom"], tee[0]["Price / Japan"], tee[0]["Compare At Price / Eurozone"]) == (
        "FALSE", "2980", "29.95")
    assert tee[1]["Title"] == ""  # product columns only on the first row
    assert (tee[0]["Title (de)"], tee[0]["Option2 Value (de)"], tee[1]["Option2 Value (de)"]) == (
        "Bio-T-Shirt", "Weiß", "Schwarz")
    mug = next(row for row in by_handle if row["Handle"] == "stoneware-mug")
    assert (mug["Option1 Name"], mug["Option1 Value"], mug["Published"], mug["Status"],
            mug["Variant Inventory Tracker"]) == ("Title", "Default Title", "FALSE", "draft", "")


def test_exported_catalogue_imports_into_an_empty_catalogue_unchanged(db, store, markets, tmp_path):
    build_catalogue(db, markets, tmp_path)
    before = catalogue(db)
    raw = export_bytes(db, store)
    for product in db.session.scalars(select(Product)):
        db.session.delete(product)
    db.session.flush()
    db.session.expire_all()
    assert catalogue(db) == {}

    result = import_products(db.session, raw, tmp_path, staff_user_id=None, reference="round-trip")

    assert sorted(result.created) == sorted(before)
    assert result.images_not_downloaded == []  # our own /media/ pictures are linked again, not fetched
    db.session.expire_all()
    assert catalogue(db) == before
    default = db.session.scalar(select(Variant).where(Variant.sku == "TEE-M-W")).inventory_levels
    assert [(lv.location.code, lv.on_hand) for lv in default] == [("CN-SZX", 14)]


def test_reimporting_an_export_into_the_same_shop_changes_nothing(db, store, markets, tmp_path):
    build_catalogue(db, markets, tmp_path)
    before = catalogue(db)
    movements = db.session.scalar(select(func.count(StockMovement.id)))
    result = import_products(db.session, export_bytes(db, store), tmp_path, staff_user_id=None, reference="again")
    assert (result.created, sorted(result.updated), result.variants_removed, result.stock_changes) == (
        [], sorted(before), 0, 0)
    db.session.expire_all()
    assert catalogue(db) == before
    assert db.session.scalar(select(func.count(StockMovement.id))) == movements
    assert db.session.scalar(select(func.count(ProductOptionValue.id))) == 4


def test_our_own_pictures_are_linked_and_pictures_left_out_of_the_file_are_removed(db, warehouse, tmp_path):
    product = make_product(db.session, handle="linen-tee", variants=[{"sku": "TEE-S", "option1": "S"}],
                           location=warehouse)
    make_option(db.session, product, "Size", ["S"])
    kept, dropped = picture(tmp_path, "products/linen-tee", "#fff"), picture(tmp_path, "products/linen-tee", "#000")
    for position, stored in enumerate((kept, dropped), start=1):
        product.images.append(ProductImage(key=stored.key, width=720, height=540, sizes=stored.sizes,
                                           position=position))
    db.session.flush()
    header = HEADER + [c.IMAGE_SRC, c.IMAGE_ALT]
    rows = tee_rows()[:1]
    rows[0][c.IMAGE_SRC] = f"https://old-domain.example/media/{kept.key}-720.jpg?v=2"
    rows[0][c.IMAGE_ALT] = "White tee"
    rows.append({c.HANDLE: "linen-tee", c.IMAGE_SRC: "https://cdn.example.com/tee-back.jpg"})

    plan = check_file(db.session, csv_bytes(rows, header), tmp_path)
    assert [u["removed_images"] for u in plan.summary()["updates"]] == [1]
    result = import_products(db.session, csv_bytes(rows, header), tmp_path, staff_user_id=None, reference="pics")

    assert result.images_not_downloaded == ["https://cdn.example.com/tee-back.jpg"]
    db.session.expire_all()
    assert [(i.key, i.position, i.alt) for i in db.session.get(Product, product.id).images] == [
        (kept.key, 1, "White tee")]


def test_a_blank_translated_title_removes_that_translation_and_others_stay(db, warehouse, tmp_path):
    product = make_product(db.session, handle="linen-tee", variants=[{"sku": "TEE-S", "option1": "S"}],
                           translations={"de": "Leinen-T-Shirt", "fr": "T-shirt en lin"}, location=warehouse)
    make_option(db.session, product, "Size", ["S"])
    header = HEADER + [c.localized(c.TITLE, "de")]
    import_products(db.session, csv_bytes(tee_rows()[:1], header), tmp_path, staff_user_id=None, reference="de")
    db.session.expire_all()
    assert [(t.locale, t.title) for t in db.session.get(Product, product.id).translations] == [
        ("fr", "T-shirt en lin")]


def test_other_german_columns_without_a_german_title_are_an_error():
    header = HEADER + [c.localized(c.TITLE, "de"), c.localized(c.SEO_TITLE, "de")]
    rows = tee_rows()
    rows[0][c.localized(c.SEO_TITLE, "de")] = "Leinen-T-Shirt kaufen"
    assert codes(drafts_of(csv_bytes(rows, header)).problems) == [(CsvProblem.REQUIRED, 2, "Title (de)")]


def test_an_option_value_described_differently_on_two_rows_is_an_error():
    header = HEADER + ["Option2 Value (de)", "Option2 Swatch"]
    rows = [
        {c.HANDLE: "tee", c.TITLE: "Tee", "Option1 Name": "Size", "Option1 Value": "S", "Option2 Name": "Color",
         "Option2 Value": "White", "Option2 Value (de)": "Weiß", "Option2 Swatch": "#FFFFFF", c.PRICE: "20"},
        {c.HANDLE: "tee", "Option1 Value": "M", "Option2 Value": "White", "Option2 Value (de)": "Weiss",
         "Option2 Swatch": "#FFFFFE", c.PRICE: "20"},
        {c.HANDLE: "tee", "Option1 Value": "L", "Option2 Value": "Navy", "Option2 Swatch": "navy", c.PRICE: "20"},
    ]
    drafts = drafts_of(csv_bytes(rows, header))
    assert codes(drafts.problems) == [
        (CsvProblem.OPTION_VALUE_CONFLICT, 3, "Option2 Swatch"),
        (CsvProblem.OPTION_VALUE_CONFLICT, 3, "Option2 Value (de)"),
        (CsvProblem.BAD_SWATCH, 4, "Option2 Swatch"),
    ]
    colour = drafts.products[0].options[1]
    assert (colour.value_translations, colour.swatches) == ({"White": {"de": "Weiß"}}, {"White": "#FFFFFF"})


def test_two_products_can_swap_skus_in_one_file(db, warehouse, tmp_path):
    for handle, sku in (("linen-tee", "TEE-S"), ("wool-tee", "WOOL-S")):
        product = make_product(db.session, handle=handle, variants=[{"sku": sku, "option1": "S"}], location=warehouse)
        make_option(db.session, product, "Size", ["S"])
    rows = tee_rows()[:1] + tee_rows("wool-tee")[:1]
    rows[0][c.SKU], rows[1][c.SKU] = "WOOL-S", "TEE-S"
    result = import_products(db.session, csv_bytes(rows), tmp_path, staff_user_id=None, reference="swap")
    assert (result.created, result.updated, result.variants_removed) == ([], ["linen-tee", "wool-tee"], 0)
    db.session.expire_all()
    skus = dict(db.session.execute(select(Variant.sku, Product.handle).join(Product)).all())
    assert (skus["WOOL-S"], skus["TEE-S"]) == ("linen-tee", "wool-tee")
