"""The Stripe gateway against the local fake Stripe, over real HTTP: sessions, coupons, refunds, webhooks."""
from __future__ import annotations

import json
import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from storefront.integrations.stripe_gateway import (
    GatewayError,
    GatewayErrorCode,
    InvalidWebhook,
    StripeGateway,
    sign_payload,
)
from storefront.integrations.stripe_gateway.fake import ControlError
from tests.fakes.stripe import STRIPE_TEST_SECRET_KEY, STRIPE_TEST_WEBHOOK_SECRET, signed_event


def make_checkout_params(**overrides) -> dict:
    """Stripe Checkout parameters for a two-item euro order shipped to Germany or France."""
    params = {
        "mode": "payment",
        "success_url": "http://shop.test/checkout/success?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "http://shop.test/cart",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 2490,
                    "product_data": {"name": "Linen shirt – M / Sand", "metadata": {"variant_id": "41"}},
                },
                "quantity": 2,
            },
            {
                "price_data": {"currency": "eur", "unit_amount": 1500, "product_data": {"name": "Canvas tote"}},
                "quantity": 1,
            },
        ],
        "shipping_options": [
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": "Standard",
                    "fixed_amount": {"amount": 490, "currency": "eur"},
                    "delivery_estimate": {
                        "minimum": {"unit": "business_day", "value": 5},
                        "maximum": {"unit": "business_day", "value": 8},
                    },
                }
            },
            {
                "shipping_rate_data": {
                    "type": "fixed_amount",
                    "display_name": "Express",
                    "fixed_amount": {"amount": 1990, "currency": "eur"},
                    "delivery_estimate": {
                        "minimum": {"unit": "business_day", "value": 1},
                        "maximum": {"unit": "business_day", "value": 2},
                    },
                }
            },
        ],
        "shipping_address_collection": {"allowed_countries": ["DE", "FR"]},
        "customer_email": "erika@example.de",
        "client_reference_id": "order-token-abc",
        "metadata": {"order_number": "1001"},
        "locale": "de",
    }
    params.update(overrides)
    return params


def paid_session(gateway: StripeGateway, fake_stripe, **overrides):
    session = gateway.create_checkout_session(make_checkout_params(**overrides), idempotency_key="paid-session")
    fake_stripe.complete_session(session.id)
    return gateway.retrieve_checkout_session(session.id)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- Checkout Sessions ---------------------------------------------------------------------------


def test_shopper_gets_a_payment_page_for_the_items_shipping_and_details_we_sent(stripe_gateway, fake_stripe):
    session = stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")

    assert session.id.startswith("cs_test_")
    assert session.url == f"{fake_stripe.base_url}/pay/{session.id}"
    assert (session.status, session.payment_status, session.currency) == ("open", "unpaid", "eur")
    assert session.raw["amount_subtotal"] == 2 * 2490 + 1500
    assert session.amount_total == 2 * 2490 + 1500 + 490  # Stripe preselects the first shipping option
    assert 23 * 3600 < session.expires_at.timestamp() - time.time() <= 24 * 3600
    assert stripe_gateway.retrieve_checkout_session(session.id) == session

    stored = fake_stripe.session(session.id)
    items = stored["line_items"]["data"]
    assert [(i["description"], i["quantity"], i["price"]["unit_amount"]) for i in items] == [
        ("Linen shirt – M / Sand", 2, 2490),
        ("Canvas tote", 1, 1500),
    ]
    assert items[0]["price"]["product"]["metadata"] == {"variant_id": "41"}
    rates = [option["shipping_rate"] for option in stored["shipping_options"]]
    assert [(r["display_name"], r["fixed_amount"]["amount"]) for r in rates] == [("Standard", 490), ("Express", 1990)]
    assert rates[1]["delivery_estimate"]["maximum"] == {"unit": "business_day", "value": 2}
    assert stored["shipping_address_collection"] == {"allowed_countries": ["DE", "FR"]}
    assert (stored["customer_email"], stored["client_reference_id"], stored["locale"]) == (
        "erika@example.de", "order-token-abc", "de",
    )
    assert stored["metadata"] == {"order_number": "1001"}


def test_a_session_with_a_chosen_expiry_expires_then(stripe_gateway):
    expires_at = int(time.time()) + 3600
    session = stripe_gateway.create_checkout_session(
        make_checkout_params(expires_at=expires_at), idempotency_key="order-1002"
    )
    assert session.expires_at.timestamp() == expires_at


def test_a_session_expiring_in_ten_minutes_is_refused(stripe_gateway):
    with pytest.raises(GatewayError) as error:
        stripe_gateway.create_checkout_session(
            make_checkout_params(expires_at=int(time.time()) + 600), idempotency_key="order-1003"
        )
    assert (error.value.code, error.value.param) == (GatewayErrorCode.INVALID_REQUEST, "expires_at")


def test_retrying_with_the_same_idempotency_key_returns_the_same_session(stripe_gateway, fake_stripe):
    first = stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")
    again = stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")

    assert again.id == first.id
    assert len(fake_stripe.sessions()) == 1


def test_reusing_an_idempotency_key_for_a_different_cart_is_a_conflict(stripe_gateway, fake_stripe):
    stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")

    with pytest.raises(GatewayError) as error:
        stripe_gateway.create_checkout_session(
            make_checkout_params(customer_email="other@example.com"), idempotency_key="order-1001"
        )
    assert error.value.code is GatewayErrorCode.IDEMPOTENCY_CONFLICT
    assert len(fake_stripe.sessions()) == 1


def _without(params: dict, path: list) -> dict:
    node = params
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return params


@pytest.mark.parametrize(
    ("path", "param"),
    [
        (["mode"], "mode"),
        (["success_url"], "success_url"),
        (["cancel_url"], "cancel_url"),
        (["line_items"], "line_items"),
        (["line_items", 1, "quantity"], "line_items[1][quantity]"),
        (["line_items", 0, "price_data", "currency"], "line_items[0][price_data][currency]"),
        (["line_items", 0, "price_data", "unit_amount"], "line_items[0][price_data][unit_amount]"),
        (["line_items", 0, "price_data", "product_data", "name"], "line_items[0][price_data][product_data][name]"),
        (
            ["shipping_options", 1, "shipping_rate_data", "display_name"],
            "shipping_options[1][shipping_rate_data][display_name]",
        ),
    ],
)
def test_a_missing_required_parameter_is_an_invalid_request_naming_it(stripe_gateway, fake_stripe, path, param):
    with pytest.raises(GatewayError) as error:
        stripe_gateway.create_checkout_session(_without(make_checkout_params(), path), idempotency_key=f"k-{param}")

    assert error.value.code is GatewayErrorCode.INVALID_REQUEST
    assert error.value.param == param
    assert "Missing required param" in error.value.message
    assert fake_stripe.sessions() == []


@pytest.mark.parametrize(
    ("overrides", "param"),
    [
        ({"locale": "zh-CN"}, "locale"),  # Stripe says "zh"
        ({"mode": "subscription"}, "mode"),
        ({"success_url": "/checkout/success"}, "success_url"),
        ({"customer_email": "not-an-address"}, "customer_email"),
        (
            {"shipping_address_collection": {"allowed_countries": ["de"]}},
            "shipping_address_collection[allowed_countries][0]",
        ),
        ({"discounts": [{"coupon": "NO-SUCH-COUPON"}]}, "discounts[0][coupon]"),
        ({"shipping_addres_collection": {"allowed_countries": ["DE"]}}, "shipping_addres_collection"),
    ],
)
def test_parameters_stripe_would_refuse_are_refused(stripe_gateway, overrides, param):
    with pytest.raises(GatewayError) as error:
        stripe_gateway.create_checkout_session(make_checkout_params(**overrides), idempotency_key=f"k-{param}")
    assert (error.value.code, error.value.param) == (GatewayErrorCode.INVALID_REQUEST, param)


def test_line_items_in_two_currencies_are_refused(stripe_gateway):
    params = make_checkout_params()
    params["line_items"][1]["price_data"]["currency"] = "usd"
    with pytest.raises(GatewayError) as error:
        stripe_gateway.create_checkout_session(params, idempotency_key="mixed")
    assert error.value.param == "line_items[1][price_data][currency]"


def test_an_unknown_session_is_not_found(stripe_gateway):
    with pytest.raises(GatewayError) as error:
        stripe_gateway.retrieve_checkout_session("cs_test_doesnotexist")
    assert error.value.code is GatewayErrorCode.NOT_FOUND


def test_an_expired_session_no_longer_takes_payment(stripe_gateway):
    session = stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")

    expired = stripe_gateway.expire_checkout_session(session.id)

    assert (expired.status, expired.url) == ("expired", None)
    page = requests.get(session.url, timeout=5)
    assert page.status_code == 410
    assert "expired" in page.text
    with pytest.raises(GatewayError) as error:
        stripe_gateway.expire_checkout_session(session.id)
    assert error.value.code is GatewayErrorCode.INVALID_REQUEST


# -- Authentication and availability -----------------------------------------------------------


def test_a_wrong_secret_key_is_an_authentication_error(fake_stripe):
    gateway = StripeGateway("pk_test_publishable_by_mistake", api_base=fake_stripe.base_url, max_network_retries=0)
    with pytest.raises(GatewayError) as error:
        gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")
    assert error.value.code is GatewayErrorCode.AUTHENTICATION
    assert error.value.http_status == 401


def test_the_fake_answers_401_without_a_bearer_key(fake_stripe):
    response = requests.post(f"{fake_stripe.base_url}/v1/checkout/sessions", data={"mode": "payment"}, timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_an_unreachable_stripe_is_reported_as_unavailable():
    gateway = StripeGateway(
        STRIPE_TEST_SECRET_KEY, api_base=f"http://127.0.0.1:{closed_port()}", timeout=2, max_network_retries=0
    )
    with pytest.raises(GatewayError) as error:
        gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")
    assert error.value.code is GatewayErrorCode.UNAVAILABLE


# -- Coupons -----------------------------------------------------------------------------------


def test_an_amount_coupon_lowers_the_session_total(stripe_gateway, fake_stripe):
    coupon = stripe_gateway.create_coupon(amount_off=1000, currency="EUR", name="WELCOME10", idempotency_key="c-1")

    session = stripe_gateway.create_checkout_session(
        make_checkout_params(discounts=[{"coupon": coupon}]), idempotency_key="order-1001"
    )

    assert session.raw["total_details"]["amount_discount"] == 1000
    assert session.amount_total == 2 * 2490 + 1500 - 1000 + 490
    assert fake_stripe.session(session.id)["discounts"][0]["coupon"]["name"] == "WELCOME10"


def test_a_percent_coupon_takes_its_share_of_the_items_not_of_shipping(stripe_gateway):
    coupon = stripe_gateway.create_coupon(percent_off=10, name="Spring 10%", idempotency_key="c-2")

    session = stripe_gateway.create_checkout_session(
        make_checkout_params(discounts=[{"coupon": coupon}]), idempotency_key="order-1001"
    )

    assert session.raw["total_details"]["amount_discount"] == 648  # 10 % of 64.80, rounded half up
    assert session.amount_total == 6480 - 648 + 490


@pytest.mark.parametrize(
    ("arguments", "param"),
    [
        ({"amount_off": 500}, "currency"),
        ({}, "amount_off"),
        ({"percent_off": 120}, "percent_off"),
        ({"percent_off": 5, "name": "A coupon name longer than Stripe's forty characters"}, "name"),
    ],
)
def test_a_coupon_stripe_would_refuse_is_an_invalid_request(stripe_gateway, arguments, param):
    arguments = {"name": "Promo", **arguments}
    with pytest.raises(GatewayError) as error:
        stripe_gateway.create_coupon(**arguments, idempotency_key=f"c-{param}")
    assert (error.value.code, error.value.param) == (GatewayErrorCode.INVALID_REQUEST, param)


# -- Refunds -----------------------------------------------------------------------------------


def test_part_of_a_paid_order_can_be_refunded_but_never_more_than_was_paid(stripe_gateway, fake_stripe):
    session = paid_session(stripe_gateway, fake_stripe)
    assert session.amount_total == 6970

    refund = stripe_gateway.create_refund(
        payment_intent=session.payment_intent, amount=2490, reason="requested_by_customer",
        metadata={"order_number": "1001"}, idempotency_key="refund-1",
    )
    assert refund.id.startswith("re_test_")
    assert (refund.status, refund.amount, refund.currency) == ("succeeded", 2490, "eur")

    with pytest.raises(GatewayError) as error:
        stripe_gateway.create_refund(payment_intent=session.payment_intent, amount=4481, idempotency_key="refund-2")
    assert (error.value.code, error.value.param) == (GatewayErrorCode.INVALID_REQUEST, "amount")
    assert "greater than unrefunded amount" in error.value.message

    rest = stripe_gateway.create_refund(payment_intent=session.payment_intent, amount=4480, idempotency_key="refund-3")
    assert rest.amount == 4480


def test_retrying_a_refund_with_its_key_refunds_once(stripe_gateway, fake_stripe):
    session = paid_session(stripe_gateway, fake_stripe)

    first = stripe_gateway.create_refund(payment_intent=session.payment_intent, amount=6970, idempotency_key="r")
    again = stripe_gateway.create_refund(payment_intent=session.payment_intent, amount=6970, idempotency_key="r")

    assert again.id == first.id


def test_an_order_whose_payment_is_still_pending_cannot_be_refunded(stripe_gateway, fake_stripe):
    session = stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")
    fake_stripe.complete_session(session.id, payment_status="unpaid")
    payment_intent = stripe_gateway.retrieve_checkout_session(session.id).payment_intent

    with pytest.raises(GatewayError) as error:
        stripe_gateway.create_refund(payment_intent=payment_intent, amount=100, idempotency_key="refund-1")
    assert error.value.code is GatewayErrorCode.INVALID_REQUEST


def test_refunding_an_unknown_payment_is_refused(stripe_gateway):
    with pytest.raises(GatewayError) as error:
        stripe_gateway.create_refund(payment_intent="pi_test_unknown", amount=100, idempotency_key="refund-1")
    assert (error.value.code, error.value.param) == (GatewayErrorCode.INVALID_REQUEST, "payment_intent")


# -- Webhook signatures ------------------------------------------------------------------------


def test_a_correctly_signed_webhook_is_accepted(stripe_gateway):
    signed = signed_event("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session"})

    event = stripe_gateway.construct_event(signed.payload, signed.signature)

    assert event["type"] == "checkout.session.completed"
    assert event["id"] == signed.event["id"]
    assert event["data"]["object"]["id"] == "cs_test_1"


def test_a_webhook_signed_with_another_secret_is_refused(stripe_gateway):
    forged = signed_event("checkout.session.completed", {"id": "cs_test_1"}, secret="whsec_attacker")
    with pytest.raises(InvalidWebhook):
        stripe_gateway.construct_event(forged.payload, forged.signature)


def test_a_webhook_whose_body_was_altered_after_signing_is_refused(stripe_gateway):
    signed = signed_event("checkout.session.completed", {"id": "cs_test_1", "amount_total": 6970})
    tampered = signed.payload.replace(b"6970", b"1")
    with pytest.raises(InvalidWebhook):
        stripe_gateway.construct_event(tampered, signed.signature)


def test_a_replayed_webhook_older_than_five_minutes_is_refused(stripe_gateway):
    stale = signed_event("checkout.session.completed", {"id": "cs_test_1"}, timestamp=int(time.time()) - 301)
    with pytest.raises(InvalidWebhook):
        stripe_gateway.construct_event(stale.payload, stale.signature)


@pytest.mark.parametrize("payload", [b"{not json", b"[1, 2]", b'{"id": "evt_1"}', b"\xff\xfe"])
def test_a_signed_body_that_is_not_a_stripe_event_is_refused(stripe_gateway, payload):
    signature = sign_payload(payload, STRIPE_TEST_WEBHOOK_SECRET)
    with pytest.raises(InvalidWebhook):
        stripe_gateway.construct_event(payload, signature)


@pytest.mark.parametrize("header", [None, "", "garbage", "t=123"])
def test_a_webhook_without_a_usable_signature_header_is_refused(stripe_gateway, header):
    signed = signed_event("checkout.session.completed", {"id": "cs_test_1"})
    with pytest.raises(InvalidWebhook):
        stripe_gateway.construct_event(signed.payload, header)


def test_without_a_webhook_secret_no_webhook_is_trusted(fake_stripe):
    gateway = StripeGateway(STRIPE_TEST_SECRET_KEY, api_base=fake_stripe.base_url)
    signed = signed_event("checkout.session.completed", {"id": "cs_test_1"})
    with pytest.raises(InvalidWebhook):
        gateway.construct_event(signed.payload, signed.signature)


# -- Hosted checkout page ----------------------------------------------------------------------


def test_the_payment_page_lists_items_shipping_choices_and_allowed_countries(stripe_gateway):
    session = stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")

    page = requests.get(session.url, timeout=5)

    assert page.status_code == 200
    html = page.text
    assert "Linen shirt – M / Sand" in html and "Canvas tote" in html
    assert html.count('type="radio" name="shipping_rate"') == 2
    assert "Express: €19.90, 1–2 business days" in html
    assert 'value="erika@example.de"' in html
    assert '<option value="DE">Germany</option>' in html and '<option value="FR">France</option>' in html
    assert 'value="US"' not in html
    assert ">Pay</button>" in html


def test_paying_on_the_page_completes_the_session_sends_a_signed_webhook_and_returns_to_the_shop(
    stripe_gateway, fake_stripe, webhook_receiver
):
    fake_stripe.webhook_url = webhook_receiver.url
    coupon = stripe_gateway.create_coupon(amount_off=1000, currency="eur", name="WELCOME10", idempotency_key="c-1")
    session = stripe_gateway.create_checkout_session(
        make_checkout_params(discounts=[{"coupon": coupon}]), idempotency_key="order-1001"
    )
    express = fake_stripe.session(session.id)["shipping_options"][1]["shipping_rate"]["id"]

    response = requests.post(session.url, allow_redirects=False, timeout=10, data={
        "shipping_rate": express, "email": "erika@example.de", "name": "Erika Mustermann",
        "line1": "Hauptstraße 1", "city": "Berlin", "postal_code": "10115", "country": "DE",
    })

    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert (location.netloc, location.path) == ("shop.test", "/checkout/success")
    assert parse_qs(location.query) == {"session_id": [session.id]}

    [webhook] = webhook_receiver.received
    assert webhook.path == "/webhooks/stripe"
    event = stripe_gateway.construct_event(webhook.body, webhook.headers["Stripe-Signature"])
    assert event["type"] == "checkout.session.completed"
    assert event["id"].startswith("evt_test_")
    paid = event["data"]["object"]
    assert (paid["id"], paid["status"], paid["payment_status"]) == (session.id, "complete", "paid")
    assert paid["amount_total"] == 6480 - 1000 + 1990
    assert paid["shipping_cost"] == {
        "amount_subtotal": 1990, "amount_tax": 0, "amount_total": 1990, "shipping_rate": express,
    }
    assert paid["payment_intent"].startswith("pi_test_")
    assert paid["customer_details"]["email"] == "erika@example.de"
    assert paid["collected_information"]["shipping_details"] == {
        "name": "Erika Mustermann",
        "address": {"city": "Berlin", "country": "DE", "line1": "Hauptstraße 1", "line2": None,
                    "postal_code": "10115", "state": None},
    }
    assert paid["client_reference_id"] == "order-token-abc"
    assert fake_stripe.events[-1].delivery.ok

    retrieved = stripe_gateway.retrieve_checkout_session(session.id)
    assert (retrieved.status, retrieved.payment_status, retrieved.amount_total) == ("complete", "paid", 7470)
    assert requests.get(session.url, timeout=5).status_code == 410


def test_the_payment_page_explains_what_is_missing_and_takes_no_payment(stripe_gateway, fake_stripe, webhook_receiver):
    fake_stripe.webhook_url = webhook_receiver.url
    session = stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")

    response = requests.post(session.url, allow_redirects=False, timeout=5, data={
        "email": "", "name": "Erika", "line1": "Hauptstraße 1", "city": "Berlin", "postal_code": "10115",
        "country": "US",
    })

    assert response.status_code == 400
    assert 'role="alert"' in response.text
    assert "Enter a valid email address." in response.text
    assert "Choose a country we ship to." in response.text
    assert stripe_gateway.retrieve_checkout_session(session.id).status == "open"
    assert webhook_receiver.received == []


# -- Test controls -----------------------------------------------------------------------------


def test_a_delayed_payment_settles_later_with_its_own_signed_event(stripe_gateway, fake_stripe):
    session = stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")

    completed = requests.post(
        f"{fake_stripe.base_url}/__fake/sessions/{session.id}/complete", data={"payment_status": "unpaid"}, timeout=5
    ).json()
    event = stripe_gateway.construct_event(completed["payload"].encode(), completed["signature"])
    assert (event["type"], event["data"]["object"]["payment_status"]) == ("checkout.session.completed", "unpaid")

    settled = requests.post(
        f"{fake_stripe.base_url}/__fake/sessions/{session.id}/events",
        data={"type": "checkout.session.async_payment_succeeded"}, timeout=5,
    ).json()
    event = stripe_gateway.construct_event(settled["payload"].encode(), settled["signature"])
    assert event["type"] == "checkout.session.async_payment_succeeded"
    assert event["data"]["object"]["payment_status"] == "paid"
    assert settled["delivery"] is None  # no webhook URL: the caller posts it where it wants


def test_a_failed_delayed_payment_leaves_the_session_unpaid(stripe_gateway, fake_stripe):
    session = stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")
    fake_stripe.complete_session(session.id, payment_status="unpaid")

    failed = fake_stripe.emit(session.id, "checkout.session.async_payment_failed")

    assert failed.event["data"]["object"]["payment_status"] == "unpaid"
    with pytest.raises(ControlError, match="already settled"):
        fake_stripe.emit(session.id, "checkout.session.async_payment_succeeded")


def test_a_dashboard_refund_and_a_dispute_arrive_as_charge_events(stripe_gateway, fake_stripe, webhook_receiver):
    fake_stripe.webhook_url = webhook_receiver.url
    session = paid_session(stripe_gateway, fake_stripe, payment_intent_data={"metadata": {"order_number": "1001"}})

    refunded = fake_stripe.emit(session.id, "charge.refunded", amount=1000)
    disputed = fake_stripe.emit(session.id, "charge.dispute.created")

    charge = refunded.event["data"]["object"]
    assert (charge["object"], charge["amount_refunded"], charge["refunded"]) == ("charge", 1000, False)
    assert charge["payment_intent"] == session.payment_intent
    assert charge["metadata"] == {"order_number": "1001"}
    dispute = disputed.event["data"]["object"]
    assert (dispute["object"], dispute["charge"], dispute["status"]) == ("dispute", charge["id"], "needs_response")
    received = [json.loads(webhook.body)["type"] for webhook in webhook_receiver.received]
    assert received == ["checkout.session.completed", "charge.refunded", "charge.dispute.created"]
    with pytest.raises(GatewayError):
        stripe_gateway.create_refund(payment_intent=session.payment_intent, amount=5971, idempotency_key="refund-1")


def test_an_abandoned_session_expires_with_an_event(stripe_gateway, fake_stripe):
    session = stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")

    expired = fake_stripe.emit(session.id, "checkout.session.expired")

    assert expired.event["data"]["object"]["status"] == "expired"
    assert stripe_gateway.retrieve_checkout_session(session.id).status == "expired"


def test_the_controls_list_sessions_and_refuse_what_the_session_state_forbids(stripe_gateway, fake_stripe):
    session = stripe_gateway.create_checkout_session(make_checkout_params(), idempotency_key="order-1001")

    listed = requests.get(f"{fake_stripe.base_url}/__fake/sessions", timeout=5).json()
    assert [s["id"] for s in listed["data"]] == [session.id]
    refused = requests.post(
        f"{fake_stripe.base_url}/__fake/sessions/{session.id}/events", data={"type": "charge.refunded"}, timeout=5
    )
    assert refused.status_code == 400
    assert "not been paid" in refused.json()["error"]["message"]
    unknown = requests.post(f"{fake_stripe.base_url}/__fake/sessions/cs_test_nope/complete", timeout=5)
    assert unknown.status_code == 404
