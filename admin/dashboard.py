"""Admin home: what needs attention today."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from admin.forms import EmptyForm
from storefront.domain import admin_overview
from storefront.extensions import db

bp = Blueprint("admin_dashboard", __name__, url_prefix="/admin", template_folder="templates")


@bp.get("/")
@login_required
def index():
    return render_template("admin/dashboard.html", overview=admin_overview.counts(db.session), logout_form=EmptyForm())
