"""E-mails to the shopper about their order, in their language (jobs: plain arguments only)."""
from __future__ import annotations

from storefront.domain import mail
from storefront.domain.orders import events
from storefront.domain.orders.queries import find_order_by_token
from storefront.extensions import db


def send_confirmation(order_token: str) -> bool:
    """Job: the order confirmation, once per order (a repeated job finds the event and stops)."""
    order = find_order_by_token(db.session, order_token)
    if order is None or not order.email:
        return False
    if any(e.type == "email_sent" and e.data.get("template") == "order_confirmation" for e in order.events):
        return False
    mail.send_email("order_confirmation", order.email, order.locale, order=order)
    events.email_sent(db.session, order=order, template="order_confirmation", to=order.email)
    return True


def send_refund_notice(order_token: str, amount: int) -> bool:
    order = find_order_by_token(db.session, order_token)
    if order is None or not order.email:
        return False
    mail.send_email("order_refund", order.email, order.locale, order=order, amount=amount)
    events.email_sent(db.session, order=order, template="order_refund", to=order.email)
    return True
