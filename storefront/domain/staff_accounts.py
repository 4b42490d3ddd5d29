"""The team behind the admin: adding staff, changing roles, deactivating, and each user's admin language. Every
change lands in the audit log; only owners make or unmake owners, and the store never loses its last active owner."""
from __future__ import annotations

import enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.domain import audit, staff
from storefront.models import StaffRole, StaffUser

ENTITY = "staff_user"


class AccountError(str, enum.Enum):
    UNKNOWN_USER = "unknown_user"
    UNKNOWN_ROLE = "unknown_role"
    OWN_ACCOUNT = "own_account"
    OWNERS_ONLY = "owners_only"
    LAST_OWNER = "last_owner"


class AccountChangeRefused(ValueError):
    def __init__(self, code: AccountError, message: str) -> None:
        super().__init__(message)
        self.code = code


def list_staff(session: Session) -> list[StaffUser]:
    """Active users first, then by e-mail."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.email)))


def add_staff_user(session: Session, *, actor: StaffUser, email: str, password: str, role: str | StaffRole,
                   ip_address: str | None) -> StaffUser:
    """A new account with a temporary password; raises staff.StaffValidationError for bad input."""
    if role == StaffRole.OWNER:
        _owners_only(actor)
    user = staff.create_staff_user(session, email, password, role)
    audit.record(session, staff_user_id=actor.id, action="staff.created", entity_type=ENTITY, entity_id=user.id,
                 after={"email": user.email, "role": user.role.value, "active": user.active}, ip_address=ip_address)
    return user


def change_role(session: Session, *, actor: StaffUser, user_id: int, role: str | StaffRole,
                ip_address: str | None) -> StaffUser:
    user = _other_user(session, actor, user_id)
    try:
        role = StaffRole(role)
    except ValueError:
        raise AccountChangeRefused(AccountError.UNKNOWN_ROLE, f"unknown role {role!r}") from None
    if user.role == role:
        return user
    if StaffRole.OWNER in (user.role, role):
        _owners_only(actor)
    if user.role == StaffRole.OWNER and user.active:
        _keep_an_owner(session, losing=user)
    before = {"role": user.role.value}
    user.role = role
    audit.record(session, staff_user_id=actor.id, action="staff.role_changed", entity_type=ENTITY, entity_id=user.id,
                 before=before, after={"role": role.value}, ip_address=ip_address)
    return user


def deactivate(session: Session, *, actor: StaffUser, user_id: int, ip_address: str | None) -> StaffUser:
    """The user can no longer sign in, and their open sessions end."""
    user = _other_user(session, actor, user_id)
    if not user.active:
        return user
    if user.role == StaffRole.OWNER:
        _owners_only(actor)
        _keep_an_owner(session, losing=user)
    user.active = False
    user.session_version += 1
    audit.record(session, staff_user_id=actor.id, action="staff.deactivated", entity_type=ENTITY, entity_id=user.id,
                 before={"active": True}, after={"active": False}, ip_address=ip_address)
    return user


def reactivate(session: Session, *, actor: StaffUser, user_id: int, ip_address: str | None) -> StaffUser:
    user = _other_user(session, actor, user_id)
    if user.active:
        return user
    if user.role == StaffRole.OWNER:
        _owners_only(actor)
    user.active = True
    audit.record(session, staff_user_id=actor.id, action="staff.reactivated", entity_type=ENTITY, entity_id=user.id,
                 before={"active": False}, after={"active": True}, ip_address=ip_address)
    return user


def set_admin_locale(session: Session, *, user: StaffUser, locale: str, ip_address: str | None) -> StaffUser:
    """The language the admin speaks to `user` (the caller checks it is one the admin is translated into)."""
    if user.locale == locale:
        return user
    before = {"locale": user.locale}
    user.locale = locale
    audit.record(session, staff_user_id=user.id, action="staff.locale_changed", entity_type=ENTITY, entity_id=user.id,
                 before=before, after={"locale": locale}, ip_address=ip_address)
    return user


def _other_user(session: Session, actor: StaffUser, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise AccountChangeRefused(AccountError.UNKNOWN_USER, f"no staff user with id {user_id}")
    if user.id == actor.id:
        # Another owner must do it: nobody locks themselves out by mistake.
        raise AccountChangeRefused(AccountError.OWN_ACCOUNT, "you cannot change your own role or deactivate yourself")
    return user


def _owners_only(actor: StaffUser) -> None:
    """Someone given the staff screen without being an owner must not make or unmake owners: that would let them
    raise themselves (or an account they hold) above their own role."""
    if actor.role != StaffRole.OWNER:
        raise AccountChangeRefused(AccountError.OWNERS_ONLY, "only owners can add, change or deactivate owners")


def _keep_an_owner(session: Session, *, losing: StaffUser) -> None:
    """Refuse when `losing` is the last active owner. The owners' rows stay locked until commit (PostgreSQL), so
    two owners demoting each other at once cannot both succeed."""
    owners = session.scalars(
        select(StaffUser.id).where(StaffUser.role == StaffRole.OWNER, StaffUser.active.is_(True)).with_for_update()
    ).all()
    if not set(owners) - {losing.id}:
        raise AccountChangeRefused(AccountError.LAST_OWNER, "the store needs at least one active owner")
