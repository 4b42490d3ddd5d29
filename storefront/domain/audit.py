"""The audit log: who changed what, with the values before and after."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from storefront.models import AuditLog


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any]:
    return {k: (v if isinstance(v, (str, int, float, bool, type(None), list, dict)) else str(v))
            for k, v in (values or {}).items()}


def record(session: Session, *, staff_user_id: int | None, action: str, entity_type: str,
           entity_id: str | int | None = None, before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None, ip_address: str | None = None) -> AuditLog:
    entry = AuditLog(staff_user_id=staff_user_id, action=action, entity_type=entity_type,
                     entity_id=None if entity_id is None else str(entity_id), before=_jsonable(before),
                     after=_jsonable(after), ip_address=ip_address)
    session.add(entry)
    return entry


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, for a readable log."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}
