"""E-mail marketing in the browser: the footer sign-up, the double opt-in link, one-click unsubscribe, the
admin's subscriber list and export, and the abandoned-checkout e-mail's link that brings a cart back and is
credited with the order that follows."""
from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from storefront.domain.marketing import abandoned, newsletter
from storefront.models import (
    Campaign,
    Customer,
    InventoryLevel,
    Order,
    PaymentStatus,
    Subscriber,
    SubscriberStatus,
    Visit,
    utcnow,
)
from tests.fakes.stripe import STRIPE_TEST_SECRET_KEY, signed_event, webhook_headers
from tests.fixtures.admin import table_rows
from tests.fixtures.factories import make_image, make_product, make_shipping_zone

SHOP = "https://shop.example"
SAME_SITE = {"Origin": "http://localhost"}
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"}
GERMANY = {"CF-IPCountry": "DE"}
XHR = {"X-Requested-With": "XMLHttpRequest"}


@pytest.fixture
def mailbox(app, monkeypatch, tmp_path, smtp_server):
    """The shop lives at https://shop.example and sends through the fake SMTP server."""
    monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(
        app.config["CLIPPER"], instance_path=tmp_path, mail_url=smtp_server.url, public_url=SHOP))
    return smtp_server.messages


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message, pattern: str) -> str:
    """The root-relative path of the first link matching `pattern` in the e-mail's text."""
    return urlsplit(re.search(rf"{SHOP}\S*{pattern}\S+", text_of(message)).group(0)).path


def sign_up(client, prefix="", **fields):
    data = {"email": "anna@example.de", "consent": "yes", "source": "footer", "return_to": f"{prefix}/"} | fields
    return client.post(f"{prefix}/newsletter/subscribe", data={k: v for k, v in data.items() if v is not None},
                       headers=SAME_SITE)


def subscriber(db, email="anna@example.de") -> Subscriber | None:
    db.session.expire_all()
    return db.session.scalar(select(Subscriber).where(Subscriber.email == email))


# -- the footer form and double opt-in -------------------------------------------------------------------------
def test_every_page_footer_offers_the_newsletter_with_an_unticked_consent_box(client, store):
    for prefix in ("", "/de"):
        html = client.get(f"{prefix}/").get_data(as_text=True)
        form = re.search(r'<form class="newsletter-form".*?</form>', html, re.S).group(0)
        assert f'action="{prefix}/newsletter/subscribe"' in form
        consent = re.search(r'<input[^>]*name="consent"[^>]*>', form).group(0)
        assert 'type="checkbox"' in consent and "checked" not in consent
        assert f'href="{prefix}/pages/privacy"' in form
        assert "csrf_token" not in form  # pages are cached for everyone: no per-visitor token


def test_signing_up_sends_a_link_that_confirms_the_subscription(client, db, store, mailbox):
    response = sign_up(client)

    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    assert subscriber(db).status is SubscriberStatus.PENDING
    [message] = mailbox
    assert message["To"] == "anna@example.de"
    confirm = link_in(message, "/newsletter/confirm/")

    page = client.get(confirm)

    assert page.status_code == 200 and "You are subscribed" in page.get_data(as_text=True)
    assert subscriber(db).status is SubscriberStatus.CONFIRMED


def test_a_german_shopper_gets_the_link_to_the_german_shop(client, db, store, mailbox):
    response = sign_up(client, "/de")

    assert response.status_code == 200 and '<html lang="de">' in response.get_data(as_text=True)
    assert link_in(mailbox[0], "/newsletter/confirm/").startswith("/de/newsletter/confirm/")
    assert subscriber(db).locale == "de"


def test_without_consent_the_form_comes_back_and_says_why(client, db, store, mailbox):
    response = sign_up(client, consent=None, email="anna@example.de")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please tick the box to agree to receive our newsletter." in html
    assert 'value="anna@example.de"' in html
    assert subscriber(db) is None and mailbox == []
    german = sign_up(client, "/de", consent="")
    assert german.status_code == 422 and '<html lang="de">' in german.get_data(as_text=True)


def test_an_invalid_address_is_refused_with_422(client, db, store, mailbox):
    response = sign_up(client, email="not an address")

    assert response.status_code == 422
    assert "Please enter a valid e-mail address." in response.get_data(as_text=True)
    assert mailbox == []


def test_the_sign_up_answers_json_when_asked(client, db, store, mailbox):
    ok = client.post("/newsletter/subscribe", json={"email": "json@example.com", "consent": True},
                     headers={**XHR, "Accept": "application/json"})
    refused = client.post("/newsletter/subscribe", json={"email": "json2@example.com", "consent": False},
                          headers={**XHR, "Accept": "application/json"})

    assert ok.status_code == 200 and ok.get_json()["status"] == "pending"
    assert refused.status_code == 422
    assert refused.get_json() == {"status": 422, "message": "Newsletter",
                                  "description": "Please tick the box to agree to receive our newsletter."}
    assert [m["To"] for m in mailbox] == ["json@example.com"]


def test_a_landing_pages_sign_up_remembers_its_campaign_and_ignores_made_up_ones(client, db, store, mailbox):
    campaign = Campaign(name="Spring drop")
    db.session.add(campaign)
    db.session.flush()

    assert sign_up(client, campaign=str(campaign.id), source="landing").status_code == 200
    assert sign_up(client, email="bob@example.com", campaign="999999").status_code == 200

    assert (subscriber(db).campaign_id, subscriber(db).source) == (campaign.id, "landing")
    assert subscriber(db, "bob@example.com").campaign_id is None


def test_a_sign_up_posted_from_another_site_is_refused(client, db, store, mailbox):
    response = client.post("/newsletter/subscribe", data={"email": "victim@example.com", "consent": "yes"},
                           headers={"Origin": "https://evil.example"})

    assert response.status_code == 403
    assert subscriber(db, "victim@example.com") is None and mailbox == []


def test_a_subscribed_address_sees_the_same_answer_and_gets_no_second_email(client, db, store, mailbox):
    sign_up(client)
    client.get(link_in(mailbox[0], "/newsletter/confirm/"))

    again = sign_up(client)

    assert again.status_code == 200 and "Check your inbox" in again.get_data(as_text=True)
    assert len(mailbox) == 1


def test_an_unknown_confirmation_link_shows_a_404_page(client, db, store):
    response = client.get("/newsletter/confirm/no-such-token")

    assert response.status_code == 404
    assert "This link is not valid." in response.get_data(as_text=True)


def test_an_expired_confirmation_link_shows_a_404_page_that_says_so(client, db, store, mailbox):
    sign_up(client)
    pending = subscriber(db)
    pending.updated_at = utcnow() - timedelta(days=8)
    db.session.flush()

    response = client.get(f"/newsletter/confirm/{pending.confirm_token}")

    assert response.status_code == 404
    assert "This confirmation link has expired." in response.get_data(as_text=True)
    assert subscriber(db).status is SubscriberStatus.PENDING


# -- unsubscribing ---------------------------------------------------------------------------------------------
@pytest.fixture
def anna(db, store):
    db.session.add_all([Subscriber(email="anna@example.de", status=SubscriberStatus.CONFIRMED, locale="de"),
                        Customer(email="anna@example.de", accepts_marketing=True)])
    db.session.flush()


def test_the_unsubscribe_link_asks_then_unsubscribes_with_one_button(client, db, anna):
    path = f"/de/newsletter/unsubscribe/{newsletter.unsubscribe_token('anna@example.de')}"

    page = client.get(path)
    assert page.status_code == 200
    assert "anna@example.de" in page.get_data(as_text=True) and f'action="{path}"' in page.get_data(as_text=True)
    assert subscriber(db).status is SubscriberStatus.CONFIRMED  # opening the page (or a link scanner) is not enough

    done = client.post(path)

    assert done.status_code == 200 and "Sie wurden abgemeldet" in done.get_data(as_text=True)  # the shopper's German
    assert subscriber(db).status is SubscriberStatus.UNSUBSCRIBED
    assert db.session.scalar(select(Customer)).accepts_marketing is False


def test_one_click_unsubscribe_from_the_mail_program_works_without_a_csrf_token(client, db, anna):
    response = client.post(f"/newsletter/unsubscribe/{newsletter.unsubscribe_token('anna@example.de')}",
                           data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert subscriber(db).status is SubscriberStatus.UNSUBSCRIBED


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_unsubscribe_link_is_not_found_and_changes_nothing(client, db, anna, method):
    token = newsletter.unsubscribe_token("anna@example.de", secret_key="a-forger-guessing-the-key-0123456789abc")

    response = getattr(client, method)(f"/newsletter/unsubscribe/{token}")

    assert response.status_code == 404
    assert subscriber(db).status is SubscriberStatus.CONFIRMED


# -- the admin's list and export -----------------------------------------------------------------------------------
def test_staff_see_the_subscribers_and_export_them(admin_client, db, anna):
    db.session.add(Subscriber(email="bob@example.com", status=SubscriberStatus.PENDING, locale="en", source="footer"))
    db.session.flush()

    html = admin_client.get("/admin/marketing/subscribers?status=confirmed").get_data(as_text=True)
    export = admin_client.get("/admin/marketing/subscribers/export.csv")

    assert [row[0] for row in table_rows(html, "subscribers")] == ["anna@example.de"]
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert sorted((r["email"], r["status"]) for r in rows) == [("anna@example.de", "confirmed"),
                                                               ("bob@example.com", "pending")]


def test_staff_without_customer_access_cannot_see_subscribers(staff_client, db, anna):
    shop_staff = staff_client("staff")

    assert shop_staff.get("/admin/marketing/subscribers").status_code == 403
    assert shop_staff.get("/admin/marketing/subscribers/export.csv").status_code == 403


# -- the abandoned-checkout e-mail ----------------------------------------------------------------------------------
@pytest.fixture
def stripe_shop(app, db, markets, fake_stripe, monkeypatch, mailbox):
    monkeypatch.setitem(app.config, "CLIPPER", dataclasses.replace(
        app.config["CLIPPER"], stripe_secret_key=STRIPE_TEST_SECRET_KEY, stripe_api_base=fake_stripe.base_url,
        stripe_webhook_secret=fake_stripe.webhook_secret))
    make_shipping_zone(db.session, "Europe", ["DE", "FR", "AT"], "EUR")
    tee = make_product(db.session, title="Crew Tee", translations={"de": "Rundhals-Shirt"}, stock=5,
                       variants=[{"price": 2000}])
    make_image(db.session, tee)
    return {"tee": tee}


def add_to_cart(client, variant, quantity=1) -> None:
    response = client.post("/de/cart/add.js", json={"id": variant.id, "quantity": quantity}, headers={**XHR, **GERMANY})
    assert response.status_code == 200


def checkout(client) -> Order:
    html = client.get("/de/cart", headers=GERMANY).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/de/checkout", data={"csrf_token": token}, headers=GERMANY).status_code in (302, 303)
    return newest_order(client.application)


def newest_order(app) -> Order:
    from storefront.extensions import db

    db.session.expire_all()
    return db.session.scalars(select(Order).order_by(Order.id.desc())).first()


def abandon(client, fake_stripe, order, email="kunde@example.de"):
    """Stripe expires the session after the shopper typed their e-mail and left."""
    stale = {**fake_stripe.session(order.stripe_checkout_session_id), "status": "expired",
             "customer_details": {"email": email}}
    event = signed_event("checkout.session.expired", stale, secret=fake_stripe.webhook_secret)
    assert client.post("/webhooks/stripe", data=event.payload, headers=webhook_headers(event)).status_code == 200


def recovery_email(db, mailbox) -> str:
    """Run the job as it would run two hours later; the path of the link in the one e-mail sent."""
    assert abandoned.send_abandoned_checkout_emails(db.session, now=utcnow() + timedelta(hours=2)) == 1
    [message] = mailbox
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return link_in(message, "/cart/recover/")


def test_the_emails_link_brings_the_cart_back_and_the_order_that_follows_is_credited_to_it(
        app, client, db, stripe_shop, fake_stripe, mailbox):
    add_to_cart(client, stripe_shop["tee"].variants[0], 2)
    abandon(client, fake_stripe, checkout(client))
    link = recovery_email(db, mailbox)
    assert link.startswith("/de/cart/recover/")

    phone = app.test_client()  # the shopper opens the e-mail on another device
    arrival = phone.get(link, headers={**BROWSER, **GERMANY})

    assert arrival.status_code == 303 and arrival.headers["Location"] == "/de/cart"
    assert phone.get_cookie("cart") is not None and phone.get_cookie("clipper_vid") is not None
    cart_page = phone.get("/de/cart", headers={**BROWSER, **GERMANY}).get_data(as_text=True)
    assert "Rundhals-Shirt" in cart_page and 'value="2"' in cart_page
    campaign = db.session.scalar(select(Campaign).where(Campaign.utm_campaign == "abandoned-checkout"))
    [visit] = db.session.scalars(select(Visit)).all()
    assert (visit.campaign_id, visit.utm_medium, visit.landing_path) == (campaign.id, "email", "/de/cart")

    order = checkout(phone)
    paid = fake_stripe.complete_session(order.stripe_checkout_session_id, shipping_rate=0)
    phone.post("/webhooks/stripe", data=paid.payload, headers=webhook_headers(paid))

    order = newest_order(app)
    assert order.payment_status is PaymentStatus.PAID and order.email == "kunde@example.de"
    assert order.last_touch_campaign_id == campaign.id


def test_a_shopper_who_asks_not_to_be_tracked_gets_the_cart_back_without_a_visit(app, client, db, stripe_shop,
                                                                                  fake_stripe, mailbox):
    add_to_cart(client, stripe_shop["tee"].variants[0])
    abandon(client, fake_stripe, checkout(client))
    link = recovery_email(db, mailbox)

    phone = app.test_client()
    arrival = phone.get(link, headers={**BROWSER, **GERMANY, "DNT": "1"})

    assert arrival.status_code == 303 and phone.get_cookie("clipper_vid") is None
    assert "Rundhals-Shirt" in phone.get("/de/cart", headers=GERMANY).get_data(as_text=True)
    assert db.session.scalars(select(Visit)).all() == []


def test_an_item_sold_out_since_is_explained_on_the_cart_page(app, client, db, stripe_shop, fake_stripe, mailbox):
    add_to_cart(client, stripe_shop["tee"].variants[0])
    abandon(client, fake_stripe, checkout(client))
    link = recovery_email(db, mailbox)
    variant = stripe_shop["tee"].variants[0]
    level = db.session.scalar(select(InventoryLevel).where(InventoryLevel.variant_id == variant.id))
    level.on_hand = 0
    db.session.flush()

    phone = app.test_client()
    arrival = phone.get(link, headers={**BROWSER, **GERMANY})

    target = urlsplit(arrival.headers["Location"])
    assert target.path == "/de/cart" and parse_qs(target.query)["error"] == ["sold_out"]
    page = phone.get(arrival.headers["Location"], headers=GERMANY).get_data(as_text=True)
    alert = re.search(r'<p class="notice notice--error" role="alert">([^<]*)</p>', page).group(1)
    assert alert == "Rundhals-Shirt ist ausverkauft."
    assert "Ihr Warenkorb ist leer." in page


def test_a_forged_recovery_link_is_not_found(client, db, stripe_shop):
    response = client.get("/de/cart/recover/forged-token", headers=BROWSER)

    assert response.status_code == 404
    assert client.get_cookie("cart") is None


def test_the_link_of_an_order_paid_since_opens_the_order_page(app, client, db, stripe_shop, fake_stripe, mailbox):
    add_to_cart(client, stripe_shop["tee"].variants[0])
    order = checkout(client)
    abandon(client, fake_stripe, order)
    link = recovery_email(db, mailbox)
    order = newest_order(app)
    order.payment_status, order.paid_at = PaymentStatus.PAID, utcnow()
    db.session.flush()

    response = app.test_client().get(link, headers=BROWSER)

    assert response.status_code == 303 and response.headers["Location"] == f"/de/orders/{order.token}"
