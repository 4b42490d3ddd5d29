"""Stripe, seen from the shop: Checkout Sessions, coupons, refunds and signed webhooks via stripe-python."""
from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import stripe

WEBHOOK_TOLERANCE_SECONDS = 300


class GatewayErrorCode(str, Enum):
    UNAVAILABLE = "unavailable"  # network trouble, Stripe 5xx or rate limit: try again later
    INVALID_REQUEST = "invalid_request"  # Stripe refused the parameters; `param` names the culprit
    NOT_FOUND = "not_found"  # the object in the URL (e.g. a session id) does not exist
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"  # the key was used before with other parameters
    AUTHENTICATION = "authentication"  # the secret key is missing, wrong or lacks the permission


class GatewayError(Exception):
    """Stripe could not do what we asked; `code` says what kind of failure it was."""

    def __init__(
        self, code: GatewayErrorCode, message: str, *, param: str | None = None, http_status: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = GatewayErrorCode(code)
        self.message = message
        self.param = param
        self.http_status = http_status

    def __repr__(self) -> str:
        return f"GatewayError({self.code.value!r}, {self.message!r}, param={self.param!r})"


class InvalidWebhook(Exception):
    """A webhook request that must be refused: bad or missing signature, stale timestamp or not an event."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str | None
    expires_at: datetime
    amount_total: int | None
    currency: str | None
    status: str | None  # open, complete or expired
    payment_status: str  # paid, unpaid or no_payment_required
    payment_intent: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_stripe(cls, session: stripe.checkout.Session) -> CheckoutSession:
        raw = session.to_dict()
        return cls(
            id=raw["id"],
            url=raw.get("url"),
            expires_at=datetime.fromtimestamp(raw["expires_at"], UTC),
            amount_total=raw.get("amount_total"),
            currency=raw.get("currency"),
            status=raw.get("status"),
            payment_status=raw.get("payment_status", "unpaid"),
            payment_intent=_expandable_id(raw.get("payment_intent")),
            raw=raw,
        )


@dataclass(frozen=True)
class Refund:
    id: str
    status: str | None  # pending, requires_action, succeeded, failed or canceled
    amount: int
    currency: str


class StripeGateway:
    """The only door to Stripe's API: stripe-python underneath, our own types and errors on top."""

    def __init__(
        self,
        secret_key: str,
        api_base: str | None = None,
        webhook_secret: str | None = None,
        timeout: float = 15,
        max_network_retries: int = 2,
    ) -> None:
        self.webhook_secret = webhook_secret
        self._secret_key = secret_key
        base_addresses = {"api": api_base.rstrip("/")} if api_base else None
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses=base_addresses,
            http_client=stripe.RequestsClient(timeout=timeout),
            max_network_retries=max_network_retries,
        )

    def create_checkout_session(self, params: dict[str, Any], idempotency_key: str) -> CheckoutSession:
        """Create a hosted Checkout Session; `params` are Stripe's own (line_items, shipping_options, ...)."""
        with _stripe_errors_translated():
            session = self._client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        return CheckoutSession.from_stripe(session)

    def retrieve_checkout_session(self, session_id: str) -> CheckoutSession:
        with _stripe_errors_translated():
            session = self._client.v1.checkout.sessions.retrieve(session_id)
        return CheckoutSession.from_stripe(session)

    def expire_checkout_session(self, session_id: str) -> CheckoutSession:
        """Close an open session so the shopper can no longer pay it (Stripe refuses unless it is open)."""
        with _stripe_errors_translated():
            session = self._client.v1.checkout.sessions.expire(session_id)
        return CheckoutSession.from_stripe(session)

    def create_coupon(
        self,
        *,
        amount_off: int | None = None,
        percent_off: float | None = None,
        currency: str | None = None,
        name: str,
        idempotency_key: str,
    ) -> str:
        """A one-off coupon (duration "once") for a discount we already computed; returns its id."""
        params: dict[str, Any] = {"duration": "once", "name": name}
        if amount_off is not None:
            params["amount_off"] = amount_off
        if percent_off is not None:
            params["percent_off"] = percent_off
        if currency is not None:
            params["currency"] = currency.lower()
        with _stripe_errors_translated():
            coupon = self._client.v1.coupons.create(params=params, options={"idempotency_key": idempotency_key})
        return coupon.id

    def create_refund(
        self,
        *,
        payment_intent: str,
        amount: int,
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
        idempotency_key: str,
    ) -> Refund:
        """Refund `amount` (minor units) of a paid payment intent; `reason` is one of Stripe's refund reasons."""
        params: dict[str, Any] = {"payment_intent": payment_intent, "amount": amount}
        if reason is not None:
            params["reason"] = reason
        if metadata:
            params["metadata"] = metadata
        with _stripe_errors_translated():
            refund = self._client.v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
        return Refund(id=refund.id, status=refund.status, amount=refund.amount, currency=refund.currency)

    def construct_event(
        self, payload: bytes, signature_header: str | None, tolerance: int = WEBHOOK_TOLERANCE_SECONDS
    ) -> dict[str, Any]:
        """The verified event of a webhook request body, as a plain dict; raises InvalidWebhook otherwise."""
        if not self.webhook_secret:
            raise InvalidWebhook("no Stripe webhook secret is configured, so no webhook can be trusted")
        try:
            event = stripe.Webhook.construct_event(
                payload, signature_header, self.webhook_secret, tolerance, api_key=self._secret_key
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook(f"the Stripe signature does not verify: {exc.user_message or exc}") from None
        # ValueError: not UTF-8 or not JSON; AttributeError: JSON that is not an object (stripe calls .get on it).
        except (ValueError, AttributeError):
            raise InvalidWebhook("the webhook body is not a JSON object") from None
        body = event.to_dict()
        if body.get("object") != "event" or not body.get("id") or not body.get("type"):
            raise InvalidWebhook("the webhook body is not a Stripe event")
        return body


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header Stripe would send with this webhook body."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def _expandable_id(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value


@contextmanager
def _stripe_errors_translated() -> Iterator[None]:
    """Turn every stripe-python exception into a GatewayError so callers never import stripe."""
    try:
        yield
    except stripe.StripeError as exc:
        raise _gateway_error(exc) from None


def _gateway_error(exc: stripe.StripeError) -> GatewayError:
    status = exc.http_status
    message = exc.user_message or str(exc) or type(exc).__name__
    if isinstance(exc, stripe.IdempotencyError):
        code = GatewayErrorCode.IDEMPOTENCY_CONFLICT
    elif isinstance(exc, (stripe.AuthenticationError, stripe.PermissionError)):
        code = GatewayErrorCode.AUTHENTICATION
    elif isinstance(exc, stripe.InvalidRequestError) and status == 404:
        code = GatewayErrorCode.NOT_FOUND
    elif isinstance(exc, (stripe.InvalidRequestError, stripe.CardError)):
        code = GatewayErrorCode.INVALID_REQUEST
    else:  # APIConnectionError, APIError (5xx), RateLimitError and anything newer
        code = GatewayErrorCode.UNAVAILABLE
    return GatewayError(code, message, param=getattr(exc, "param", None), http_status=status)
