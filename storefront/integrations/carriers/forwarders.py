"""The Chinese forwarders karrio has no connector for (4PX, YunExpress, Yanwen, China Post ePacket, Cainiao).

Each is a configured carrier: a rate table by zone and weight (the account's `settings["rate_table"]`, else
`DEFAULT_RATE_TABLES`), our own label carrying the tracking number the forwarder's portal gave, and tracking
by the forwarder's public tracking page plus events staff import. A real connector replaces one later by
registering under the same name (`carriers.register_connector`); the domain does not change.

A rate table is a list of zones::

    {"name": "EU", "countries": ["DE", "FR", ...] or ["*"] for the rest of the world, "currency": "CNY",
     "services": {"yunexpress_standard": {
         "brackets": [[max_grams, price_minor], ...],   # "up to and including max_grams costs price_minor"
         "per_kg": 7800,             # optional: added per started kg above the last bracket ...
         "max_grams": 30000,         # ... up to this weight (default 30 kg when per_kg is given)
         "transit_days": [6, 10],    # optional
         "volumetric_divisor": 8000, # optional: chargeable weight = max(actual, L×W×H cm³ / divisor kg)
     }}}

Why rates are not computed by karrio.generic's rate sheet (tried with this table converted to its
`ServiceLevel`/`ServiceZone` models): it converts a parcel given in grams to pounds rounded to 0.1 lb, so
501 g is rated as 499 g, one bracket too cheap; its zone weight ranges exclude their maximum while a
tariff's brackets include it; a service has one currency while our zones each have theirs; it has no
per-kilogram step above the last bracket; prices are float major units; and a destination without a zone or
a parcel over the limit silently yields no rate instead of a reason staff can act on. Its label renderer
rasterizes a small SVG subset with one Latin font and no text wrapping, not enough for a CN22 block. So the
table is priced here in integer minor units and the label is WeasyPrint (`forwarder_label`); nothing of
karrio is imported.

Tracking: `track()` answers "not yet scanned" for every number. A forwarder's tracking API (YunExpress and 4PX
have one; an account would name it in `settings["tracking_api"]`) plugs in as a subclass overriding `track()`
with `spec.can_track=True`, registered under the forwarder's name.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pycountry
from babel.numbers import list_currencies

from storefront.integrations import carriers
from storefront.integrations.carriers import forwarder_label
from storefront.integrations.carriers.types import (
    BookedShipment,
    CarrierConfig,
    CarrierError,
    CarrierErrorCode,
    CarrierSpec,
    CredentialField,
    Document,
    Parcel,
    RateQuote,
    ServiceInfo,
    ShipmentRequest,
    TrackingResult,
)

log = logging.getLogger(__name__)

REST_OF_WORLD = "*"
DEFAULT_MAX_GRAMS_WITH_PER_KG = 30_000
LABEL_FORMATS = ("PDF", "ZPL")

CREDENTIAL_FIELDS = (
    CredentialField("customer_code", "Customer code", required=False),
    CredentialField("api_token", "API token", secret=True, required=False),
)


# ---------------------------------------------------------------------------------------------------------------
# Tracking numbers

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_S10_SHAPE = re.compile(r"([A-Z]{2})(\d{8})(\d)([A-Z]{2})")
_POSTAL_EXAMPLE_WITHOUT_COUNTRY = "LX123456785"


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial number: 11 − (weighted sum mod 11), 10 → 0, 11 → 5."""
    if not re.fullmatch(r"\d{8}", serial):
        raise ValueError(f"an S10 serial number has 8 digits, not {serial!r}")
    check = 11 - sum(int(digit) * weight for digit, weight in zip(serial, S10_WEIGHTS)) % 11
    return {10: 0, 11: 5}.get(check, check)


def is_s10(number: str, *, country: str | None = None) -> bool:
    """Whether `number` is a UPU S10 item identifier (LX123456785CN) with the right check digit and country."""
    match = _S10_SHAPE.fullmatch(number)
    if not match or pycountry.countries.get(alpha_2=match.group(4)) is None:
        return False
    if country and match.group(4) != country:
        return False
    return s10_check_digit(match.group(2)) == int(match.group(3))


@dataclass(frozen=True)
class NumberFormat:
    """One shape of tracking number a forwarder hands out."""

    pattern: str  # a regular expression matching the whole, upper-cased number
    description: str  # for staff: "YT followed by 16 digits"
    example: str


def normalize_tracking_number(number: str | None) -> str:
    return re.sub(r"[\s-]+", "", number or "").upper()


# ---------------------------------------------------------------------------------------------------------------
# Rate tables


@dataclass(frozen=True)
class Tariff:
    """One service's prices in one zone, minor units of the zone's currency."""

    brackets: tuple[tuple[int, int], ...]  # (max_grams, price), max_grams rising
    per_kg: int | None
    max_grams: int
    transit_days: tuple[int, int] | None
    volumetric_divisor: int | None

    def chargeable_grams(self, parcel: Parcel) -> int:
        dimensions = (parcel.length_mm, parcel.width_mm, parcel.height_mm)
        if not self.volumetric_divisor or not all(dimensions):
            return parcel.weight_grams
        # L×W×H in cm³ / divisor gives kilograms; in mm³ the same divisor gives grams.
        volume_mm3 = dimensions[0] * dimensions[1] * dimensions[2]
        return max(parcel.weight_grams, -(-volume_mm3 // self.volumetric_divisor))

    def price(self, grams: int) -> int | None:
        """The price for `grams`, or None above the limit."""
        for max_grams, price in self.brackets:
            if grams <= max_grams:
                return price
        last_max, last_price = self.brackets[-1]
        if self.per_kg is None or grams > self.max_grams:
            return None
        started_kilograms = -(-(grams - last_max) // 1000)
        return last_price + started_kilograms * self.per_kg


@dataclass(frozen=True)
class Zone:
    name: str
    countries: frozenset[str]
    currency: str
    services: dict[str, Tariff]

    def covers(self, country_code: str) -> bool:
        return country_code in self.countries


def rate_table_problems(table: Any, service_codes: tuple[str, ...] | None = None) -> list[str]:
    """What is wrong with a rate table, one sentence each; empty when it can be used.

    `service_codes` (a forwarder's spec services) rejects services the forwarder does not offer.
    """
    return _read_rate_table(table, service_codes)[1]


def _read_rate_table(table: Any, service_codes: tuple[str, ...] | None) -> tuple[tuple[Zone, ...], list[str]]:
    problems: list[str] = []
    if not isinstance(table, list) or not table:
        return (), ["The rate table must be a non-empty list of zones."]
    zones: list[Zone] = []
    seen_countries: dict[str, str] = {}
    for position, raw in enumerate(table, start=1):
        if not isinstance(raw, dict):
            problems.append(f"Zone {position} must be an object with name, countries, currency and services.")
            continue
        name = raw.get("name")
        where = f"Zone {position} ({name})" if isinstance(name, str) and name.strip() else f"Zone {position}"
        if not (isinstance(name, str) and name.strip()):
            problems.append(f"{where} needs a name.")
        countries = raw.get("countries")
        if not isinstance(countries, list) or not countries:
            problems.append(f"{where} needs a list of country codes, or [\"*\"] for the rest of the world.")
            countries = []
        for country in countries:
            code = country.upper() if isinstance(country, str) else country
            if code != REST_OF_WORLD and (not isinstance(code, str) or pycountry.countries.get(alpha_2=code) is None):
                problems.append(f"{where}: {country!r} is not an ISO 3166 country code.")
            elif code in seen_countries:
                problems.append(f"{where}: {code} is already in zone {seen_countries[code]}.")
            else:
                seen_countries[code] = str(name)
        currency = raw.get("currency")
        if not (isinstance(currency, str) and currency.upper() in list_currencies()):
            problems.append(f"{where}: {currency!r} is not an ISO 4217 currency code.")
        services = raw.get("services")
        if not isinstance(services, dict) or not services:
            problems.append(f"{where} needs at least one service with its weight brackets.")
            services = {}
        tariffs: dict[str, Tariff] = {}
        for code, service in services.items():
            if service_codes is not None and code not in service_codes:
                problems.append(f"{where}: unknown service {code!r}; this forwarder offers {', '.join(service_codes)}.")
                continue
            tariff = _read_tariff(service, f"{where}, {code}", problems)
            if tariff:
                tariffs[code] = tariff
        zones.append(Zone(
            name=str(name),
            countries=frozenset(c.upper() for c in countries if isinstance(c, str)),
            currency=currency.upper() if isinstance(currency, str) else "",
            services=tariffs,
        ))
    return tuple(zones), problems


def _is_count(value: Any, *, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _read_tariff(raw: Any, where: str, problems: list[str]) -> Tariff | None:
    if not isinstance(raw, dict):
        problems.append(f"{where} must be an object with brackets.")
        return None
    brackets = raw.get("brackets")
    pairs = brackets if isinstance(brackets, list) else []
    if not pairs or not all(
        isinstance(pair, (list, tuple)) and len(pair) == 2 and _is_count(pair[0], minimum=1) and _is_count(pair[1])
        for pair in pairs
    ):
        problems.append(f"{where}: brackets must be a list of [max grams, price in minor units], whole numbers.")
        return None
    if any(later[0] <= earlier[0] for earlier, later in zip(pairs, pairs[1:])):
        problems.append(f"{where}: bracket weights must rise from one bracket to the next.")
        return None
    per_kg = raw.get("per_kg")
    if per_kg is not None and not _is_count(per_kg):
        problems.append(f"{where}: per_kg must be a whole number of minor units.")
        return None
    last_max = pairs[-1][0]
    max_grams = raw.get("max_grams", DEFAULT_MAX_GRAMS_WITH_PER_KG if per_kg is not None else last_max)
    if not _is_count(max_grams) or max_grams < last_max or (per_kg is None and max_grams != last_max):
        problems.append(f"{where}: max_grams must be at least the last bracket and needs per_kg above it.")
        return None
    transit = raw.get("transit_days")
    if transit is not None and not (
        isinstance(transit, (list, tuple)) and len(transit) == 2 and all(_is_count(days) for days in transit)
        and transit[0] <= transit[1]
    ):
        problems.append(f"{where}: transit_days must be [fewest, most] days.")
        return None
    divisor = raw.get("volumetric_divisor")
    if divisor is not None and not _is_count(divisor, minimum=1):
        problems.append(f"{where}: volumetric_divisor must be a positive whole number (e.g. 8000).")
        return None
    return Tariff(
        brackets=tuple((int(grams), int(price)) for grams, price in pairs),
        per_kg=per_kg,
        max_grams=max_grams,
        transit_days=(transit[0], transit[1]) if transit is not None else None,
        volumetric_divisor=divisor,
    )


# Plausible 2025 CNY tariffs in the forwarders' own terms: a registration fee per parcel plus a price per kg,
# turned into weight brackets by `_default_rate_table`. Per service: (max grams, {zone: (fee ¥, ¥/kg, days)}).
EU_COUNTRIES = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
    "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
)
DEFAULT_ZONES = (
    ("EU", EU_COUNTRIES),
    ("GB", ("GB",)),
    ("US", ("US",)),
    ("JP", ("JP",)),
    ("CA/AU", ("CA", "AU")),
    ("Rest of world", (REST_OF_WORLD,)),
)
DEFAULT_BRACKET_GRAMS = (100, 250, 500, 1000, 1500, 2000)

_TARIFFS: dict[str, dict[str, tuple[int, dict[str, tuple[int, int, tuple[int, int]]]]]] = {
    "fourpx": {
        "fourpx_standard": (30_000, {
            "EU": (19, 82, (7, 12)), "GB": (17, 66, (6, 10)), "US": (21, 99, (8, 14)),
            "JP": (15, 46, (5, 8)), "CA/AU": (21, 92, (9, 15)), "Rest of world": (26, 125, (12, 22)),
        }),
        "fourpx_postal": (2_000, {
            "EU": (24, 88, (12, 25)), "GB": (22, 72, (10, 20)), "US": (26, 105, (12, 25)),
            "JP": (18, 50, (7, 14)), "CA/AU": (26, 98, (14, 28)), "Rest of world": (30, 130, (15, 35)),
        }),
    },
    "yunexpress": {
        "yunexpress_standard": (30_000, {
            "EU": (18, 78, (6, 10)), "GB": (16, 62, (5, 8)), "US": (20, 98, (7, 12)),
            "JP": (14, 42, (4, 7)), "CA/AU": (20, 88, (8, 14)), "Rest of world": (25, 115, (10, 20)),
        }),
        "yunexpress_economy": (2_000, {
            "EU": (10, 66, (10, 15)), "GB": (9, 55, (8, 12)), "US": (12, 86, (10, 18)),
            "JP": (8, 36, (6, 10)), "CA/AU": (12, 78, (12, 20)),
        }),
    },
    "yanwen": {
        "yanwen_special_line": (30_000, {
            "EU": (17, 80, (7, 12)), "GB": (16, 64, (6, 10)), "US": (19, 97, (8, 14)),
            "JP": (14, 44, (5, 8)), "CA/AU": (19, 90, (9, 15)), "Rest of world": (24, 118, (12, 22)),
        }),
        "yanwen_postal": (2_000, {
            "EU": (21, 85, (12, 25)), "GB": (20, 70, (10, 20)), "US": (24, 102, (12, 25)),
            "JP": (17, 48, (7, 14)), "CA/AU": (24, 95, (14, 28)), "Rest of world": (28, 128, (15, 35)),
        }),
    },
    "chinapost": {
        "chinapost_epacket": (2_000, {
            "EU": (25, 95, (10, 20)), "GB": (23, 80, (8, 15)), "US": (25, 110, (10, 20)),
            "JP": (18, 55, (5, 10)), "CA/AU": (25, 100, (12, 22)), "Rest of world": (28, 135, (15, 30)),
        }),
        "chinapost_registered_airmail": (2_000, {
            "EU": (26, 90, (15, 30)), "GB": (26, 85, (15, 30)), "US": (26, 100, (15, 35)),
            "JP": (20, 60, (10, 20)), "CA/AU": (26, 95, (15, 35)), "Rest of world": (26, 120, (20, 45)),
        }),
    },
    "cainiao": {
        "cainiao_standard": (30_000, {
            "EU": (16, 76, (8, 15)), "GB": (15, 60, (7, 12)), "US": (18, 95, (10, 18)),
            "JP": (12, 40, (5, 9)), "CA/AU": (18, 86, (10, 20)), "Rest of world": (22, 112, (15, 30)),
        }),
        "cainiao_economy": (2_000, {
            "EU": (8, 60, (15, 30)), "GB": (8, 50, (12, 25)), "US": (10, 80, (15, 30)),
            "JP": (6, 32, (8, 15)), "CA/AU": (10, 72, (15, 35)), "Rest of world": (12, 95, (20, 45)),
        }),
    },
}


def _default_rate_table(tariffs: dict[str, tuple[int, dict[str, tuple[int, int, tuple[int, int]]]]]) -> list[dict]:
    zones = []
    for zone_name, countries in DEFAULT_ZONES:
        services: dict[str, dict] = {}
        for code, (max_grams, by_zone) in tariffs.items():
            if zone_name not in by_zone:
                continue
            fee, per_kg, transit = by_zone[zone_name]
            # fen: fee × 100 + (¥/kg × 100 fen) × grams / 1000
            brackets = [[grams, fee * 100 + per_kg * grams // 10] for grams in DEFAULT_BRACKET_GRAMS
                        if grams <= max_grams]
            service: dict[str, Any] = {"brackets": brackets, "transit_days": list(transit)}
            if max_grams > brackets[-1][0]:
                service.update(per_kg=per_kg * 100, max_grams=max_grams)
            services[code] = service
        zones.append({"name": zone_name, "countries": list(countries), "currency": "CNY", "services": services})
    return zones


DEFAULT_RATE_TABLES: dict[str, list[dict]] = {name: _default_rate_table(t) for name, t in _TARIFFS.items()}


# ---------------------------------------------------------------------------------------------------------------
# The connector


class ForwarderConnector:
    """A forwarder as a configured carrier: rate table, our own label, tracking by URL and imported events."""

    def __init__(self, spec: CarrierSpec, *, number_formats: tuple[NumberFormat, ...],
                 postal_country: str | None = None) -> None:
        self.spec = spec
        self.number_formats = number_formats
        # None: any UPU S10 number is accepted (postal lines hand those out); "CN": only China Post's own.
        self.postal_country = postal_country

    # -- rates ----------------------------------------------------------------------------------------------------

    def rates(self, config: CarrierConfig, request: ShipmentRequest) -> list[RateQuote]:
        zone = self._zone_for(config, request.recipient.country_code)
        parcels = self._checked_parcels(request)
        offered = {service.code: service for service in self.spec.services}
        codes = self._requested_services(config, request)
        quotes: list[RateQuote] = []
        too_heavy: list[tuple[int, int]] = []  # (chargeable grams of the heaviest parcel, the service's limit)
        for code in codes:
            tariff = zone.services.get(code)
            if tariff is None:
                continue
            charged = [tariff.chargeable_grams(parcel) for parcel in parcels]
            prices = [tariff.price(grams) for grams in charged]
            if None in prices:
                too_heavy.append((max(charged), tariff.max_grams))
                continue
            quotes.append(self._quote(config, request, offered[code], zone, tariff, sum(prices), charged))
        if quotes:
            return quotes
        country = request.recipient.country_code.upper()
        if too_heavy:
            grams, limit = max(too_heavy, key=lambda pair: pair[1])
            actual = max(parcel.weight_grams for parcel in parcels)
            weighs = f"{_kg(grams)} kg" if grams == actual else f"{_kg(grams)} kg by volume"
            raise self._error(f"The parcel weighs {weighs}; {self.spec.display_name} takes at most {_kg(limit)} kg "
                              f"to {country}.", field="weight_grams")
        names = ", ".join(offered[code].name for code in codes)
        raise self._error(f"{self.spec.display_name} does not offer {names} to {country} in this account's rate "
                          f"table (zone {zone.name}).", field="service_code")

    def _quote(self, config: CarrierConfig, request: ShipmentRequest, service: ServiceInfo, zone: Zone,
               tariff: Tariff, amount: int, charged: list[int]) -> RateQuote:
        transit = tariff.transit_days
        incoterm = None
        if request.customs:
            incoterm = "DDP" if request.customs.incoterm == "DDP" and service.supports_ddp else "DAP"
        return RateQuote(
            carrier_name=self.spec.name,
            account_id=config.account_id,
            service_code=service.code,
            service_name=service.name,
            amount=amount,
            currency=zone.currency,
            transit_days=transit[1] if transit else None,
            estimated_delivery=request.ship_date + timedelta(days=transit[1])
            if transit and request.ship_date else None,
            incoterm=incoterm,
            meta={
                "zone": zone.name,
                "level": service.level,
                "chargeable_weight_grams": sum(charged),
                "transit_days_min": transit[0] if transit else None,
                "rate_table": "account" if config.settings.get("rate_table") else "default",
            },
        )

    def rate_table(self, config: CarrierConfig) -> tuple[Zone, ...]:
        """The account's rate table, else this forwarder's default; a broken one is refused naming the problem."""
        table = config.settings.get("rate_table") or DEFAULT_RATE_TABLES.get(self.spec.name)
        zones, problems = _read_rate_table(table, tuple(service.code for service in self.spec.services))
        if problems:
            raise self._error(f"The rate table of this {self.spec.display_name} account is not usable:",
                              field="rate_table", details=problems)
        return zones

    def _zone_for(self, config: CarrierConfig, country_code: str) -> Zone:
        country = (country_code or "").upper()
        if not country or pycountry.countries.get(alpha_2=country) is None:
            raise self._error(f"{country_code!r} is not a country code.", field="recipient.country_code")
        zones = self.rate_table(config)
        zone = next((z for z in zones if z.covers(country)), None) or next(
            (z for z in zones if z.covers(REST_OF_WORLD)), None)
        if zone is None:
            raise self._error(f"{self.spec.display_name} does not ship to {forwarder_label.country_name(country)} ({country}) "
                              "in this account's rate table.", field="recipient.country_code")
        return zone

    def _requested_services(self, config: CarrierConfig, request: ShipmentRequest) -> tuple[str, ...]:
        offered = tuple(service.code for service in self.spec.services)
        enabled = tuple(code for code in offered if not config.services or code in config.services)
        if request.service_code is None:
            if not enabled:
                raise self._error(f"No service of this {self.spec.display_name} account is enabled.",
                                  field="service_code")
            return enabled
        if request.service_code not in offered:
            raise self._error(f"{self.spec.display_name} has no service {request.service_code!r}; it offers "
                              f"{', '.join(offered)}.", field="service_code")
        if request.service_code not in enabled:
            raise self._error(f"The service {request.service_code} is not enabled for this "
                              f"{self.spec.display_name} account.", field="service_code")
        return (request.service_code,)

    def _checked_parcels(self, request: ShipmentRequest) -> tuple[Parcel, ...]:
        if not request.parcels:
            raise self._error("The shipment has no parcel.", field="parcels")
        for parcel in request.parcels:
            if parcel.weight_grams <= 0:
                raise self._error("The parcel needs a weight above 0 g.", field="weight_grams")
        return request.parcels

    # -- booking --------------------------------------------------------------------------------------------------

    def book(self, config: CarrierConfig, request: ShipmentRequest) -> BookedShipment:
        """Our label for the tracking number the forwarder gave; nothing is sent anywhere."""
        if not request.service_code:
            raise self._error("Choose the service to book.", field="service_code")
        number = self.checked_tracking_number(config, request.tracking_number)
        if len(request.parcels) > 1:
            raise self._error(f"{self.spec.display_name} gives one tracking number per parcel: book each parcel "
                              "on its own.", field="parcels")
        label_format = (request.label_format or "PDF").upper()
        if label_format not in LABEL_FORMATS:
            raise self._error(f"Labels come as {' or '.join(LABEL_FORMATS)}, not {request.label_format}.",
                              field="label_format")
        international = request.shipper.country_code.upper() != request.recipient.country_code.upper()
        if international and request.customs is None:
            raise self._error("A parcel leaving the country needs its customs declaration (CN22/CN23).",
                              field="customs")
        quote = self.rates(config, request)[0]
        ship_date = request.ship_date or datetime.now(UTC).date()
        parcel = request.parcels[0]
        sheet = forwarder_label.LabelSheet(
            carrier_name=self.spec.display_name,
            service_name=quote.service_name,
            tracking_number=number,
            reference=request.reference,
            shipper=request.shipper,
            recipient=request.recipient,
            weight_grams=parcel.weight_grams,
            ship_date=ship_date,
            customs=request.customs,
            customer_code=(config.credentials.get("customer_code") or None),
            dimensions_mm=(parcel.length_mm, parcel.width_mm, parcel.height_mm)
            if parcel.length_mm and parcel.width_mm and parcel.height_mm else None,
        )
        content = forwarder_label.render_zpl(sheet) if label_format == "ZPL" else forwarder_label.render_pdf(sheet)
        return BookedShipment(
            carrier_name=self.spec.name,
            tracking_number=number,
            carrier_shipment_id=None,
            label=Document(kind="label", format=label_format, content=content),
            amount=quote.amount,
            currency=quote.currency,
            tracking_url=carriers.tracking_url(config, number),
            service_code=quote.service_code,
            estimated_delivery=ship_date + timedelta(days=quote.transit_days) if quote.transit_days else None,
            meta=dict(quote.meta),
        )

    def checked_tracking_number(self, config: CarrierConfig, raw: str | None) -> str:
        """The forwarder's number, upper-cased and without spaces, if it has a shape this forwarder hands out."""
        number = normalize_tracking_number(raw)
        if not number:
            raise self._error(f"Enter the tracking number {self.spec.display_name} gave for this parcel (from its "
                              "portal or app).", field="tracking_number")
        own_pattern = config.settings.get("tracking_number_pattern")
        if own_pattern:
            try:
                matches = re.fullmatch(own_pattern, number)
            except re.error as error:
                raise self._error(f"This account's tracking number pattern {own_pattern} is not a valid regular "
                                  f"expression ({error}).", field="tracking_number_pattern") from None
            if matches:
                return number
            raise self._error(f"{number} does not match this account's tracking number pattern {own_pattern}.",
                              field="tracking_number")
        if any(re.fullmatch(number_format.pattern, number) for number_format in self.number_formats):
            return number
        if is_s10(number, country=self.postal_country):
            return number
        s10 = _S10_SHAPE.fullmatch(number)
        if s10 and s10_check_digit(s10.group(2)) != int(s10.group(3)):
            raise self._error(f"{number} looks like a postal tracking number but its check digit is wrong (it "
                              f"should be {s10_check_digit(s10.group(2))}): check it for a typo.",
                              field="tracking_number")
        expected = [f"{f.description} ({f.example})" for f in self.number_formats]
        postal = f"a {self.postal_country} postal number" if self.postal_country else "a UPU postal number"
        expected.append(f"{postal} ({_POSTAL_EXAMPLE_WITHOUT_COUNTRY}{self.postal_country or 'CN'})")
        raise self._error(f"{number} is not a {self.spec.display_name} tracking number: expected "
                          f"{' or '.join(expected)}.", field="tracking_number")

    # -- void and tracking ----------------------------------------------------------------------------------------

    def void(self, config: CarrierConfig, tracking_number: str, carrier_shipment_id: str | None) -> None:
        """Nothing to call: the label is ours. Staff cancel the order in the forwarder's portal themselves."""

    def track(self, config: CarrierConfig, tracking_numbers: list[str]) -> dict[str, TrackingResult]:
        """Every number "not yet scanned": forwarder parcels are followed on the tracking page and by imports."""
        if config.settings.get("tracking_api"):
            log.info("%s account %s names a tracking API; no connector for it is installed, tracking stays "
                     "manual.", self.spec.name, config.account_id)
        return {number: TrackingResult(tracking_number=number, found=False) for number in tracking_numbers}

    def _error(self, message: str, *, field: str | None = None, details: list[str] | None = None) -> CarrierError:
        return CarrierError(CarrierErrorCode.INVALID_REQUEST, message, carrier=self.spec.name, field=field,
                            details=details)


def _kg(grams: int) -> str:
    """2350 → "2.35", 30000 → "30"."""
    value = Decimal(grams) / 1000
    return f"{value.normalize():f}"


def _spec(name: str, display_name: str, tracking_url_template: str, services: tuple[ServiceInfo, ...]) -> CarrierSpec:
    return CarrierSpec(
        name=name,
        display_name=display_name,
        credential_fields=CREDENTIAL_FIELDS,
        services=services,
        is_forwarder=True,
        can_void=True,
        can_track=False,
        tracking_url_template=tracking_url_template,
    )


def connectors() -> list[ForwarderConnector]:
    """One connector per forwarder, for the carriers package to register."""
    return [
        ForwarderConnector(
            _spec("fourpx", "4PX", "https://track.4px.com/#/result/0/{tracking_number}", (
                ServiceInfo("fourpx_standard", "4PX Global Standard", "standard"),
                ServiceInfo("fourpx_postal", "4PX Postal Registered", "postal", supports_ddp=False),
            )),
            number_formats=(NumberFormat(r"4PX[0-9A-Z]{8,20}", "4PX followed by digits", "4PX3001234567890CN"),),
        ),
        ForwarderConnector(
            _spec("yunexpress", "YunExpress", "https://www.yuntrack.com/parcelTracking?id={tracking_number}", (
                ServiceInfo("yunexpress_standard", "YunExpress Global Direct – Standard", "dedicated_line"),
                ServiceInfo("yunexpress_economy", "YunExpress Global Direct – Economy", "dedicated_line"),
            )),
            number_formats=(NumberFormat(r"YT\d{16}", "YT followed by 16 digits", "YT2312345678901234"),),
        ),
        ForwarderConnector(
            _spec("yanwen", "Yanwen", "https://track.yw56.com.cn/en/querydel?nums={tracking_number}", (
                ServiceInfo("yanwen_special_line", "Yanwen Special Line", "dedicated_line"),
                ServiceInfo("yanwen_postal", "Yanwen Postal Registered", "postal", supports_ddp=False),
            )),
            number_formats=(
                NumberFormat(r"[A-Z]{2}\d{9}YP", "two letters, 9 digits and YP", "UG487593765YP"),
                NumberFormat(r"YW[0-9A-Z]{8,20}", "YW followed by digits", "YW123456789012"),
            ),
        ),
        ForwarderConnector(
            _spec("chinapost", "China Post ePacket", "https://t.17track.net/en#nums={tracking_number}", (
                ServiceInfo("chinapost_epacket", "China Post ePacket", "postal", supports_ddp=False),
                ServiceInfo("chinapost_registered_airmail", "China Post Registered Air Mail", "postal",
                            supports_ddp=False),
            )),
            number_formats=(),
            postal_country="CN",
        ),
        ForwarderConnector(
            _spec("cainiao", "Cainiao", "https://global.cainiao.com/newDetail.htm?mailNoList={tracking_number}", (
                ServiceInfo("cainiao_standard", "Cainiao Standard Shipping", "standard"),
                ServiceInfo("cainiao_economy", "Cainiao Super Economy Global", "postal", supports_ddp=False),
            )),
            number_formats=(NumberFormat(r"LP\d{14}", "LP followed by 14 digits", "LP00123456789012"),),
        ),
    ]
