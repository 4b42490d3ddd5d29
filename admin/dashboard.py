"""Admin home: what needs attention today."""
from __future__ import annotations

from flask import render_template

from admin.forms import EmptyForm
from admin.permissions import Area, admin_blueprint
from storefront.domain import admin_overview
from storefront.extensions import db

bp = admin_blueprint("admin_dashboard", __name__, Area.DASHBOARD)


@bp.get("/")
def index():
    return render_template("admin/dashboard.html", overview=admin_overview.counts(db.session), logout_form=EmptyForm())
