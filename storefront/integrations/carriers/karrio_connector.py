"""Any carrier karrio has a connector for, behind our `Connector` interface.

`KarrioConnector` turns our plain types (types.py) into karrio's unified models, runs the karrio call
against a gateway built from the `CarrierConfig`, and turns karrio's `(result, messages)` back into our
types or a `CarrierError` that says, in the carrier's words, what went wrong. What differs between
carriers lives in a small module per carrier (see `karrio_carriers`).

All karrio calls run in a worker thread boxed by `config.timeout_seconds`: karrio's connectors do not pass
a timeout to the HTTP layer, so a carrier that hangs would otherwise hang the admin page or the checkout.
"""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from types import ModuleType
from typing import Any

from babel.numbers import get_currency_precision

from storefront.integrations.carriers import karrio_runtime as runtime
from storefront.integrations.carriers.karrio_carriers import carrier_modules
from storefront.integrations.carriers.types import (
    Address,
    BookedShipment,
    CarrierConfig,
    CarrierError,
    CarrierErrorCode,
    CarrierSpec,
    CustomsDeclaration,
    Document,
    Parcel,
    RateQuote,
    ShipmentRequest,
    TrackingEventData,
    TrackingResult,
    TrackingStatus,
)

log = logging.getLogger(__name__)

GRAMS_PER_POUND = Decimal("453.59237")
MM_PER_INCH = Decimal("25.4")

# karrio's normalized tracking statuses (karrio.core.units.TrackingStatus names) → ours.
KARRIO_STATUSES: dict[str, TrackingStatus] = {
    "pending": TrackingStatus.LABEL_PURCHASED,
    "picked_up": TrackingStatus.IN_TRANSIT,
    "in_transit": TrackingStatus.IN_TRANSIT,
    "delivery_delayed": TrackingStatus.IN_TRANSIT,  # the delay itself is judged by the exception rules
    "ready_for_pickup": TrackingStatus.OUT_FOR_DELIVERY,
    "out_for_delivery": TrackingStatus.OUT_FOR_DELIVERY,
    "delivery_failed": TrackingStatus.FAILED_ATTEMPT,
    "delivered": TrackingStatus.DELIVERED,
    "return_to_sender": TrackingStatus.RETURNED,
    "on_hold": TrackingStatus.EXCEPTION,  # held, typically in customs
    "cancelled": TrackingStatus.EXCEPTION,
}

AUTHENTICATION_STATUSES = frozenset({"401", "403"})
UNAVAILABLE_STATUSES = frozenset({"408", "429", "500", "502", "503", "504", "522", "524"})
KARRIO_UNSUPPORTED = "SHIPPING_SDK_NON_SUPPORTED_ERROR"


# --- money and units --------------------------------------------------------------------------------


def minor_to_decimal(minor: int, currency: str) -> Decimal:
    """Minor units to the currency's decimal amount (Babel/CLDR digits: EUR 2, JPY 0)."""
    return Decimal(minor).scaleb(-get_currency_precision(currency.upper()))


def decimal_to_minor(amount: Any, currency: str) -> int:
    """A carrier's decimal amount (karrio gives floats) to integer minor units, rounding half up."""
    digits = get_currency_precision(currency.upper())
    value = Decimal(str(amount)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return int(value.scaleb(digits))


def _weight(grams: int, unit: str) -> float:
    value = Decimal(grams) / (GRAMS_PER_POUND if unit == "LB" else Decimal(1000))
    rounded = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
    return float(rounded if rounded or grams <= 0 else Decimal("0.001"))  # a missing weight stays 0: the carrier says so


def _length(mm: int | None, unit: str) -> float | None:
    if not mm:
        return None
    value = Decimal(mm) / (MM_PER_INCH if unit == "IN" else Decimal(10))
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- the connector ----------------------------------------------------------------------------------


class KarrioConnector:
    """A karrio carrier, configured by its module in `karrio_carriers`."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.spec: CarrierSpec = module.SPEC
        self.name = self.spec.name
        self.weight_unit = getattr(module, "WEIGHT_UNIT", "KG")
        self.dimension_unit = getattr(module, "DIMENSION_UNIT", "CM")

    def __repr__(self) -> str:
        return f"KarrioConnector({self.name!r})"

    # Connector protocol ---------------------------------------------------------------------------

    def rates(self, config: CarrierConfig, request: ShipmentRequest) -> list[RateQuote]:
        sdk, models = runtime.sdk(), runtime.core_models()
        payload = models.RateRequest(
            shipper=self._address(request.shipper),
            recipient=self._address(request.recipient),
            parcels=[self._parcel(parcel) for parcel in request.parcels],
            services=[request.service_code] if request.service_code else [],
            options=self._options("rate_options", request),
            reference=request.reference,
            customs=self._customs(request.customs) if request.customs else None,
        )
        amend = self._amendment("amend_rate_payload", "create_rate_request", request)
        rates, messages, observer = self._call(config, lambda gw: sdk.Rating.fetch(payload).from_(gw).parse(), amend)
        if messages and not rates:
            raise self._error(messages, observer, operation="rates")
        if messages:
            log.warning("%s rated with warnings: %s", self.name, "; ".join(self._texts(messages)))
        # Some carriers name one service differently by origin (UPS "07" is ups_express from China and
        # ups_worldwide_express from the US); the carrier module says which name is ours.
        normalize = getattr(self.module, "service_code", None)
        if normalize is not None:
            for rate in rates or []:
                rate.service = normalize(rate.service)
        wanted = {request.service_code} if request.service_code else set(config.services)
        quotes = [
            self._quote(config, rate, request)
            for rate in rates or []
            if (not wanted or rate.service in wanted) and rate.currency
        ]
        return sorted(quotes, key=lambda quote: (quote.currency, quote.amount))

    def book(self, config: CarrierConfig, request: ShipmentRequest) -> BookedShipment:
        if not request.service_code:
            raise CarrierError(
                CarrierErrorCode.INVALID_REQUEST, "Choose a service to book.", carrier=self.name, field="service_code"
            )
        sdk, models = runtime.sdk(), runtime.core_models()
        options = self._options("shipment_options", request)
        if request.ship_date:
            options.setdefault("shipment_date", request.ship_date.isoformat())
        payload = models.ShipmentRequest(
            service=request.service_code,
            shipper=self._address(request.shipper),
            recipient=self._address(request.recipient),
            parcels=[self._parcel(parcel) for parcel in request.parcels],
            customs=self._customs(request.customs) if request.customs else None,
            options=options,
            reference=request.reference,
            label_type=(request.label_format or "PDF").upper(),
            # Transport charges are billed to the shipper's account; duties follow the customs declaration.
            payment=models.Payment(paid_by="sender"),
            metadata={"idempotency_key": request.idempotency_key} if request.idempotency_key else {},
        )
        amend = self._amendment("amend_shipment_payload", "create_shipment_request", request)
        shipment, messages, observer = self._call(
            config, lambda gw: sdk.Shipment.create(payload).from_(gw).parse(), amend
        )
        if shipment is None or not getattr(shipment, "tracking_number", None):
            raise self._error(messages, observer, operation="book")
        if messages:
            log.warning("%s booked with warnings: %s", self.name, "; ".join(self._texts(messages)))
        return self._booked(config, shipment, request)

    def void(self, config: CarrierConfig, tracking_number: str, carrier_shipment_id: str | None) -> None:
        if not self.spec.can_void:
            raise CarrierError(
                CarrierErrorCode.UNSUPPORTED,
                f"{self.spec.display_name} labels cannot be cancelled through its API; an unused label is not billed.",
                carrier=self.name,
            )
        sdk, models = runtime.sdk(), runtime.core_models()
        payload = models.ShipmentCancelRequest(shipment_identifier=carrier_shipment_id or tracking_number)
        confirmation, messages, observer = self._call(config, lambda gw: sdk.Shipment.cancel(payload).from_(gw).parse())
        if messages or not getattr(confirmation, "success", False):
            raise self._error(messages, observer, operation="void")

    def track(self, config: CarrierConfig, tracking_numbers: list[str]) -> dict[str, TrackingResult]:
        numbers = [number.strip() for number in tracking_numbers if number and number.strip()]
        if not numbers:
            return {}
        numbers = list(dict.fromkeys(numbers))
        batch = max(1, int(getattr(self.module, "TRACKING_BATCH_SIZE", 20)))
        results: dict[str, TrackingResult] = {}
        for start in range(0, len(numbers), batch):
            results.update(self._track_batch(config, numbers[start : start + batch]))
        return results

    def _track_batch(self, config: CarrierConfig, numbers: list[str]) -> dict[str, TrackingResult]:
        sdk, models = runtime.sdk(), runtime.core_models()
        payload = models.TrackingRequest(tracking_numbers=numbers)
        gateway_box: list[Any] = []

        def fetch(gw: Any) -> Any:
            gateway_box.append(gw)
            return sdk.Tracking.fetch(payload).from_(gw).parse()

        details, messages, observer = self._call(config, fetch)
        details = details or []
        not_found_codes = frozenset(getattr(self.module, "NOT_FOUND_CODES", ())) | {"404"}
        errors = [message for message in messages or [] if str(message.code) not in not_found_codes]
        if errors and not details:
            raise self._error(errors, observer, operation="track")
        if errors:
            log.warning("%s tracking answered with errors: %s", self.name, "; ".join(self._texts(errors)))
        exact_times = self._exact_event_times(gateway_box[0] if gateway_box else None)
        results = {number: TrackingResult(tracking_number=number, found=False) for number in numbers}
        for detail in details:
            number = str(detail.tracking_number)
            results[number] = self._tracking_result(detail, exact_times)
        return results

    # karrio calls ---------------------------------------------------------------------------------

    def _gateway_settings(self, config: CarrierConfig) -> Any:
        kwargs = dict(self.module.settings(config))
        kwargs.setdefault("id", str(config.account_id) if config.account_id is not None else None)
        kwargs.setdefault("test_mode", config.test_mode)
        settings_class = self._settings_class()
        if config.server_url:
            settings_class = runtime._settings_at(settings_class, config.server_url.rstrip("/"))  # noqa: SLF001
        try:
            return settings_class(**{key: value for key, value in kwargs.items() if value is not None})
        except TypeError as error:
            raise CarrierError(
                CarrierErrorCode.AUTHENTICATION,
                f"{self.spec.display_name} account settings are incomplete: {error}.",
                carrier=self.name,
            ) from error

    def _settings_class(self) -> type:
        path = getattr(self.module, "SETTINGS_CLASS_PATH", None)
        if path:
            import importlib

            module_name, _, class_name = path.rpartition(".")
            return getattr(importlib.import_module(module_name), class_name)
        return runtime.settings_class(self.name)

    def _call(
        self,
        config: CarrierConfig,
        operation: Callable[[Any], Any],
        amend: dict[str, Callable[[Any], Any]] | None = None,
    ) -> tuple[Any, list[Any], runtime.HttpObserver]:
        """Run `operation(gateway)` in a worker thread, at most `config.timeout_seconds`."""
        settings_obj = self._gateway_settings(config)
        try:
            gateway, observer = runtime.observed_gateway(self.name, settings_obj, amend_requests=amend)
        except Exception as error:  # karrio's ShippingSDKError: the settings were refused
            raise CarrierError(
                CarrierErrorCode.AUTHENTICATION,
                f"{self.spec.display_name} account settings were refused: {error}.",
                carrier=self.name,
            ) from error
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["value"] = operation(gateway)
            except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
                outcome["error"] = error
            finally:
                runtime.restore_secure_https_default()

        worker = threading.Thread(target=work, name=f"karrio-{self.name}", daemon=True)
        worker.start()
        worker.join(config.timeout_seconds)
        runtime.restore_secure_https_default()
        if worker.is_alive():
            raise CarrierError(
                CarrierErrorCode.UNAVAILABLE,
                f"{self.spec.display_name} did not answer within {config.timeout_seconds:g} seconds.",
                carrier=self.name,
            )
        if "error" in outcome:
            error = outcome["error"]
            if isinstance(error, CarrierError):
                raise error
            log.exception("karrio %s call failed", self.name, exc_info=error)
            raise CarrierError(
                CarrierErrorCode.UNAVAILABLE, f"{self.spec.display_name} could not be reached: {error}", carrier=self.name
            ) from error
        result, messages = outcome["value"]
        if observer.transport_errors:
            error = observer.transport_errors[0]
            raise CarrierError(
                CarrierErrorCode.UNAVAILABLE,
                f"{self.spec.display_name} could not be reached: {getattr(error, 'reason', None) or error}",
                carrier=self.name,
            )
        return result, list(messages or []), observer

    def _amendment(self, hook_name: str, mapper_method: str, request: ShipmentRequest) -> dict | None:
        hook = getattr(self.module, hook_name, None)
        if hook is None:
            return None
        return {mapper_method: lambda payload: hook(payload, request)}

    def _options(self, hook_name: str, request: ShipmentRequest) -> dict:
        hook = getattr(self.module, hook_name, None)
        options = dict(hook(request)) if hook else {}
        if request.currency:
            options.setdefault("currency", request.currency)
        return options

    # our types → karrio ---------------------------------------------------------------------------

    def _address(self, address: Address) -> Any:
        models = runtime.core_models()
        lines = [line for line in address.street_lines if line and line.strip()]
        return models.Address(
            person_name=address.name,
            company_name=address.company,
            address_line1=lines[0] if lines else "",
            address_line2=", ".join(lines[1:]) or None,
            city=address.city,
            postal_code=address.postal_code,
            state_code=address.state_code,
            country_code=address.country_code.upper(),
            phone_number=address.phone,
            email=address.email,
            federal_tax_id=address.tax_id,
            residential=not address.company,
        )

    def _parcel(self, parcel: Parcel) -> Any:
        models = runtime.core_models()
        return models.Parcel(
            weight=_weight(parcel.weight_grams, self.weight_unit),
            weight_unit=self.weight_unit,
            length=_length(parcel.length_mm, self.dimension_unit),
            width=_length(parcel.width_mm, self.dimension_unit),
            height=_length(parcel.height_mm, self.dimension_unit),
            dimension_unit=self.dimension_unit,
            packaging_type="your_packaging",
            description=parcel.packaging,
        )

    def _customs(self, customs: CustomsDeclaration) -> Any:
        models = runtime.core_models()
        currency = customs.currency.upper()
        incoterm = customs.incoterm.upper()
        paid_by = customs.duty_paid_by or ("sender" if incoterm == "DDP" else "recipient")
        declared = sum((minor_to_decimal(item.unit_value * item.quantity, currency) for item in customs.items), Decimal(0))
        options = {
            key: value
            for key, value in (
                ("ioss", customs.ioss_number),
                ("eori_number", customs.eori_number),
                ("vat_registration_number", customs.vat_number),
            )
            if value
        }
        return models.Customs(
            commodities=[
                models.Commodity(
                    sku=item.sku,
                    title=item.description[:35],
                    description=item.description,
                    quantity=item.quantity,
                    hs_code=item.hs_code,
                    origin_country=item.origin_country,
                    value_amount=float(minor_to_decimal(item.unit_value, currency)),
                    value_currency=currency,
                    weight=_weight(item.weight_grams, self.weight_unit),
                    weight_unit=self.weight_unit,
                )
                for item in customs.items
            ],
            content_type=customs.content_type,
            incoterm=incoterm,
            invoice=customs.invoice_number,
            invoice_date=customs.invoice_date.isoformat(),
            commercial_invoice=True,
            duty=models.Duty(paid_by=paid_by, currency=currency, declared_value=float(declared)),
            options=options,
        )

    # karrio → our types ---------------------------------------------------------------------------

    def _service_name(self, code: str, fallback: str | None = None) -> str:
        for service in self.spec.services:
            if service.code == code:
                return service.name
        return fallback or code.replace("_", " ").title()

    def _quote(self, config: CarrierConfig, rate: Any, request: ShipmentRequest) -> RateQuote:
        meta = dict(rate.meta or {})
        estimated = _parse_date(meta.get("estimated_delivery") or rate.estimated_delivery)
        return RateQuote(
            carrier_name=self.name,
            account_id=config.account_id,
            service_code=rate.service,
            service_name=self._service_name(rate.service, meta.get("service_name")),
            amount=decimal_to_minor(rate.total_charge or 0, rate.currency),
            currency=rate.currency.upper(),
            transit_days=rate.transit_days,
            estimated_delivery=estimated,
            incoterm=request.customs.incoterm.upper() if request.customs else None,
            meta={key: value for key, value in meta.items() if isinstance(value, str | int | float | bool)},
        )

    def _booked(self, config: CarrierConfig, shipment: Any, request: ShipmentRequest) -> BookedShipment:
        import base64

        docs = shipment.docs
        label_format = (shipment.label_type or request.label_format or "PDF").upper()
        if label_format.startswith("ZPL"):  # FedEx says "ZPLII"
            label_format = "ZPL"
        label_b64 = docs.label if docs else None
        if not label_b64:
            raise CarrierError(
                CarrierErrorCode.UNAVAILABLE,
                f"{self.spec.display_name} booked {shipment.tracking_number} but sent no label; reprint it later.",
                carrier=self.name,
            )
        documents = []
        if docs and docs.invoice:
            documents.append(Document(kind="invoice", format="PDF", content=base64.b64decode(docs.invoice)))
        rate = shipment.selected_rate
        amount = currency = None
        if rate is not None and rate.currency and rate.total_charge is not None:
            currency = rate.currency.upper()
            amount = decimal_to_minor(rate.total_charge, currency)
        meta = dict(shipment.meta or {})
        template = config.tracking_url_template or self.spec.tracking_url_template
        tracking_url = (
            template.replace("{tracking_number}", shipment.tracking_number) if template else meta.get("tracking_url")
        )
        return BookedShipment(
            carrier_name=self.name,
            tracking_number=str(shipment.tracking_number),
            carrier_shipment_id=str(shipment.shipment_identifier) if shipment.shipment_identifier else None,
            label=Document(kind="label", format=label_format, content=base64.b64decode(label_b64)),
            documents=tuple(documents),
            amount=amount,
            currency=currency,
            tracking_url=tracking_url or None,
            service_code=request.service_code,
            meta={key: value for key, value in meta.items() if isinstance(value, str | int | float | bool)},
        )

    def _exact_event_times(self, gateway: Any) -> dict:
        hook = getattr(self.module, "event_times", None)
        if hook is None or gateway is None:
            return {}
        times: dict = {}
        for record in _trace_records(gateway):
            if record.key not in ("response", "error"):
                continue
            raw = record.data.get("response") or record.data.get("error")
            try:
                body = json.loads(raw) if isinstance(raw, str | bytes) else raw
                if isinstance(body, dict):
                    times.update(hook(body))
            except Exception:  # noqa: BLE001 - the exact offset is a refinement, never a failure
                log.debug("%s: could not read event times from the raw tracking response", self.name, exc_info=True)
        return times

    def _tracking_result(self, detail: Any, exact_times: dict) -> TrackingResult:
        overrides: dict[str, TrackingStatus] = getattr(self.module, "EVENT_STATUSES", {})
        number = str(detail.tracking_number)
        events = []
        for event in detail.events or []:
            code = str(event.code or "")
            status = overrides.get(code) or KARRIO_STATUSES.get(event.status or "") or TrackingStatus.IN_TRANSIT
            occurred_at, offset = _event_time(event, exact_times.get((number, event.date, event.time, code)))
            if occurred_at is None:
                continue
            events.append(
                TrackingEventData(
                    occurred_at=occurred_at,
                    status=status,
                    code=code,
                    description=event.description or "",
                    location=event.location or None,
                    carrier_status=event.status or None,
                    utc_offset_minutes=offset,
                )
            )
        events.sort(key=lambda item: item.occurred_at)
        latest = events[-1].status if events else None
        delivered = bool(detail.delivered) or latest is TrackingStatus.DELIVERED
        status = TrackingStatus.DELIVERED if delivered else latest or KARRIO_STATUSES.get(detail.status or "")
        return TrackingResult(
            tracking_number=number,
            found=True,
            events=tuple(events),
            status=status,
            delivered=delivered,
            estimated_delivery=_parse_date(detail.estimated_delivery),
        )

    # errors ---------------------------------------------------------------------------------------

    @staticmethod
    def _texts(messages: list[Any]) -> list[str]:
        return [str(message.message or message.code or "") for message in messages]

    def _error(self, messages: list[Any], observer: runtime.HttpObserver, *, operation: str) -> CarrierError:
        display = self.spec.display_name
        codes = {str(message.code) for message in messages if message.code is not None}
        statuses = {str(status) for status in observer.statuses}
        texts = [text for text in self._texts(messages) if text]
        details = []
        for message in messages:
            extra = (message.details or {}) if isinstance(message.details, dict) else {}
            for item in extra.get("additionalDetails") or []:
                details.append(str(item))
        text = "; ".join(dict.fromkeys(texts)) or f"{display} refused the request."
        carrier_codes = {code for code in codes if not code.startswith("SHIPPING_SDK_")}
        seen = carrier_codes | statuses
        auth_codes = frozenset(getattr(self.module, "AUTHENTICATION_CODES", ())) | AUTHENTICATION_STATUSES
        unavailable_codes = frozenset(getattr(self.module, "UNAVAILABLE_CODES", ())) | UNAVAILABLE_STATUSES
        if seen & auth_codes:
            code = CarrierErrorCode.AUTHENTICATION
        elif seen & unavailable_codes or any(status.startswith("5") for status in statuses):
            code = CarrierErrorCode.UNAVAILABLE
            if not carrier_codes:  # no words from the carrier, only an error page
                shown = ", ".join(sorted(statuses)) or "an error"
                text = f"{display} is having trouble (HTTP {shown}); try again in a few minutes."
        elif KARRIO_UNSUPPORTED in codes:
            code = CarrierErrorCode.UNSUPPORTED
        elif not messages:
            code = CarrierErrorCode.UNAVAILABLE
            text = f"{display} sent an answer we could not read."
        elif seen or codes - {"SHIPPING_SDK_INTERNAL_ERROR"}:
            code = CarrierErrorCode.INVALID_REQUEST
        else:
            # karrio could not read the answer (no carrier code, no HTTP error): the carrier misbehaved.
            code = CarrierErrorCode.UNAVAILABLE
            text = f"{display} sent an answer we could not read ({text})."
        return CarrierError(code, text, carrier=self.name, details=details)


# --- helpers ----------------------------------------------------------------------------------------


def _trace_records(gateway: Any) -> list[Any]:
    tracer = getattr(gateway, "tracer", None)
    try:
        return list(tracer.records) if tracer is not None else []
    except Exception:  # noqa: BLE001
        return []


def _parse_date(value: Any) -> date | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _event_time(event: Any, exact: datetime | None) -> tuple[datetime | None, int | None]:
    """An event's aware time in UTC and the scan's local UTC offset in minutes (None when not given)."""
    if exact is not None and exact.tzinfo is not None:
        offset = exact.utcoffset()
        return exact.astimezone(UTC), int(offset.total_seconds() // 60) if offset is not None else None
    stamp = getattr(event, "timestamp", None)
    if stamp and not str(stamp).endswith("Z"):
        try:
            parsed = datetime.fromisoformat(str(stamp))
            if parsed.tzinfo is not None:
                offset = parsed.utcoffset()
                return parsed.astimezone(UTC), int(offset.total_seconds() // 60) if offset is not None else None
        except ValueError:
            pass
    if not event.date:
        return None, None
    try:
        day = date.fromisoformat(str(event.date)[:10])
    except ValueError:
        return None, None
    clock = (event.time or "00:00").strip()
    for fmt in ("%H:%M:%S", "%H:%M", "%I:%M %p"):
        try:
            moment = datetime.strptime(clock, fmt).time()
            break
        except ValueError:
            continue
    else:
        moment = datetime.min.time()
    return datetime.combine(day, moment, tzinfo=UTC), None


def connectors() -> list[KarrioConnector]:
    """One connector per carrier module whose karrio plugin is installed."""
    found = []
    for module in carrier_modules():
        name = module.SPEC.name
        if not runtime.has_provider(name):
            log.error("karrio has no %r connector installed; %s is unavailable.", name, module.SPEC.display_name)
            continue
        found.append(KarrioConnector(module))
    return found
