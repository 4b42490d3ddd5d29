"""Fulfilment: from a paid order to a booked shipment with label, customs declaration and commercial invoice.

planning (who ships what) → parcels (weight, box) → address / customs (what a carrier and customs need) →
rates (live quotes side by side) → actions (book, void, cancel a draft, fulfilled elsewhere) → documents
(labels, commercial invoice) and batches (labels for many orders in a background job). Errors are
FulfillmentError with a FulfillmentErrorCode and a message saying what to fix.
"""
from storefront.domain.fulfillment.actions import (
    book_shipment,
    cancel_draft,
    mark_fulfilled_elsewhere,
    shipment_for_key,
    void_shipment,
)
from storefront.domain.fulfillment.address import validate_address
from storefront.domain.fulfillment.batches import run_label_batch_job, start_label_batch
from storefront.domain.fulfillment.calculations import OrderMargin, order_margin
from storefront.domain.fulfillment.customs import build_customs
from storefront.domain.fulfillment.documents import invoice_document, label_document
from storefront.domain.fulfillment.errors import FulfillmentError, FulfillmentErrorCode
from storefront.domain.fulfillment.parcels import Parcel, draft_parcel
from storefront.domain.fulfillment.planning import (
    FulfillmentPlan,
    LocationPlan,
    PlannedLine,
    plan_fulfillment,
    unfulfilled_quantities,
)
from storefront.domain.fulfillment.rates import CarrierQuotes, Quote, quote_rates

__all__ = [
    "CarrierQuotes", "FulfillmentError", "FulfillmentErrorCode", "FulfillmentPlan", "LocationPlan", "OrderMargin",
    "Parcel", "PlannedLine", "Quote", "book_shipment", "build_customs", "cancel_draft", "draft_parcel",
    "invoice_document", "label_document", "mark_fulfilled_elsewhere", "order_margin", "plan_fulfillment",
    "quote_rates", "run_label_batch_job", "shipment_for_key", "start_label_batch", "unfulfilled_quantities",
    "validate_address", "void_shipment",
]
