"""The abandoned-checkout e-mail: who gets it (once, after the delay, in their language, with the unsubscribe
headers), who does not, and where the e-mail address comes from."""
from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from storefront.domain import payments
from storefront.domain.marketing import abandoned, newsletter
from storefront.domain.marketing.abandoned import RecoveryError, RecoveryErrorCode
from storefront.models import Campaign, CampaignChannel, Cart, CartLine, PaymentStatus, utcnow
from tests.fixtures.factories import make_image, make_paid_order, make_product
from tests.fixtures.mail import SHOP, html_of, text_of

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def abandoned_checkout(db, *, email="kunde@example.de", locale="de", created_at=NOW,
                       status=PaymentStatus.EXPIRED, cart_email=None, cart_token=None):
    """An unpaid order of 2 × Linen Tee (19,90 € each) from an open cart, started at `created_at`."""
    tee = make_product(db.session, title="Linen Tee", variants=[{"price": 1990}])
    image = make_image(db.session, tee)
    cart = db.session.scalar(select(Cart).where(Cart.token == cart_token)) if cart_token else None
    if cart is None:
        cart = Cart(token=secrets.token_urlsafe(24), currency="EUR", locale=locale, email=cart_email,
                    lines=[CartLine(variant_id=tee.variants[0].id, quantity=2)])
        db.session.add(cart)
    order = make_paid_order(db.session, [(tee, 2)], email=email, locale=locale, currency="EUR", base_currency="EUR",
                            payment_status=status, paid_at=None, cart_token=cart.token, created_at=created_at,
                            reservation_expires_at=created_at + timedelta(minutes=30))
    return order, cart, image


def run_job_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return abandoned.send_abandoned_checkout_emails_job()


def test_one_email_an_hour_after_the_checkout_expired_in_the_shoppers_language(db, store, outbox):
    order, cart, image = abandoned_checkout(db)

    assert run_job_at(NOW + timedelta(minutes=45)) == 0
    assert outbox == []
    assert run_job_at(NOW + timedelta(minutes=61)) == 1

    [message] = outbox
    assert message["To"] == "kunde@example.de"
    assert "Test Shop" in message["Subject"]
    text, html = text_of(message), html_of(message)
    assert "2 × Linen Tee — 39,80\xa0€" in text
    assert "39,80\xa0€" in html and '<html lang="de">' in html
    recover = re.search(rf"{SHOP}/de/cart/recover/\S+", text).group(0)
    assert f'href="{recover}"' in html
    assert f"{image.key}-360.jpg" in html and f'src="{SHOP}/' in html
    unsubscribe = f"{SHOP}/de/newsletter/unsubscribe/{newsletter.unsubscribe_token('kunde@example.de')}"
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    # As sent, not folded into RFC 2047 encoded words that mail programs would not read.
    assert dict(message.raw_items())["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in text and f'href="{unsubscribe}"' in html
    assert cart.recovery_email_sent_at == NOW + timedelta(minutes=61)
    assert order.events[-1].type == "email_sent" and order.events[-1].data["template"] == "abandoned_checkout"


def test_the_email_goes_once_however_often_the_job_runs(db, store, outbox):
    abandoned_checkout(db)

    run_job_at(NOW + timedelta(hours=2))
    run_job_at(NOW + timedelta(hours=3))

    assert len(outbox) == 1


def test_a_pending_order_whose_reservation_ran_out_counts_too(db, store, outbox):
    abandoned_checkout(db, status=PaymentStatus.PENDING)

    assert run_job_at(NOW + timedelta(hours=2)) == 1


def test_the_carts_email_is_used_when_the_order_has_none(db, store, outbox):
    abandoned_checkout(db, email="", cart_email="cart@example.com")

    run_job_at(NOW + timedelta(hours=2))

    assert [m["To"] for m in outbox] == ["cart@example.com"]


def paid_later(db, order, cart):
    make_paid_order(db.session, [], email=order.email.upper(), paid_at=NOW + timedelta(minutes=50))


def unsubscribed(db, order, cart):
    newsletter.unsubscribe(db.session, newsletter.unsubscribe_token(order.email), now=NOW - timedelta(days=30))


def no_email(db, order, cart):
    order.email = ""


def cart_completed(db, order, cart):
    cart.completed_at = NOW + timedelta(minutes=40)


def back_at_checkout_with_the_same_cart(db, order, cart):
    abandoned_checkout(db, status=PaymentStatus.PENDING, created_at=NOW + timedelta(minutes=100),
                       cart_token=cart.token)


def still_paying(db, order, cart):
    order.payment_status = PaymentStatus.PENDING
    order.reservation_expires_at = NOW + timedelta(hours=3)


def paid(db, order, cart):
    order.payment_status, order.paid_at = PaymentStatus.PAID, NOW + timedelta(minutes=10)


@pytest.mark.parametrize("change", [paid_later, unsubscribed, no_email, cart_completed,
                                    back_at_checkout_with_the_same_cart, still_paying, paid])
def test_no_email_when_the_shopper_paid_opted_out_or_is_still_at_it(db, store, outbox, change):
    order, cart, _ = abandoned_checkout(db)
    change(db, order, cart)
    db.session.flush()

    assert run_job_at(NOW + timedelta(hours=2)) == 0
    assert outbox == []


def test_a_cart_checked_out_twice_gets_one_email_about_its_latest_checkout(db, store, outbox):
    first, cart, _ = abandoned_checkout(db)
    latest, _, _ = abandoned_checkout(db, created_at=NOW + timedelta(minutes=20), cart_token=cart.token)

    run_job_at(NOW + timedelta(hours=2))
    run_job_at(NOW + timedelta(hours=3))

    assert len(outbox) == 1
    assert [e.type for e in latest.events] == ["email_sent"] and first.events == []


def test_checkouts_abandoned_long_ago_are_left_alone(db, store, outbox):
    abandoned_checkout(db, created_at=NOW - timedelta(days=8))

    assert run_job_at(NOW) == 0


def test_stripes_expiry_event_keeps_the_email_the_shopper_typed(db, store, outbox):
    order, cart, _ = abandoned_checkout(db, email="", status=PaymentStatus.PENDING,
                                        created_at=utcnow() - timedelta(hours=2))
    event = {"id": "evt_expired_1", "type": "checkout.session.expired",
             "data": {"object": {"id": "cs_test_1", "object": "checkout.session", "status": "expired",
                                 "client_reference_id": order.token,
                                 "customer_details": {"email": "typed@example.com"}}}}

    assert payments.handle_stripe_event(db.session, event, on_paid=lambda o: None) is payments.Outcome.HANDLED

    db.session.refresh(cart)
    assert (order.payment_status, order.email, cart.email) == (PaymentStatus.EXPIRED, "typed@example.com",
                                                               "typed@example.com")
    assert abandoned.send_abandoned_checkout_emails(db.session) == 1
    assert [m["To"] for m in outbox] == ["typed@example.com"]


def test_an_expiry_event_without_an_email_sends_nothing(db, store, outbox):
    order, cart, _ = abandoned_checkout(db, email="", status=PaymentStatus.PENDING,
                                        created_at=utcnow() - timedelta(hours=2))
    event = {"id": "evt_expired_2", "type": "checkout.session.expired",
             "data": {"object": {"id": "cs_test_2", "client_reference_id": order.token, "customer_details": None}}}

    payments.handle_stripe_event(db.session, event, on_paid=lambda o: None)

    assert order.payment_status is PaymentStatus.EXPIRED and order.email == ""
    assert abandoned.send_abandoned_checkout_emails(db.session) == 0


def test_the_system_campaign_is_created_once(db, store):
    first = abandoned.system_campaign(db.session)
    first.name = "Warenkorb-Erinnerungen"  # staff may rename it

    assert abandoned.system_campaign(db.session) is first
    assert first.channel is CampaignChannel.EMAIL
    assert db.session.scalar(select(func.count(Campaign.id))) == 1


@pytest.mark.parametrize("token", ["", "forged", "x" * 500])
def test_a_forged_recovery_link_finds_no_order(db, store, token):
    abandoned_checkout(db)

    with pytest.raises(RecoveryError) as refused:
        abandoned.order_for_recovery_token(db.session, token)

    assert refused.value.code is RecoveryErrorCode.UNKNOWN_LINK


def test_a_recovery_link_signed_with_another_key_finds_no_order(db, store):
    order, _, _ = abandoned_checkout(db)
    token = abandoned.recovery_token(order, secret_key="another-shops-secret-key-0123456789-abcdef")

    with pytest.raises(RecoveryError):
        abandoned.order_for_recovery_token(db.session, token)
    assert abandoned.order_for_recovery_token(db.session, abandoned.recovery_token(order)) is order
