"""Admin forms (Flask-WTF: every form carries its CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from storefront.domain.staff import MIN_PASSWORD_LENGTH

MAX_PASSWORD_LENGTH = 1024


def _new_password_fields():
    """A new password and its repetition, with the rules told in the user's language."""
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Enter a new password.")),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("Use between %(min)d and %(max)d characters.")),
    ])
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(message=_l("Repeat the new password.")),
        EqualTo("new_password", message=_l("The two passwords are not the same.")),
    ])
    return new_password, confirm


def _code_field():
    return StringField(_l("6-digit code"), validators=[
        DataRequired(message=_l("Enter the 6-digit code from your authenticator app.")),
        Regexp(r"^\s*[0-9]{3}\s?[0-9]{3}\s*$", message=_l("The code has 6 digits.")),
    ])


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Enter your e-mail address.")),
                                                 Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                         Length(max=MAX_PASSWORD_LENGTH)])
    next = HiddenField()


class TwoFactorCodeForm(FlaskForm):
    code = _code_field()


class PasswordResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Enter your e-mail address.")),
                                                 Length(max=254)])


class PasswordResetForm(FlaskForm):
    new_password, confirm = _new_password_fields()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(message=_l("Enter your current password.")), Length(max=MAX_PASSWORD_LENGTH),
    ])
    new_password, confirm = _new_password_fields()


class DisableTwoFactorForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(message=_l("Enter your password.")),
                                                         Length(max=MAX_PASSWORD_LENGTH)])
    code = _code_field()


class EmptyForm(FlaskForm):
    """A button-only action still sends a CSRF token."""
