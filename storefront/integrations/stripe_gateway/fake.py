"""A local stand-in for the Stripe API endpoints we call and for Stripe's hosted checkout page.

It is a real HTTP server on 127.0.0.1 speaking Stripe's wire format (form-encoded nested
parameters in, JSON objects out, Stripe's error shapes, Idempotency-Key replay), so the shop
talks to it through stripe-python exactly as it talks to Stripe. Tests and demo mode use it.
Paying on the hosted page (or through the /__fake/ test controls) sends a correctly signed
webhook to `webhook_url`. Events are only sent by the hosted page and the test controls, never
as a side effect of an API call, so no API request ever waits on the shop's webhook handler.
"""
from __future__ import annotations

import copy
import json
import re
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable

import stripe
from babel import Locale
from babel.numbers import format_currency, get_currency_precision
from jinja2 import Environment
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from storefront.integrations.stripe_gateway import sign_payload

API_KEY_PATTERN = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9_]+$")
FORM_KEY_PATTERN = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
SESSION_MIN_LIFETIME = 30 * 60
SESSION_MAX_LIFETIME = 24 * 60 * 60
CLOCK_SLACK = 10
MAX_SHIPPING_OPTIONS = 5
ENGLISH = Locale("en")
WEBHOOK_TIMEOUT = 30
# Locales Stripe Checkout accepts; note "zh" and "zh-HK"/"zh-TW", never "zh-CN".
CHECKOUT_LOCALES = frozenset(
    "auto bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hr hu id it ja ko lt lv ms mt nb nl pl "
    "pt pt-BR ro ru sk sl sv th tr vi zh zh-HK zh-TW".split()
)
REFUND_REASONS = frozenset({"duplicate", "fraudulent", "requested_by_customer"})
SESSION_EVENTS = frozenset({
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "charge.refunded",
    "charge.dispute.created",
})
# Parameters Stripe accepts on POST /v1/checkout/sessions that the fake stores or ignores.
SESSION_PARAMS = frozenset({
    "mode", "success_url", "cancel_url", "line_items", "discounts", "shipping_options",
    "shipping_address_collection", "customer_email", "client_reference_id", "metadata", "locale",
    "expires_at", "payment_intent_data", "payment_method_types", "billing_address_collection",
    "phone_number_collection", "allow_promotion_codes", "submit_type", "custom_text", "automatic_tax",
    "expand", "customer", "customer_creation", "currency", "ui_mode", "consent_collection",
    "invoice_creation", "tax_id_collection", "after_expiration", "payment_method_options",
})
COUPON_PARAMS = frozenset({
    "id", "amount_off", "currency", "percent_off", "duration", "duration_in_months", "name",
    "max_redemptions", "redeem_by", "metadata", "applies_to", "currency_options", "expand",
})
REFUND_PARAMS = frozenset({
    "payment_intent", "charge", "amount", "reason", "metadata", "refund_application_fee",
    "reverse_transfer", "instructions_email", "expand",
})
SESSION_EXPANDABLE = frozenset({"line_items", "line_items.data.price.product", "payment_intent"})


class ApiError(Exception):
    """An error response in Stripe's shape: {"error": {"type", "message", "param", "code"}}."""

    def __init__(
        self, status: int, message: str, *, param: str | None = None, code: str | None = None,
        error_type: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.error_type = status, message, param, code, error_type

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.error_type, "message": self.message}
        if self.param:
            error["param"] = self.param
        if self.code:
            error["code"] = self.code
        return {"error": error}


class ControlError(Exception):
    """A test control asked for something the session's state does not allow."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Delivery:
    url: str
    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class SignedEvent:
    """An event as Stripe would send it: the exact body bytes, their signature, and how delivery went."""

    event: dict[str, Any]
    payload: bytes
    signature: str
    delivery: Delivery | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "payload": self.payload.decode("utf-8"),
            "signature": self.signature,
            "delivery": asdict(self.delivery) if self.delivery else None,
        }


@dataclass
class _SessionRecord:
    session: dict[str, Any]
    line_items: list[dict[str, Any]]
    shipping_rates: list[dict[str, Any]]
    coupon: dict[str, Any] | None
    payment_intent_metadata: dict[str, str] = field(default_factory=dict)


def new_id(prefix: str, length: int = 24) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def build_event(event_type: str, data_object: dict[str, Any], *, pending_webhooks: int = 0) -> dict[str, Any]:
    """A Stripe event (snapshot payload) carrying a copy of `data_object`."""
    return {
        "id": new_id("evt_test_"),
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "data": {"object": copy.deepcopy(data_object)},
        "livemode": False,
        "pending_webhooks": pending_webhooks,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def sign_event(event: dict[str, Any], secret: str, timestamp: int | None = None) -> SignedEvent:
    payload = json.dumps(event, indent=2).encode("utf-8")
    return SignedEvent(event=event, payload=payload, signature=sign_payload(payload, secret, timestamp))


def decode_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's nested form encoding (`line_items[0][price_data][currency]=eur`) back into dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        match = FORM_KEY_PATTERN.match(key)
        if not match:
            raise ApiError(400, f"Invalid parameter name: {key}", param=key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for position, part in enumerate(parts):
            if part == "":
                part = str(len(node))
            if position == len(parts) - 1:
                node[part] = value
                break
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ApiError(400, f"Invalid hash or array: {key}", param=key)
            node = child
    return _with_lists(root)


def _with_lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _with_lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def format_amount(amount: int, currency: str) -> str:
    code = currency.upper()
    return format_currency(Decimal(amount).scaleb(-get_currency_precision(code)), code, locale="en")


class FakeStripe:
    """Stripe's API and hosted checkout on a local port. `start()` returns the base URL for `api_base`."""

    def __init__(
        self, webhook_url: str | None = None, webhook_secret: str | None = None, *,
        host: str = "127.0.0.1", port: int = 0,
    ) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret or new_id("whsec_test_", 32)
        self.base_url: str | None = None
        self._host, self._port = host, port
        self._lock = threading.RLock()
        self._sessions: dict[str, _SessionRecord] = {}
        self._coupons: dict[str, dict[str, Any]] = {}
        self._payment_intents: dict[str, dict[str, Any]] = {}
        self._charges: dict[str, dict[str, Any]] = {}
        self._refunds: dict[str, dict[str, Any]] = {}
        self._idempotent: dict[tuple[str, str], tuple[Any, int, dict[str, Any]]] = {}
        self._events: list[SignedEvent] = []
        self._server = None
        self._thread: threading.Thread | None = None
        self._urls = Map([
            Rule("/v1/checkout/sessions", methods=["POST"], endpoint="create_session"),
            Rule("/v1/checkout/sessions/<session_id>", methods=["GET"], endpoint="retrieve_session"),
            Rule("/v1/checkout/sessions/<session_id>/expire", methods=["POST"], endpoint="expire_session"),
            Rule("/v1/shipping_rates/<rate_id>", methods=["GET"], endpoint="retrieve_shipping_rate"),
            Rule("/v1/coupons", methods=["POST"], endpoint="create_coupon"),
            Rule("/v1/coupons/<coupon_id>", methods=["GET"], endpoint="retrieve_coupon"),
            Rule("/v1/refunds", methods=["POST"], endpoint="create_refund"),
            Rule("/pay/<session_id>", methods=["GET", "POST"], endpoint="hosted_page"),
            Rule("/__fake/sessions", methods=["GET"], endpoint="control_sessions"),
            Rule("/__fake/sessions/<session_id>", methods=["GET"], endpoint="control_session"),
            Rule("/__fake/sessions/<session_id>/complete", methods=["POST"], endpoint="control_complete"),
            Rule("/__fake/sessions/<session_id>/events", methods=["POST"], endpoint="control_event"),
            Rule("/__fake/events", methods=["GET"], endpoint="control_events"),
        ])

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> str:
        self._server = make_server(self._host, self._port, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.base_url = f"http://{self._host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="fake-stripe", daemon=True
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> FakeStripe:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- inspection and test controls (also reachable over HTTP under /__fake/) ------------------

    def sessions(self) -> list[dict[str, Any]]:
        """Every session, newest last, with line items, products and shipping rates expanded."""
        with self._lock:
            return [self._inspect(record) for record in self._sessions.values()]

    def session(self, session_id: str) -> dict[str, Any]:
        with self._lock:
            return self._inspect(self._record(session_id))

    @property
    def events(self) -> list[SignedEvent]:
        with self._lock:
            return list(self._events)

    def complete_session(
        self, session_id: str, *, payment_status: str = "paid", shipping_rate: str | int | None = None,
        email: str | None = None, name: str = "Test Shopper", address: dict[str, str] | None = None,
    ) -> SignedEvent:
        """What paying on the hosted page does: complete the session and send checkout.session.completed.

        `shipping_rate` is a `shr_…` id or an index into the session's shipping options (default the
        first); `payment_status="unpaid"` is a delayed payment method whose outcome comes later.
        """
        if payment_status not in {"paid", "unpaid"}:
            raise ControlError("payment_status must be paid or unpaid")
        with self._lock:
            record = self._open_record(session_id)
            session = record.session
            rate = self._chosen_rate(record, shipping_rate)
            address = {**self._default_address(session), **{k: v for k, v in (address or {}).items() if v}}
            shipping_amount = rate["fixed_amount"]["amount"] if rate else 0
            amount_total = session["amount_subtotal"] - session["total_details"]["amount_discount"] + shipping_amount
            intent = self._new_payment_intent(record, amount_total, paid=payment_status == "paid")
            email = email or session["customer_email"] or "shopper@example.com"
            session.update(
                status="complete",
                payment_status=payment_status,
                payment_intent=intent["id"],
                amount_total=amount_total,
                url=None,
                shipping_cost=_shipping_cost(rate),
                customer_details={
                    "email": email, "name": name, "address": address, "phone": None,
                    "tax_exempt": "none", "tax_ids": [],
                },
                collected_information=(
                    {"shipping_details": {"name": name, "address": address}}
                    if session["shipping_address_collection"] else None
                ),
            )
            session["total_details"]["amount_shipping"] = shipping_amount
            if record.coupon:
                record.coupon["times_redeemed"] += 1
            signed = self._new_event("checkout.session.completed", session)
        return self._deliver(signed)

    def emit(
        self, session_id: str, event_type: str, *, amount: int | None = None, reason: str | None = None
    ) -> SignedEvent:
        """Move the session (or its charge) on and send the matching event.

        checkout.session.async_payment_succeeded/failed settle an "unpaid" completed session;
        checkout.session.expired expires an open one; charge.refunded refunds `amount` first when
        given (as a Dashboard refund would), else the whole charge if nothing was refunded yet, else
        reports refunds already made through the API; charge.dispute.created opens a dispute.
        """
        if event_type == "checkout.session.completed":
            return self.complete_session(session_id)
        if event_type not in SESSION_EVENTS:
            raise ControlError(f"the fake cannot emit {event_type!r}; it knows {sorted(SESSION_EVENTS)}")
        with self._lock:
            record = self._record(session_id)
            handler = {
                "checkout.session.async_payment_succeeded": self._async_payment_succeeded,
                "checkout.session.async_payment_failed": self._async_payment_failed,
                "checkout.session.expired": self._expire_for_event,
                "charge.refunded": self._refund_for_event,
                "charge.dispute.created": self._dispute_for_event,
            }[event_type]
            signed = self._new_event(event_type, handler(record, amount=amount, reason=reason))
        return self._deliver(signed)

    # -- WSGI ---------------------------------------------------------------------------------

    def _wsgi(self, environ: dict, start_response) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self._dispatch(request)
        except ApiError as error:
            response = _json_response(error.body(), error.status)
        except ControlError as error:
            response = _json_response({"error": {"type": "fake_stripe_error", "message": str(error)}}, error.status)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        is_api = request.path.startswith("/v1/")
        api_key = _bearer_key(request) if is_api else ""
        try:
            endpoint, args = self._urls.bind_to_environ(request.environ).match()
        except HTTPException:
            if is_api or request.path.startswith("/__fake/"):
                raise ApiError(404, f"Unrecognized request URL ({request.method}: {request.path}).") from None
            return _page(_ERROR_PAGE, 404, title="Page not found", message="There is no such page.")
        if is_api:
            return self._api(request, api_key, endpoint, args)
        if endpoint == "hosted_page":
            return self._hosted_page(request, args["session_id"])
        return self._control(request, endpoint, args)

    def _api(self, request: Request, api_key: str, endpoint: str, args: dict[str, str]) -> Response:
        if request.method == "GET":
            params = decode_form(request.args.items(multi=True))
            with self._lock:
                return _json_response(getattr(self, f"_{endpoint}")(params, **args))
        pairs = list(request.form.items(multi=True))
        params = decode_form(pairs)
        key = request.headers.get("Idempotency-Key")
        fingerprint = (request.path, sorted(pairs))
        with self._lock:
            if key and (api_key, key) in self._idempotent:
                stored_fingerprint, status, body = self._idempotent[(api_key, key)]
                if stored_fingerprint != fingerprint:
                    raise ApiError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters they were "
                        f"first used with. Try using a key other than '{key}' if you meant to execute a "
                        "different request.",
                        error_type="idempotency_error",
                    )
                response = _json_response(body, status)
                response.headers["Idempotent-Replayed"] = "true"
                return response
            # Stripe keeps no idempotent result when validation fails before the endpoint runs.
            body = getattr(self, f"_{endpoint}")(params, **args)
            if key:
                self._idempotent[(api_key, key)] = (fingerprint, 200, body)
        response = _json_response(body)
        if key:
            response.headers["Idempotency-Key"] = key
        return response

    # -- API endpoints (called with the lock held) -------------------------------------------

    def _create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        _reject_unknown(params, SESSION_PARAMS)
        if _required(params, "mode") != "payment":
            raise ApiError(400, "The fake Stripe only supports mode=payment.", param="mode")
        success_url = _url(params, "success_url")
        cancel_url = _url(params, "cancel_url")
        raw_items = params.get("line_items")
        if not raw_items:
            raise ApiError(400, "Missing required param: line_items.", param="line_items", code="parameter_missing")
        if not isinstance(raw_items, list):
            raise ApiError(400, "Invalid array", param="line_items")
        line_items = [self._line_item(raw, index) for index, raw in enumerate(raw_items)]
        currency = line_items[0]["currency"]
        for index, item in enumerate(line_items):
            if item["currency"] != currency:
                raise ApiError(
                    400, "All line items must use the same currency.",
                    param=f"line_items[{index}][price_data][currency]",
                )
        subtotal = sum(item["amount_subtotal"] for item in line_items)
        coupon = self._session_coupon(params.get("discounts"), currency)
        discount = _discount(coupon, subtotal)
        rates = self._shipping_rates(params.get("shipping_options"), currency)
        created = int(time.time())
        session_id = new_id("cs_test_", 58)
        first_shipping = rates[0]["fixed_amount"]["amount"] if rates else 0
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": subtotal,
            "amount_total": subtotal - discount + first_shipping,
            "cancel_url": cancel_url,
            "client_reference_id": _short_text(params, "client_reference_id", 200),
            "collected_information": None,
            "created": created,
            "currency": currency,
            "customer": None,
            "customer_details": None,
            "customer_email": _email(params.get("customer_email")),
            "discounts": [{"coupon": coupon["id"], "promotion_code": None}] if coupon else [],
            "expires_at": _expires_at(params.get("expires_at"), created),
            "livemode": False,
            "locale": _locale(params.get("locale")),
            "metadata": _metadata(params.get("metadata"), "metadata"),
            "mode": "payment",
            "payment_intent": None,
            "payment_method_types": params.get("payment_method_types") or ["card"],
            "payment_status": "unpaid",
            "shipping_address_collection": _address_collection(params.get("shipping_address_collection")),
            "shipping_cost": _shipping_cost(rates[0] if rates else None),
            "shipping_options": [
                {"shipping_amount": rate["fixed_amount"]["amount"], "shipping_rate": rate["id"]} for rate in rates
            ],
            "status": "open",
            "success_url": success_url,
            "total_details": {"amount_discount": discount, "amount_shipping": first_shipping, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.base_url}/pay/{session_id}",
        }
        intent_data = params.get("payment_intent_data") or {}
        record = _SessionRecord(
            session=session, line_items=line_items, shipping_rates=rates, coupon=coupon,
            payment_intent_metadata=_metadata(intent_data.get("metadata"), "payment_intent_data[metadata]"),
        )
        self._sessions[session_id] = record
        return self._session_view(record, _expand(params))

    def _retrieve_session(self, params: dict[str, Any], session_id: str) -> dict[str, Any]:
        return self._session_view(self._api_record(session_id), _expand(params))

    def _expire_session(self, params: dict[str, Any], session_id: str) -> dict[str, Any]:
        record = self._api_record(session_id)
        if record.session["status"] != "open":
            raise ApiError(400, 'Only Checkout Sessions with a status in ["open"] can be expired.')
        record.session.update(status="expired", url=None)
        return self._session_view(record, _expand(params))

    def _retrieve_shipping_rate(self, params: dict[str, Any], rate_id: str) -> dict[str, Any]:
        for record in self._sessions.values():
            for rate in record.shipping_rates:
                if rate["id"] == rate_id:
                    return copy.deepcopy(rate)
        raise _missing("shipping_rate", rate_id, "shipping_rate")

    def _create_coupon(self, params: dict[str, Any]) -> dict[str, Any]:
        _reject_unknown(params, COUPON_PARAMS)
        amount_off = _optional_int(params, "amount_off", minimum=1)
        percent_off = params.get("percent_off")
        if (amount_off is None) == (percent_off is None):
            raise ApiError(400, "Coupons must have exactly one of amount_off or percent_off.", param="amount_off")
        currency = (params.get("currency") or "").lower() or None
        if amount_off is not None and not currency:
            raise ApiError(400, "You must pass currency when passing amount_off.", param="currency")
        if percent_off is not None:
            try:
                percent_off = float(percent_off)
            except ValueError:
                raise ApiError(400, f"Invalid decimal: {percent_off}", param="percent_off") from None
            if not 0 < percent_off <= 100:
                raise ApiError(400, "percent_off must be greater than 0 and at most 100.", param="percent_off")
        duration = params.get("duration", "once")
        if duration not in {"once", "repeating", "forever"}:
            raise ApiError(400, f"Invalid duration: {duration}", param="duration")
        coupon_id = params.get("id") or new_id("", 8).upper()
        if coupon_id in self._coupons:
            raise ApiError(400, "Coupon already exists.", param="id", code="resource_already_exists")
        coupon = {
            "id": coupon_id,
            "object": "coupon",
            "amount_off": amount_off,
            "created": int(time.time()),
            "currency": currency,
            "duration": duration,
            "livemode": False,
            "max_redemptions": _optional_int(params, "max_redemptions", minimum=1),
            "metadata": _metadata(params.get("metadata"), "metadata"),
            "name": _short_text(params, "name", 40),
            "percent_off": percent_off,
            "times_redeemed": 0,
            "valid": True,
        }
        self._coupons[coupon_id] = coupon
        return copy.deepcopy(coupon)

    def _retrieve_coupon(self, params: dict[str, Any], coupon_id: str) -> dict[str, Any]:
        if coupon_id not in self._coupons:
            raise _missing("coupon", coupon_id, "coupon")
        return copy.deepcopy(self._coupons[coupon_id])

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        _reject_unknown(params, REFUND_PARAMS)
        intent_id = params.get("payment_intent")
        if not intent_id and params.get("charge"):
            charge = self._charges.get(params["charge"])
            if charge is None:
                raise _no_such("charge", params["charge"], "charge")
            intent_id = charge["payment_intent"]
        if not intent_id:
            raise ApiError(
                400, "One of the following params should be provided for this request: payment_intent or charge.",
                param="payment_intent", code="parameter_missing",
            )
        intent = self._payment_intents.get(intent_id)
        if intent is None:
            raise _no_such("payment_intent", intent_id, "payment_intent")
        reason = params.get("reason")
        if reason is not None and reason not in REFUND_REASONS:
            raise ApiError(400, f"Invalid reason: must be one of {', '.join(sorted(REFUND_REASONS))}", param="reason")
        refund = self._refund(intent, _optional_int(params, "amount", minimum=1), reason,
                              _metadata(params.get("metadata"), "metadata"))
        return copy.deepcopy(refund)

    # -- state changes shared by the API, the hosted page and the controls -----------------------

    def _line_item(self, raw: Any, index: int) -> dict[str, Any]:
        prefix = f"line_items[{index}]"
        if not isinstance(raw, dict):
            raise ApiError(400, "Invalid object", param=prefix)
        if "price" in raw:
            raise _no_such("price", raw["price"], f"{prefix}[price]")
        price_data = raw.get("price_data")
        if not isinstance(price_data, dict):
            raise _missing_param(f"{prefix}[price_data]")
        currency = _required(price_data, "currency", f"{prefix}[price_data][currency]").lower()
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise ApiError(400, f"Invalid currency: {currency}.", param=f"{prefix}[price_data][currency]")
        unit_amount = _int(_required(price_data, "unit_amount", f"{prefix}[price_data][unit_amount]"),
                           f"{prefix}[price_data][unit_amount]", minimum=0)
        product_data = price_data.get("product_data")
        if not isinstance(product_data, dict):
            raise _missing_param(f"{prefix}[price_data][product_data]")
        name = _required(product_data, "name", f"{prefix}[price_data][product_data][name]")
        quantity = _int(_required(raw, "quantity", f"{prefix}[quantity]"), f"{prefix}[quantity]", minimum=1)
        product = {
            "id": new_id("prod_test_", 14),
            "object": "product",
            "name": name,
            "description": product_data.get("description"),
            "images": product_data.get("images") or [],
            "metadata": _metadata(product_data.get("metadata"), f"{prefix}[price_data][product_data][metadata]"),
        }
        return {
            "id": new_id("li_test_"),
            "object": "item",
            "amount_discount": 0,
            "amount_subtotal": unit_amount * quantity,
            "amount_tax": 0,
            "amount_total": unit_amount * quantity,
            "currency": currency,
            "description": name,
            "price": {
                "id": new_id("price_test_"),
                "object": "price",
                "currency": currency,
                "product": product,
                "type": "one_time",
                "unit_amount": unit_amount,
            },
            "quantity": quantity,
        }

    def _session_coupon(self, discounts: Any, currency: str) -> dict[str, Any] | None:
        if not discounts:
            return None
        if not isinstance(discounts, list) or len(discounts) > 1 or not isinstance(discounts[0], dict):
            raise ApiError(400, "You may only specify one discount.", param="discounts")
        coupon_id = discounts[0].get("coupon")
        if not coupon_id:
            raise _missing_param("discounts[0][coupon]")
        coupon = self._coupons.get(coupon_id)
        if coupon is None:
            raise _no_such("coupon", coupon_id, "discounts[0][coupon]")
        if coupon["currency"] and coupon["currency"] != currency:
            raise ApiError(
                400, f"The coupon's currency ({coupon['currency']}) does not match the session's ({currency}).",
                param="discounts[0][coupon]",
            )
        return coupon

    def _shipping_rates(self, options: Any, currency: str) -> list[dict[str, Any]]:
        if not options:
            return []
        if not isinstance(options, list) or len(options) > MAX_SHIPPING_OPTIONS:
            raise ApiError(
                400, f"You may specify up to {MAX_SHIPPING_OPTIONS} shipping options.", param="shipping_options"
            )
        rates = []
        for index, option in enumerate(options):
            prefix = f"shipping_options[{index}][shipping_rate_data]"
            data = option.get("shipping_rate_data") if isinstance(option, dict) else None
            if not isinstance(data, dict):
                raise _missing_param(prefix)
            if data.get("type", "fixed_amount") != "fixed_amount":
                raise ApiError(400, "Only fixed_amount shipping rates are supported.", param=f"{prefix}[type]")
            display_name = _required(data, "display_name", f"{prefix}[display_name]")
            fixed = data.get("fixed_amount")
            if not isinstance(fixed, dict):
                raise _missing_param(f"{prefix}[fixed_amount]")
            amount = _int(_required(fixed, "amount", f"{prefix}[fixed_amount][amount]"),
                          f"{prefix}[fixed_amount][amount]", minimum=0)
            rate_currency = _required(fixed, "currency", f"{prefix}[fixed_amount][currency]").lower()
            if rate_currency != currency:
                raise ApiError(400, "Shipping rates must use the session's currency.",
                               param=f"{prefix}[fixed_amount][currency]")
            rates.append({
                "id": new_id("shr_test_"),
                "object": "shipping_rate",
                "active": True,
                "created": int(time.time()),
                "delivery_estimate": _delivery_estimate(data.get("delivery_estimate"), f"{prefix}[delivery_estimate]"),
                "display_name": display_name,
                "fixed_amount": {"amount": amount, "currency": rate_currency},
                "livemode": False,
                "metadata": _metadata(data.get("metadata"), f"{prefix}[metadata]"),
                "tax_behavior": data.get("tax_behavior", "unspecified"),
                "type": "fixed_amount",
            })
        return rates

    def _new_payment_intent(self, record: _SessionRecord, amount: int, *, paid: bool) -> dict[str, Any]:
        intent = {
            "id": new_id("pi_test_"),
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "created": int(time.time()),
            "currency": record.session["currency"],
            "latest_charge": None,
            "livemode": False,
            "metadata": dict(record.payment_intent_metadata),
            "status": "processing",
        }
        self._payment_intents[intent["id"]] = intent
        if paid:
            self._capture(intent)
        return intent

    def _capture(self, intent: dict[str, Any]) -> None:
        charge = {
            "id": new_id("ch_test_"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"],
            "amount_refunded": 0,
            "captured": True,
            "created": int(time.time()),
            "currency": intent["currency"],
            "disputed": False,
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "paid": True,
            "payment_intent": intent["id"],
            "refunded": False,
            "status": "succeeded",
        }
        self._charges[charge["id"]] = charge
        intent.update(status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"])

    def _refund(self, intent: dict[str, Any], amount: int | None, reason: str | None,
                metadata: dict[str, str]) -> dict[str, Any]:
        charge = self._charges.get(intent["latest_charge"] or "")
        if intent["status"] != "succeeded" or charge is None:
            raise ApiError(400, f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                           param="payment_intent")
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise ApiError(400, f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
        amount = remaining if amount is None else amount
        if amount > remaining:
            raise ApiError(
                400,
                f"Refund amount ({format_amount(amount, charge['currency'])}) is greater than unrefunded amount "
                f"on charge ({format_amount(remaining, charge['currency'])})",
                param="amount", code="amount_too_large",
            )
        refund = {
            "id": new_id("re_test_"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "metadata": metadata,
            "payment_intent": intent["id"],
            "reason": reason,
            "status": "succeeded",
        }
        self._refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        return refund

    def _async_payment_succeeded(self, record: _SessionRecord, **_: Any) -> dict[str, Any]:
        intent = self._pending_intent(record)
        self._capture(intent)
        record.session["payment_status"] = "paid"
        return record.session

    def _async_payment_failed(self, record: _SessionRecord, **_: Any) -> dict[str, Any]:
        intent = self._pending_intent(record)
        intent["status"] = "requires_payment_method"
        return record.session

    def _expire_for_event(self, record: _SessionRecord, **_: Any) -> dict[str, Any]:
        self._refresh_expiry(record)
        if record.session["status"] == "complete":
            raise ControlError("a completed session cannot expire")
        record.session.update(status="expired", url=None)
        return record.session

    def _refund_for_event(self, record: _SessionRecord, *, amount: int | None, reason: str | None) -> dict[str, Any]:
        charge = self._session_charge(record)
        if amount is not None or charge["amount_refunded"] == 0:
            try:
                intent = self._payment_intents[charge["payment_intent"]]
                self._refund(intent, amount, reason or "requested_by_customer", {})
            except ApiError as error:
                raise ControlError(error.message) from None
        return charge

    def _dispute_for_event(self, record: _SessionRecord, *, amount: int | None, reason: str | None) -> dict[str, Any]:
        charge = self._session_charge(record)
        charge["disputed"] = True
        return {
            "id": new_id("dp_test_"),
            "object": "dispute",
            "amount": charge["amount"] if amount is None else amount,
            "charge": charge["id"],
            "created": int(time.time()),
            "currency": charge["currency"],
            "livemode": False,
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "reason": reason or "fraudulent",
            "status": "needs_response",
        }

    def _pending_intent(self, record: _SessionRecord) -> dict[str, Any]:
        session = record.session
        if session["status"] != "complete" or session["payment_status"] != "unpaid":
            raise ControlError("only a completed session with payment_status unpaid has a payment to settle")
        intent = self._payment_intents[session["payment_intent"]]
        if intent["status"] != "processing":
            raise ControlError(f"the payment of this session has already settled ({intent['status']})")
        return intent

    def _session_charge(self, record: _SessionRecord) -> dict[str, Any]:
        intent = self._payment_intents.get(record.session["payment_intent"] or "")
        if intent is None or intent["latest_charge"] is None:
            raise ControlError("this session has not been paid, so it has no charge")
        return self._charges[intent["latest_charge"]]

    def _new_event(self, event_type: str, data_object: dict[str, Any]) -> SignedEvent:
        event = build_event(event_type, data_object, pending_webhooks=1 if self.webhook_url else 0)
        signed = sign_event(event, self.webhook_secret)
        self._events.append(signed)
        return signed

    def _deliver(self, signed: SignedEvent) -> SignedEvent:
        """POST the event to the webhook URL, outside the lock: the shop may call back while handling it."""
        url = self.webhook_url
        if not url:
            return signed
        request = urllib.request.Request(url, data=signed.payload, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": signed.signature,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        })
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
                delivery = Delivery(url=url, status=response.status)
        except urllib.error.HTTPError as error:
            delivery = Delivery(url=url, status=error.code, error=error.reason)
        except OSError as error:
            delivery = Delivery(url=url, status=None, error=str(error))
        delivered = SignedEvent(signed.event, signed.payload, signed.signature, delivery)
        with self._lock:
            self._events[self._events.index(signed)] = delivered
        return delivered

    # -- lookups and views -------------------------------------------------------------------

    def _record(self, session_id: str) -> _SessionRecord:
        record = self._sessions.get(session_id)
        if record is None:
            raise ControlError(f"no such checkout session: {session_id}", status=404)
        self._refresh_expiry(record)
        return record

    def _api_record(self, session_id: str) -> _SessionRecord:
        record = self._sessions.get(session_id)
        if record is None:
            raise _missing("checkout.session", session_id, "session")
        self._refresh_expiry(record)
        return record

    def _open_record(self, session_id: str) -> _SessionRecord:
        record = self._record(session_id)
        if record.session["status"] != "open":
            raise ControlError(f"this checkout session is {record.session['status']}, not open", status=409)
        return record

    @staticmethod
    def _refresh_expiry(record: _SessionRecord) -> None:
        # Stripe expires unpaid sessions at expires_at; the fake notices when the session is next looked at.
        if record.session["status"] == "open" and time.time() >= record.session["expires_at"]:
            record.session.update(status="expired", url=None)

    @staticmethod
    def _chosen_rate(record: _SessionRecord, choice: str | int | None) -> dict[str, Any] | None:
        if not record.shipping_rates:
            return None
        if choice is None or choice == "":
            return record.shipping_rates[0]
        for index, rate in enumerate(record.shipping_rates):
            if choice == rate["id"] or str(choice) == str(index):
                return rate
        raise ControlError(f"no shipping option {choice!r} in this session")

    @staticmethod
    def _default_address(session: dict[str, Any]) -> dict[str, Any]:
        collection = session["shipping_address_collection"]
        country = collection["allowed_countries"][0] if collection else "US"
        return {"city": "Springfield", "country": country, "line1": "1 Test Street", "line2": None,
                "postal_code": "12345", "state": None}

    def _session_view(self, record: _SessionRecord, expand: set[str]) -> dict[str, Any]:
        session = copy.deepcopy(record.session)
        if "line_items" in expand or "line_items.data.price.product" in expand:
            items = copy.deepcopy(record.line_items)
            if "line_items.data.price.product" not in expand:
                for item in items:
                    item["price"]["product"] = item["price"]["product"]["id"]
            session["line_items"] = {"object": "list", "data": items, "has_more": False,
                                     "url": f"/v1/checkout/sessions/{session['id']}/line_items"}
        if "payment_intent" in expand and session["payment_intent"]:
            session["payment_intent"] = copy.deepcopy(self._payment_intents[session["payment_intent"]])
        return session

    def _inspect(self, record: _SessionRecord) -> dict[str, Any]:
        self._refresh_expiry(record)
        view = self._session_view(record, {"line_items.data.price.product", "payment_intent"})
        rates = {rate["id"]: rate for rate in record.shipping_rates}
        for option in view["shipping_options"]:
            option["shipping_rate"] = copy.deepcopy(rates[option["shipping_rate"]])
        if record.coupon:
            view["discounts"] = [{"coupon": copy.deepcopy(record.coupon), "promotion_code": None}]
        return view

    # -- hosted checkout page ----------------------------------------------------------------

    def _hosted_page(self, request: Request, session_id: str) -> Response:
        with self._lock:
            record = self._sessions.get(session_id)
            if record is None:
                return _page(_ERROR_PAGE, 404, title="Checkout not found",
                             message="This checkout session does not exist.")
            self._refresh_expiry(record)
            status = record.session["status"]
            if status != "open":
                message = ("This checkout session has already been paid." if status == "complete"
                           else "This checkout session has expired. Return to the shop and check out again.")
                return _page(_ERROR_PAGE, 410, title="Checkout unavailable", message=message,
                             link=record.session["cancel_url"])
            form = request.form if request.method == "POST" else {}
            errors = _payment_form_errors(record, form) if request.method == "POST" else []
            if request.method == "GET" or errors:
                return _page(_CHECKOUT_PAGE, 400 if errors else 200, errors=errors,
                             **_checkout_page_context(record, form))
            success_url = record.session["success_url"]
        address = {"line1": form["line1"].strip(), "line2": None, "city": form["city"].strip(),
                   "postal_code": form["postal_code"].strip(), "state": None, "country": form.get("country")}
        try:
            self.complete_session(
                session_id, shipping_rate=form.get("shipping_rate"), email=form["email"].strip(),
                name=form["name"].strip(), address=address,
            )
        except ControlError as error:  # someone else paid or expired it in the meantime
            return _page(_ERROR_PAGE, error.status, title="Checkout unavailable", message=str(error))
        return Response(status=303, headers={"Location": success_url.replace("{CHECKOUT_SESSION_ID}", session_id)})

    # -- /__fake/ controls over HTTP ---------------------------------------------------------

    def _control(self, request: Request, endpoint: str, args: dict[str, str]) -> Response:
        params = (request.get_json(silent=True) or {}) if request.is_json else request.form.to_dict()
        if endpoint == "control_sessions":
            return _json_response({"object": "list", "data": self.sessions()})
        if endpoint == "control_session":
            return _json_response(self.session(args["session_id"]))
        if endpoint == "control_events":
            return _json_response({"object": "list", "data": [signed.to_json() for signed in self.events]})
        if endpoint == "control_complete":
            address = {key: params[key] for key in ("line1", "line2", "city", "postal_code", "state", "country")
                       if params.get(key)}
            signed = self.complete_session(
                args["session_id"],
                payment_status=params.get("payment_status", "paid"),
                shipping_rate=params.get("shipping_rate", params.get("shipping_option")),
                email=params.get("email"),
                name=params.get("name") or "Test Shopper",
                address=address,
            )
            return _json_response(signed.to_json())
        if not params.get("type"):
            raise ControlError("say which event to emit with type=…")
        amount = params.get("amount")
        signed = self.emit(
            args["session_id"], params["type"],
            amount=_int(amount, "amount", minimum=1) if amount not in (None, "") else None,
            reason=params.get("reason"),
        )
        return _json_response(signed.to_json())


# -- parameter validation ----------------------------------------------------------------------

def _bearer_key(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[len("Bearer "):].strip():
        raise ApiError(
            401,
            "You did not provide an API key. You need to provide your API key in the Authorization header, "
            "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        )
    key = header[len("Bearer "):].strip()
    if not API_KEY_PATTERN.match(key):
        raise ApiError(401, f"Invalid API Key provided: {key[:8]}****{key[-4:]}")
    return key


def _reject_unknown(params: dict[str, Any], known: frozenset[str]) -> None:
    for name in params:
        if name not in known:
            raise ApiError(400, f"Received unknown parameter: {name}", param=name)


def _missing_param(param: str) -> ApiError:
    return ApiError(400, f"Missing required param: {param}.", param=param, code="parameter_missing")


def _missing(kind: str, object_id: str, param: str) -> ApiError:
    """The object in the URL does not exist."""
    return ApiError(404, f"No such {kind}: '{object_id}'", param=param, code="resource_missing")


def _no_such(kind: str, object_id: str, param: str) -> ApiError:
    """A parameter names an object that does not exist."""
    return ApiError(400, f"No such {kind}: '{object_id}'", param=param, code="resource_missing")


def _required(params: dict[str, Any], name: str, param: str | None = None) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise _missing_param(param or name)
    return value


def _int(value: Any, param: str, *, minimum: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Invalid integer: {value}", param=param) from None
    if minimum is not None and number < minimum:
        raise ApiError(400, f"This value must be greater than or equal to {minimum}.", param=param)
    return number


def _optional_int(params: dict[str, Any], name: str, *, minimum: int | None = None) -> int | None:
    value = params.get(name)
    return None if value in (None, "") else _int(value, name, minimum=minimum)


def _url(params: dict[str, Any], name: str) -> str:
    value = _required(params, name)
    if not re.match(r"^https?://[^\s/]+", value):
        raise ApiError(400, "Not a valid URL", param=name, code="url_invalid")
    return value


def _short_text(params: dict[str, Any], name: str, limit: int) -> str | None:
    value = params.get(name) or None
    if value is not None and len(value) > limit:
        raise ApiError(400, f"Invalid string: {value[:20]}...; must be at most {limit} characters", param=name)
    return value


def _email(value: str | None) -> str | None:
    if not value:
        return None
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise ApiError(400, f"Invalid email address: {value}", param="customer_email", code="email_invalid")
    return value


def _locale(value: str | None) -> str | None:
    if not value:
        return None
    if value not in CHECKOUT_LOCALES:
        raise ApiError(400, f"Invalid locale: {value}. Stripe Checkout accepts {', '.join(sorted(CHECKOUT_LOCALES))}.",
                       param="locale")
    return value


def _metadata(value: Any, param: str) -> dict[str, str]:
    if not value:
        return {}
    if not isinstance(value, dict) or len(value) > 50:
        raise ApiError(400, "Metadata must be a hash of at most 50 keys.", param=param)
    for key, item in value.items():
        if len(key) > 40 or not isinstance(item, str) or len(item) > 500:
            raise ApiError(
                400, "Metadata keys are at most 40 characters and values at most 500.", param=f"{param}[{key}]"
            )
    return dict(value)


def _expires_at(value: Any, created: int) -> int:
    if value in (None, ""):
        return created + SESSION_MAX_LIFETIME
    expires_at = _int(value, "expires_at")
    if expires_at < created + SESSION_MIN_LIFETIME - CLOCK_SLACK:
        raise ApiError(400, "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
                       param="expires_at")
    if expires_at > created + SESSION_MAX_LIFETIME + CLOCK_SLACK:
        raise ApiError(400, "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
                       param="expires_at")
    return expires_at


def _address_collection(value: Any) -> dict[str, list[str]] | None:
    if not value:
        return None
    countries = value.get("allowed_countries") if isinstance(value, dict) else None
    if not countries or not isinstance(countries, list):
        raise _missing_param("shipping_address_collection[allowed_countries]")
    for index, country in enumerate(countries):
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise ApiError(400, f"Invalid country: {country}",
                           param=f"shipping_address_collection[allowed_countries][{index}]")
    return {"allowed_countries": countries}


def _delivery_estimate(value: Any, param: str) -> dict[str, Any] | None:
    if not value:
        return None
    estimate: dict[str, Any] = {}
    for bound in ("minimum", "maximum"):
        part = value.get(bound) if isinstance(value, dict) else None
        if part is None:
            estimate[bound] = None
            continue
        unit = _required(part, "unit", f"{param}[{bound}][unit]")
        if unit not in {"business_day", "day", "hour", "month", "week"}:
            raise ApiError(400, f"Invalid unit: {unit}", param=f"{param}[{bound}][unit]")
        estimate[bound] = {"unit": unit, "value": _int(_required(part, "value", f"{param}[{bound}][value]"),
                                                          f"{param}[{bound}][value]", minimum=1)}
    return estimate


def _expand(params: dict[str, Any]) -> set[str]:
    requested = params.get("expand") or []
    if not isinstance(requested, list):
        requested = [requested]
    for path in requested:
        if path not in SESSION_EXPANDABLE:
            raise ApiError(400, f"This property cannot be expanded ({path}).", param="expand")
    return set(requested)


def _discount(coupon: dict[str, Any] | None, subtotal: int) -> int:
    if coupon is None:
        return 0
    if coupon["amount_off"] is not None:
        return min(coupon["amount_off"], subtotal)
    percent = Decimal(str(coupon["percent_off"]))
    return int((subtotal * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _shipping_cost(rate: dict[str, Any] | None) -> dict[str, Any] | None:
    if rate is None:
        return None
    amount = rate["fixed_amount"]["amount"]
    return {"amount_subtotal": amount, "amount_tax": 0, "amount_total": amount, "shipping_rate": rate["id"]}


# -- responses and the hosted page -------------------------------------------------------------

def _json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        json.dumps(body, indent=2), status=status, mimetype="application/json",
        headers={"Request-Id": new_id("req_test_", 14), "Stripe-Version": stripe.api_version},
    )


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # keep test and demo output readable
        pass


def _payment_form_errors(record: _SessionRecord, form: Any) -> list[str]:
    errors = []
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", form.get("email", "").strip()):
        errors.append("Enter a valid email address.")
    if record.shipping_rates and form.get("shipping_rate") not in {rate["id"] for rate in record.shipping_rates}:
        errors.append("Choose a shipping method.")
    for name, label in (("name", "full name"), ("line1", "address"), ("city", "city"), ("postal_code", "postal code")):
        if not form.get(name, "").strip():
            errors.append(f"Enter your {label}.")
    collection = record.session["shipping_address_collection"]
    if collection and form.get("country") not in collection["allowed_countries"]:
        errors.append("Choose a country we ship to.")
    return errors


def _checkout_page_context(record: _SessionRecord, form: Any) -> dict[str, Any]:
    session = record.session
    currency = session["currency"]
    base_total = session["amount_subtotal"] - session["total_details"]["amount_discount"]
    chosen = form.get("shipping_rate") or (record.shipping_rates[0]["id"] if record.shipping_rates else None)
    collection = session["shipping_address_collection"]
    return {
        "session_id": session["id"],
        "items": [
            {"name": item["description"], "quantity": item["quantity"],
             "unit": format_amount(item["price"]["unit_amount"], currency),
             "amount": format_amount(item["amount_subtotal"], currency)}
            for item in record.line_items
        ],
        "subtotal": format_amount(session["amount_subtotal"], currency),
        "discount": (format_amount(session["total_details"]["amount_discount"], currency)
                     if session["total_details"]["amount_discount"] else None),
        "coupon_name": (record.coupon or {}).get("name") or (record.coupon or {}).get("id"),
        "total": format_amount(base_total, currency),
        "shipping_options": [
            {"id": rate["id"], "name": rate["display_name"], "checked": rate["id"] == chosen,
             "amount": format_amount(rate["fixed_amount"]["amount"], currency),
             "total": format_amount(base_total + rate["fixed_amount"]["amount"], currency),
             "estimate": _estimate_text(rate["delivery_estimate"])}
            for rate in record.shipping_rates
        ],
        "email": form.get("email", session["customer_email"] or ""),
        "name": form.get("name", ""),
        "line1": form.get("line1", ""),
        "city": form.get("city", ""),
        "postal_code": form.get("postal_code", ""),
        "countries": [(code, ENGLISH.territories.get(code, code)) for code in
                      (collection["allowed_countries"] if collection else [])],
        "country": form.get("country", ""),
        "cancel_url": session["cancel_url"],
    }


def _estimate_text(estimate: dict[str, Any] | None) -> str | None:
    if not estimate:
        return None
    low, high = estimate.get("minimum"), estimate.get("maximum")
    unit = ((high or low)["unit"]).replace("_", " ") + "s"
    if low and high:
        return f"{low['value']}–{high['value']} {unit}"
    return f"{'at least' if low else 'at most'} {(low or high)['value']} {unit}"


def _page(template: Any, status: int, **context: Any) -> Response:
    return Response(template.render(**context), status=status, mimetype="text/html")


_TEMPLATES = Environment(autoescape=True)
_STYLE = """
  body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 0 auto; padding: 1rem; line-height: 1.5; color: #1a1a1a; }
  .test-mode { background: #fff3cd; padding: .25rem .75rem; border-radius: .25rem; }
  table { width: 100%; border-collapse: collapse; } th, td { text-align: left; padding: .25rem; }
  td.amount, th.amount { text-align: right; }
  fieldset { margin: 1rem 0; border: 1px solid #aaa; border-radius: .25rem; }
  label { display: block; margin-top: .5rem; } input[type=radio] + label { display: inline; }
  input, select { font: inherit; padding: .4rem; } input:not([type=radio]), select { width: 100%; box-sizing: border-box; }
  button { font: inherit; margin-top: 1rem; padding: .6rem 2rem; background: #635bff; color: #fff; border: 0; border-radius: .25rem; }
  :focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
  [role=alert] { border: 2px solid #b00020; padding: .5rem 1rem; }
"""
_CHECKOUT_PAGE = _TEMPLATES.from_string("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Checkout – Fake Stripe</title>
<style>""" + _STYLE + """</style>
</head>
<body>
<p class="test-mode">Test mode: this is a local stand-in for Stripe Checkout. No real payment is made.</p>
<main>
<h1>Checkout</h1>
{% if errors %}
<div role="alert" id="errors">
  <h2>Please correct the following</h2>
  <ul>{% for error in errors %}<li>{{ error }}</li>{% endfor %}</ul>
</div>
{% endif %}
<section aria-labelledby="summary-heading">
<h2 id="summary-heading">Order summary</h2>
<table>
  <thead><tr><th scope="col">Item</th><th scope="col">Quantity</th><th scope="col" class="amount">Amount</th></tr></thead>
  <tbody>
  {% for item in items %}
    <tr><td>{{ item.name }}</td><td>{{ item.quantity }} × {{ item.unit }}</td><td class="amount">{{ item.amount }}</td></tr>
  {% endfor %}
  </tbody>
  <tfoot>
    <tr><th scope="row" colspan="2">Subtotal</th><td class="amount">{{ subtotal }}</td></tr>
    {% if discount %}<tr><th scope="row" colspan="2">Discount ({{ coupon_name }})</th><td class="amount">−{{ discount }}</td></tr>{% endif %}
    {% if not shipping_options %}<tr><th scope="row" colspan="2">Total due</th><td class="amount">{{ total }}</td></tr>{% endif %}
  </tfoot>
</table>
</section>
<form method="post" action="/pay/{{ session_id }}"{% if errors %} aria-describedby="errors"{% endif %}>
{% if shipping_options %}
  <fieldset>
    <legend>Shipping method</legend>
    {% for option in shipping_options %}
    <div>
      <input type="radio" name="shipping_rate" id="shipping-{{ loop.index }}" value="{{ option.id }}"{% if option.checked %} checked{% endif %} required>
      <label for="shipping-{{ loop.index }}">{{ option.name }}: {{ option.amount }}{% if option.estimate %}, {{ option.estimate }}{% endif %} (total {{ option.total }})</label>
    </div>
    {% endfor %}
  </fieldset>
{% endif %}
  <fieldset>
    <legend>Contact information</legend>
    <label for="email">Email</label>
    <input type="email" id="email" name="email" value="{{ email }}" autocomplete="email" required>
  </fieldset>
  <fieldset>
    <legend>Shipping address</legend>
    <label for="name">Full name</label>
    <input id="name" name="name" value="{{ name }}" autocomplete="name" required>
    <label for="line1">Address</label>
    <input id="line1" name="line1" value="{{ line1 }}" autocomplete="address-line1" required>
    <label for="city">City</label>
    <input id="city" name="city" value="{{ city }}" autocomplete="address-level2" required>
    <label for="postal_code">Postal code</label>
    <input id="postal_code" name="postal_code" value="{{ postal_code }}" autocomplete="postal-code" required>
    {% if countries %}
    <label for="country">Country</label>
    <select id="country" name="country" autocomplete="country" required>
      {% for code, name in countries %}<option value="{{ code }}"{% if code == country %} selected{% endif %}>{{ name }}</option>{% endfor %}
    </select>
    {% endif %}
  </fieldset>
  <button type="submit">Pay</button>
</form>
<p><a href="{{ cancel_url }}">Cancel and return to the shop</a></p>
</main>
</body>
</html>
""")
_ERROR_PAGE = _TEMPLATES.from_string("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} – Fake Stripe</title>
<style>""" + _STYLE + """</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
<p>{{ message }}</p>
{% if link %}<p><a href="{{ link }}">Return to the shop</a></p>{% endif %}
</main>
</body>
</html>
""")
