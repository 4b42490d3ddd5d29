"""Audit entries for catalogue edits: who changed which product, collection or page, and what it was before."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from storefront.domain import audit
from storefront.models import AuditLog


@dataclass(frozen=True)
class Editor:
    """The staff user making a change, for the audit log."""

    staff_user_id: int | None
    ip_address: str | None = None


def _saved(session: Session, *, editor: Editor, entity_type: str, entity_id: int, before: dict[str, Any],
           after: dict[str, Any]) -> AuditLog | None:
    if not before:
        return audit.record(session, staff_user_id=editor.staff_user_id, action=f"{entity_type}.create",
                            entity_type=entity_type, entity_id=entity_id, after=after, ip_address=editor.ip_address)
    old, new = audit.changes(before, after)
    if not new:
        return None
    return audit.record(session, staff_user_id=editor.staff_user_id, action=f"{entity_type}.update",
                        entity_type=entity_type, entity_id=entity_id, before=old, after=new,
                        ip_address=editor.ip_address)


def product_saved(session: Session, *, editor: Editor, product_id: int, before: dict[str, Any],
                  after: dict[str, Any]) -> AuditLog | None:
    return _saved(session, editor=editor, entity_type="product", entity_id=product_id, before=before, after=after)


def product_deleted(session: Session, *, editor: Editor, product_id: int, before: dict[str, Any]) -> AuditLog:
    return audit.record(session, staff_user_id=editor.staff_user_id, action="product.delete", entity_type="product",
                        entity_id=product_id, before=before, ip_address=editor.ip_address)


def product_bulk_edited(session: Session, *, editor: Editor, product_id: int, action: str, before: dict[str, Any],
                        after: dict[str, Any]) -> AuditLog:
    return audit.record(session, staff_user_id=editor.staff_user_id, action=f"product.bulk_{action}",
                        entity_type="product", entity_id=product_id, before=before, after=after,
                        ip_address=editor.ip_address)


def collection_saved(session: Session, *, editor: Editor, collection_id: int, before: dict[str, Any],
                     after: dict[str, Any]) -> AuditLog | None:
    return _saved(session, editor=editor, entity_type="collection", entity_id=collection_id, before=before,
                  after=after)


def page_saved(session: Session, *, editor: Editor, page_id: int, before: dict[str, Any],
               after: dict[str, Any]) -> AuditLog | None:
    return _saved(session, editor=editor, entity_type="page", entity_id=page_id, before=before, after=after)
