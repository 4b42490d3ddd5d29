"""VAT/GST rates per country (or region), how prices show them, and low-value import thresholds."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.domain.store_admin import inputs
from storefront.domain.store_admin.errors import Problems, SettingsErrorCode
from storefront.domain.store_admin.events import (
    Editor,
    settings_deleted,
    settings_saved,
)
from storefront.models import TaxRate

ENTITY = "tax_rate"
RATE_PLACES = 3


@dataclass(frozen=True)
class TaxInput:
    country: str = ""
    region: str | None = None
    name: str = "VAT"
    rate: Decimal | None = None
    inclusive_display: bool = True
    import_threshold: Decimal | None = None
    import_threshold_currency: str | None = None


def list_tax_rates(session: Session) -> list[TaxRate]:
    return list(session.scalars(select(TaxRate).order_by(TaxRate.country_code, TaxRate.region.nulls_first())))


def snapshot(tax: TaxRate) -> dict:
    return {"country": tax.country_code, "region": tax.region, "name": tax.name,
            "rate": f"{Decimal(tax.rate).normalize():f}", "inclusive_display": tax.inclusive_display,
            "import_threshold": tax.import_threshold, "import_threshold_currency": tax.import_threshold_currency}


def input_of(tax: TaxRate) -> TaxInput:
    currency = tax.import_threshold_currency
    threshold = Decimal(inputs.amount_text(tax.import_threshold, currency)) \
        if tax.import_threshold is not None and currency else None
    return TaxInput(country=tax.country_code, region=tax.region, name=tax.name, rate=Decimal(tax.rate).normalize(),
                    inclusive_display=tax.inclusive_display, import_threshold=threshold,
                    import_threshold_currency=currency)


def save_tax_rate(session: Session, editor: Editor, tax: TaxRate | None, data: TaxInput) -> TaxRate:
    """Create (`tax` None) or update the rate of a country, or of one of its regions (Québec, California)."""
    problems = Problems()
    country = inputs.country(data.country, problems, "country")
    region = inputs.region(country, data.region, problems, "region")
    name = inputs.text(data.name, problems, "name", max_length=40, required=True)
    if data.rate is None:
        problems.add("rate", SettingsErrorCode.REQUIRED)
    elif not 0 <= data.rate <= 100:
        problems.add("rate", SettingsErrorCode.TAX_RATE_OUT_OF_RANGE)
    elif inputs.decimal_places(data.rate) > RATE_PLACES:
        problems.add("rate", SettingsErrorCode.TOO_MANY_DECIMALS, places=RATE_PLACES)
    if country and not problems.has("region"):
        same = select(TaxRate.id).where(TaxRate.country_code == country, TaxRate.id != (tax.id if tax else -1))
        same = same.where(TaxRate.region.is_(None) if region is None else TaxRate.region == region)
        if session.scalar(same) is not None:
            problems.add("country", SettingsErrorCode.DUPLICATE_TAX_RATE, country=country, region=region or "")
    threshold_currency = None
    threshold = None
    if data.import_threshold is not None:
        if not (data.import_threshold_currency or "").strip():
            problems.add("import_threshold_currency", SettingsErrorCode.THRESHOLD_CURRENCY_REQUIRED)
        else:
            threshold_currency = inputs.currency(data.import_threshold_currency, problems, "import_threshold_currency")
        threshold = inputs.amount(data.import_threshold, threshold_currency, problems, "import_threshold")
    problems.raise_if_any()
    before = snapshot(tax) if tax is not None else None
    if tax is None:
        tax = TaxRate()
        session.add(tax)
    tax.country_code, tax.region, tax.name, tax.rate = country, region, name, data.rate
    tax.inclusive_display = data.inclusive_display
    tax.import_threshold = threshold
    tax.import_threshold_currency = threshold_currency if threshold is not None else None
    session.flush()
    settings_saved(session, editor=editor, entity_type=ENTITY, entity_id=tax.id, before=before,
                   after=snapshot(tax))
    return tax


def delete_tax_rate(session: Session, editor: Editor, tax: TaxRate) -> None:
    settings_deleted(session, editor=editor, entity_type=ENTITY, entity_id=tax.id, before=snapshot(tax))
    session.delete(tax)
    session.flush()
