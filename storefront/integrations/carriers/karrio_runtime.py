"""The one door to karrio: import it here, and only here, with its side effects undone.

Importing karrio has two process-wide side effects we do not accept:

- `karrio.core.utils.helpers` sets `ssl._create_default_https_context = ssl._create_unverified_context`,
  which switches off certificate checking for every `urllib` HTTPS call in the process. We remember the
  secure default before the import and put it back right after.
- karrio logs through loguru and, at import, installs a loguru sink printing INFO and up to stderr.
  We replace loguru's sinks with one that forwards WARNING and up to the standard `logging` logger
  named "karrio", so karrio's chatter follows our logging configuration.

`karrio.generic` (the forwarders' connector) needs jinja2 without declaring it and silently drops out of
karrio's plugin registry when it cannot import; every plugin we rely on is checked and a missing one is
logged as an error.

Everything else in the carriers package uses `sdk()`, `core_models()`, `lib()`, `gateway()` and
`provider_units()`; nothing outside `storefront/integrations/carriers/` imports karrio.
"""
from __future__ import annotations

import importlib
import logging
import ssl
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

log = logging.getLogger(__name__)
karrio_log = logging.getLogger("karrio")

# The karrio plugins the carriers package is built on.
REQUIRED_PLUGINS = ("mydhl", "fedex", "ups", "usps_international", "generic")

_SECURE_HTTPS_CONTEXT = ssl._create_default_https_context  # noqa: SLF001 - remembered before karrio runs
if _SECURE_HTTPS_CONTEXT is ssl._create_unverified_context:  # noqa: SLF001 - someone imported karrio first
    _SECURE_HTTPS_CONTEXT = ssl.create_default_context


def restore_secure_https_default() -> None:
    """Put certificate checking back for the whole process (karrio switches it off at import)."""
    ssl._create_default_https_context = _SECURE_HTTPS_CONTEXT  # noqa: SLF001


@dataclass
class HttpObserver:
    """What happened on the wire during one karrio operation (karrio itself keeps only the parsed body).

    `statuses` holds the HTTP status of every failed response (karrio swallows urllib's HTTPError and
    reports it only through its log), `transport_errors` every network error a proxy call raised.
    """

    statuses: list[int] = field(default_factory=list)
    transport_errors: list[BaseException] = field(default_factory=list)


_observing = threading.local()


def _forward_to_logging(message: Any) -> None:
    record = message.record
    extra = {key: value for key, value in record["extra"].items() if not key.startswith("_")}
    level = record["level"].no
    status = extra.get("error_code")
    observer: HttpObserver | None = getattr(_observing, "observer", None)
    if isinstance(status, int):
        # karrio's "HTTP request failed": the adapter turns it into a CarrierError or "not found" itself.
        level = min(level, logging.DEBUG)
        if observer is not None:
            observer.statuses.append(status)
    text = record["message"]
    if extra:
        text = f"{text} " + " ".join(f"{key}={value!r}" for key, value in extra.items())
    exception = record["exception"]
    exc_info = (exception.type, exception.value, exception.traceback) if exception and exception.type else None
    karrio_log.log(level, "%s", text, exc_info=exc_info)


def _route_loguru_to_logging() -> None:
    from loguru import logger as loguru_logger

    loguru_logger.remove()
    loguru_logger.add(_forward_to_logging, level="WARNING", format="{message}", backtrace=False, diagnose=False)


try:
    # karrio.core configures loguru (INFO to stderr) and disables certificate checks as it imports;
    # both are undone immediately, before anything else of karrio runs and logs.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="PyPDF2")  # karrio's, not ours
        import karrio.core  # noqa: F401
finally:
    restore_secure_https_default()
_route_loguru_to_logging()

try:
    import karrio.core.models as _core_models
    import karrio.core.units as _core_units
    import karrio.lib as _lib
    import karrio.references as _references
    import karrio.sdk as _sdk
finally:
    restore_secure_https_default()


def _check_plugins() -> dict[str, Any]:
    try:
        providers = _references.collect_providers_data()
    finally:
        restore_secure_https_default()
    try:
        import jinja2  # noqa: F401 - karrio.generic needs it and does not say so
    except ImportError:
        log.error("jinja2 is not installed: karrio.generic (the forwarders' connector) cannot load.")
    for name in REQUIRED_PLUGINS:
        if name not in providers:
            failure = next(
                (value for key, value in _references.FAILED_IMPORTS.items() if name in str(key)), None
            )
            log.error("karrio plugin %r is missing; install karrio.%s. %s", name, name, failure or "")
    return providers


_PROVIDERS = _check_plugins()


def sdk() -> ModuleType:
    """`karrio.sdk` (Rating, Shipment, Tracking, gateway)."""
    return _sdk


def core_models() -> ModuleType:
    """`karrio.core.models` (Address, Parcel, Customs, Commodity, RateRequest, ...)."""
    return _core_models


def core_units() -> ModuleType:
    """`karrio.core.units` (TrackingStatus, WeightUnit, ...)."""
    return _core_units


def lib() -> ModuleType:
    """`karrio.lib` (to_dict, to_object, fdate, ...)."""
    return _lib


def has_provider(carrier_name: str) -> bool:
    return carrier_name in _PROVIDERS


def settings_class(carrier_name: str) -> type:
    """The karrio Settings class a gateway for `carrier_name` is created from."""
    return _PROVIDERS[carrier_name].Settings


def provider_units(carrier_name: str) -> ModuleType:
    """`karrio.providers.<carrier>.units` (ShippingService, ShippingOption, TrackingStatus enums)."""
    return importlib.import_module(f"karrio.providers.{carrier_name}.units")


_SHARED_CACHE = _lib.Cache() if hasattr(_lib, "Cache") else None  # OAuth tokens survive between calls


def gateway(carrier_name: str, settings_obj: Any) -> Any:
    """A karrio gateway for `carrier_name`; `settings_obj` is a dict of Settings kwargs or a Settings object."""
    try:
        if _SHARED_CACHE is not None:
            return _sdk.gateway[carrier_name].create(settings_obj, cache=_SHARED_CACHE)
        return _sdk.gateway[carrier_name].create(settings_obj)
    finally:
        restore_secure_https_default()


def settings_with_server_url(carrier_name: str, server_url: str) -> type:
    """A subclass of the carrier's Settings whose read-only `server_url` is `server_url` (tests, demo)."""
    return _settings_at(settings_class(carrier_name), server_url.rstrip("/"))


_SETTINGS_AT: dict[tuple[type, str], type] = {}


def _settings_at(base: type, server_url: str) -> type:
    key = (base, server_url)
    if key not in _SETTINGS_AT:
        _SETTINGS_AT[key] = type(base.__name__, (base,), {"server_url": property(lambda self: server_url)})
    return _SETTINGS_AT[key]


def observed_gateway(
    carrier_name: str,
    settings_obj: Any,
    *,
    amend_requests: dict[str, Callable[[Any], Any]] | None = None,
) -> tuple[Any, HttpObserver]:
    """A gateway whose HTTP failures are visible to the caller, plus the observer that sees them.

    `amend_requests` maps a mapper method name (e.g. "create_shipment_request") to a function that receives
    karrio's serialized carrier payload and returns the payload to send: how a carrier module adds fields
    karrio's request builder leaves out (IOSS numbers, duty billing) without touching karrio itself.
    Both the proxy and the mapper are per-gateway subclasses; nothing of karrio is patched.
    """
    base = gateway(carrier_name, settings_obj)
    observer = HttpObserver()
    proxy = _observed_proxy_class(type(base.proxy))(base.settings)
    proxy._clipper_observer = observer  # noqa: SLF001
    mapper = base.mapper
    if amend_requests:
        mapper = _amending_mapper_class(type(base.mapper), tuple(sorted(amend_requests)))(base.settings)
        mapper._clipper_amend = amend_requests  # noqa: SLF001
    import attr

    return attr.evolve(base, proxy=proxy, mapper=mapper), observer


_OBSERVED_PROXIES: dict[type, type] = {}
_AMENDING_MAPPERS: dict[tuple[type, tuple[str, ...]], type] = {}


def _observed_proxy_class(proxy_class: type) -> type:
    if proxy_class not in _OBSERVED_PROXIES:
        methods = {
            name: _observed(name)
            for name, value in vars(proxy_class).items()
            if not name.startswith("_") and name != "settings" and callable(value)
        }
        _OBSERVED_PROXIES[proxy_class] = type(proxy_class.__name__, (proxy_class,), methods)
    return _OBSERVED_PROXIES[proxy_class]


def _observed(name: str) -> Callable[..., Any]:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        observer: HttpObserver = self._clipper_observer
        previous = getattr(_observing, "observer", None)
        _observing.observer = observer
        try:
            return getattr(super(type(self), self), name)(*args, **kwargs)
        except OSError as error:  # URLError, timeouts, refused connections, TLS failures
            observer.transport_errors.append(error)
            raise
        finally:
            _observing.observer = previous
            restore_secure_https_default()

    call.__name__ = name
    return call


def _amending_mapper_class(mapper_class: type, names: tuple[str, ...]) -> type:
    key = (mapper_class, names)
    if key not in _AMENDING_MAPPERS:
        _AMENDING_MAPPERS[key] = type(mapper_class.__name__, (mapper_class,), {name: _amending(name) for name in names})
    return _AMENDING_MAPPERS[key]


def _amending(name: str) -> Callable[..., Any]:
    def create(self: Any, payload: Any) -> Any:
        request = getattr(super(type(self), self), name)(payload)
        amend = self._clipper_amend[name]
        return _lib.Serializable(request, lambda original: amend(original.serialize()), request.ctx)

    create.__name__ = name
    return create
