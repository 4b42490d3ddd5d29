"""Loading orders for the status page and e-mails."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.models import Order

MIN_TOKEN_LENGTH = 20


def find_order_by_token(session: Session, token: str) -> Order | None:
    """Orders are found by their unguessable token only (192 bits); anything short is not even looked up."""
    if not token or len(token) < MIN_TOKEN_LENGTH or len(token) > 64:
        return None
    return session.scalar(select(Order).where(Order.token == token)
                          .options(selectinload(Order.lines), selectinload(Order.events), selectinload(Order.payments),
                                   selectinload(Order.refunds)))
