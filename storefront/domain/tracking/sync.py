"""Tracking sync: ask carriers about open parcels in batches, record what they say exactly once, and keep the
shipment, the order and the shopper up to date. Staff add events by hand or from a CSV file for forwarders.

Recording is idempotent: an event is known by (shipment, time, carrier code), so running a sync twice, or
importing the same file twice, adds nothing. The shipment's status is that of its latest event by time,
whatever order the events arrive in, except that a delivered parcel stays delivered.
"""
from __future__ import annotations

import csv
import io
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from storefront.domain.carrier_accounts import config_for
from storefront.domain.database import begin_writing
from storefront.domain.tracking import events, exceptions
from storefront.domain.tracking.errors import (
    ImportProblem,
    TrackingError,
    TrackingErrorCode,
    TrackingImportError,
)
from storefront.domain.tracking.notifications import notify_delivered, send_after_commit
from storefront.domain.tracking.statuses import EVENT_STATUSES, OPEN_STATUSES, order_fulfillment_status, parse_status
from storefront.extensions import db
from storefront.integrations import carriers
from storefront.integrations.carriers.types import (
    CarrierConfig,
    CarrierError,
    CarrierErrorCode,
    TrackingEventData,
    TrackingResult,
    TrackingStatus,
)
from storefront.models import CarrierAccount, Order, Shipment, ShipmentStatus, StaffUser, TrackingEvent, utcnow

log = logging.getLogger(__name__)

# Numbers per tracking call; an account may lower it with settings["tracking_batch_size"].
DEFAULT_BATCH_SIZE = 25
BATCH_SIZES = {"ups": 10, "usps_international": 10}
# How soon to ask again about a parcel, by its status: sooner when it is about to arrive.
RECHECK_AFTER = {
    ShipmentStatus.LABEL_PURCHASED: timedelta(hours=6),
    ShipmentStatus.IN_TRANSIT: timedelta(hours=4),
    ShipmentStatus.OUT_FOR_DELIVERY: timedelta(hours=1),
    ShipmentStatus.FAILED_ATTEMPT: timedelta(hours=2),
    ShipmentStatus.EXCEPTION: timedelta(hours=3),
}
NOT_SCANNED_RECHECK = timedelta(hours=6)
# Back-off after a failed call: 15 min, 30 min, 1 h, … at most 12 h.
FIRST_RETRY = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=12)
# Stop calling an account for the rest of the run after these (another batch would fail the same way).
ACCOUNT_WIDE_ERRORS = (CarrierErrorCode.UNAVAILABLE, CarrierErrorCode.AUTHENTICATION, CarrierErrorCode.UNSUPPORTED)

MAX_CSV_ROWS = 5000
CSV_COLUMNS = ("tracking_number", "occurred_at", "status", "description", "location", "code")
REQUIRED_CSV_COLUMNS = ("tracking_number", "occurred_at", "status")
DESCRIPTION_MAX, LOCATION_MAX, CODE_MAX = 500, 255, 60
# A scan may be stamped a little ahead of our clock; beyond this it is a typo.
CLOCK_SKEW = timedelta(hours=1)


@dataclass
class SyncReport:
    checked: int = 0
    new_events: int = 0
    delivered: int = 0
    errors: int = 0
    not_scanned: int = 0  # numbers the carrier does not know yet
    problems: list[str] = field(default_factory=list)  # per account, in the carrier's words, for staff


@dataclass
class ImportReport:
    rows: int = 0
    new_events: int = 0
    duplicates: int = 0
    shipments: int = 0


@dataclass(frozen=True)
class _Due:
    shipment_id: int
    tracking_number: str


# -- recording -----------------------------------------------------------------------------------------------


def record_events(session: Session, shipment: Shipment, tracking_events: list[TrackingEventData], *,
                  source: str = "carrier", estimated_delivery: date | None = None, delivered: bool = False,
                  now: datetime | None = None) -> int:
    """Record the events not recorded yet and bring the shipment, its exception, the order's fulfilment status
    and the shopper's "delivered" e-mail up to date. Returns how many events were new."""
    return _apply(session, shipment, tracking_events, source=source, estimated_delivery=estimated_delivery,
                  delivered=delivered, now=now or utcnow())[0]


def _apply(session: Session, shipment: Shipment, tracking_events: list[TrackingEventData], *, source: str,
           now: datetime, estimated_delivery: date | None = None, delivered: bool = False) -> tuple[int, bool]:
    """(new events, whether the parcel became delivered)."""
    new = _insert_events(session, shipment, tracking_events, source)
    if estimated_delivery and shipment.status is not ShipmentStatus.DELIVERED:
        shipment.estimated_delivery = estimated_delivery
    before = shipment.status
    _update_shipment(session, shipment, delivered=delivered, now=now)
    became_delivered = before is not ShipmentStatus.DELIVERED and shipment.status is ShipmentStatus.DELIVERED
    if new or shipment.status is not before:
        exceptions.review_shipment(session, shipment, now=now)
    if shipment.status is not before:
        _update_order(session, shipment.order_id)
    if became_delivered and not shipment.delivered_email_sent_at:
        send_after_commit(session, notify_delivered, shipment.id)
    return new, became_delivered


def _insert_events(session: Session, shipment: Shipment, tracking_events: list[TrackingEventData], source: str) -> int:
    known = {(e.occurred_at, e.code) for e in shipment.events}
    added = 0
    for data in sorted(tracking_events, key=lambda e: e.occurred_at):
        occurred_at = data.occurred_at.astimezone(timezone.utc)
        code = (data.code or "")[:CODE_MAX]
        if (occurred_at, code) in known:
            continue
        known.add((occurred_at, code))
        offset = data.utc_offset_minutes
        if offset is None and data.occurred_at.utcoffset():  # a local time with its offset: keep the offset
            offset = int(data.occurred_at.utcoffset().total_seconds() // 60)
        event = TrackingEvent(shipment_id=shipment.id, occurred_at=occurred_at, code=code,
                              description=(data.description or "")[:DESCRIPTION_MAX],
                              location=(data.location or None) and data.location[:LOCATION_MAX],
                              status=ShipmentStatus(data.status.value), carrier_status=data.carrier_status,
                              utc_offset_minutes=offset, source=source)
        try:
            with session.begin_nested():
                session.add(event)
        except IntegrityError:
            continue  # another worker recorded the same event a moment ago
        added += 1
    if added:
        session.expire(shipment, ["events"])
    return added


def _update_shipment(session: Session, shipment: Shipment, *, delivered: bool, now: datetime) -> None:
    """Status from the events (latest by time wins; delivered is final), first scan and delivery times."""
    if shipment.status is ShipmentStatus.CANCELLED:
        return
    recorded = list(shipment.events)
    scans = [e for e in recorded if e.status is not ShipmentStatus.LABEL_PURCHASED]
    if scans:
        first_scan = min(e.occurred_at for e in scans)
        if shipment.shipped_at is None or first_scan < shipment.shipped_at:
            shipment.shipped_at = first_scan
    deliveries = [e for e in recorded if e.status is ShipmentStatus.DELIVERED]
    if deliveries:
        status, shipment.delivered_at = ShipmentStatus.DELIVERED, min(e.occurred_at for e in deliveries)
    elif shipment.status is ShipmentStatus.DELIVERED:
        return
    elif delivered:
        status = ShipmentStatus.DELIVERED
        shipment.delivered_at = max((e.occurred_at for e in recorded), default=now)
    elif recorded:
        status = max(recorded, key=lambda e: (e.occurred_at, e.id or 0)).status
    else:
        return
    if status is not shipment.status:
        events.shipment_status_changed(session, shipment=shipment, from_status=shipment.status.value,
                                       to_status=status.value)
        shipment.status = status
        if status not in OPEN_STATUSES:
            shipment.next_sync_at = None


def _update_order(session: Session, order_id: int) -> None:
    order = session.get(Order, order_id)
    shipments = session.scalars(select(Shipment).where(Shipment.order_id == order_id)).all()
    status = order_fulfillment_status(order, shipments)
    if status is not order.fulfillment_status:
        events.fulfillment_status_changed(session, order=order, from_status=order.fulfillment_status.value,
                                          to_status=status.value)
        order.fulfillment_status = status


# -- sync with the carriers ----------------------------------------------------------------------------------


def sync_tracking(session: Session, *, now: datetime | None = None, limit: int | None = None,
                  force: bool = False) -> SyncReport:
    """Ask the carriers about open shipments that are due (all open ones with `force`), at most `limit`.

    Commits after each batch and holds no transaction while a carrier is being asked. A carrier that is down
    or refuses our credentials is not asked again in this run, and its parcels are retried later with an
    exponential back-off.
    """
    now = now or utcnow()
    accounts = {a.id: a for a in session.scalars(select(CarrierAccount).order_by(CarrierAccount.id))}
    trackable = {spec.name for spec in carriers.carrier_specs() if spec.can_track}
    # Parcels shipped outside Clipper are followed through an account of the same carrier, when there is one.
    fallback = {}
    for account in accounts.values():
        if account.active and account.carrier_name in trackable:
            fallback.setdefault(account.carrier_name, account.id)
    query = (
        select(Shipment.id, Shipment.tracking_number, Shipment.carrier_account_id, Shipment.carrier_name)
        .where(Shipment.status.in_(OPEN_STATUSES), Shipment.tracking_number.is_not(None),
               Shipment.tracking_number != "", Shipment.carrier_name.in_(trackable),
               or_(Shipment.carrier_account_id.is_not(None), Shipment.carrier_name.in_(list(fallback))))
        .order_by(Shipment.next_sync_at.asc().nulls_first(), Shipment.id)
    )
    if not force:
        query = query.where(or_(Shipment.next_sync_at.is_(None), Shipment.next_sync_at <= now))
    if limit is not None:
        query = query.limit(limit)
    groups: dict[int, list[_Due]] = defaultdict(list)
    for shipment_id, number, account_id, carrier_name in session.execute(query):
        account_id = account_id if account_id in accounts else fallback.get(carrier_name)
        if account_id is not None:
            groups[account_id].append(_Due(shipment_id, number))
    return _sync_groups(session, {accounts[a]: due for a, due in groups.items()}, now)


def sync_shipment(session: Session, shipment: Shipment, *, now: datetime | None = None) -> SyncReport:
    """Ask the carrier about one shipment now, due or not (the admin's "refresh tracking")."""
    now = now or utcnow()
    account = session.get(CarrierAccount, shipment.carrier_account_id) if shipment.carrier_account_id else None
    if account is None and shipment.carrier_name:
        account = session.scalar(select(CarrierAccount).where(CarrierAccount.carrier_name == shipment.carrier_name,
                                                              CarrierAccount.active.is_(True))
                                 .order_by(CarrierAccount.id).limit(1))
    if account is None or not shipment.tracking_number or shipment.status not in OPEN_STATUSES:
        return SyncReport()
    return _sync_groups(session, {account: [_Due(shipment.id, shipment.tracking_number)]}, now)


def _sync_groups(session: Session, groups: dict[CarrierAccount, list[_Due]], now: datetime) -> SyncReport:
    report = SyncReport()
    plans: list[tuple[str, CarrierConfig | CarrierError, list[_Due], int]] = []
    for account, due in groups.items():
        name = f"{account.account_label} ({account.carrier_name})"
        try:
            config: CarrierConfig | CarrierError = config_for(account)
        except CarrierError as exc:
            config = exc
        size = int((account.settings or {}).get("tracking_batch_size") or BATCH_SIZES.get(account.carrier_name,
                                                                                       DEFAULT_BATCH_SIZE))
        plans.append((name, config, due, max(size, 1)))
    session.commit()  # no transaction stays open while carriers are asked
    for name, config, due, size in plans:
        if isinstance(config, CarrierError):
            _record_failure(session, due, config, now, report, name)
            continue
        for start in range(0, len(due), size):
            batch = due[start:start + size]
            try:
                results = carriers.fetch_tracking(config, [d.tracking_number for d in batch])
            except CarrierError as exc:
                if exc.code is CarrierErrorCode.NOT_FOUND:
                    results = {}
                elif exc.code in ACCOUNT_WIDE_ERRORS:
                    _record_failure(session, due[start:], exc, now, report, name)
                    break
                else:
                    _record_failure(session, batch, exc, now, report, name)
                    continue
            _apply_results(session, batch, results, now, report)
    return report


def _apply_results(session: Session, batch: list[_Due], results: dict[str, TrackingResult], now: datetime,
                   report: SyncReport) -> None:
    begin_writing(session)
    shipments = session.scalars(select(Shipment).where(Shipment.id.in_([d.shipment_id for d in batch]))
                                .options(selectinload(Shipment.events))).all()
    for shipment in shipments:
        if shipment.status not in OPEN_STATUSES:
            continue  # voided or delivered while we were asking
        report.checked += 1
        shipment.last_synced_at = now
        shipment.sync_failures = 0
        shipment.sync_error = None
        result = results.get(shipment.tracking_number)
        if result is None or not result.found:
            report.not_scanned += 1
            shipment.next_sync_at = now + NOT_SCANNED_RECHECK
            continue
        new, became_delivered = _apply(session, shipment, list(result.events), source="carrier", now=now,
                                       estimated_delivery=result.estimated_delivery, delivered=result.delivered)
        report.new_events += new
        report.delivered += int(became_delivered)
        if shipment.status in OPEN_STATUSES:
            shipment.next_sync_at = now + RECHECK_AFTER[shipment.status]
    session.commit()


def backoff(failures: int) -> timedelta:
    """Wait before asking again after `failures` failed calls in a row."""
    return min(FIRST_RETRY * (2 ** max(failures - 1, 0)), MAX_BACKOFF)


def _record_failure(session: Session, due: list[_Due], error: CarrierError, now: datetime, report: SyncReport,
                    account_name: str) -> None:
    report.errors += 1
    report.problems.append(f"{account_name}: {error.message}")
    log.warning("tracking sync: %s: %s (%s)", account_name, error.message, error.code.value)
    begin_writing(session)
    for shipment in session.scalars(select(Shipment).where(Shipment.id.in_([d.shipment_id for d in due]))):
        shipment.sync_failures += 1
        shipment.sync_error = error.message[:500]
        shipment.next_sync_at = now + backoff(shipment.sync_failures)
    session.commit()


def sync_tracking_job() -> SyncReport:
    """The periodic job (jobs.PERIODIC)."""
    return sync_tracking(db.session)


# -- events from staff ---------------------------------------------------------------------------------------


def parse_event(*, occurred_at: datetime | str | None, status: ShipmentStatus | str | None,
                description: str | None = None, location: str | None = None, code: str | None = None,
                now: datetime | None = None) -> TrackingEventData:
    """A tracking event typed by a person (form, CSV row, webhook); raises TrackingError naming the field."""
    moment = _parse_time(occurred_at)
    if moment > (now or utcnow()) + CLOCK_SKEW:
        raise TrackingError(TrackingErrorCode.FUTURE_TIME, "occurred_at", value=_text(occurred_at))
    parsed = status if isinstance(status, ShipmentStatus) else parse_status(status)
    if parsed is None or parsed not in EVENT_STATUSES:
        if not (status or "").strip():
            raise TrackingError(TrackingErrorCode.REQUIRED, "status", name="status")
        raise TrackingError(TrackingErrorCode.INVALID_STATUS, "status", value=status,
                            allowed=", ".join(s.value for s in EVENT_STATUSES))
    description, location, code = ((value or "").strip() for value in (description, location, code))
    for name, value, limit in (("description", description, DESCRIPTION_MAX), ("location", location, LOCATION_MAX),
                               ("code", code, CODE_MAX)):
        if len(value) > limit:
            raise TrackingError(TrackingErrorCode.TOO_LONG, name, name=name, limit=limit)
    return TrackingEventData(
        occurred_at=moment, status=TrackingStatus(parsed.value), code=code or parsed.value, description=description,
        location=location or None, utc_offset_minutes=int(moment.utcoffset().total_seconds() // 60))


def _parse_time(value: datetime | str | None) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif not (value or "").strip():
        raise TrackingError(TrackingErrorCode.REQUIRED, "occurred_at", name="occurred_at")
    else:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise TrackingError(TrackingErrorCode.INVALID_TIME, "occurred_at", value=value) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TrackingError(TrackingErrorCode.NO_UTC_OFFSET, "occurred_at", value=_text(value))
    return moment


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value or "")


def add_manual_event(session: Session, shipment: Shipment, *, occurred_at: datetime | str,
                     status: ShipmentStatus | str, description: str = "", location: str | None = None,
                     code: str | None = None, actor: StaffUser | None = None, now: datetime | None = None) -> bool:
    """Record an event staff read off a carrier's or forwarder's page; False when it was already recorded."""
    now = now or utcnow()
    if shipment.status in (ShipmentStatus.CANCELLED, ShipmentStatus.DRAFT):
        raise TrackingError(TrackingErrorCode.SHIPMENT_CLOSED)
    data = parse_event(occurred_at=occurred_at, status=status, description=description, location=location,
                       code=code, now=now)
    new, _ = _apply(session, shipment, [data], source="manual", now=now)
    if new:
        events.tracking_event_added(session, shipment=shipment, status=data.status.value,
                                    description=data.description, staff_user_id=actor.id if actor else None)
    return bool(new)


def import_events_csv(session: Session, file_text: str | bytes, *, actor: StaffUser | None = None,
                      now: datetime | None = None) -> ImportReport:
    """Record the events of a CSV file (columns tracking_number, occurred_at, status, description, location,
    code), typically exported from a forwarder's portal. All or nothing: a file with any bad row raises
    TrackingImportError listing every problem by row, and nothing is recorded."""
    now = now or utcnow()
    rows = _read_csv(file_text)
    numbers = {row["tracking_number"] for _, row in rows if row["tracking_number"]}
    by_number: dict[str, list[Shipment]] = defaultdict(list)
    if numbers:
        for shipment in session.scalars(
            select(Shipment).where(Shipment.tracking_number.in_(numbers),
                                   Shipment.status.not_in((ShipmentStatus.CANCELLED, ShipmentStatus.DRAFT)))
            .options(selectinload(Shipment.events))
        ):
            by_number[shipment.tracking_number].append(shipment)
    problems: list[ImportProblem] = []
    parsed: dict[int, tuple[Shipment, list[TrackingEventData]]] = {}
    for row_number, row in rows:
        number = row["tracking_number"]
        try:
            if not number:
                raise TrackingError(TrackingErrorCode.REQUIRED, "tracking_number", name="tracking_number")
            data = parse_event(occurred_at=row["occurred_at"], status=row["status"], description=row["description"],
                               location=row["location"], code=row["code"], now=now)
        except TrackingError as exc:
            problems.append(ImportProblem(row_number, exc.code, exc.params))
            continue
        matches = by_number.get(number, [])
        if len(matches) != 1:
            code = TrackingErrorCode.AMBIGUOUS_TRACKING_NUMBER if matches else TrackingErrorCode.UNKNOWN_TRACKING_NUMBER
            problems.append(ImportProblem(row_number, code, {"value": number}))
            continue
        parsed.setdefault(matches[0].id, (matches[0], []))[1].append(data)
    if problems:
        raise TrackingImportError(problems)
    report = ImportReport(rows=len(rows), shipments=len(parsed))
    for shipment, shipment_events in parsed.values():
        new, _ = _apply(session, shipment, shipment_events, source="import", now=now)
        report.new_events += new
        if new:
            events.tracking_events_imported(session, shipment=shipment, count=new,
                                            staff_user_id=actor.id if actor else None)
    report.duplicates = report.rows - report.new_events
    return report


def _read_csv(file_text: str | bytes) -> list[tuple[int, dict[str, str]]]:
    if isinstance(file_text, bytes):
        try:
            file_text = file_text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TrackingImportError([ImportProblem(None, TrackingErrorCode.NOT_CSV)]) from None
    reader = csv.reader(io.StringIO(file_text.lstrip("\ufeff"), newline=""))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        missing = [c for c in REQUIRED_CSV_COLUMNS if c not in header]
        if missing:
            raise TrackingImportError([ImportProblem(1, TrackingErrorCode.MISSING_COLUMN, {"column": c})
                                       for c in missing])
        rows = []
        for row_number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_CSV_ROWS:
                raise TrackingImportError([ImportProblem(None, TrackingErrorCode.TOO_MANY_ROWS,
                                                         {"limit": MAX_CSV_ROWS})])
            cells = dict(zip(header, values))
            rows.append((row_number, {c: (cells.get(c) or "").strip() for c in CSV_COLUMNS}))
    except csv.Error:
        raise TrackingImportError([ImportProblem(None, TrackingErrorCode.NOT_CSV)]) from None
    if not rows:
        raise TrackingImportError([ImportProblem(None, TrackingErrorCode.EMPTY_FILE)])
    return rows
