"""The European Central Bank's daily euro reference rates: download and parse."""
from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree

ECB_NAMESPACE = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"


class FxFeedError(RuntimeError):
    """The feed could not be fetched or did not contain rates."""


@dataclass(frozen=True)
class ReferenceRates:
    base: str
    rate_date: date
    rates: dict[str, Decimal]


def parse_ecb_xml(payload: bytes) -> ReferenceRates:
    try:
        root = ElementTree.fromstring(payload)
    except ElementTree.ParseError as exc:
        raise FxFeedError(f"the ECB feed is not valid XML: {exc}") from None
    day = root.find(f".//{ECB_NAMESPACE}Cube[@time]")
    if day is None:
        raise FxFeedError("the ECB feed has no dated rates")
    rates: dict[str, Decimal] = {}
    for cube in day.findall(f"{ECB_NAMESPACE}Cube"):
        try:
            rate = Decimal(cube.attrib["rate"])
        except (KeyError, InvalidOperation):
            continue
        if rate > 0:
            rates[cube.attrib.get("currency", "").upper()] = rate
    if not rates:
        raise FxFeedError("the ECB feed lists no rates")
    return ReferenceRates(base="EUR", rate_date=date.fromisoformat(day.attrib["time"]), rates=rates)


def fetch_ecb_rates(url: str, timeout: float = 15) -> ReferenceRates:
    request = urllib.request.Request(url, headers={"User-Agent": "Clipper storefront (FX refresh)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return parse_ecb_xml(response.read())
    except OSError as exc:
        raise FxFeedError(f"could not download {url}: {exc}") from None
