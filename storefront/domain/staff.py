"""Staff accounts: creation with validated input, argon2id passwords, TOTP two-factor, password reset links."""
from __future__ import annotations

import enum
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storefront.domain import audit
from storefront.domain.mail import enqueue_email
from storefront.domain.secrets_box import UnreadableSecret, seal, unseal
from storefront.models import StaffRole, StaffUser, StoreSettings, utcnow

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
    WRONG_PASSWORD = "wrong_password"
    INVALID_CODE = "invalid_code"
    TWO_FACTOR_ALREADY_ON = "two_factor_already_on"
    TWO_FACTOR_NOT_STARTED = "two_factor_not_started"
    TWO_FACTOR_REQUIRED = "two_factor_required"
    INVALID_RESET_LINK = "invalid_reset_link"


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


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """The active user with these credentials, or None; unknown e-mail and wrong password look alike."""
    user = session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))
    if not _password_matches(user.password_hash if user else _DUMMY_HASH, password):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_sign_in(user: StaffUser) -> None:
    """The session is signed in now (after the second factor, when there is one)."""
    user.last_login_at = utcnow()


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
    user = session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))
    if user is None:
        raise StaffValidationError(StaffError.UNKNOWN_USER, f"no staff user with e-mail {normalize_email(email)}")
    _replace_password(user, password)
    return user


def _replace_password(user: StaffUser, password: str) -> None:
    """A new password ends every session signed in with the old one."""
    check_password_length(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_version += 1


def change_password(session: Session, user: StaffUser, current_password: str, new_password: str, *,
                    ip_address: str | None = None) -> None:
    if not _password_matches(user.password_hash, current_password):
        raise StaffValidationError(StaffError.WRONG_PASSWORD, "the current password is not correct")
    _replace_password(user, new_password)
    _record_security_change(session, user, "staff.password_changed", ip_address)


def _record_security_change(session: Session, user: StaffUser, action: str, ip_address: str | None,
                            before: dict | None = None, after: dict | None = None) -> None:
    """The audit log says who changed their credentials and from where; never the secrets themselves."""
    audit.record(session, staff_user_id=user.id, action=action, entity_type="staff_user", entity_id=user.id,
                 before=before, after=after, ip_address=ip_address)


# --- Two-factor authentication (TOTP, RFC 6238) ---------------------------------------------------------------
#
# `totp_secret` holds, sealed with the app's secret key, the shared secret and the last time step a code was
# accepted for: a code is refused for that step and every earlier one, so a code seen over someone's shoulder
# cannot be used again. The secret exists before `totp_enabled` while enrolment waits for its first code.

TOTP_VALID_WINDOW = 1  # one 30-second step either side, for clocks that drift
_CODE = re.compile(r"^[0-9]{6}$")


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    uri: str
    qr_data_uri: str

    @property
    def grouped_secret(self) -> str:
        """Four letters at a time, easier to type into an app by hand."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


def _read_totp_state(user: StaffUser, secret_key: str) -> tuple[str, int] | None:
    if not user.totp_secret:
        return None
    try:
        state = json.loads(unseal(secret_key, user.totp_secret))
    except UnreadableSecret:
        return None
    return state["secret"], int(state["last_step"])


def _sealed_totp_state(secret_key: str, secret: str, last_step: int) -> str:
    return seal(secret_key, json.dumps({"secret": secret, "last_step": last_step}))


def two_factor_required(session: Session, user: StaffUser) -> bool:
    """Owners must use two-factor sign-in when the store asks for it."""
    if user.role is not StaffRole.OWNER:
        return False
    store = session.get(StoreSettings, 1)
    return bool(store and store.require_owner_2fa)


def begin_totp_enrolment(session: Session, user: StaffUser, secret_key: str) -> TotpSetup:
    """The secret to scan, kept on the user (but not yet in force) until `confirm_totp_enrolment`.

    Asking again before confirming shows the same secret, so an app that already scanned it keeps working."""
    if user.totp_enabled:
        raise StaffValidationError(StaffError.TWO_FACTOR_ALREADY_ON, "two-factor sign-in is already on")
    if _read_totp_state(user, secret_key) is None:
        user.totp_secret = _sealed_totp_state(secret_key, pyotp.random_base32(), 0)
    return totp_setup(session, user, secret_key)


def totp_setup(session: Session, user: StaffUser, secret_key: str) -> TotpSetup | None:
    """What to show a user who is enrolling: the secret, its otpauth:// URI and that URI as a QR code."""
    state = _read_totp_state(user, secret_key)
    if state is None or user.totp_enabled:
        return None
    store = session.get(StoreSettings, 1)
    uri = pyotp.TOTP(state[0]).provisioning_uri(name=user.email, issuer_name=store.name if store else "Clipper")
    return TotpSetup(secret=state[0], uri=uri, qr_data_uri=segno.make(uri, error="m").svg_data_uri(scale=5))


def check_totp_code(session: Session, user: StaffUser, code: str, secret_key: str) -> bool:
    """True for a current code (±1 step) not used before; the step is then spent, even under concurrent use."""
    state = _read_totp_state(user, secret_key)
    code = "".join((code or "").split())
    if state is None or not _CODE.match(code):
        return False
    secret, last_step = state
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    matched = [step for step in range(now - TOTP_VALID_WINDOW, now + TOTP_VALID_WINDOW + 1)
               if step > last_step and hmac.compare_digest(totp.generate_otp(step), code)]
    if not matched:
        return False
    sealed = _sealed_totp_state(secret_key, secret, matched[0])
    # Compare-and-set: of two requests racing with the same code, only the first finds the old value.
    result = session.execute(
        update(StaffUser).where(StaffUser.id == user.id, StaffUser.totp_secret == user.totp_secret)
        .values(totp_secret=sealed).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_secret", sealed)
    return True


def confirm_totp_enrolment(session: Session, user: StaffUser, code: str, secret_key: str, *,
                           ip_address: str | None = None) -> None:
    if user.totp_enabled:
        raise StaffValidationError(StaffError.TWO_FACTOR_ALREADY_ON, "two-factor sign-in is already on")
    if _read_totp_state(user, secret_key) is None:
        raise StaffValidationError(StaffError.TWO_FACTOR_NOT_STARTED, "two-factor set-up was not started")
    if not check_totp_code(session, user, code, secret_key):
        raise StaffValidationError(StaffError.INVALID_CODE, "the code is not correct or was already used")
    user.totp_enabled = True
    _record_security_change(session, user, "staff.two_factor_enabled", ip_address,
                            before={"totp_enabled": False}, after={"totp_enabled": True})


def cancel_totp_enrolment(user: StaffUser) -> None:
    """Forget a secret that was never confirmed; a second factor in force is turned off only by `disable_totp`."""
    if not user.totp_enabled:
        user.totp_secret = None


def disable_totp(session: Session, user: StaffUser, password: str, code: str, secret_key: str, *,
                 ip_address: str | None = None) -> None:
    """Turning the second factor off takes both factors, and is refused where the store requires it."""
    if two_factor_required(session, user):
        raise StaffValidationError(StaffError.TWO_FACTOR_REQUIRED, "the store requires two-factor sign-in for owners")
    if not _password_matches(user.password_hash, password):
        raise StaffValidationError(StaffError.WRONG_PASSWORD, "the password is not correct")
    if not check_totp_code(session, user, code, secret_key):
        raise StaffValidationError(StaffError.INVALID_CODE, "the code is not correct or was already used")
    user.totp_enabled = False
    user.totp_secret = None
    _record_security_change(session, user, "staff.two_factor_disabled", ip_address,
                            before={"totp_enabled": True}, after={"totp_enabled": False})


# --- Password reset by e-mailed link --------------------------------------------------------------------------

PASSWORD_RESET_MAX_AGE = 3600
_RESET_SALT = "clipper.staff.password-reset"


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_RESET_SALT)


def _reset_fingerprint(user: StaffUser) -> str:
    """Changes when the password or the session version does, which spends every link issued before."""
    material = f"{user.session_version}:{user.password_hash}".encode()
    return hashlib.sha256(material).hexdigest()[:32]


def password_reset_token(user: StaffUser, secret_key: str) -> str:
    return _reset_serializer(secret_key).dumps({"user": user.id, "fingerprint": _reset_fingerprint(user)})


def user_for_reset_token(session: Session, token: str, secret_key: str) -> StaffUser | None:
    """The active user a valid, unexpired, unused link was made for; None otherwise."""
    try:
        payload = _reset_serializer(secret_key).loads(token, max_age=PASSWORD_RESET_MAX_AGE)
        user_id, fingerprint = int(payload["user"]), str(payload["fingerprint"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    user = session.get(StaffUser, user_id)
    if user is None or not user.active or not hmac.compare_digest(fingerprint, _reset_fingerprint(user)):
        return None
    return user


def reset_password(session: Session, token: str, new_password: str, secret_key: str, *,
                   ip_address: str | None = None) -> StaffUser:
    user = user_for_reset_token(session, token, secret_key)
    if user is None:
        raise StaffValidationError(StaffError.INVALID_RESET_LINK, "the reset link is invalid, expired or used")
    _replace_password(user, new_password)
    _record_security_change(session, user, "staff.password_reset", ip_address)
    return user


def send_password_reset(session: Session, email: str, secret_key: str, locale: str) -> None:
    """E-mail a reset link if an active account has this address; nothing tells the caller whether one does."""
    user = session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))
    if user is None or not user.active:
        return
    token = password_reset_token(user, secret_key)
    enqueue_email("staff_password_reset", user.email, user.locale or locale, token=token, account_email=user.email,
                  valid_minutes=PASSWORD_RESET_MAX_AGE // 60)
