"""Forwarder rate tables as the owner edits them: JSON text, checked by the forwarder adapter's own reader."""
from __future__ import annotations

import json
from typing import Any

from storefront.domain.carrier_accounts.errors import CarrierAccountErrorCode, Problems
from storefront.integrations.carriers import forwarders
from storefront.integrations.carriers.types import CarrierSpec

FIELD = "settings.rate_table"


def default_rate_table(carrier_name: str) -> list[dict[str, Any]] | None:
    """The forwarder's built-in table, used while the account has none of its own."""
    return forwarders.DEFAULT_RATE_TABLES.get(carrier_name)


def rate_table_text(table: list[dict[str, Any]] | None) -> str:
    return json.dumps(table, indent=2, ensure_ascii=False) if table else ""


def parse_rate_table(raw: str | list, spec: CarrierSpec, problems: Problems) -> list[dict[str, Any]]:
    """The table from the owner's JSON: zones with ISO country codes ("*" for the rest of the world), a currency,
    and per service weight brackets rising by max grams with whole prices in minor units."""
    if isinstance(raw, str):
        try:
            table = json.loads(raw)
        except json.JSONDecodeError as error:
            problems.add(CarrierAccountErrorCode.INVALID_RATE_TABLE, FIELD, reason="json", line=error.lineno,
                         column=error.colno, detail=error.msg)
            return []
    else:
        table = raw
    details = forwarders.rate_table_problems(table, tuple(service.code for service in spec.services))
    if details:
        problems.add(CarrierAccountErrorCode.INVALID_RATE_TABLE, FIELD, reason="table", details=details)
        return []
    return table
