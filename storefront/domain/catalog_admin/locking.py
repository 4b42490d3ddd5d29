"""Optimistic locking of products, collections and pages through their `version` column."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storefront.domain.catalog_admin.errors import NotFound, StaleEdit


def row_for_edit(session: Session, load: Callable[[Session, int], Any], row_id: int | None,
                 expected_version: int | None) -> Any:
    """The row an editor saves (None when it creates one); refused if it is gone, or if it was saved since the
    editor loaded `expected_version`, before anything is written."""
    if row_id is None:
        return None
    row = load(session, row_id)
    if row is None:
        raise NotFound(row_id)
    if expected_version != row.version:
        raise StaleEdit(row.version)
    return row


def claim_version(session: Session, row: Any, expected_version: int) -> None:
    """Move the row to the next version if it is still at `expected_version`: a compare-and-set in one UPDATE, so
    of two editors saving at the same moment exactly one wins (on PostgreSQL the row lock holds until commit)."""
    model = type(row)
    result = session.execute(
        update(model).where(model.id == row.id, model.version == expected_version)
        .values(version=expected_version + 1).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleEdit(expected_version + 1)
    set_committed_value(row, "version", expected_version + 1)
