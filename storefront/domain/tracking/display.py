"""Parcels as the shopper sees them (order status page and e-mails): carrier, tracking link, status in their
language, estimated delivery and the carrier's events at the local time of each scan."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_timezone_gmt
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.domain.mail import babel_locale_name
from storefront.domain.tracking.statuses import VISIBLE_STATUSES, status_label
from storefront.integrations import carriers
from storefront.integrations.carriers.types import CarrierConfig, CarrierError
from storefront.models import CarrierAccount, Order, Shipment, ShipmentStatus, TrackingEvent


@dataclass(frozen=True)
class EventView:
    occurred_at: datetime  # at the scan's own UTC offset when the carrier gave it, else UTC
    when: str  # "1. März 2026, 14:05 (GMT+09:00)"
    status: ShipmentStatus
    status_label: str  # lazily translated: renders in the language of the page or e-mail
    description: str  # the carrier's words, as given
    location: str | None


@dataclass(frozen=True)
class ParcelItem:
    title: str
    variant_title: str | None
    quantity: int


@dataclass(frozen=True)
class ParcelView:
    id: int
    carrier: str
    service: str | None
    tracking_number: str | None
    tracking_url: str | None
    status: ShipmentStatus
    status_label: str
    estimated_delivery: date | None
    estimated_delivery_text: str | None  # "Mittwoch, 4. März 2026"
    delivered_text: str | None
    events: tuple[EventView, ...]  # newest first
    items: tuple[ParcelItem, ...]
    fulfilled_elsewhere: bool

    @property
    def not_yet_scanned(self) -> bool:
        """No scan from the carrier yet: a fresh label, or a number the carrier does not know yet."""
        return not self.events


def carrier_display_name(carrier_name: str | None) -> str:
    """"DHL Express" for "mydhl"; a carrier we have no connector for keeps the name staff typed."""
    if not carrier_name:
        return ""
    try:
        return carriers.get_spec(carrier_name).display_name
    except CarrierError:
        return carrier_name


def tracking_link(shipment: Shipment, account: CarrierAccount | None = None) -> str | None:
    """Where anyone can follow the parcel: the URL the carrier (or staff) gave, else the carrier's tracking page
    (the account's template, else the carrier's default)."""
    if shipment.tracking_url and _is_web_url(shipment.tracking_url):
        return shipment.tracking_url
    if not shipment.tracking_number or not shipment.carrier_name:
        return None
    # Only the template is needed to build a public link: no credentials are unsealed for it.
    config = CarrierConfig(carrier_name=shipment.carrier_name, account_id=account.id if account else None,
                           credentials={}, tracking_url_template=account.tracking_url_template if account else None)
    try:
        url = carriers.tracking_url(config, shipment.tracking_number)
    except CarrierError:
        return None
    return url if url and _is_web_url(url) else None


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def format_event_time(moment: datetime, offset_minutes: int | None, locale: str) -> tuple[datetime, str]:
    """The scan's time where it happened (the carrier's offset) in the shopper's way of writing dates."""
    tz = timezone(timedelta(minutes=offset_minutes)) if offset_minutes is not None else timezone.utc
    local = moment.astimezone(tz)
    babel_locale = Locale.parse(babel_locale_name(locale))
    day = format_skeleton("yMMMd", local, tzinfo=tz, locale=babel_locale)
    clock = format_time(local, "short", tzinfo=tz, locale=babel_locale)
    glue = babel_locale.datetime_formats["medium"]
    text = glue.replace("{1}", day).replace("{0}", clock)
    return local, f"{text} ({get_timezone_gmt(local, 'long', locale=babel_locale)})"


def format_day(day: date, locale: str) -> str:
    return format_date(day, "full", locale=Locale.parse(babel_locale_name(locale)))


def event_view(event: TrackingEvent, locale: str) -> EventView:
    local, when = format_event_time(event.occurred_at, event.utc_offset_minutes, locale)
    return EventView(occurred_at=local, when=when, status=event.status, status_label=status_label(event.status),
                     description=event.description, location=event.location)


def parcel_view(shipment: Shipment, order: Order, locale: str, account: CarrierAccount | None = None) -> ParcelView:
    lines = {line.id: line for line in order.lines}
    items = tuple(ParcelItem(title=lines[sl.order_line_id].title, variant_title=lines[sl.order_line_id].variant_title,
                             quantity=sl.quantity)
                  for sl in shipment.lines if sl.order_line_id in lines)
    events = sorted(shipment.events, key=lambda e: (e.occurred_at, e.id or 0), reverse=True)
    delivered = None
    if shipment.status is ShipmentStatus.DELIVERED and shipment.delivered_at:
        # At the place of delivery when the carrier's scan said where that was.
        scan = next((e for e in reversed(events) if e.status is ShipmentStatus.DELIVERED), None)
        delivered = format_event_time(shipment.delivered_at, scan.utc_offset_minutes if scan else None, locale)[1]
    return ParcelView(
        id=shipment.id,
        carrier=carrier_display_name(shipment.carrier_name),
        service=shipment.service_name,
        tracking_number=shipment.tracking_number,
        tracking_url=tracking_link(shipment, account),
        status=shipment.status,
        status_label=status_label(shipment.status),
        estimated_delivery=shipment.estimated_delivery,
        estimated_delivery_text=format_day(shipment.estimated_delivery, locale) if shipment.estimated_delivery
        and shipment.status not in (ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED) else None,
        delivered_text=delivered,
        events=tuple(event_view(e, locale) for e in events),
        items=items,
        fulfilled_elsewhere=shipment.fulfilled_elsewhere,
    )


def order_parcels(session: Session, order: Order, locale: str) -> list[ParcelView]:
    """The order's parcels, oldest first, in two or three queries whatever their number."""
    shipments = session.scalars(
        select(Shipment).where(Shipment.order_id == order.id, Shipment.status.in_(VISIBLE_STATUSES))
        .options(selectinload(Shipment.events), selectinload(Shipment.lines))
        .order_by(Shipment.created_at, Shipment.id)
    ).all()
    account_ids = {s.carrier_account_id for s in shipments if s.carrier_account_id and not s.tracking_url}
    accounts = ({a.id: a for a in session.scalars(select(CarrierAccount).where(CarrierAccount.id.in_(account_ids)))}
                if account_ids else {})
    return [parcel_view(s, order, locale, accounts.get(s.carrier_account_id)) for s in shipments]


def shipment_parcel(session: Session, shipment: Shipment, order: Order, locale: str) -> ParcelView:
    """One parcel, for an e-mail about it."""
    account = session.get(CarrierAccount, shipment.carrier_account_id) if shipment.carrier_account_id else None
    return parcel_view(shipment, order, locale, account)
