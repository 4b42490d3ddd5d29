"""Counts the admin dashboard shows."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.models import Collection, Order, PaymentStatus, Product, ProductStatus


def counts(session: Session) -> dict[str, int]:
    def count(stmt) -> int:
        return session.scalar(stmt) or 0

    return {
        "active_products": count(select(func.count()).select_from(Product).where(Product.status == ProductStatus.ACTIVE)),
        "collections": count(select(func.count()).select_from(Collection)),
        "orders": count(select(func.count()).select_from(Order)),
        "paid_orders": count(select(func.count()).select_from(Order).where(Order.payment_status == PaymentStatus.PAID)),
    }
