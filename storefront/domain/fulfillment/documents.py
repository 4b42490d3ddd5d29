"""Shipping documents: labels and commercial invoices, kept privately under the instance folder.

Files live in `<instance_path>/documents/labels/<shipment_id>.<pdf|zpl>` and
`<instance_path>/documents/invoices/<shipment_id>.pdf` — never under a public static folder: a label
carries the shopper's address, so it is only ever served through a staff-only view. The commercial
invoice is an English document (customs papers are), rendered from a Jinja template with WeasyPrint.
"""
from __future__ import annotations

import os
import re
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pycountry
import weasyprint
from flask import current_app
from flask_babel import gettext as _
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from storefront.domain.carrier_accounts import spec_of
from storefront.domain.fulfillment.errors import FulfillmentError, FulfillmentErrorCode
from storefront.domain.money import decimal_string
from storefront.models import Location, Order, Shipment, StoreSettings

FOLDER = "documents"
MIMETYPES = {"pdf": "application/pdf", "zpl": "application/x-zpl", "png": "image/png"}
_KEY = re.compile(r"^(labels|invoices)/\d+\.(pdf|zpl|png)$")

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def documents_root() -> Path:
    return Path(current_app.config["CLIPPER"].instance_path) / FOLDER


def _path(key: str) -> Path:
    if not _KEY.match(key):
        raise ValueError(f"not a document key: {key!r}")
    return documents_root() / key


def store_document(kind: str, shipment_id: int, content: bytes, file_format: str) -> str:
    """Write the file atomically (a reader never sees half a label); returns its key."""
    key = f"{kind}/{int(shipment_id)}.{file_format.lower()}"
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return key


def store_label(shipment_id: int, content: bytes, file_format: str) -> str:
    return store_document("labels", shipment_id, content, file_format)


def store_invoice(shipment_id: int, pdf: bytes) -> str:
    return store_document("invoices", shipment_id, pdf, "pdf")


def remove_shipment_documents(shipment_id: int) -> None:
    """Delete whatever was written for a booking that did not happen."""
    root = documents_root()
    for kind in ("labels", "invoices"):
        for path in (root / kind).glob(f"{int(shipment_id)}.*"):
            path.unlink(missing_ok=True)


def _read(key: str | None, what: str) -> bytes:
    if key:
        try:
            return _path(key).read_bytes()
        except FileNotFoundError:
            pass
    raise FulfillmentError(FulfillmentErrorCode.DOCUMENT_MISSING, what)


def label_document(shipment: Shipment) -> tuple[bytes, str, str]:
    """(content, mimetype, download name) of the shipment's label, for printing or reprinting."""
    content = _read(shipment.label_key, _("This shipment has no label to print."))
    extension = shipment.label_key.rsplit(".", 1)[1]
    return content, MIMETYPES[extension], f"label-{shipment.tracking_number or shipment.id}.{extension}"


def invoice_document(shipment: Shipment) -> tuple[bytes, str, str]:
    """(content, mimetype, download name) of the commercial invoice; domestic shipments have none."""
    content = _read(shipment.invoice_key, _("This shipment has no commercial invoice: it does not cross a border."))
    number = (shipment.customs or {}).get("invoice_number") or f"shipment-{shipment.id}"
    return content, MIMETYPES["pdf"], f"{number}.pdf"


def _country(code: str | None) -> str:
    country = pycountry.countries.get(alpha_2=code or "")
    return country.name if country else (code or "")


def _address_lines(address: dict[str, Any]) -> list[str]:
    city_line = " ".join(part for part in (address.get("postal_code"), address.get("city"),
                                           address.get("province_code")) if part)
    return [line for line in (address.get("address1"), address.get("address2"), city_line,
                              _country(address.get("country_code"))) if line]


def _carrier_service(shipment: Shipment) -> str:
    """"DHL Express Worldwide" rather than "mydhl / DHL Express Worldwide"."""
    spec = spec_of(shipment.carrier_name) if shipment.carrier_name else None
    carrier = spec.display_name if spec else (shipment.carrier_name or "")
    service = shipment.service_name or shipment.service_code or ""
    return service if service.startswith(carrier) else " – ".join(part for part in (carrier, service) if part)


def _kilograms(grams: int) -> str:
    return f"{Decimal(grams) / 1000:.3f}"


def commercial_invoice_html(session: Session, shipment: Shipment) -> str:
    """The commercial invoice of a shipment with a customs declaration, as HTML (English)."""
    customs = shipment.customs or {}
    order = session.get(Order, shipment.order_id)
    store = session.get(StoreSettings, 1)
    location = session.get(Location, shipment.location_id) if shipment.location_id else None
    currency = customs.get("currency") or order.currency
    ship_from = dict(location.address or {}) if location else dict(store.address or {})
    recipient = order.shipping_address or {}
    lines = [
        {"description": item["description"], "sku": item.get("sku"), "hs_code": item["hs_code"],
         "origin": _country(item["origin_country"]), "quantity": item["quantity"],
         "unit_value": decimal_string(item["unit_value"], currency),
         "total_value": decimal_string(item["unit_value"] * item["quantity"], currency),
         "unit_weight": _kilograms(item["weight_grams"]),
         "total_weight": _kilograms(item["weight_grams"] * item["quantity"])}
        for item in customs.get("commodities", [])
    ]
    commodities = customs.get("commodities", [])
    context = {
        "invoice": {
            "number": customs.get("invoice_number"), "date": customs.get("invoice_date"),
            "order_number": order.number, "incoterm": customs.get("incoterm"),
            "duty_paid_by": customs.get("duty_paid_by"), "currency": currency,
            "carrier_service": _carrier_service(shipment),
            "tracking_number": shipment.tracking_number, "gross_weight": _kilograms(shipment.weight_grams),
        },
        "seller": {
            "name": store.legal_name or store.name, "address": _address_lines(store.address or ship_from),
            "phone": store.contact_phone, "email": store.contact_email, "eori": customs.get("eori_number")
            or store.eori_number, "ioss": customs.get("ioss_number"), "vat": customs.get("vat_number"),
        },
        "ship_from": {"name": location.name if location else store.name, "address": _address_lines(ship_from)},
        "buyer": {"name": recipient.get("name") or "", "address": _address_lines(recipient),
                  "phone": order.phone or recipient.get("phone"), "email": order.email},
        "lines": lines,
        "totals": {
            "quantity": sum(item["quantity"] for item in commodities),
            "value": decimal_string(sum(item["unit_value"] * item["quantity"] for item in commodities), currency),
            "net_weight": _kilograms(sum(item["weight_grams"] * item["quantity"] for item in commodities)),
        },
    }
    return _templates.get_template("commercial_invoice.html").render(**context)


def pdf_from_html(html: str) -> bytes:
    return weasyprint.HTML(string=html).write_pdf()
