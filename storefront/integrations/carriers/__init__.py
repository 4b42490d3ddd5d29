"""Carriers, seen from the shop: rates, labels, voids and tracking through one small interface.

Everything karrio lives behind this package (see `karrio_runtime`); the Chinese forwarders karrio has no
connector for are configured carriers in `forwarders`. The domain calls only the functions below with
the plain types of `types`, so a new connector plugs in with `register_connector` and nothing else.
"""
from __future__ import annotations

from storefront.integrations.carriers.types import (
    BookedShipment,
    CarrierConfig,
    CarrierError,
    CarrierErrorCode,
    CarrierSpec,
    Connector,
    RateQuote,
    ShipmentRequest,
    TrackingResult,
)

_CONNECTORS: dict[str, Connector] = {}


def register_connector(connector: Connector) -> None:
    """Make a carrier available to the shop under `connector.spec.name`."""
    _CONNECTORS[connector.spec.name] = connector


def _load_builtin_connectors() -> None:
    if _CONNECTORS:
        return
    from storefront.integrations.carriers import forwarders, karrio_connector

    for connector in (*karrio_connector.connectors(), *forwarders.connectors()):
        register_connector(connector)


def connector_for(carrier_name: str) -> Connector:
    _load_builtin_connectors()
    try:
        return _CONNECTORS[carrier_name]
    except KeyError:
        raise CarrierError(
            CarrierErrorCode.UNSUPPORTED, f"Unknown carrier {carrier_name!r}.", carrier=carrier_name
        ) from None


def carrier_specs() -> list[CarrierSpec]:
    _load_builtin_connectors()
    return [connector.spec for connector in _CONNECTORS.values()]


def get_spec(carrier_name: str) -> CarrierSpec:
    return connector_for(carrier_name).spec


def fetch_rates(config: CarrierConfig, request: ShipmentRequest) -> list[RateQuote]:
    return connector_for(config.carrier_name).rates(config, request)


def book_shipment(config: CarrierConfig, request: ShipmentRequest) -> BookedShipment:
    return connector_for(config.carrier_name).book(config, request)


def void_shipment(config: CarrierConfig, tracking_number: str, carrier_shipment_id: str | None = None) -> None:
    connector_for(config.carrier_name).void(config, tracking_number, carrier_shipment_id)


def fetch_tracking(config: CarrierConfig, tracking_numbers: list[str]) -> dict[str, TrackingResult]:
    return connector_for(config.carrier_name).track(config, tracking_numbers)


def tracking_url(config: CarrierConfig, tracking_number: str) -> str | None:
    """The public page where anyone can follow `tracking_number`."""
    template = config.tracking_url_template or connector_for(config.carrier_name).spec.tracking_url_template
    return template.replace("{tracking_number}", tracking_number) if template else None
