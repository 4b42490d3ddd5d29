"""Tracking: carrier sync, staff-recorded events, exceptions, the shopper's parcel view and e-mails.

Modules: `statuses` (our statuses and their names), `sync` (sync with carriers, manual and CSV events),
`exceptions` (rules, staff list, resolution, digest), `notifications` (shopper e-mails), `display` (parcels as
the shopper sees them), `webhooks` (pushed events), `events` (order timeline), `errors`.
"""
from __future__ import annotations

from storefront.domain.tracking.display import ParcelView, carrier_display_name, order_parcels, tracking_link
from storefront.domain.tracking.errors import ImportProblem, TrackingError, TrackingErrorCode, TrackingImportError
from storefront.domain.tracking.exceptions import (
    ExceptionRow,
    ResolutionAction,
    detect_exceptions,
    exception_label,
    open_exceptions,
    resolve_exception,
    send_exception_digest,
)
from storefront.domain.tracking.notifications import notify_delayed, notify_delivered, notify_shipped
from storefront.domain.tracking.statuses import status_label
from storefront.domain.tracking.sync import (
    ImportReport,
    SyncReport,
    add_manual_event,
    import_events_csv,
    record_events,
    sync_shipment,
    sync_tracking,
)
from storefront.domain.tracking.webhooks import carrier_webhook_url

__all__ = [
    "ExceptionRow", "ImportProblem", "ImportReport", "ParcelView", "ResolutionAction", "SyncReport", "TrackingError",
    "TrackingErrorCode", "TrackingImportError", "add_manual_event", "carrier_display_name", "carrier_webhook_url",
    "detect_exceptions", "exception_label", "import_events_csv", "notify_delayed", "notify_delivered",
    "notify_shipped", "open_exceptions", "order_parcels", "record_events", "resolve_exception",
    "send_exception_digest", "status_label", "sync_shipment", "sync_tracking", "tracking_link",
]
