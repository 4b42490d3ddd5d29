"""Staff sign-in and sign-out."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from admin.forms import EmptyForm, LoginForm
from admin.permissions import secure_admin_response
from storefront.domain import staff
from storefront.extensions import db, limiter

bp = Blueprint("admin_auth", __name__, url_prefix="/admin", template_folder="templates")
bp.after_request(secure_admin_response)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin_dashboard.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = staff.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            session.clear()  # a fresh session on login: no fixation
            login_user(user, remember=False)
            return redirect(url_for("admin_dashboard.index"))
        error = _("Incorrect e-mail or password.")
    status = 200 if request.method == "GET" or error is None else 401
    return render_template("admin/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("admin_auth.login"))
