"""VAT/GST rates per country and how prices are displayed with them."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.models import TaxRate


@dataclass(frozen=True)
class TaxInfo:
    country: str
    region: str | None
    name: str
    rate: Decimal  # percent
    inclusive_display: bool
    import_threshold: int | None
    import_threshold_currency: str | None


def load_tax_rates(session: Session) -> dict[tuple[str, str | None], TaxInfo]:
    return {
        (t.country_code, t.region): TaxInfo(t.country_code, t.region, t.name, Decimal(t.rate), t.inclusive_display,
                                            t.import_threshold, t.import_threshold_currency)
        for t in session.scalars(select(TaxRate))
    }


def tax_for(rates: dict[tuple[str, str | None], TaxInfo], country: str | None, region: str | None = None) -> TaxInfo | None:
    if not country:
        return None
    return rates.get((country, region)) or rates.get((country, None))
