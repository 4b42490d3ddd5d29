"""Parcels that need attention before the shopper asks: stalled, late, failed delivery, returned, held in customs
or in trouble at the carrier. Flagged on the shipment (kind, reason in English for staff, since when), cleared
when the parcel moves on, resolved by staff on the order timeline, and summed up for the owner once a day."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from storefront.domain import mail
from storefront.domain.store import load_store_settings
from storefront.domain.tracking import events
from storefront.domain.tracking.display import carrier_display_name
from storefront.domain.tracking.errors import TrackingError, TrackingErrorCode
from storefront.domain.tracking.notifications import SHOPPER_NOTICE_KINDS, notify_delayed, send_after_commit
from storefront.domain.tracking.statuses import OPEN_STATUSES
from storefront.extensions import db
from storefront.integrations import carriers
from storefront.integrations.carriers.types import CarrierError
from storefront.models import (
    Order,
    OrderEvent,
    ServiceLevel,
    Shipment,
    ShipmentException,
    ShipmentStatus,
    StaffUser,
    TrackingEvent,
    utcnow,
)

# Days without a tracking event after which a parcel counts as stalled, by service level. A constant rather
# than a store setting: StoreSettings has no column for it (yet); change it here.
STALL_DAYS = {
    ServiceLevel.EXPRESS: 3,
    ServiceLevel.LOCAL: 3,
    ServiceLevel.STANDARD: 5,
    ServiceLevel.POSTAL: 10,
    ServiceLevel.DEDICATED_LINE: 10,
}
# A parcel is late once this long has passed after its estimated delivery day.
LATE_AFTER = timedelta(days=1)
# Customs holds: what carriers write (in the languages carriers write in), and codes that mean it outright.
CUSTOMS_WORDS = ("customs", "clearance", "zoll", "douane", "aduana", "dogana", "通関", "税関", "海关", "清关")
HOLD_WORDS = ("hold", "held", "delay", "await", "pending", "inspect", "detain", "document", "duties", "duty",
              "unpaid", "information required", "verzögert", "retenu", "保留", "滞留", "扣")
MOVED_ON_WORDS = ("cleared", "released", "complete", "freigegeben", "dédouané", "放行", "通関済")
CUSTOMS_HOLD_CODES = {"mydhl": frozenset({"CD"}), "fedex": frozenset({"CD"})}  # "Clearance delay"
NOTE_MAX = 1000

EXCEPTION_NAMES = {
    ShipmentException.STALLED: _l("Stalled"),
    ShipmentException.LATE: _l("Late"),
    ShipmentException.FAILED_DELIVERY: _l("Delivery failed"),
    ShipmentException.RETURNED: _l("Returned"),
    ShipmentException.CUSTOMS_HOLD: _l("Held in customs"),
    ShipmentException.CARRIER_EXCEPTION: _l("Carrier exception"),
}


class ResolutionAction(str, enum.Enum):
    RESHIP = "reship"
    REFUND = "refund"
    CONTACT_CARRIER = "contact_carrier"
    DISMISS = "dismiss"


RESOLUTION_NAMES = {
    ResolutionAction.RESHIP: _l("Reship"),
    ResolutionAction.REFUND: _l("Refund"),
    ResolutionAction.CONTACT_CARRIER: _l("Contact the carrier"),
    ResolutionAction.DISMISS: _l("Dismiss"),
}


@dataclass(frozen=True)
class Finding:
    kind: ShipmentException
    reason: str  # English, for staff
    since: datetime


@dataclass(frozen=True)
class ExceptionRow:
    shipment: Shipment
    order: Order
    kind: ShipmentException
    reason: str
    since: datetime
    age: timedelta

    @property
    def kind_label(self) -> str:
        return exception_label(self.kind)

    @property
    def carrier(self) -> str:
        return carrier_display_name(self.shipment.carrier_name)


def exception_label(kind: ShipmentException | str) -> str:
    return EXCEPTION_NAMES[ShipmentException(getattr(kind, "value", kind))]


def stall_days(shipment: Shipment) -> int:
    return STALL_DAYS.get(shipment.service_level or ServiceLevel.STANDARD, STALL_DAYS[ServiceLevel.STANDARD])


# -- the rules -----------------------------------------------------------------------------------------------


def evaluate(shipment: Shipment, now: datetime) -> Finding | None:
    """What is wrong with the parcel now, if anything; the most pressing rule first."""
    if shipment.status not in (*OPEN_STATUSES, ShipmentStatus.RETURNED):
        return None
    latest = max(shipment.events, key=lambda e: (e.occurred_at, e.id or 0), default=None)
    said = f": {latest.description}" if latest is not None and latest.description else ""
    if shipment.status is ShipmentStatus.RETURNED:
        since = latest.occurred_at if latest is not None else now
        return Finding(ShipmentException.RETURNED, f"The parcel is being returned to the sender{said}", since)
    if latest is not None and is_customs_hold(shipment.carrier_name, latest):
        return Finding(ShipmentException.CUSTOMS_HOLD, f"Held in customs{said}", latest.occurred_at)
    if latest is not None and latest.status is ShipmentStatus.FAILED_ATTEMPT:
        return Finding(ShipmentException.FAILED_DELIVERY, f"Delivery attempt failed{said}", latest.occurred_at)
    if latest is not None and latest.status is ShipmentStatus.EXCEPTION:
        return Finding(ShipmentException.CARRIER_EXCEPTION, f"The carrier reports a problem{said}",
                       latest.occurred_at)
    if shipment.estimated_delivery is not None:
        late_from = datetime.combine(shipment.estimated_delivery + LATE_AFTER + timedelta(days=1), time(),
                                     tzinfo=timezone.utc)
        if now >= late_from:
            days = (now.date() - shipment.estimated_delivery).days
            return Finding(ShipmentException.LATE, f"Expected on {shipment.estimated_delivery.isoformat()}, "
                           f"still not delivered {days} days later", late_from)
    if latest is None and not is_tracked_automatically(shipment):
        return None  # no scan ever comes by itself (forwarders, other carriers): silence says nothing
    limit = stall_days(shipment)
    last_news = latest.occurred_at if latest is not None else (shipment.label_created_at or shipment.created_at)
    if last_news is not None and now - last_news > timedelta(days=limit):
        level = (shipment.service_level or ServiceLevel.STANDARD).value.replace("_", " ")
        idle = (now - last_news).days
        what = "No tracking update" if latest is not None else "No carrier scan since the label was created"
        return Finding(ShipmentException.STALLED, f"{what} for {idle} days ({level} service: {limit} days allowed)",
                       last_news + timedelta(days=limit))
    return None


def is_tracked_automatically(shipment: Shipment) -> bool:
    """Tracking sync asks this parcel's carrier for scans (not a forwarder followed by imported events)."""
    try:
        return bool(shipment.carrier_name) and carriers.get_spec(shipment.carrier_name).can_track
    except CarrierError:
        return False


def is_customs_hold(carrier_name: str | None, event: TrackingEvent) -> bool:
    """The event says the parcel is held or delayed in customs (not merely that customs cleared it)."""
    if event.code and event.code in CUSTOMS_HOLD_CODES.get(carrier_name or "", ()):
        return True
    text = f"{event.description} {event.code}".lower()
    if not any(word in text for word in CUSTOMS_WORDS) or any(word in text for word in MOVED_ON_WORDS):
        return False
    return event.carrier_status == "on_hold" or event.status is ShipmentStatus.EXCEPTION or any(
        word in text for word in HOLD_WORDS)


def review_shipment(session: Session, shipment: Shipment, *, now: datetime | None = None) -> ShipmentException | None:
    """Flag, change or clear the shipment's exception as the rules say now. Returns the kind when one is newly
    flagged; the shopper is told (after commit) about delays they would otherwise wonder about."""
    now = now or utcnow()
    finding = evaluate(shipment, now)
    current = shipment.exception_kind
    if finding is not None and current is None and _resolved_recently(session, shipment, finding, now):
        finding = None
    if finding is None:
        if current is not None:
            events.exception_cleared(session, shipment=shipment, kind=current.value)
            _clear(shipment)
            shipment.exception_notified_at = None  # the parcel moved on: a new delay deserves a new word
        return None
    if finding.kind is current:
        return None
    shipment.exception_kind = finding.kind
    shipment.exception_reason = finding.reason
    shipment.exception_since = finding.since
    events.exception_flagged(session, shipment=shipment, kind=finding.kind.value, reason=finding.reason)
    if finding.kind in SHOPPER_NOTICE_KINDS and not shipment.exception_notified_at:
        send_after_commit(session, notify_delayed, shipment.id)
    return finding.kind


def _clear(shipment: Shipment) -> None:
    shipment.exception_kind = None
    shipment.exception_reason = None
    shipment.exception_since = None


def _resolved_recently(session: Session, shipment: Shipment, finding: Finding, now: datetime) -> bool:
    """Staff resolved this parcel's exception and nothing new happened since: do not raise it again at once.
    A stall or delay comes back after another stall period without news."""
    resolved = [created for created, data in session.execute(
        select(OrderEvent.created_at, OrderEvent.data)
        .where(OrderEvent.order_id == shipment.order_id, OrderEvent.type == events.EXCEPTION_RESOLVED)
    ) if (data or {}).get("shipment_id") == shipment.id]
    if not resolved:
        return False
    resolved_at = max(resolved)
    if any(event.created_at > resolved_at for event in shipment.events):
        return False
    if finding.kind in (ShipmentException.STALLED, ShipmentException.LATE):
        return now - resolved_at < timedelta(days=stall_days(shipment))
    return True


def detect_exceptions(session: Session, *, now: datetime | None = None) -> list[Shipment]:
    """Run the rules over every parcel on its way (and every flagged one); returns those newly flagged."""
    now = now or utcnow()
    shipments = session.scalars(
        select(Shipment).where(or_(Shipment.status.in_(OPEN_STATUSES), Shipment.exception_kind.is_not(None)))
        .options(selectinload(Shipment.events)).order_by(Shipment.id)
    ).all()
    return [s for s in shipments if review_shipment(session, s, now=now) is not None]


def detect_exceptions_job() -> int:
    """The periodic job (jobs.PERIODIC)."""
    return len(detect_exceptions(db.session))


# -- staff ---------------------------------------------------------------------------------------------------


def open_exceptions(session: Session, *, now: datetime | None = None) -> list[ExceptionRow]:
    """Every flagged parcel with its order, the oldest problem first."""
    now = now or utcnow()
    rows = session.execute(
        select(Shipment, Order).join(Order, Order.id == Shipment.order_id)
        .where(Shipment.exception_kind.is_not(None))
        .order_by(Shipment.exception_since, Shipment.id)
    ).all()
    return [ExceptionRow(shipment=s, order=o, kind=s.exception_kind, reason=s.exception_reason or "",
                         since=s.exception_since or s.updated_at, age=now - (s.exception_since or s.updated_at))
            for s, o in rows]


def resolve_exception(session: Session, shipment: Shipment, *, action: ResolutionAction | str, note: str = "",
                      actor: StaffUser | None = None) -> None:
    """Record on the order's timeline how staff dealt with the exception, and clear it. Reshipping or refunding
    itself is done with the fulfilment and refund screens; this records the decision."""
    try:
        action = ResolutionAction(action)
    except ValueError:
        raise TrackingError(TrackingErrorCode.INVALID_ACTION, "action") from None
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise TrackingError(TrackingErrorCode.TOO_LONG, "note", name="note", limit=NOTE_MAX)
    if shipment.exception_kind is None:
        raise TrackingError(TrackingErrorCode.NOT_AN_EXCEPTION)
    events.exception_resolved(session, shipment=shipment, kind=shipment.exception_kind.value, action=action.value,
                              note=note, staff_user_id=actor.id if actor else None)
    _clear(shipment)


def send_exception_digest(session: Session, *, now: datetime | None = None) -> int:
    """One e-mail to the store's contact address listing the open exceptions; returns how many it listed
    (0: nothing to say, or no contact address, and nothing sent)."""
    rows = open_exceptions(session, now=now)
    store = load_store_settings(session)
    if not rows or not store.contact_email:
        return 0
    mail.send_email("exception_digest", store.contact_email, "en", rows=rows)
    return len(rows)


def exception_digest_job() -> int:
    """The daily job (jobs.PERIODIC)."""
    return send_exception_digest(db.session)
