"""Carrier webhooks: a secret URL per carrier account where tracking events can be pushed to the shop.

karrio (2026.1) parses no carrier's webhook payloads: its `Webhook` interface only registers and deregisters
subscriptions, and none of the connectors we use (mydhl, fedex, ups, usps_international, generic) implement
even that. Carriers that push (FedEx, UPS) need a subscription of their own or a tracking aggregator, so the
URL takes one simple, documented JSON shape that an aggregator or a small relay can send:

    POST /webhooks/carriers/<account id>/<token>
    {"tracking_number": "1234567890",
     "estimated_delivery": "2026-03-04",                          (optional)
     "events": [{"occurred_at": "2026-03-01T14:05:00+09:00",      (ISO 8601 with the scan's UTC offset)
                 "status": "in_transit",                          (ours, or karrio's: picked_up, on_hold, …)
                 "description": "Arrived at DHL facility",        (the carrier's words, shown as given)
                 "location": "TOKYO - JAPAN", "code": "AF"}]}     (optional)

The token is an HMAC of the account id with the shop's secret key (shown in the admin with the account);
posting the same events again adds nothing.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
from datetime import date, datetime
from typing import Any

from flask import current_app, url_for
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from storefront.domain.tracking.errors import TrackingError, TrackingErrorCode
from storefront.domain.tracking.sync import parse_event, record_events
from storefront.models import CarrierAccount, Shipment, ShipmentStatus, utcnow

MAX_EVENTS = 500


class WebhookOutcome(str, enum.Enum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # every event was known already
    UNKNOWN_SHIPMENT = "unknown_shipment"  # not a parcel of this account (or voided): ignored


def webhook_token(account_id: int, secret_key: str | None = None) -> str:
    secret = (secret_key or current_app.config["CLIPPER"].secret_key).encode()
    return hmac.new(secret, f"clipper:carrier-webhook:{account_id}".encode(), hashlib.sha256).hexdigest()[:40]


def carrier_webhook_url(account: CarrierAccount) -> str:
    """The account's webhook address, for staff to give to the carrier or the aggregator."""
    token = webhook_token(account.id)
    public = current_app.config["CLIPPER"].public_url
    if public:
        return public.rstrip("/") + url_for("webhooks.carrier_events", account_id=account.id, token=token)
    return url_for("webhooks.carrier_events", account_id=account.id, token=token, _external=True)


def account_for_webhook(session: Session, account_id: int, token: str) -> CarrierAccount | None:
    """The account the URL belongs to, or None when the token is not the right one."""
    if not hmac.compare_digest(webhook_token(account_id).encode(), (token or "").encode()):
        return None
    return session.get(CarrierAccount, account_id)


def receive_carrier_events(session: Session, account: CarrierAccount, payload: Any, *,
                           now: datetime | None = None) -> tuple[WebhookOutcome, int]:
    """Record pushed events on the account's parcel; raises TrackingError naming what is wrong with the body."""
    now = now or utcnow()
    if not isinstance(payload, dict):
        raise TrackingError(TrackingErrorCode.REQUIRED, "tracking_number", name="tracking_number")
    number = payload.get("tracking_number")
    if not isinstance(number, str) or not number.strip():
        raise TrackingError(TrackingErrorCode.REQUIRED, "tracking_number", name="tracking_number")
    raw_events = payload.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        raise TrackingError(TrackingErrorCode.REQUIRED, "events", name="events")
    if len(raw_events) > MAX_EVENTS:
        raise TrackingError(TrackingErrorCode.TOO_MANY_ROWS, "events", limit=MAX_EVENTS)
    parsed = []
    for index, raw in enumerate(raw_events):
        if not isinstance(raw, dict):
            raise TrackingError(TrackingErrorCode.REQUIRED, f"events[{index}]", name=f"events[{index}]")
        try:
            parsed.append(parse_event(occurred_at=_string(raw.get("occurred_at")), status=_string(raw.get("status")),
                                      description=_string(raw.get("description")),
                                      location=_string(raw.get("location")), code=_string(raw.get("code")), now=now))
        except TrackingError as exc:
            raise TrackingError(exc.code, f"events[{index}].{exc.field}", **exc.params) from None
    estimated = _date(payload.get("estimated_delivery"))
    shipment = session.scalar(
        select(Shipment).where(
            Shipment.tracking_number == number.strip(),
            Shipment.status.not_in((ShipmentStatus.DRAFT, ShipmentStatus.CANCELLED)),
            or_(Shipment.carrier_account_id == account.id,
                and_(Shipment.carrier_account_id.is_(None), Shipment.carrier_name == account.carrier_name)))
        .options(selectinload(Shipment.events)).order_by(Shipment.id.desc()).limit(1)
    )
    if shipment is None:
        return WebhookOutcome.UNKNOWN_SHIPMENT, 0
    new = record_events(session, shipment, parsed, source="webhook", estimated_delivery=estimated, now=now)
    return (WebhookOutcome.RECORDED if new else WebhookOutcome.DUPLICATE), new


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None if value is None else str(value)


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise TrackingError(TrackingErrorCode.INVALID_TIME, "estimated_delivery", value=value) from None
