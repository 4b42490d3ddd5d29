"""Reading the audit log: newest first, a page at a time, filtered by what changed and who changed it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.models import AuditLog, StaffUser

PER_PAGE = 50


@dataclass(frozen=True)
class AuditEntry:
    log: AuditLog
    staff_email: str | None

    @property
    def fields(self) -> list[str]:
        """Every field named before or after the change, in the order first seen."""
        return list(dict.fromkeys([*self.log.before, *self.log.after]))


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


def search(session: Session, *, entity_type: str | None = None, staff_user_id: int | None = None, page: int = 1,
           per_page: int = PER_PAGE) -> AuditPage:
    """One page of entries; a page past the end shows the last one."""
    conditions = []
    if entity_type:
        conditions.append(AuditLog.entity_type == entity_type)
    if staff_user_id:
        conditions.append(AuditLog.staff_user_id == staff_user_id)
    total = session.scalar(select(func.count()).select_from(AuditLog).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = session.execute(
        select(AuditLog, StaffUser.email)
        .outerjoin(StaffUser, StaffUser.id == AuditLog.staff_user_id)
        .where(*conditions)
        .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return AuditPage([AuditEntry(log, email) for log, email in rows], page=page, pages=pages, total=total)


def entity_types(session: Session) -> list[str]:
    """The kinds of things the log has entries for, to filter by."""
    return list(session.scalars(select(AuditLog.entity_type).distinct().order_by(AuditLog.entity_type)))
