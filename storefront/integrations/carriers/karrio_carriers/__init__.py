"""One small module per carrier karrio has a connector for; `karrio_connector.KarrioConnector` does the rest.

A carrier module holds only what differs between carriers. Required:

- `SPEC: CarrierSpec` — `name` is karrio's carrier id ("mydhl", "fedex", ...), `display_name`,
  `credential_fields` (the names are the keys of `CarrierConfig.credentials`), `services` whose codes are
  the *names* of the carrier's karrio `ShippingService` enum (`mydhl_express_worldwide`, `ups_standard`),
  `can_void` (False when karrio's proxy has no `cancel_shipment`), `tracking_url_template`.
- `def settings(config: CarrierConfig) -> dict` — keyword arguments for the karrio Settings class:
  credentials from `config.credentials`, `test_mode=config.test_mode`, `account_country_code`, `config`...
  Never `server_url`: when `config.server_url` is set the connector builds a Settings subclass for it.

Optional (module attributes the connector looks for):

- `WEIGHT_UNIT = "KG"` or `"LB"`, `DIMENSION_UNIT = "CM"` or `"IN"` (default KG/CM).
- `def shipment_options(request: ShipmentRequest) -> dict` — karrio options for booking (keys of the
  carrier's `ShippingOption` enum), e.g. paperless trade; `def rate_options(request) -> dict` likewise.
- `def amend_shipment_payload(payload: dict, request: ShipmentRequest) -> dict` — edit the carrier's own
  JSON that karrio built, to add what karrio leaves out (IOSS/EORI registration numbers, duty billing).
  `amend_rate_payload(payload, request)` likewise for rating.
- `EVENT_STATUSES: dict[str, TrackingStatus]` — carrier event codes whose meaning karrio's status
  mapping gets wrong for us; they win over karrio's status.
- `def event_times(raw_response: dict) -> dict[tuple[str, str, str, str], datetime]` — exact aware
  times of tracking events, keyed by (tracking number, "YYYY-MM-DD", "HH:MM", event code) as karrio
  reports them, for carriers whose local UTC offset karrio drops.
- `AUTHENTICATION_CODES`, `NOT_FOUND_CODES`, `UNAVAILABLE_CODES`: frozensets of the carrier's error codes
  (as karrio's `Message.code`) meaning refused credentials, an unknown tracking number, or try-again-later;
  HTTP statuses 401/403, 404 (tracking only) and 429/5xx are recognised for every carrier.
- `TRACKING_BATCH_SIZE` — how many tracking numbers one request may carry (default 20).
- `SETTINGS_CLASS_PATH = "package.module.Class"` — when not karrio's registered Settings class.

Modules are listed in `MODULES`; each is imported on its own, so one broken module loses one carrier.
"""
from __future__ import annotations

import importlib
import logging
from types import ModuleType

log = logging.getLogger(__name__)

MODULES = ("mydhl", "fedex", "ups", "usps_international")


def carrier_modules() -> list[ModuleType]:
    modules = []
    for name in MODULES:
        try:
            modules.append(importlib.import_module(f"{__name__}.{name}"))
        except Exception:  # noqa: BLE001 - one carrier's bug must not take the others down
            log.exception("Carrier module %s could not be loaded; that carrier is unavailable.", name)
    return modules
