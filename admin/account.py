"""The signed-in staff user's own account: change the password, turn two-factor sign-in on and off."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from admin.auth import (app_secret_key, failed_attempts_per_account, failed_attempts_per_ip, refuse_credentials,
                        start_signed_in_session, too_many_attempts_message)
from admin.forms import ChangePasswordForm, DisableTwoFactorForm, EmptyForm, TwoFactorCodeForm
from admin.permissions import Area, admin_blueprint
from storefront.domain import staff
from storefront.extensions import db

# Every staff role reaches the dashboard, so every staff user reaches their own account.
bp = admin_blueprint("admin_account", __name__, Area.DASHBOARD)


def _error_message(code: staff.StaffError) -> str:
    return {
        staff.StaffError.WRONG_PASSWORD: _("That password is not correct."),
        staff.StaffError.INVALID_CODE: _("That code is not correct or was already used. "
                                         "Wait for the next code and try again."),
        staff.StaffError.TWO_FACTOR_REQUIRED: _("The store requires two-factor sign-in for owners, "
                                                "so it cannot be turned off."),
        staff.StaffError.TWO_FACTOR_ALREADY_ON: _("Two-factor sign-in is already on."),
        staff.StaffError.TWO_FACTOR_NOT_STARTED: _("Start the set-up again: it was not started or was cancelled."),
    }[code]


def _page(status: int = 200, error: str | None = None, **forms):
    user = current_user._get_current_object()
    return render_template(
        "admin/account.html",
        error=error,
        setup=staff.totp_setup(db.session, user, app_secret_key()),
        two_factor_required=staff.two_factor_required(db.session, user),
        password_form=forms.get("password_form") or ChangePasswordForm(formdata=None),
        code_form=forms.get("code_form") or TwoFactorCodeForm(formdata=None),
        disable_form=forms.get("disable_form") or DisableTwoFactorForm(formdata=None),
        start_form=EmptyForm(formdata=None),
    ), status


def _refused(error: staff.StaffValidationError, **forms):
    if error.code in (staff.StaffError.WRONG_PASSWORD, staff.StaffError.INVALID_CODE):
        refuse_credentials()
    db.session.commit()  # a code that was checked stays spent
    return _page(422, _error_message(error.code), **forms)


@bp.errorhandler(429)
def _too_many_attempts(error):
    return _page(429, too_many_attempts_message())


@bp.get("/account")
def index():
    return _page()


@bp.post("/account/password")
@failed_attempts_per_ip
@failed_attempts_per_account
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _page(422, password_form=form)
    user = current_user._get_current_object()
    try:
        staff.change_password(db.session, user, form.current_password.data, form.new_password.data,
                              ip_address=request.remote_addr)
    except staff.StaffValidationError as error:
        return _refused(error, password_form=form)
    db.session.commit()
    start_signed_in_session(user)  # this browser carries on; sessions elsewhere had the old version and end
    flash(_("Your password has been changed. You have been signed out everywhere else."), "success")
    return redirect(url_for("admin_account.index"))


@bp.post("/account/two-factor")
def start_two_factor():
    if EmptyForm().validate_on_submit() and not current_user.totp_enabled:
        staff.begin_totp_enrolment(db.session, current_user._get_current_object(), app_secret_key())
        db.session.commit()
    return redirect(url_for("admin_account.index", _anchor="two-factor"))


@bp.post("/account/two-factor/confirm")
@failed_attempts_per_ip
@failed_attempts_per_account
def confirm_two_factor():
    form = TwoFactorCodeForm()
    if not form.validate_on_submit():
        return _page(422, code_form=form)
    try:
        staff.confirm_totp_enrolment(db.session, current_user._get_current_object(), form.code.data,
                                     app_secret_key(), ip_address=request.remote_addr)
    except staff.StaffValidationError as error:
        return _refused(error, code_form=form)
    db.session.commit()
    flash(_("Two-factor sign-in is on. From now on you will be asked for a code after your password."), "success")
    return redirect(url_for("admin_account.index"))


@bp.post("/account/two-factor/cancel")
def cancel_two_factor():
    """Drop a set-up that was started but never confirmed."""
    if EmptyForm().validate_on_submit():
        staff.cancel_totp_enrolment(current_user._get_current_object())
        db.session.commit()
    return redirect(url_for("admin_account.index"))


@bp.post("/account/two-factor/disable")
@failed_attempts_per_ip
@failed_attempts_per_account
def disable_two_factor():
    form = DisableTwoFactorForm()
    if not form.validate_on_submit():
        return _page(422, disable_form=form)
    try:
        staff.disable_totp(db.session, current_user._get_current_object(), form.password.data, form.code.data,
                           app_secret_key(), ip_address=request.remote_addr)
    except staff.StaffValidationError as error:
        return _refused(error, disable_form=form)
    db.session.commit()
    flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("admin_account.index"))
