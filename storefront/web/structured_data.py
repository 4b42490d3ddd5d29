"""schema.org structured data (JSON-LD) for product, collection and home pages, as search engines read it.

Prices are in the shopper's presentment currency, as the page shows them; every URL is absolute and in the
page's language. The theme renders these through snippets/structured-data.html.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import gettext as _

from storefront.domain.catalog.display import ProductView, VariantView
from storefront.domain.catalog.queries import ALL_PRODUCTS_HANDLE
from storefront.domain.catalog.text import LocalizedText
from storefront.domain.money import decimal_string
from storefront.domain.seo import plain_text
from storefront.web.template_helpers import image_url, locale_url, logo_url, shop_url, site_root

SCHEMA = "https://schema.org"
IN_STOCK = "https://schema.org/InStock"
OUT_OF_STOCK = "https://schema.org/OutOfStock"
SEARCH_TERM = "search_term_string"


def page_url(path: str) -> str:
    """`path` in the current page's language."""
    return shop_url(path, g.locale, g.store.default_locale)


def canonical_url() -> str:
    return locale_url(g.locale, g.store.default_locale, keep_page=False)


def gtin13(barcode: str | None) -> str | None:
    """An EAN-13 barcode is a GTIN-13; other barcodes (UPC-A, internal codes) are not claimed as one."""
    code = (barcode or "").strip()
    return code if len(code) == 13 and code.isascii() and code.isdigit() else None


def breadcrumb_list(crumbs: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [{"@type": "ListItem", "position": position, "name": name, "item": url}
                            for position, (name, url) in enumerate(crumbs, start=1)],
    }


def listing_crumb(collection: tuple[str, str] | None) -> tuple[str, str]:
    """A collection's (handle, title), or All products when the product or page belongs to none."""
    if collection is None:
        return _("All products"), page_url(f"/collections/{ALL_PRODUCTS_HANDLE}")
    handle, title = collection
    return title, page_url(f"/collections/{handle}")


def collection_breadcrumbs(text: LocalizedText | None) -> dict[str, Any]:
    """Home › the collection (or All products)."""
    return breadcrumb_list([(_("Home"), page_url("/")), listing_crumb((text.handle, text.title) if text else None)])


def product_breadcrumbs(view: ProductView, collection: tuple[str, str] | None) -> dict[str, Any]:
    """Home › the product's collection (or All products) › the product."""
    return breadcrumb_list([(_("Home"), page_url("/")), listing_crumb(collection), (view.text.title, canonical_url())])


def product_data(view: ProductView) -> dict[str, Any]:
    """A Product with one Offer per variant, priced as this shopper sees it."""
    url = canonical_url()
    selected = view.selected
    data: dict[str, Any] = {"@context": SCHEMA, "@type": "Product", "name": view.text.title, "url": url}
    description = plain_text(view.text.description_html)
    if description:
        data["description"] = description
    images = [image_url(picture.image) for picture in view.images if picture.image.sizes]
    if images:
        data["image"] = images
    if selected and selected.sku:
        data["sku"] = selected.sku
    if selected and gtin13(selected.barcode):
        data["gtin13"] = gtin13(selected.barcode)
    if view.product.vendor:
        data["brand"] = {"@type": "Brand", "name": view.product.vendor}
    data["offers"] = [_offer(view, variant, url) for variant in view.variants]
    return data


def _offer(view: ProductView, variant: VariantView, product_url: str) -> dict[str, Any]:
    offer = {
        "@type": "Offer",
        "url": f"{product_url}?variant={variant.id}",
        "price": decimal_string(variant.price, view.currency),
        "priceCurrency": view.currency,
        "availability": IN_STOCK if variant.available else OUT_OF_STOCK,
    }
    if variant.sku:
        offer["sku"] = variant.sku
    if gtin13(variant.barcode):
        offer["gtin13"] = gtin13(variant.barcode)
    return offer


def organization_data() -> dict[str, Any]:
    store = g.store
    data: dict[str, Any] = {"@context": SCHEMA, "@type": "Organization", "name": store.name,
                            "url": site_root() + "/"}
    if store.legal_name:
        data["legalName"] = store.legal_name
    logo = logo_url()
    if logo:
        data["logo"] = logo
    if store.contact_email:
        data["contactPoint"] = {"@type": "ContactPoint", "contactType": "customer service",
                                "email": store.contact_email}
    return data


def website_data() -> dict[str, Any]:
    """The WebSite with its search box: the target template keeps {search_term_string} unescaped."""
    return {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": g.store.name,
        "url": page_url("/"),
        "inLanguage": g.locale,
        "potentialAction": {
            "@type": "SearchAction",
            "target": page_url("/search") + f"?q={{{SEARCH_TERM}}}",
            "query-input": f"required name={SEARCH_TERM}",
        },
    }


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        collection_breadcrumbs=collection_breadcrumbs,
        product_breadcrumbs=product_breadcrumbs,
        product_data=product_data,
        organization_data=organization_data,
        website_data=website_data,
    )
