"""Staff sign-in (password, then a TOTP code when two-factor is on), sign-out, and password reset by e-mail."""
from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from admin.forms import EmptyForm, LoginForm, PasswordResetForm, PasswordResetRequestForm, TwoFactorCodeForm
from admin.permissions import admin_ui_locale, secure_admin_response
from storefront.domain import staff
from storefront.extensions import db, limiter, login_manager
from storefront.models import StaffUser

log = logging.getLogger(__name__)
bp = Blueprint("admin_auth", __name__, url_prefix="/admin", template_folder="templates")
bp.after_request(secure_admin_response)

# Between a correct password and the code: who is signing in, for how long this may take, where to go next.
PENDING_SIGN_IN = "admin_pending_sign_in"
PENDING_SIGN_IN_SECONDS = 600

FAILED_ATTEMPTS = "10 per 15 minutes"
RESET_REQUESTS = "5 per hour"


def _failed_attempt(response) -> bool:
    """Only failures count: the view marks a wrong password or code in `g`."""
    return bool(g.get("credentials_refused"))


def _account_key() -> str:
    """The account being tried, whichever IP addresses the attempts come from."""
    email = request.form.get("email") or (session.get(PENDING_SIGN_IN) or {}).get("email")
    if not email and current_user.is_authenticated:
        email = current_user.email
    return "staff:" + staff.normalize_email(email or "")


# One budget per IP address and one per account, shared by every form that checks a password or a code.
failed_attempts_per_ip = limiter.shared_limit(FAILED_ATTEMPTS, scope="admin-credentials-ip", methods=["POST"],
                                              key_func=get_remote_address, deduct_when=_failed_attempt)
failed_attempts_per_account = limiter.shared_limit(FAILED_ATTEMPTS, scope="admin-credentials-account",
                                                   methods=["POST"], key_func=_account_key,
                                                   deduct_when=_failed_attempt)


def refuse_credentials() -> None:
    """Count this request against the sign-in rate limits, and leave a trace for whoever watches the logs."""
    g.credentials_refused = True
    log.warning("refused credentials for %s from %s on %s", _account_key(), request.remote_addr, request.path)


def too_many_attempts_message() -> str:
    return _("Too many failed attempts. For your security, please wait 15 minutes before trying again.")


def start_signed_in_session(user: StaffUser) -> None:
    """A fresh session for the signed-in user: nothing from before sign-in (or before a password change) survives."""
    session.clear()
    login_user(user, remember=False)


def app_secret_key() -> str:
    return current_app.config["CLIPPER"].secret_key


@bp.record_once
def _ask_to_sign_in_in_the_staff_language(state) -> None:
    """Flask-Login's note on the sign-in page when a signed-out visitor opens an admin page, translated."""
    login_manager.login_message = _l("Please sign in to open this page.")
    login_manager.localize_callback = _in_staff_language


def _in_staff_language(message) -> str:
    """The admin guard turns visitors away before it picks the admin language, so pick it here."""
    with force_locale(admin_ui_locale(current_user).replace("-", "_")):
        return str(message)


@bp.before_request
def _use_staff_language():
    g.ui_locale = admin_ui_locale(current_user)


@bp.errorhandler(429)
def _too_many_requests(error):
    if request.endpoint == "admin_auth.password_reset_request":
        message = _("Too many reset requests. Please wait an hour before trying again.")
        return render_template("admin/password_reset_request.html", form=PasswordResetRequestForm(), sent=False,
                               valid_minutes=staff.PASSWORD_RESET_MAX_AGE // 60, error=message), 429
    return render_template("admin/login.html", form=LoginForm(formdata=None), error=too_many_attempts_message(),
                           rate_limited=True), 429


@bp.route("/login", methods=["GET", "POST"])
@failed_attempts_per_ip
@failed_attempts_per_account
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin_dashboard.index"))
    pending = _pending_sign_in()
    # Sending an e-mail address starts over; anything else while a sign-in waits for its code is that code.
    if pending is not None and "email" not in request.form:
        return _second_step(pending)
    return _password_step()


def _password_step():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not form.validate_on_submit():
        return render_template("admin/login.html", form=form), 200 if request.method == "GET" else 422
    user = staff.authenticate(db.session, form.email.data, form.password.data)
    if user is None:
        refuse_credentials()
        return render_template("admin/login.html", form=form, error=_("Incorrect e-mail or password.")), 401
    next_url = _safe_next(form.next.data)
    if user.totp_enabled or staff.two_factor_required(db.session, user):
        if not user.totp_enabled:
            staff.begin_totp_enrolment(db.session, user, app_secret_key())
        db.session.commit()
        session.clear()
        session[PENDING_SIGN_IN] = {"user": user.id, "version": user.session_version, "email": user.email,
                                    "started": int(time.time()), "next": next_url}
        return redirect(url_for("admin_auth.login"))
    return _finish_sign_in(user, next_url)


def _second_step(pending: tuple[StaffUser, dict]):
    user, state = pending
    form = TwoFactorCodeForm()
    setup = None if user.totp_enabled else staff.totp_setup(db.session, user, app_secret_key())
    if not user.totp_enabled and setup is None:  # enrolment was cancelled elsewhere: start over
        session.pop(PENDING_SIGN_IN, None)
        return redirect(url_for("admin_auth.login"))
    error, status = None, 200
    if form.validate_on_submit():
        if _code_accepted(user, form.code.data):
            return _finish_sign_in(user, state.get("next"))
        refuse_credentials()
        error, status = _("That code is not correct or was already used. Wait for the next code and try again."), 401
    elif request.method == "POST":
        status = 422
    return render_template("admin/login_code.html", form=form, setup=setup, error=error,
                           cancel_form=EmptyForm()), status


def _code_accepted(user: StaffUser, code: str) -> bool:
    if user.totp_enabled:
        accepted = staff.check_totp_code(db.session, user, code, app_secret_key())
    else:
        try:
            staff.confirm_totp_enrolment(db.session, user, code, app_secret_key(),
                                         ip_address=request.remote_addr)
            accepted = True
        except staff.StaffValidationError:
            accepted = False
    # A spent code stays spent even if signing in fails afterwards.
    db.session.commit()
    return accepted


def _finish_sign_in(user: StaffUser, next_url: str | None):
    staff.record_sign_in(user)
    db.session.commit()
    start_signed_in_session(user)
    return redirect(next_url or url_for("admin_dashboard.index"))


def _pending_sign_in() -> tuple[StaffUser, dict] | None:
    """The user who gave the right password and still owes a code, if that was recently and nothing changed."""
    state = session.get(PENDING_SIGN_IN)
    if not isinstance(state, dict):
        return None
    user = db.session.get(StaffUser, state.get("user") or 0)
    fresh = time.time() - state.get("started", 0) <= PENDING_SIGN_IN_SECONDS
    if user is None or not user.active or user.session_version != state.get("version") or not fresh:
        session.pop(PENDING_SIGN_IN, None)
        return None
    return user, state


def _safe_next(target: str | None) -> str | None:
    """Only a path inside the admin: a sign-in link must not send anyone to another site."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin/"):
        return None
    return target


@bp.post("/login/cancel")
def cancel_sign_in():
    if EmptyForm().validate_on_submit():
        session.pop(PENDING_SIGN_IN, None)
    return redirect(url_for("admin_auth.login"))


@bp.post("/logout")
@login_required
def logout():
    if EmptyForm().validate_on_submit():
        logout_user()
        session.clear()
    return redirect(url_for("admin_auth.login"))


def _reset_account_key() -> str:
    return "staff-reset:" + staff.normalize_email(request.form.get("email", ""))


@bp.route("/password-reset", methods=["GET", "POST"])
@limiter.limit(RESET_REQUESTS, methods=["POST"], key_func=get_remote_address)
@limiter.limit(RESET_REQUESTS, methods=["POST"], key_func=_reset_account_key)
def password_reset_request():
    form = PasswordResetRequestForm()
    sent = form.validate_on_submit()
    if sent:
        # The same answer whether or not the address belongs to someone: the page must not reveal staff e-mails.
        staff.send_password_reset(db.session, form.email.data, app_secret_key(), locale=g.ui_locale)
    status = 422 if request.method == "POST" and not sent else 200
    return render_template("admin/password_reset_request.html", form=form, sent=sent,
                           valid_minutes=staff.PASSWORD_RESET_MAX_AGE // 60), status


@bp.route("/password-reset/<token>", methods=["GET", "POST"])
def password_reset(token: str):
    if staff.user_for_reset_token(db.session, token, app_secret_key()) is None:
        return render_template("admin/password_reset.html", form=None), 410
    form = PasswordResetForm()
    if not form.validate_on_submit():
        return render_template("admin/password_reset.html", form=form, token=token,
                               min_length=staff.MIN_PASSWORD_LENGTH), 200 if request.method == "GET" else 422
    staff.reset_password(db.session, token, form.new_password.data, app_secret_key(),
                         ip_address=request.remote_addr)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Your password has been changed and every session signed in with the old one has ended. "
            "Sign in with your new password."), "success")
    return redirect(url_for("admin_auth.login"))
