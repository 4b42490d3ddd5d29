"""Fake Stripe for tests: the local API + hosted checkout server, a gateway wired to it, signed webhooks."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from storefront.integrations.stripe_gateway import StripeGateway
from storefront.integrations.stripe_gateway.fake import FakeStripe, SignedEvent, build_event, sign_event

STRIPE_TEST_SECRET_KEY = "sk_test_clipper_fake"
STRIPE_TEST_WEBHOOK_SECRET = "whsec_test_clipper_fake"


@pytest.fixture
def fake_stripe():
    """A FakeStripe on a free local port; `.base_url` is the API base, `.webhook_url` may be set by the test."""
    fake = FakeStripe(webhook_secret=STRIPE_TEST_WEBHOOK_SECRET)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def stripe_gateway(fake_stripe) -> StripeGateway:
    """The real adapter pointed at the fake, without network retries so failures show at once."""
    return StripeGateway(
        STRIPE_TEST_SECRET_KEY,
        api_base=fake_stripe.base_url,
        webhook_secret=STRIPE_TEST_WEBHOOK_SECRET,
        timeout=5,
        max_network_retries=0,
    )


def signed_event(
    event_type: str,
    data_object: dict[str, Any],
    *,
    secret: str = STRIPE_TEST_WEBHOOK_SECRET,
    timestamp: int | None = None,
) -> SignedEvent:
    """An event as Stripe would POST it: `.payload` (bytes) and `.signature` (Stripe-Signature header)."""
    return sign_event(build_event(event_type, data_object), secret, timestamp)


def webhook_headers(signed: SignedEvent) -> dict[str, str]:
    """Headers for posting `signed.payload` to the shop's webhook endpoint with a test client."""
    return {"Stripe-Signature": signed.signature, "Content-Type": "application/json"}


@dataclass(frozen=True)
class ReceivedWebhook:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """A tiny HTTP server that records every POST, standing in for the shop's webhook endpoint."""

    def __init__(self) -> None:
        self.received: list[ReceivedWebhook] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(ReceivedWebhook(self.path, dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args) -> None:  # keep pytest output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/stripe"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
