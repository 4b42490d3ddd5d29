"""Customers as the admin sees them: who they are, how many orders they placed and what they spent."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storefront.models import Customer, Order, PaymentStatus

PER_PAGE = 50
PAID_STATUSES = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass(frozen=True)
class CustomerSummary:
    customer: Customer
    orders_count: int
    total_spent: int  # base currency minor units, refunds taken off


@dataclass(frozen=True)
class CustomerPage:
    rows: list[CustomerSummary]
    total: int
    page: int
    pages: int


def _spent(base_currency: str):
    """What a paid order still brings in, in base currency: its base total less the refunded share."""
    net = case((Order.total > 0, Order.base_total - Order.base_total * Order.total_refunded / Order.total),
               else_=Order.base_total)
    paid = Order.payment_status.in_(PAID_STATUSES) & (Order.base_currency == base_currency)
    return func.coalesce(func.sum(case((paid, net), else_=0)), 0)


def _summaries(base_currency: str):
    return (select(Customer, func.count(Order.id), _spent(base_currency))
            .outerjoin(Order, Order.customer_id == Customer.id)
            .group_by(Customer.id))


def list_customers(session: Session, query: str, base_currency: str, page: int = 1,
                   per_page: int = PER_PAGE) -> CustomerPage:
    """Customers matching `query` (e-mail or name), newest first, with their order count and spending."""
    matching = select(Customer.id)
    text = (query or "").strip()
    if text:
        matching = matching.where(or_(Customer.email.icontains(text, autoescape=True),
                                      Customer.first_name.icontains(text, autoescape=True),
                                      Customer.last_name.icontains(text, autoescape=True)))
    total = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    stmt = (_summaries(base_currency).where(Customer.id.in_(matching))
            .order_by(Customer.created_at.desc(), Customer.id.desc())
            .offset((page - 1) * per_page).limit(per_page))
    rows = [CustomerSummary(customer, count, spent) for customer, count, spent in session.execute(stmt)]
    return CustomerPage(rows=rows, total=total, page=page, pages=pages)


def customer_summary(session: Session, customer_id: int, base_currency: str) -> CustomerSummary | None:
    stmt = _summaries(base_currency).where(Customer.id == customer_id).options(selectinload(Customer.addresses))
    row = session.execute(stmt).first()
    return CustomerSummary(*row) if row else None


def customer_orders(session: Session, customer: Customer) -> list[Order]:
    """Their orders, newest first: paid ones are linked to them, unpaid ones are found by e-mail."""
    return list(session.scalars(
        select(Order).where(or_(Order.customer_id == customer.id, func.lower(Order.email) == customer.email.lower()))
        .order_by(Order.created_at.desc(), Order.id.desc())))
