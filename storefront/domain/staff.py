"""Staff accounts: creation with validated input, argon2id password hashing, authentication."""
from __future__ import annotations

import enum
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.models import StaffRole, StaffUser, utcnow

MIN_PASSWORD_LENGTH = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class StaffError(str, enum.Enum):
    INVALID_EMAIL = "invalid_email"
    PASSWORD_TOO_SHORT = "password_too_short"
    UNKNOWN_ROLE = "unknown_role"
    DUPLICATE_EMAIL = "duplicate_email"
    UNKNOWN_USER = "unknown_user"


class StaffValidationError(ValueError):
    def __init__(self, code: StaffError, message: str) -> None:
        super().__init__(message)
        self.code = code


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_email(email: str) -> str:
    email = normalize_email(email)
    if not _EMAIL.match(email) or len(email) > 254:
        raise StaffValidationError(StaffError.INVALID_EMAIL, f"'{email}' is not a valid e-mail address")
    return email


def check_password_length(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise StaffValidationError(
            StaffError.PASSWORD_TOO_SHORT, f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(15)


def create_staff_user(session: Session, email: str, password: str, role: str | StaffRole) -> StaffUser:
    email = validate_email(email)
    check_password_length(password)
    try:
        role = StaffRole(role)
    except ValueError:
        choices = ", ".join(r.value for r in StaffRole)
        raise StaffValidationError(StaffError.UNKNOWN_ROLE, f"unknown role '{role}' (choose {choices})") from None
    if session.scalar(select(func.count()).select_from(StaffUser).where(StaffUser.email == email)):
        raise StaffValidationError(StaffError.DUPLICATE_EMAIL, f"a staff user with e-mail {email} already exists")
    user = StaffUser(email=email, password_hash=hash_password(password), role=role, password_changed_at=utcnow())
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """The active user with these credentials, or None; unknown e-mail and wrong password look alike."""
    user = session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def load_user(session: Session, session_id: str) -> StaffUser | None:
    """Flask-Login loader: "<id>:<session_version>" so a password change ends old sessions."""
    user_id, _, version = (session_id or "").partition(":")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    user = session.get(StaffUser, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def set_password(session: Session, email: str, password: str) -> StaffUser:
    check_password_length(password)
    user = session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))
    if user is None:
        raise StaffValidationError(StaffError.UNKNOWN_USER, f"no staff user with e-mail {normalize_email(email)}")
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_version += 1
    return user
