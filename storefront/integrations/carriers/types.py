"""The carrier adapter's vocabulary: plain data in, plain data out, no karrio and no Flask.

The domain (storefront.domain.fulfillment, storefront.domain.tracking, checkout live rates) speaks only
these types; `storefront.integrations.carriers` turns them into karrio requests (or a forwarder's rate
table) and karrio's answers back into them. A connector for a carrier karrio lacks implements
`Connector` and registers itself, and nothing in the domain changes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol


class CarrierErrorCode(str, Enum):
    UNAVAILABLE = "unavailable"  # network trouble, timeout, carrier 5xx or rate limit: try again later
    INVALID_REQUEST = "invalid_request"  # the carrier refused what we sent; `field` names the culprit
    AUTHENTICATION = "authentication"  # credentials missing or refused
    NOT_FOUND = "not_found"  # e.g. a tracking number the carrier has never scanned
    UNSUPPORTED = "unsupported"  # this carrier cannot do that operation (e.g. void on a forwarder)


class CarrierError(Exception):
    """A carrier operation failed; `message` is the carrier's own words, safe to show to staff."""

    def __init__(
        self,
        code: CarrierErrorCode,
        message: str,
        *,
        carrier: str | None = None,
        field: str | None = None,
        details: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = CarrierErrorCode(code)
        self.message = message
        self.carrier = carrier
        self.field = field
        self.details = details or []

    @property
    def retryable(self) -> bool:
        return self.code is CarrierErrorCode.UNAVAILABLE

    def __repr__(self) -> str:
        return f"CarrierError({self.code.value!r}, {self.message!r}, carrier={self.carrier!r})"


class TrackingStatus(str, Enum):
    """Our tracking vocabulary; values equal storefront.models.ShipmentStatus values."""

    LABEL_PURCHASED = "label_purchased"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    FAILED_ATTEMPT = "failed_attempt"
    DELIVERED = "delivered"
    RETURNED = "returned"
    EXCEPTION = "exception"


@dataclass(frozen=True)
class Address:
    name: str
    street_lines: tuple[str, ...]
    city: str
    country_code: str  # ISO 3166-1 alpha-2
    postal_code: str | None = None
    state_code: str | None = None
    company: str | None = None
    phone: str | None = None
    email: str | None = None
    tax_id: str | None = None  # EORI, VAT or IOSS number where the carrier wants it on the party


@dataclass(frozen=True)
class Parcel:
    weight_grams: int
    length_mm: int | None = None
    width_mm: int | None = None
    height_mm: int | None = None
    packaging: str | None = None  # box preset name, for the label only


@dataclass(frozen=True)
class CustomsItem:
    description: str  # English customs description
    quantity: int
    unit_value: int  # minor units of CustomsDeclaration.currency
    weight_grams: int  # per unit
    hs_code: str | None = None
    origin_country: str | None = None
    sku: str | None = None


@dataclass(frozen=True)
class CustomsDeclaration:
    currency: str
    incoterm: str  # "DDP" or "DAP"
    items: tuple[CustomsItem, ...]
    invoice_number: str
    invoice_date: date
    content_type: str = "merchandise"
    ioss_number: str | None = None  # EU consignments up to EUR 150
    eori_number: str | None = None
    vat_number: str | None = None  # e.g. UK VAT for consignments up to GBP 135
    duty_paid_by: str | None = None  # "sender" (DDP) or "recipient" (DAP)


@dataclass(frozen=True)
class ShipmentRequest:
    shipper: Address
    recipient: Address
    parcels: tuple[Parcel, ...]
    reference: str  # our order number, printed on the label
    customs: CustomsDeclaration | None = None
    service_code: str | None = None  # None when rating all enabled services
    label_format: str = "PDF"  # "PDF" or "ZPL"
    currency: str | None = None  # preferred currency for rates
    ship_date: date | None = None
    idempotency_key: str | None = None
    tracking_number: str | None = None  # forwarders: the number the forwarder's portal gave us


@dataclass(frozen=True)
class CarrierConfig:
    """Everything the adapter needs to talk to one carrier account; built from CarrierAccount."""

    carrier_name: str  # "mydhl", "fedex", "ups", "usps_international", or a forwarder such as "yunexpress"
    account_id: int | None  # our CarrierAccount id, echoed on quotes
    credentials: dict[str, str]  # decrypted: username/password, client_id/client_secret, account_number...
    test_mode: bool = True
    services: tuple[str, ...] = ()  # enabled service codes; empty = all the carrier offers
    settings: dict[str, Any] = field(default_factory=dict)  # forwarder rate tables, account currency...
    server_url: str | None = None  # overrides the carrier's API base (tests and demo point it at a fake)
    tracking_url_template: str | None = None  # "https://t.17track.net/en#nums={tracking_number}"
    timeout_seconds: float = 20.0


@dataclass(frozen=True)
class RateQuote:
    carrier_name: str
    account_id: int | None
    service_code: str
    service_name: str
    amount: int  # minor units of `currency`
    currency: str
    transit_days: int | None = None
    estimated_delivery: date | None = None
    incoterm: str | None = None  # what the quote covers, when the carrier says
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    kind: str  # "label", "invoice"
    format: str  # "PDF", "ZPL", "PNG"
    content: bytes


@dataclass(frozen=True)
class BookedShipment:
    carrier_name: str
    tracking_number: str
    carrier_shipment_id: str | None
    label: Document
    documents: tuple[Document, ...] = ()  # e.g. the carrier's own commercial invoice
    amount: int | None = None  # what the carrier charged, minor units
    currency: str | None = None
    tracking_url: str | None = None
    service_code: str | None = None
    estimated_delivery: date | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrackingEventData:
    occurred_at: datetime  # timezone-aware
    status: TrackingStatus
    code: str  # the carrier's event code
    description: str  # the carrier's own words, as given
    location: str | None = None
    carrier_status: str | None = None  # karrio's status name for the event, when it has one
    utc_offset_minutes: int | None = None  # the scan's local offset, when the carrier said


@dataclass(frozen=True)
class TrackingResult:
    tracking_number: str
    found: bool  # False: the carrier does not know the number yet ("not yet scanned")
    events: tuple[TrackingEventData, ...] = ()
    status: TrackingStatus | None = None
    delivered: bool = False
    estimated_delivery: date | None = None


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    name: str
    level: str  # "express", "standard", "postal", "dedicated_line"
    supports_ddp: bool = True


@dataclass(frozen=True)
class CredentialField:
    name: str
    label: str
    secret: bool = False
    required: bool = True


@dataclass(frozen=True)
class CarrierSpec:
    """What the admin needs to offer a carrier: its fields, services and abilities."""

    name: str
    display_name: str
    credential_fields: tuple[CredentialField, ...]
    services: tuple[ServiceInfo, ...]
    is_forwarder: bool = False  # no carrier API: rate table, our own label, tracking by URL + imports
    can_void: bool = True
    can_track: bool = True
    tracking_url_template: str | None = None  # default, "{tracking_number}" is substituted


class Connector(Protocol):
    """One carrier integration. Every method raises CarrierError on failure, never anything else."""

    spec: CarrierSpec

    def rates(self, config: CarrierConfig, request: ShipmentRequest) -> list[RateQuote]: ...

    def book(self, config: CarrierConfig, request: ShipmentRequest) -> BookedShipment: ...

    def void(self, config: CarrierConfig, tracking_number: str, carrier_shipment_id: str | None) -> None: ...

    def track(self, config: CarrierConfig, tracking_numbers: list[str]) -> dict[str, TrackingResult]: ...
