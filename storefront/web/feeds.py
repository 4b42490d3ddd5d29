"""Product feed files for Google Merchant Center and Meta Commerce Manager, behind the store's secret feed token.

Not a shop page: no shop context, page cache, campaign hook or language prefix (/de/feeds/… is not found). The
language is the feed's own, in its URL. A wrong token answers exactly like an unknown feed: 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, request, send_file
from flask_babel import gettext as _

from storefront.domain.marketing import feeds
from storefront.extensions import db
from storefront.web.assets import base_path

bp = Blueprint("feeds", __name__)

MAX_AGE = 900  # the files change every few hours; crawlers fetch them a few times a day


@bp.get("/feeds/<token>/<any(google, meta):kind>/<market_code>/<locale>.xml")
def feed(token: str, kind: str, market_code: str, locale: str):
    if request.script_root != base_path() or not feeds.token_matches(db.session, token):
        abort(404)
    spec = feeds.find_feed(db.session, kind, market_code, locale) or abort(404)
    path = feeds.feed_path(spec.kind, spec.market, spec.locale)
    if not path.is_file():
        try:
            feeds.generate_feed(db.session, spec)
        except feeds.FeedError:
            abort(503, description=_("This feed cannot be built right now: its market's currency has no exchange "
                                     "rate yet. Try again later."))
    response = send_file(path, mimetype="application/xml", conditional=True)
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    response.headers["Cache-Control"] = f"private, max-age={MAX_AGE}"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
