"""The customs declaration of a parcel, built from the catalogue: HS code, origin and English description
per product, the value the shopper paid in the order's currency, weights, the market's incoterm, and the
seller's EORI / IOSS / UK VAT numbers where the low-value import schemes apply."""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.domain.fulfillment.calculations import convert
from storefront.domain.fulfillment.errors import FulfillmentError, FulfillmentErrorCode
from storefront.domain.fulfillment.parcels import order_lines, unit_weights
from storefront.domain.fulfillment.planning import line_label
from storefront.domain.fx import RateTable, load_rate_table
from storefront.domain.store import load_store_settings
from storefront.integrations.carriers.types import CustomsDeclaration, CustomsItem
from storefront.models import DutiesPolicy, Market, Order, OrderLine, Product, Shipment, utcnow

EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})
# Consignments up to these values had their import VAT collected at checkout (EU IOSS, UK low-value goods).
EU_IOSS_LIMIT = (15000, "EUR")
UK_LOW_VALUE_LIMIT = (13500, "GBP")


def destination_country(order: Order) -> str | None:
    return ((order.shipping_address or {}).get("country_code") or order.country_code or "").upper() or None


def incoterm_for(session: Session, order: Order) -> str:
    """DDP when the market collects duties at checkout, else DAP (the recipient pays on arrival)."""
    if order.duties_policy in (DutiesPolicy.DDP.value, DutiesPolicy.DAP.value):
        return order.duties_policy
    market = session.get(Market, order.market_id) if order.market_id else None
    return market.duties_policy.value if market else DutiesPolicy.DAP.value


def next_invoice_number(session: Session, order: Order, shipment_id: int | None = None) -> str:
    """INV-<order number>-<n>: n counts the order's shipments up to this one (cancelled ones too, so a
    number is never given twice)."""
    stmt = select(func.count(Shipment.id)).where(Shipment.order_id == order.id)
    if shipment_id is not None:
        stmt = stmt.where(Shipment.id <= shipment_id)
    count = session.scalar(stmt) or 0
    return f"INV-{order.number}-{count if shipment_id is not None else count + 1}"


def _customs_value(line: OrderLine, order: Order) -> int:
    """What one unit sold for, after discount and without VAT included in the price (customs add VAT
    themselves), in the order's currency."""
    net = line.line_total - line.discount_total - (line.tax_total if order.taxes_included else 0)
    return int((Decimal(max(net, 0)) / line.quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def build_customs(session: Session, order: Order, lines: dict[int, int], *, invoice_number: str | None = None,
                  invoice_date: date | None = None, rates: RateTable | None = None) -> CustomsDeclaration:
    """The declaration for these lines and quantities. Raises FulfillmentError naming the variant and what is
    missing (HS code, country of origin, customs description, weight) — add it on the product page."""
    chosen = order_lines(order, lines)
    weights = unit_weights(session, order, lines)
    product_ids = [line.product_id for line, _quantity in chosen if line.product_id]
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(product_ids)))} \
        if product_ids else {}
    items = []
    for line, quantity in chosen:
        product = products.get(line.product_id)
        hs_code = ((product.hs_code if product else None) or line.hs_code or "").strip()
        origin = ((product.origin_country if product else None) or line.origin_country or "").strip().upper()
        description = ((product.customs_description if product else None) or line.customs_description or "").strip()
        variant, section, field = line_label(line), _("Customs and compliance"), f"lines-{line.id}"
        if not hs_code:
            raise FulfillmentError(FulfillmentErrorCode.MISSING_HS_CODE, _(
                "Variant %(variant)s has no HS code — add it under “%(section)s” on the product page.",
                variant=variant, section=section), field=field)
        if not origin:
            raise FulfillmentError(FulfillmentErrorCode.MISSING_ORIGIN, _(
                "Variant %(variant)s has no country of origin — add it under “%(section)s” on the product page.",
                variant=variant, section=section), field=field)
        if not description:
            raise FulfillmentError(FulfillmentErrorCode.MISSING_CUSTOMS_DESCRIPTION, _(
                "Variant %(variant)s has no customs description — describe it in English under “%(section)s” on "
                "the product page.", variant=variant, section=section), field=field)
        items.append(CustomsItem(description=description, quantity=quantity, unit_value=_customs_value(line, order),
                                 weight_grams=weights[line.id], hs_code=hs_code, origin_country=origin,
                                 sku=line.sku))
    store = load_store_settings(session)
    incoterm = incoterm_for(session, order)
    country = destination_country(order)
    value = sum(item.unit_value * item.quantity for item in items)
    ioss = eori = vat = None
    if country in EU_COUNTRIES:
        eori = store.eori_number or None
        if store.ioss_number and _at_most(value, order.currency, EU_IOSS_LIMIT, session, rates):
            ioss = store.ioss_number
    elif country == "GB" and store.uk_vat_number and _at_most(value, order.currency, UK_LOW_VALUE_LIMIT, session,
                                                               rates):
        vat = store.uk_vat_number
    return CustomsDeclaration(
        currency=order.currency, incoterm=incoterm, items=tuple(items),
        invoice_number=invoice_number or next_invoice_number(session, order),
        invoice_date=invoice_date or utcnow().date(), content_type="merchandise",
        ioss_number=ioss, eori_number=eori, vat_number=vat,
        duty_paid_by="sender" if incoterm == DutiesPolicy.DDP.value else "recipient",
    )


def _at_most(value: int, currency: str, limit: tuple[int, str], session: Session, rates: RateTable | None) -> bool:
    amount, limit_currency = limit
    if currency == limit_currency:
        return value <= amount
    return convert(value, currency, limit_currency, rates or load_rate_table(session)) <= amount


def customs_record(declaration: CustomsDeclaration, order: Order, lines: dict[int, int]) -> dict[str, Any]:
    """The declaration as Shipment.customs keeps it (JSON)."""
    line_ids = [line.id for line, _quantity in order_lines(order, lines)]
    return {
        "incoterm": declaration.incoterm, "content_type": declaration.content_type,
        "invoice_number": declaration.invoice_number, "invoice_date": declaration.invoice_date.isoformat(),
        "currency": declaration.currency, "ioss_number": declaration.ioss_number,
        "eori_number": declaration.eori_number, "vat_number": declaration.vat_number,
        "duty_paid_by": declaration.duty_paid_by,
        "total_value": sum(item.unit_value * item.quantity for item in declaration.items),
        "commodities": [
            {"order_line_id": line_id, "sku": item.sku, "description": item.description, "hs_code": item.hs_code,
             "origin_country": item.origin_country, "quantity": item.quantity, "unit_value": item.unit_value,
             "weight_grams": item.weight_grams}
            for line_id, item in zip(line_ids, declaration.items)
        ],
    }
