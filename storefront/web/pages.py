"""Content, legal and landing pages: /pages/<handle>."""
from __future__ import annotations

from flask import abort, g, render_template

from storefront.domain import content
from storefront.extensions import db
from storefront.web.context import shop_blueprint

bp = shop_blueprint("pages", __name__)


@bp.get("/pages/<handle>")
def page(handle: str):
    found = content.find_page(db.session, handle, g.locale)
    if found is None:
        abort(404)
    return render_template("page.html", page=found)
