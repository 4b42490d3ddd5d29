"""Owners manage the team (/admin/staff); every signed-in user picks the admin's language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Length

from admin.forms import EmptyForm
from admin.permissions import (
    ADMIN_LOCALES,
    Area,
    admin_blueprint,
    secure_admin_response,
)
from storefront.domain import staff, staff_accounts
from storefront.domain.staff_accounts import AccountChangeRefused, AccountError
from storefront.extensions import db
from storefront.models import StaffRole

bp = admin_blueprint("admin_staff", __name__, Area.STAFF)

language_bp = Blueprint("admin_language", __name__, url_prefix="/admin")
language_bp.after_request(secure_admin_response)

TOO_SHORT = _l("Use at least %(min)d characters.")
ROLE_LABELS = {StaffRole.OWNER: _l("Owner"), StaffRole.ADMIN: _l("Admin"), StaffRole.STAFF: _l("Staff")}
ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=StaffRole.STAFF.value)
    password = PasswordField(
        _l("Temporary password"),
        validators=[DataRequired(), Length(min=staff.MIN_PASSWORD_LENGTH, max=1024, message=TOO_SHORT)],
        description=_l("At least %(count)d characters. Give it to them in person or by phone; they can change it "
                       "after signing in.", count=staff.MIN_PASSWORD_LENGTH),
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class LanguageForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=[SelectChoice(code) for code in ADMIN_LOCALES])
    next = HiddenField()


INVITE_ERRORS = {
    staff.StaffError.INVALID_EMAIL: ("email", _l("Enter a valid e-mail address.")),
    staff.StaffError.DUPLICATE_EMAIL: ("email", _l("A staff member with this e-mail already exists.")),
    staff.StaffError.PASSWORD_TOO_SHORT: ("password", _l("Use at least %(min)d characters.",
                                                          min=staff.MIN_PASSWORD_LENGTH)),
    staff.StaffError.UNKNOWN_ROLE: ("role", _l("Choose one of the roles in the list.")),
}


def _refusal_message(code: AccountError) -> str:
    return {
        AccountError.OWN_ACCOUNT: _("You cannot change your own role or deactivate yourself. Ask another owner."),
        AccountError.OWNERS_ONLY: _("Only owners can add, change or deactivate owners."),
        AccountError.LAST_OWNER: _("The store needs at least one active owner."),
        AccountError.UNKNOWN_ROLE: _("Choose one of the roles in the list."),
    }[code]


def _render_list(invite_form: InviteForm, status: int = 200):
    return render_template("admin/staff/index.html", users=staff_accounts.list_staff(db.session),
                           invite_form=invite_form, role_labels=ROLE_LABELS, role_form=RoleForm), status


@bp.get("/staff")
def index():
    return _render_list(InviteForm())


@bp.post("/staff")
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user = staff_accounts.add_staff_user(db.session, actor=current_user, email=form.email.data,
                                                 password=form.password.data, role=form.role.data,
                                                 ip_address=request.remote_addr)
        except staff.StaffValidationError as error:
            db.session.rollback()
            field, message = INVITE_ERRORS[error.code]
            form[field].errors.append(str(message))
        except AccountChangeRefused as refused:
            db.session.rollback()
            form.role.errors.append(_refusal_message(refused.code))
        else:
            db.session.commit()
            flash(_("%(email)s can now sign in with the temporary password.", email=user.email), "success")
            return redirect(url_for("admin_staff.index"))
    return _render_list(form, 422)


def _change_account(change, user_id: int, **kwargs):
    """Run one change on another user's account; a refusal is flashed and gives None."""
    try:
        user = change(db.session, actor=current_user, user_id=user_id, ip_address=request.remote_addr, **kwargs)
    except AccountChangeRefused as refused:
        db.session.rollback()
        if refused.code == AccountError.UNKNOWN_USER:
            abort(404)
        flash(_refusal_message(refused.code), "error")
        return None
    db.session.commit()
    return user


@bp.post("/staff/<int:user_id>/role")
def change_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    user = _change_account(staff_accounts.change_role, user_id, role=form.role.data)
    if user:
        flash(_("%(email)s now has the role %(role)s.", email=user.email, role=ROLE_LABELS[user.role]), "success")
    return redirect(url_for("admin_staff.index"))


@bp.post("/staff/<int:user_id>/deactivate")
def deactivate(user_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = _change_account(staff_accounts.deactivate, user_id)
    if user:
        flash(_("%(email)s was deactivated and signed out.", email=user.email), "success")
    return redirect(url_for("admin_staff.index"))


@bp.post("/staff/<int:user_id>/reactivate")
def reactivate(user_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = _change_account(staff_accounts.reactivate, user_id)
    if user:
        flash(_("%(email)s can sign in again.", email=user.email), "success")
    return redirect(url_for("admin_staff.index"))


def _safe_return_path(target: str | None) -> str:
    """Back to the admin page the switch was pressed on; never to another site."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and parts.path.startswith("/admin/") and "\\" not in target:
        return target
    return url_for("admin_dashboard.index")


@language_bp.post("/account/language")
@login_required
def switch():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    staff_accounts.set_admin_locale(db.session, user=current_user, locale=form.locale.data,
                                    ip_address=request.remote_addr)
    db.session.commit()
    return redirect(_safe_return_path(form.next.data))
