"""Carrier accounts and box presets: credentials sealed at rest, the carrier adapter's config built from an account.

An account's `settings` may hold "currency" (what the carrier bills the account in), "default_service" (bulk
labels use it), "server_url" (the carrier's API base, e.g. a local fake), "timeout_seconds", and for forwarders
"rate_table" (zones × weight brackets; absent = the forwarder's default table).
"""
from storefront.domain.carrier_accounts.actions import (
    create_account,
    delete_account,
    open_shipment_count,
    update_account,
)
from storefront.domain.carrier_accounts.box_presets import (
    BoxPresetInput,
    box_preset_input,
    create_box_preset,
    default_box_preset,
    delete_box_preset,
    list_box_presets,
    save_box_preset,
    update_box_preset,
)
from storefront.domain.carrier_accounts.config import (
    account_currency,
    config_for,
    credentials_readable,
    enabled_accounts,
    list_accounts,
    location_ids,
    mask,
    masked_credentials,
    server_url_for,
    spec_of,
    unseal_credentials,
)
from storefront.domain.carrier_accounts.connection import (
    ConnectionCheck,
    check_connection,
    location_address,
    test_connection,
)
from storefront.domain.carrier_accounts.errors import CarrierAccountError, CarrierAccountErrorCode
from storefront.domain.carrier_accounts.rate_tables import default_rate_table, parse_rate_table, rate_table_text

__all__ = [
    "BoxPresetInput", "CarrierAccountError", "CarrierAccountErrorCode", "ConnectionCheck", "account_currency",
    "box_preset_input", "check_connection", "config_for", "create_account", "create_box_preset",
    "credentials_readable", "default_box_preset", "default_rate_table", "delete_account", "delete_box_preset",
    "enabled_accounts", "list_accounts", "list_box_presets", "location_address", "location_ids", "mask",
    "masked_credentials", "open_shipment_count", "parse_rate_table", "rate_table_text", "save_box_preset",
    "server_url_for", "spec_of", "test_connection", "unseal_credentials", "update_account", "update_box_preset",
]
