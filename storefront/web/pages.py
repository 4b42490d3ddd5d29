"""Content, legal and landing pages: /pages/<handle>, and staff previews of them (?preview=<signed token>)."""
from __future__ import annotations

from flask import abort, current_app, g, make_response, render_template, request
from flask_login import current_user

from storefront.domain.marketing import landing
from storefront.extensions import db
from storefront.models import Page
from storefront.web.caching import cacheable
from storefront.web.context import shop_blueprint

bp = shop_blueprint("pages", __name__)
PREVIEW_HEADERS = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


@bp.get("/pages/<handle>")
def page(handle: str):
    token = request.args.get("preview")
    return published_page(handle) if token is None else preview(handle, token)


@cacheable
def published_page(handle: str):
    found = landing.find_page(db.session, handle, g.locale)
    if found is None:
        abort(404)
    return render_page(found)


def preview(handle: str, token: str):
    """The page as shoppers will see it, published or not: for signed-in staff holding a fresh token."""
    page_id = landing.preview_page_id(token, current_app.config["CLIPPER"].secret_key)
    found = landing.find_page(db.session, handle, g.locale, page_id=page_id) if page_id else None
    if found is None or not current_user.is_authenticated:
        abort(404)
    return make_response(render_page(found, preview=True), 200, PREVIEW_HEADERS)


def render_page(found: Page, preview: bool = False) -> str:
    store = g.store
    g.alternate_paths = landing.page_paths(found, list(store.enabled_locales), store.default_locale)
    sections = landing.blocks_for(db.session, found, g.locale, g.pricing, locations=g.snapshot.locations)
    image, image_alt = landing.hero_image(sections)
    faq = landing.faq_structured_data(sections)
    return render_template("page.html", page=landing.page_view(found, g.locale), sections=sections,
                           hero_image=image, hero_image_alt=image_alt,
                           sections_summary=landing.sections_summary(sections),
                           structured_data=[faq] if faq else [], preview=preview)
