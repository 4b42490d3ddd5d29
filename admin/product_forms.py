"""Forms of the product, collection and page editors, and their translation to and from the domain's drafts.

Editors have one tab of copy per shop locale and one column of fixed prices per market, so their form classes
are built for the store's locales and markets (and cached per combination).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from admin.settings_forms import MultiCheckboxField, country_choices
from storefront.domain.catalog_admin.bulk import BulkAction
from storefront.domain.catalog_admin.collections import (
    CollectionDraft,
    MemberDraft,
    RuleDraft,
)
from storefront.domain.catalog_admin.errors import CatalogAdminError, FieldError
from storefront.domain.catalog_admin.pages import PageDraft
from storefront.domain.catalog_admin.products import (
    CERTIFICATIONS,
    ImageDraft,
    ProductDraft,
    VariantDraft,
)
from storefront.domain.catalog_admin.queries import (
    FilterChoices,
    ProductQuery,
    StockFilter,
)
from storefront.domain.catalog_admin.translations import (
    COLLECTION_TEXT,
    PAGE_TEXT,
    PRODUCT_TEXT,
    TextDraft,
    current_texts,
)
from storefront.domain.catalog_admin.uploads import Upload
from storefront.domain.money import to_decimal
from storefront.models import (
    Collection,
    CollectionKind,
    CollectionSort,
    InventoryPolicy,
    Market,
    Page,
    PageKind,
    Product,
    ProductStatus,
    StoreSettings,
)

ERROR_MESSAGES = {
    CatalogAdminError.REQUIRED: _l("This cannot be empty."),
    CatalogAdminError.TOO_LONG: _l("Use at most %(max)d characters."),
    CatalogAdminError.HANDLE_FORMAT: _l("Use only lower-case letters a–z, digits and hyphens."),
    CatalogAdminError.HANDLE_TAKEN: _l("The handle “%(handle)s” is already used in this language."),
    CatalogAdminError.SKU_TAKEN: _l("The SKU “%(sku)s” is already used by another product."),
    CatalogAdminError.SKU_REPEATED: _l("The SKU “%(sku)s” is used twice in this product."),
    CatalogAdminError.UNKNOWN_COUNTRY: _l("Choose a country from the list."),
    CatalogAdminError.HS_CODE_FORMAT: _l("Enter 4 to 10 digits, such as 6109.10."),
    CatalogAdminError.AMOUNT_INVALID: _l("Enter an amount such as 24.90."),
    CatalogAdminError.AMOUNT_NEGATIVE: _l("Amounts cannot be negative."),
    CatalogAdminError.AMOUNT_PRECISION: _l("%(currency)s amounts have at most %(places)d decimals."),
    CatalogAdminError.AMOUNT_TOO_LARGE: _l("This amount is too large."),
    CatalogAdminError.NUMBER_NEGATIVE: _l("Enter zero or more."),
    CatalogAdminError.NUMBER_TOO_LARGE: _l("Enter at most %(max)d."),
    CatalogAdminError.OPTION_VALUE_MISSING: _l("Enter this variant's %(option)s."),
    CatalogAdminError.OPTION_VALUE_UNEXPECTED: _l("Name this option first, or leave this empty."),
    CatalogAdminError.VARIANT_REPEATED: _l("Another variant is already %(values)s."),
    CatalogAdminError.VARIANTS_NEED_OPTIONS: _l("Several variants need an option, such as Size, to tell them apart."),
    CatalogAdminError.NO_VARIANTS: _l("A product needs at least one variant with a price."),
    CatalogAdminError.NOT_AN_IMAGE: _l("“%(filename)s” is not a picture: upload a JPEG, PNG, WebP or GIF file."),
    CatalogAdminError.IMAGE_TOO_LARGE: _l("“%(filename)s” is larger than %(megabytes)d MB."),
    CatalogAdminError.UNKNOWN_PRODUCTS: _l("No product has this handle or SKU: %(names)s."),
    CatalogAdminError.RULE_INCOMPLETE: _l("Complete this condition or clear its value."),
    CatalogAdminError.RULE_RELATION: _l("This comparison does not apply to that field."),
    CatalogAdminError.NO_RULES: _l("A smart collection needs at least one condition."),
    CatalogAdminError.NOTHING_SELECTED: _l("Select at least one product."),
}


def error_message(error: FieldError) -> str:
    return str(ERROR_MESSAGES[error.code]) % error.params


def locale_key(locale: str) -> str:
    """A locale as part of a field name: zh-CN → zh_CN."""
    return locale.replace("-", "_")


def _optional_int() -> IntegerField:
    return IntegerField(widget=HiddenInput(), validators=[Optional()])


class TextForm(Form):
    title = StringField(_l("Title"))
    handle = StringField(_l("URL handle"), description=_l("Lower-case letters, digits and hyphens; empty: made from "
                                                          "the title"))
    body_html = TextAreaField(_l("Description"), render_kw={"rows": 6})
    seo_title = StringField(_l("SEO title"))
    seo_description = TextAreaField(_l("SEO description"), render_kw={"rows": 2})


class ProductTextForm(TextForm):
    """A locale's copy of a product, with its names of the options (Size → Größe)."""

    option1_name = StringField(_l("Option 1 name"))
    option2_name = StringField(_l("Option 2 name"))
    option3_name = StringField(_l("Option 3 name"))


class PageTextForm(TextForm):
    body_html = TextAreaField(_l("Content"), render_kw={"rows": 12})


def _text_draft(form: Form) -> TextDraft:
    return TextDraft(title=form.title.data or "", handle=form.handle.data or "", body_html=form.body_html.data or "",
                     seo_title=form.seo_title.data or "", seo_description=form.seo_description.data or "")


def _text_fields(form_class: type[Form], locales: tuple[str, ...]) -> dict[str, FormField]:
    return {f"t_{locale_key(locale)}": FormField(form_class) for locale in locales}


def text_forms(form: FlaskForm, locales: list[str]) -> list[tuple[str, Form]]:
    """(locale, sub-form) for each tab of copy, in the store's order of locales."""
    return [(locale, form[f"t_{locale_key(locale)}"].form) for locale in locales]


def _text_data(texts: dict[str, TextDraft]) -> dict[str, dict[str, str]]:
    return {f"t_{locale_key(locale)}": vars(text) for locale, text in texts.items()}


def _locales(store: StoreSettings) -> tuple[str, ...]:
    """The default locale first, then the others in the store's order."""
    return tuple(dict.fromkeys([store.default_locale, *store.enabled_locales]))


# -- products -----------------------------------------------------------------------------------------------

STATUS_LABELS = {
    ProductStatus.DRAFT: _l("Draft"),
    ProductStatus.ACTIVE: _l("Active"),
    ProductStatus.ARCHIVED: _l("Archived"),
}


class VariantFormBase(Form):
    id = _optional_int()
    option1 = StringField(_l("Option 1"))
    option2 = StringField(_l("Option 2"))
    option3 = StringField(_l("Option 3"))
    sku = StringField(_l("SKU"))
    barcode = StringField(_l("Barcode"))
    price = DecimalField(_l("Price"), validators=[Optional()])
    compare_at_price = DecimalField(_l("Compare-at price"), validators=[Optional()])
    weight_grams = IntegerField(_l("Weight (g)"), validators=[Optional()])
    length_mm = IntegerField(_l("Length (mm)"), validators=[Optional()])
    width_mm = IntegerField(_l("Width (mm)"), validators=[Optional()])
    height_mm = IntegerField(_l("Height (mm)"), validators=[Optional()])
    requires_shipping = BooleanField(_l("Requires shipping"), default=True)
    track_inventory = BooleanField(_l("Track stock"), default=True)
    continue_selling = BooleanField(_l("Sell when out of stock"))
    image_id = SelectField(_l("Image"), coerce=int, validate_choice=False, choices=[(0, "—")])
    remove = BooleanField(_l("Delete"))


class ImageFormBase(Form):
    id = _optional_int()
    position = IntegerField(_l("Position"), validators=[Optional()])
    remove = BooleanField(_l("Delete"))


class ProductFormBase(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    status = SelectField(_l("Status"), choices=[(s.value, label) for s, label in STATUS_LABELS.items()])
    vendor = StringField(_l("Vendor"))
    product_type = StringField(_l("Product type"))
    tags = StringField(_l("Tags"), description=_l("Separate tags with commas."))
    hs_code = StringField(_l("HS code"), description=_l("Harmonized System code for customs, such as 6109.10."))
    origin_country = SelectField(_l("Country of origin"), validate_choice=False)
    customs_description = StringField(_l("Customs description"),
                                      description=_l("What the parcel contains, in English, for the declaration."))
    certifications = MultiCheckboxField(_l("Certifications"), validate_choice=False)
    restricted_markets = MultiCheckboxField(_l("Not sold in these markets"), coerce=int, validate_choice=False)
    option1_name = StringField(_l("Option 1"))
    option2_name = StringField(_l("Option 2"))
    option3_name = StringField(_l("Option 3"))
    new_images = MultipleFileField(_l("Add images"), description=_l("JPEG, PNG, WebP or GIF, up to 10 MB each."))


@lru_cache(maxsize=32)
def _product_form_class(locales: tuple[str, ...], market_ids: tuple[int, ...]) -> type[FlaskForm]:
    variant_class = type("VariantForm", (VariantFormBase,), {
        f"market_{market_id}": DecimalField(validators=[Optional()]) for market_id in market_ids})
    image_class = type("ImageForm", (ImageFormBase,), {
        f"alt_{locale_key(locale)}": StringField(_l("Alt text")) for locale in locales})
    return type("ProductForm", (ProductFormBase,), {
        **_text_fields(ProductTextForm, locales),
        "variants": FieldList(FormField(variant_class)),
        "images": FieldList(FormField(image_class)),
    })


def _amount(minor: int | None, currency: str):
    return None if minor is None else to_decimal(minor, currency)


def _product_data(product: Product | None, store: StoreSettings, markets: list[Market]) -> dict[str, Any]:
    blank_variant: dict[str, Any] = {}
    if product is None:
        return {"status": ProductStatus.DRAFT.value, "variants": [blank_variant]}
    texts = _text_data(current_texts(product, PRODUCT_TEXT, store.default_locale))
    for option in product.options:
        for locale, name in (option.name_translations or {}).items():
            texts.setdefault(f"t_{locale_key(locale)}", {})[f"option{option.position}_name"] = name
    currencies = {m.id: m.currency for m in markets}
    variants = [{
        "id": v.id, "option1": v.option1, "option2": v.option2, "option3": v.option3, "sku": v.sku,
        "barcode": v.barcode, "price": _amount(v.price, store.base_currency),
        "compare_at_price": _amount(v.compare_at_price, store.base_currency), "weight_grams": v.weight_grams,
        "length_mm": v.length_mm, "width_mm": v.width_mm, "height_mm": v.height_mm,
        "requires_shipping": v.requires_shipping, "track_inventory": v.track_inventory,
        "continue_selling": v.inventory_policy is InventoryPolicy.CONTINUE, "image_id": v.image_id or 0,
        **{f"market_{mp.market_id}": _amount(mp.price, currencies[mp.market_id])
           for mp in v.market_prices if mp.market_id in currencies},
    } for v in product.variants]
    images = [{"id": i.id, "position": i.position, f"alt_{locale_key(store.default_locale)}": i.alt,
               **{f"alt_{locale_key(locale)}": alt for locale, alt in (i.alt_translations or {}).items()}}
              for i in product.images]
    return {
        "version": product.version, "status": product.status.value, "vendor": product.vendor,
        "product_type": product.product_type, "tags": ", ".join(product.tag_names), "hs_code": product.hs_code,
        "origin_country": product.origin_country or "", "customs_description": product.customs_description,
        "certifications": list(product.certifications or []),
        "restricted_markets": [r.market_id for r in product.restrictions],
        **{f"option{o.position}_name": o.name for o in product.options},
        **texts, "variants": [*variants, blank_variant], "images": images,
    }


def product_form(store: StoreSettings, markets: list[Market], product: Product | None) -> FlaskForm:
    """The editor's form: what was posted, else the saved product (or an empty one)."""
    form_class = _product_form_class(_locales(store), tuple(m.id for m in markets))
    form = form_class(data=_product_data(product, store, markets))
    form.origin_country.choices = country_choices()
    known = list(CERTIFICATIONS) + [c for c in (product.certifications if product else []) or []
                                    if c not in CERTIFICATIONS]
    form.certifications.choices = [(c, c) for c in known]
    form.restricted_markets.choices = [(m.id, f"{m.name} ({m.currency})") for m in markets]
    image_choices = [(0, "—")] + [(i.id, f"#{i.position}") for i in (product.images if product else [])]
    for entry in form.variants:
        entry.form.image_id.choices = image_choices
    return form


def product_draft(form: FlaskForm, store: StoreSettings, markets: list[Market]) -> ProductDraft:
    locales = _locales(store)
    texts = {locale: _text_draft(sub) for locale, sub in text_forms(form, list(locales))}
    option_names = {locale: [sub[f"option{n}_name"].data or "" for n in (1, 2, 3)]
                    for locale, sub in text_forms(form, list(locales)) if locale != store.default_locale}
    variants = [VariantDraft(
        id=row.id.data, option_values=[row.option1.data or "", row.option2.data or "", row.option3.data or ""],
        sku=row.sku.data or "", barcode=row.barcode.data or "", price=row.price.data,
        compare_at_price=row.compare_at_price.data,
        market_prices={m.id: row[f"market_{m.id}"].data for m in markets},
        weight_grams=row.weight_grams.data, length_mm=row.length_mm.data, width_mm=row.width_mm.data,
        height_mm=row.height_mm.data, requires_shipping=row.requires_shipping.data,
        track_inventory=row.track_inventory.data, continue_selling=row.continue_selling.data,
        image_id=row.image_id.data or None, remove=row.remove.data,
    ) for row in (entry.form for entry in form.variants)]
    images = [ImageDraft(id=row.id.data, position=row.position.data, remove=row.remove.data,
                         alt={locale: row[f"alt_{locale_key(locale)}"].data or "" for locale in locales})
              for row in (entry.form for entry in form.images) if row.id.data is not None]
    return ProductDraft(
        status=ProductStatus(form.status.data), vendor=form.vendor.data or "",
        product_type=form.product_type.data or "", tags=(form.tags.data or "").split(","),
        hs_code=form.hs_code.data or "", origin_country=form.origin_country.data or "",
        customs_description=form.customs_description.data or "", certifications=form.certifications.data or [],
        restricted_market_ids=form.restricted_markets.data or [],
        option_names=[form.option1_name.data or "", form.option2_name.data or "", form.option3_name.data or ""],
        option_name_translations=option_names, texts=texts, variants=variants, images=images,
        uploads=[Upload(f.filename or "", f.stream) for f in form.new_images.data or [] if f and f.filename],
    )


def _field_at(form: FlaskForm, path: str):
    """The form field a domain error path names, or None."""
    head, _, rest = path.partition(".")
    try:
        if head == "texts":
            locale, _, name = rest.partition(".")
            return form[f"t_{locale_key(locale)}"].form[name]
        if head in ("variants", "images", "rules", "members"):
            index, _, name = rest.partition(".")
            return form[head].entries[int(index)].form[name] if name else None
        return form["new_images" if head == "uploads" else head]
    except (KeyError, IndexError, ValueError):
        return None


def show_errors(form: FlaskForm, errors: list[FieldError]) -> list[str]:
    """Put each error on its field; returns the messages that belong to no single field."""
    elsewhere = []
    for error in errors:
        field = _field_at(form, error.path)
        if field is None:
            elsewhere.append(error_message(error))
        else:
            field.errors = [*field.errors, error_message(error)]
    return elsewhere


# -- product list and bulk actions --------------------------------------------------------------------------

class ProductFilterForm(Form):
    q = StringField(_l("Search"), render_kw={"type": "search"})
    status = SelectField(_l("Status"), default="", choices=[("", _l("Any status"))] + [
        (s.value, label) for s, label in STATUS_LABELS.items()])
    collection = SelectField(_l("Collection"), validate_choice=False)
    product_type = SelectField(_l("Product type"), validate_choice=False)
    vendor = SelectField(_l("Vendor"), validate_choice=False)
    stock = SelectField(_l("Stock"), default="", choices=[("", _l("Any stock")), ("in_stock", _l("In stock")),
                                              ("low", _l("Low stock")), ("out", _l("Out of stock"))])
    sort = SelectField(_l("Sort by"), default="-updated", choices=[
        ("-updated", _l("Last updated")), ("title", _l("Title A–Z")), ("-title", _l("Title Z–A")),
        ("-created", _l("Newest"))])


def product_filter_form(args, choices: FilterChoices) -> ProductFilterForm:
    """The list's filters as asked for in the query string, checked against what the catalogue has."""
    form = ProductFilterForm(args)
    form.collection.choices = [("", _("Any collection"))] + [(str(i), title) for i, title in choices.collections]
    form.product_type.choices = [("", _("Any type"))] + [(t, t) for t in choices.product_types]
    form.vendor.choices = [("", _("Any vendor"))] + [(v, v) for v in choices.vendors]
    form.validate()
    return form


def product_query(form: ProductFilterForm, page: int) -> ProductQuery:
    """What was asked for, leaving out a value that is not one of the choices (its error is shown)."""
    def value(field) -> str:
        return "" if field.errors else field.data or ""

    return ProductQuery(
        q=value(form.q), status=ProductStatus(value(form.status)) if value(form.status) else None,
        collection_id=int(value(form.collection)) if value(form.collection).isdigit() else None,
        product_type=value(form.product_type), vendor=value(form.vendor),
        stock=StockFilter(value(form.stock)) if value(form.stock) else None, sort=value(form.sort) or "-updated",
        page=page)


BULK_LABELS = {
    BulkAction.PUBLISH: _l("Set as active"),
    BulkAction.DRAFT: _l("Set as draft"),
    BulkAction.ARCHIVE: _l("Archive"),
    BulkAction.ADD_TAG: _l("Add tag"),
    BulkAction.REMOVE_TAG: _l("Remove tag"),
}


class BulkForm(FlaskForm):
    product_ids = MultiCheckboxField(_l("Products"), coerce=int, validate_choice=False)
    action = SelectField(_l("Bulk action"), choices=[(a.value, label) for a, label in BULK_LABELS.items()])
    tag = StringField(_l("Tag"))
    confirm = BooleanField()
    return_to = StringField(widget=HiddenInput())


# -- collections --------------------------------------------------------------------------------------------

class RuleForm(Form):
    field = SelectField(_l("Field"), choices=[("tag", _l("Product tag")), ("type", _l("Product type")),
                                              ("vendor", _l("Vendor")), ("price", _l("Price"))])
    relation = SelectField(_l("Comparison"), choices=[
        ("equals", _l("is equal to")), ("not_equals", _l("is not equal to")), ("contains", _l("contains")),
        ("gt", _l("is greater than")), ("lt", _l("is less than"))])
    value = StringField(_l("Value"))


class MemberForm(Form):
    product_id = IntegerField(widget=HiddenInput())
    position = IntegerField(_l("Position"), validators=[Optional()])
    remove = BooleanField(_l("Remove"))


SORT_LABELS = {
    CollectionSort.MANUAL: _l("Manually"),
    CollectionSort.BEST_SELLING: _l("Best selling"),
    CollectionSort.TITLE_ASC: _l("Title A–Z"),
    CollectionSort.PRICE_ASC: _l("Price, low to high"),
    CollectionSort.PRICE_DESC: _l("Price, high to low"),
    CollectionSort.CREATED_DESC: _l("Newest"),
}


class CollectionFormBase(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    kind = RadioField(_l("Collection type"), choices=[
        (CollectionKind.MANUAL.value, _l("Manual: you choose the products and their order")),
        (CollectionKind.SMART.value, _l("Smart: products that meet the conditions join by themselves"))])
    published = BooleanField(_l("Visible in the shop"))
    sort_order = SelectField(_l("Sort products"), choices=[(s.value, label) for s, label in SORT_LABELS.items()])
    disjunctive = RadioField(_l("Products must match"), choices=[("all", _l("all conditions")),
                                                                 ("any", _l("any condition"))])
    rules = FieldList(FormField(RuleForm))
    members = FieldList(FormField(MemberForm))
    add_products = TextAreaField(_l("Add products"), render_kw={"rows": 2},
                                 description=_l("Handles or SKUs, separated by commas or new lines."))


@lru_cache(maxsize=16)
def _collection_form_class(locales: tuple[str, ...]) -> type[FlaskForm]:
    return type("CollectionForm", (CollectionFormBase,), _text_fields(TextForm, locales))


def collection_form(store: StoreSettings, collection: Collection | None) -> FlaskForm:
    form_class = _collection_form_class(_locales(store))
    blank_rule = {"field": "tag", "relation": "equals", "value": ""}
    if collection is None:
        return form_class(data={"kind": "manual", "published": True, "sort_order": "manual",
                                "disjunctive": "all", "rules": [blank_rule]})
    return form_class(data={
        "version": collection.version, "kind": collection.kind.value, "published": collection.published,
        "sort_order": collection.sort_order.value, "disjunctive": "any" if collection.disjunctive else "all",
        "rules": [*collection.rules, blank_rule],
        "members": [{"product_id": m.product_id, "position": m.position + 1} for m in collection.products],
        **_text_data(current_texts(collection, COLLECTION_TEXT, store.default_locale)),
    })


def collection_draft(form: FlaskForm, store: StoreSettings) -> CollectionDraft:
    locales = list(_locales(store))
    return CollectionDraft(
        kind=CollectionKind(form.kind.data), published=form.published.data,
        sort_order=CollectionSort(form.sort_order.data), disjunctive=form.disjunctive.data == "any",
        texts={locale: _text_draft(sub) for locale, sub in text_forms(form, locales)},
        rules=[RuleDraft(r.form.field.data, r.form.relation.data, r.form.value.data or "") for r in form.rules],
        members=[MemberDraft(m.form.product_id.data, m.form.position.data, m.form.remove.data)
                 for m in form.members if m.form.product_id.data is not None],
        add_products=(form.add_products.data or "").replace("\n", ",").split(","),
    )


# -- pages --------------------------------------------------------------------------------------------------

PAGE_KIND_LABELS = {
    PageKind.CONTENT: _l("Content page"),
    PageKind.LEGAL: _l("Legal page"),
    PageKind.LANDING: _l("Landing page"),
}


class PageFormBase(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    kind = SelectField(_l("Page type"), choices=[(k.value, label) for k, label in PAGE_KIND_LABELS.items()])
    published = BooleanField(_l("Visible in the shop"))
    noindex = BooleanField(_l("Hide from search engines (noindex)"))


@lru_cache(maxsize=16)
def _page_form_class(locales: tuple[str, ...]) -> type[FlaskForm]:
    return type("PageForm", (PageFormBase,), _text_fields(PageTextForm, locales))


def page_form(store: StoreSettings, page: Page | None) -> FlaskForm:
    form_class = _page_form_class(_locales(store))
    if page is None:
        return form_class(data={"kind": "content", "published": True})
    return form_class(data={"version": page.version, "kind": page.kind.value, "published": page.published,
                            "noindex": page.noindex,
                            **_text_data(current_texts(page, PAGE_TEXT, store.default_locale))})


def page_draft(form: FlaskForm, store: StoreSettings) -> PageDraft:
    return PageDraft(kind=PageKind(form.kind.data), published=form.published.data, noindex=form.noindex.data,
                     texts={locale: _text_draft(sub) for locale, sub in text_forms(form, list(_locales(store)))})


def editor_locales(store: StoreSettings) -> list[str]:
    return list(_locales(store))
