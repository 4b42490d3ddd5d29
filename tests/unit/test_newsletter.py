"""Newsletter: sign-up with consent and double opt-in (over real SMTP), unsubscribe links that cannot be forged,
List-Unsubscribe headers and the subscriber export."""
from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from storefront.domain.marketing import newsletter
from storefront.domain.marketing.newsletter import NewsletterError, NewsletterErrorCode
from storefront.models import Customer, Subscriber, SubscriberStatus
from tests.fixtures.mail import SHOP, html_of, text_of

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def confirm_link(message) -> str:
    return re.search(r"https://shop\.example/\S+/newsletter/confirm/\S+|https://shop\.example/newsletter/confirm/\S+",
                     text_of(message)).group(0)


def sign_up(db, email="anna@example.de", *, locale="de", consent=True, now=NOW, **kwargs) -> Subscriber:
    with time_machine.travel(now, tick=False):
        return newsletter.subscribe(db.session, email, locale=locale, source="footer", consent=consent, **kwargs)


def test_sign_up_waits_for_the_link_in_the_confirmation_email_in_the_shoppers_language(db, store, outbox):
    subscriber = sign_up(db, " Anna@Example.DE ")

    assert (subscriber.email, subscriber.status, subscriber.locale) == ("anna@example.de", SubscriberStatus.PENDING,
                                                                        "de")
    [message] = outbox
    assert message["To"] == "anna@example.de"
    assert "Test Shop" in message["Subject"]
    assert confirm_link(message) == f"{SHOP}/de/newsletter/confirm/{subscriber.confirm_token}"
    assert f'href="{SHOP}/de/newsletter/confirm/{subscriber.confirm_token}"' in html_of(message)
    assert '<html lang="de">' in html_of(message)
    # The double opt-in e-mail is not marketing: no unsubscribe headers.
    assert message["List-Unsubscribe"] is None


def test_confirming_subscribes_and_records_the_customers_consent(db, store, outbox):
    customer = Customer(email="anna@example.de", accepts_marketing=False)
    db.session.add(customer)
    subscriber = sign_up(db)

    newsletter.confirm(db.session, subscriber.confirm_token, now=NOW + timedelta(hours=2))

    assert subscriber.status is SubscriberStatus.CONFIRMED
    assert subscriber.confirmed_at == NOW + timedelta(hours=2)
    assert customer.accepts_marketing is True
    assert customer.marketing_consent_at == NOW + timedelta(hours=2)
    assert customer.marketing_consent_source == "newsletter double opt-in"


def test_confirming_twice_changes_nothing(db, store, outbox):
    subscriber = sign_up(db)
    newsletter.confirm(db.session, subscriber.confirm_token, now=NOW + timedelta(hours=1))

    newsletter.confirm(db.session, subscriber.confirm_token, now=NOW + timedelta(hours=5))

    assert subscriber.confirmed_at == NOW + timedelta(hours=1)


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 300])
def test_an_unknown_confirmation_link_is_refused(db, store, outbox, token):
    sign_up(db)

    with pytest.raises(NewsletterError) as refused:
        newsletter.confirm(db.session, token)

    assert refused.value.code is NewsletterErrorCode.UNKNOWN_LINK and refused.value.status == 404


def test_a_confirmation_link_expires_after_seven_days_and_signing_up_again_sends_a_new_one(db, store, outbox):
    subscriber = sign_up(db)
    old_token = subscriber.confirm_token

    with pytest.raises(NewsletterError) as refused:
        newsletter.confirm(db.session, old_token, now=NOW + timedelta(days=7, minutes=1))
    assert refused.value.code is NewsletterErrorCode.EXPIRED_LINK
    assert subscriber.status is SubscriberStatus.PENDING

    sign_up(db, now=NOW + timedelta(days=8))
    assert subscriber.confirm_token != old_token
    assert len(outbox) == 2 and confirm_link(outbox[1]).endswith(subscriber.confirm_token)
    newsletter.confirm(db.session, subscriber.confirm_token, now=NOW + timedelta(days=8, hours=1))
    assert subscriber.status is SubscriberStatus.CONFIRMED


def test_without_consent_nobody_is_signed_up_and_no_email_goes(db, store, outbox):
    with pytest.raises(NewsletterError) as refused:
        sign_up(db, consent=False)

    assert refused.value.code is NewsletterErrorCode.CONSENT_REQUIRED and refused.value.status == 422
    assert newsletter.find_subscriber(db.session, "anna@example.de") is None
    assert outbox == []


@pytest.mark.parametrize("email", ["", "anna", "anna@", "anna @example.de", "a@b"])
def test_an_invalid_address_is_refused(db, store, outbox, email):
    with pytest.raises(NewsletterError) as refused:
        sign_up(db, email)

    assert refused.value.code is NewsletterErrorCode.INVALID_EMAIL
    assert outbox == []


def test_signing_up_again_while_pending_resends_at_most_every_ten_minutes(db, store, outbox):
    subscriber = sign_up(db)
    token = subscriber.confirm_token

    assert sign_up(db, now=NOW + timedelta(minutes=9)) is subscriber
    assert len(outbox) == 1

    sign_up(db, now=NOW + timedelta(minutes=11), locale="fr")
    assert len(outbox) == 2
    assert subscriber.confirm_token == token  # the first e-mail's link keeps working
    assert confirm_link(outbox[1]) == f"{SHOP}/fr/newsletter/confirm/{token}"
    assert subscriber.locale == "fr"


def test_a_confirmed_address_gets_no_second_email(db, store, outbox):
    subscriber = sign_up(db)
    newsletter.confirm(db.session, subscriber.confirm_token, now=NOW + timedelta(minutes=1))

    again = sign_up(db, now=NOW + timedelta(days=1))

    assert again is subscriber and again.status is SubscriberStatus.CONFIRMED
    assert len(outbox) == 1


def test_unsubscribing_stops_marketing_and_withdraws_the_customers_consent(db, store, outbox):
    customer = Customer(email="anna@example.de")
    db.session.add(customer)
    subscriber = sign_up(db)
    newsletter.confirm(db.session, subscriber.confirm_token, now=NOW + timedelta(minutes=1))

    newsletter.unsubscribe(db.session, newsletter.unsubscribe_token("ANNA@example.de"), now=NOW + timedelta(days=3))

    assert subscriber.status is SubscriberStatus.UNSUBSCRIBED
    assert subscriber.unsubscribed_at == NOW + timedelta(days=3)
    assert customer.accepts_marketing is False
    assert newsletter.has_opted_out(db.session, "anna@example.de")
    # The old confirmation link does not sign them up again.
    with pytest.raises(NewsletterError):
        newsletter.confirm(db.session, subscriber.confirm_token or "gone", now=NOW + timedelta(days=3))


def test_an_address_that_never_signed_up_can_still_opt_out(db, store):
    newsletter.unsubscribe(db.session, newsletter.unsubscribe_token("buyer@example.com"), now=NOW)

    subscriber = newsletter.find_subscriber(db.session, "buyer@example.com")
    assert subscriber.status is SubscriberStatus.UNSUBSCRIBED
    assert newsletter.has_opted_out(db.session, "buyer@example.com")


def test_a_forged_unsubscribe_link_changes_nothing(db, store, outbox):
    subscriber = sign_up(db)
    newsletter.confirm(db.session, subscriber.confirm_token, now=NOW)
    genuine = newsletter.unsubscribe_token("anna@example.de")
    forged = [newsletter.unsubscribe_token("anna@example.de", secret_key="someone-elses-secret-" * 3),
              genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"), "anna@example.de", ""]

    for token in forged:
        with pytest.raises(NewsletterError) as refused:
            newsletter.unsubscribe(db.session, token)
        assert refused.value.code is NewsletterErrorCode.UNKNOWN_LINK

    assert subscriber.status is SubscriberStatus.CONFIRMED


def test_signing_up_after_unsubscribing_asks_for_confirmation_again(db, store, outbox):
    subscriber = sign_up(db)
    newsletter.confirm(db.session, subscriber.confirm_token, now=NOW)
    newsletter.unsubscribe(db.session, newsletter.unsubscribe_token("anna@example.de"), now=NOW + timedelta(days=1))

    sign_up(db, now=NOW + timedelta(days=1, minutes=1))

    assert subscriber.status is SubscriberStatus.PENDING and subscriber.confirm_token
    assert len(outbox) == 2


def test_list_unsubscribe_headers_point_to_the_one_click_link(db, store, outbox):
    headers = newsletter.list_unsubscribe_headers("Anna@example.de", locale="ja")

    token = newsletter.unsubscribe_token("anna@example.de")
    assert headers == {"List-Unsubscribe": f"<{SHOP}/ja/newsletter/unsubscribe/{token}>",
                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert newsletter.email_for_unsubscribe_token(token) == "anna@example.de"


def test_the_export_lists_subscribers_with_iso_times_and_filters_by_status(db, store, outbox):
    anna = sign_up(db, "anna@example.de")
    newsletter.confirm(db.session, anna.confirm_token, now=NOW + timedelta(hours=1))
    sign_up(db, "bob@example.com", locale="en", now=NOW + timedelta(minutes=5))
    sign_up(db, "=cmd@example.com", locale="en", now=NOW + timedelta(minutes=6))

    rows = list(csv.DictReader(io.StringIO(newsletter.subscribers_csv(db.session))))

    assert [r["email"] for r in rows] == ["anna@example.de", "bob@example.com", "'=cmd@example.com"]
    assert rows[0] == {"email": "anna@example.de", "locale": "de", "status": "confirmed", "source": "footer",
                       "campaign": "", "subscribed_at": "2026-03-02T09:00:00+00:00",
                       "confirmed_at": "2026-03-02T10:00:00+00:00", "unsubscribed_at": ""}
    confirmed = list(csv.DictReader(io.StringIO(newsletter.subscribers_csv(db.session, "confirmed"))))
    assert [r["email"] for r in confirmed] == ["anna@example.de"]
