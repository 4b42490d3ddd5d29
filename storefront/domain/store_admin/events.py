"""The audit trail of settings edits: who changed which setting, from what to what."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from storefront.domain import audit
from storefront.models import AuditLog


@dataclass(frozen=True)
class Editor:
    """The staff user making an edit, as the audit log records them."""

    staff_user_id: int | None
    ip_address: str | None = None


def settings_created(session: Session, *, editor: Editor, entity_type: str, entity_id: int | str | None,
                     after: dict[str, Any]) -> AuditLog:
    return audit.record(session, staff_user_id=editor.staff_user_id, action=f"{entity_type}.create",
                        entity_type=entity_type, entity_id=entity_id, after=after, ip_address=editor.ip_address)


def settings_updated(session: Session, *, editor: Editor, entity_type: str, entity_id: int | str | None,
                     before: dict[str, Any], after: dict[str, Any], action: str = "update") -> AuditLog | None:
    """Only the fields that changed; an edit that changed nothing leaves no entry."""
    old, new = audit.changes(before, after)
    if not old and not new:
        return None
    return audit.record(session, staff_user_id=editor.staff_user_id, action=f"{entity_type}.{action}",
                        entity_type=entity_type, entity_id=entity_id, before=old, after=new,
                        ip_address=editor.ip_address)


def settings_saved(session: Session, *, editor: Editor, entity_type: str, entity_id: int | str | None,
                   before: dict[str, Any] | None, after: dict[str, Any]) -> AuditLog | None:
    """A creation when there was nothing `before`, else an update."""
    if before is None:
        return settings_created(session, editor=editor, entity_type=entity_type, entity_id=entity_id, after=after)
    return settings_updated(session, editor=editor, entity_type=entity_type, entity_id=entity_id, before=before,
                            after=after)


def settings_deleted(session: Session, *, editor: Editor, entity_type: str, entity_id: int | str | None,
                     before: dict[str, Any]) -> AuditLog:
    return audit.record(session, staff_user_id=editor.staff_user_id, action=f"{entity_type}.delete",
                        entity_type=entity_type, entity_id=entity_id, before=before, ip_address=editor.ip_address)


def settings_action(session: Session, *, editor: Editor, entity_type: str, action: str,
                    after: dict[str, Any]) -> AuditLog:
    """Something done rather than edited, such as refreshing the exchange rates."""
    return audit.record(session, staff_user_id=editor.staff_user_id, action=f"{entity_type}.{action}",
                        entity_type=entity_type, after=after, ip_address=editor.ip_address)
