"""/admin/marketing/feeds: the product feed URLs to give Google Merchant Center and Meta Commerce Manager,
when each file was last written, regenerating them now and rotating the secret in their URLs."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint
from storefront.domain.marketing import feeds
from storefront.extensions import db

bp = admin_blueprint("admin_feeds", __name__, Area.CONTENT)


def feed_url(spec: feeds.FeedSpec, token: str) -> str:
    """The address to paste into Merchant Center or Commerce Manager: on the public URL when it is set."""
    path = url_for("feeds.feed", token=token, kind=spec.kind, market_code=spec.market.code, locale=spec.locale)
    public = current_app.config["CLIPPER"].public_url
    if public:
        return public.rstrip("/") + path[len(request.script_root):]
    return url_for("feeds.feed", token=token, kind=spec.kind, market_code=spec.market.code, locale=spec.locale,
                   _external=True)


@bp.get("/marketing/feeds")
def index():
    token = feeds.feed_token(db.session)  # made on first need, kept from then on
    db.session.commit()
    rows = [(spec, feed_url(spec, token), feeds.generated_at(spec)) for spec in feeds.list_feeds(db.session)]
    return render_template("admin/marketing/feeds.html", rows=rows, action_form=EmptyForm(),
                           public_url=current_app.config["CLIPPER"].public_url, local_url=feeds.site_root())


@bp.post("/marketing/feeds/regenerate")
def regenerate():
    if EmptyForm().validate_on_submit():
        feeds.request_regeneration(db.session, staff_user_id=current_user.id, ip_address=request.remote_addr)
        db.session.commit()
        flash(_("The feeds are being regenerated. Reload this page in a minute to see the new times."), "success")
    return redirect(url_for("admin_feeds.index"))


@bp.post("/marketing/feeds/rotate-token")
def rotate_token():
    if EmptyForm().validate_on_submit():
        feeds.rotate_feed_token(db.session, staff_user_id=current_user.id, ip_address=request.remote_addr)
        db.session.commit()
        flash(_("New feed addresses made. The old ones no longer work: paste the new ones into Merchant Center "
                "and Commerce Manager."), "success")
    return redirect(url_for("admin_feeds.index"))
