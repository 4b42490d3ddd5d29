"""For search engines: /sitemap.xml (an index of per-locale sitemaps), /robots.txt, and redirects of moved URLs."""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from flask import Response, abort, g, redirect, request

from storefront.domain.seo import redirects, sitemap
from storefront.extensions import db
from storefront.web.assets import base_path
from storefront.web.context import shop_blueprint
from storefront.web.template_helpers import picture_url, shop_url, site_root

bp = shop_blueprint("seo", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
PRODUCTS_PER_SITEMAP = 5000
MAX_AGE = 3600
ET.register_namespace("", SITEMAP_NS)
ET.register_namespace("xhtml", XHTML_NS)
ET.register_namespace("image", IMAGE_NS)

# Never worth crawling: carts, checkout, order status, the admin, and search results for any query.
PRIVATE_PATHS = ("/admin", "/cart", "/checkout", "/orders", "/search?", "/search/suggest")
PRIVATE_LOCALIZED = ("/cart", "/checkout", "/orders", "/search?", "/search/suggest")


def only_at_root() -> None:
    """Crawlers look for these files at the site's root: /de/robots.txt is not one."""
    if request.script_root != base_path():
        abort(404)


def public_response(body: str | bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.add_etag()
    return response.make_conditional(request)


def xml_response(root: ET.Element) -> Response:
    return public_response(ET.tostring(root, encoding="utf-8", xml_declaration=True), "application/xml")


def sub(parent: ET.Element, tag: str, text: str | None = None, ns: str = SITEMAP_NS, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ns}}}{tag}", attrib)
    element.text = text
    return element


def product_sitemap_pages() -> int:
    return max(1, math.ceil(sitemap.count_products(db.session) / PRODUCTS_PER_SITEMAP))


@bp.get("/sitemap.xml")
def sitemap_index():
    only_at_root()
    root = ET.Element(f"{{{SITEMAP_NS}}}sitemapindex")
    product_pages = product_sitemap_pages()
    for locale in g.store.enabled_locales:
        for kind in sitemap.KINDS:
            for page in range(1, (product_pages if kind == sitemap.PRODUCTS else 1) + 1):
                query = f"?page={page}" if page > 1 else ""
                sub(sub(root, "sitemap"), "loc", f"{site_root()}/sitemaps/{locale}/{kind}.xml{query}")
    return xml_response(root)


def sitemap_page() -> int:
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        abort(404)
    return int(raw)


def load_entries(kind: str, locales: list[str]) -> list[sitemap.SitemapEntry]:
    if kind == sitemap.PRODUCTS:
        page = sitemap_page()
        if page > product_sitemap_pages():
            abort(404)
        return sitemap.product_entries(db.session, locales, offset=(page - 1) * PRODUCTS_PER_SITEMAP,
                                       limit=PRODUCTS_PER_SITEMAP)
    if kind == sitemap.COLLECTIONS:
        return sitemap.collection_entries(db.session, locales)
    return sitemap.page_entries(db.session, locales)


@bp.get("/sitemaps/<locale>/<kind>.xml")
def sitemap_file(locale: str, kind: str):
    only_at_root()
    store = g.store
    if locale not in store.enabled_locales or kind not in sitemap.KINDS:
        abort(404)
    locales, default = list(store.enabled_locales), store.default_locale
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for entry in load_entries(kind, locales):
        url = sub(root, "url")
        sub(url, "loc", shop_url(entry.paths[locale], locale, default))
        if entry.lastmod[locale]:
            sub(url, "lastmod", entry.lastmod[locale].isoformat(timespec="seconds"))
        for alternate in locales:
            sub(url, "link", ns=XHTML_NS, rel="alternate", hreflang=alternate,
                href=shop_url(entry.paths[alternate], alternate, default))
        sub(url, "link", ns=XHTML_NS, rel="alternate", hreflang="x-default",
            href=shop_url(entry.paths.get(default, entry.paths[locale]), default, default))
        for image in entry.images:
            sub(sub(url, "image", ns=IMAGE_NS), "loc", picture_url(image.key, image.size), ns=IMAGE_NS)
    return xml_response(root)


@bp.get("/robots.txt")
def robots():
    only_at_root()
    store = g.store
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PRIVATE_PATHS)]
    # Each language prefix spelled out: "/*/cart" would also match /products/cart-organiser.
    for locale in store.enabled_locales:
        if locale != store.default_locale:
            lines += [f"Disallow: /{locale}{path}" for path in PRIVATE_LOCALIZED]
    lines += ["", f"Sitemap: {site_root()}/sitemap.xml", ""]
    return public_response("\n".join(lines), "text/plain")


def redirect_for_missing_page() -> Response | None:
    """A 301 (or the redirect's own status) for a path with no page, from the Redirect table; None if none."""
    if request.method not in ("GET", "HEAD"):
        return None
    path = request.script_root[len(base_path()):] + request.path
    found = redirects.follow_redirect(db.session, path)
    if found is None:
        return None
    db.session.commit()
    location = base_path() + found.target if found.target.startswith("/") else found.target
    if request.query_string:
        location, mark, fragment = location.partition("#")
        location += ("&" if "?" in location else "?") + request.query_string.decode("utf-8", "replace")
        location += mark + fragment
    return redirect(location, found.status_code)
