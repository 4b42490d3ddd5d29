"""An account as the carrier adapter and the admin see it: credentials unsealed (or masked), API base applied."""
from __future__ import annotations

import json
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from storefront.domain import secrets_box
from storefront.domain.store_admin.events import Editor
from storefront.integrations import carriers
from storefront.integrations.carriers.types import CarrierConfig, CarrierError, CarrierErrorCode, CarrierSpec
from storefront.models import CarrierAccount, CarrierAccountLocation
from storefront.settings import Settings

DEFAULT_TIMEOUT_SECONDS = 20.0
MASK = "••••"


def app_settings(settings: Settings | None = None) -> Settings:
    """`settings` when given, else the running app's (domain code may run in a job or the CLI)."""
    return settings if settings is not None else current_app.config["CLIPPER"]


def editor_of(actor: Any) -> Editor:
    """The audit log's view of whoever acts: an Editor, a staff user, or nobody (CLI, demo seed)."""
    if isinstance(actor, Editor):
        return actor
    return Editor(staff_user_id=getattr(actor, "id", None))


def spec_of(carrier_name: str) -> CarrierSpec | None:
    try:
        return carriers.get_spec(carrier_name)
    except CarrierError:
        return None


def unseal_credentials(account: CarrierAccount, sealing_key: str) -> dict[str, str]:
    """The account's credentials in clear; raises secrets_box.UnreadableSecret after a key rotation."""
    if not account.credentials_encrypted:
        return {}
    return json.loads(secrets_box.unseal(sealing_key, account.credentials_encrypted))


def seal_credentials(credentials: dict[str, str], sealing_key: str) -> str:
    return secrets_box.seal(sealing_key, json.dumps(credentials, sort_keys=True))


def server_url_for(account: CarrierAccount, settings: Settings | None = None) -> str | None:
    """The account's own `server_url`, else CLIPPER_CARRIER_API_BASE/<carrier> for API carriers, else None."""
    own = (account.settings or {}).get("server_url")
    if own:
        return own
    base = app_settings(settings).carrier_api_base
    spec = spec_of(account.carrier_name)
    if base and not (spec and spec.is_forwarder):
        return f"{base.rstrip('/')}/{account.carrier_name}"
    return None


def config_for(account: CarrierAccount, settings: Settings | None = None) -> CarrierConfig:
    """What the carrier adapter needs to talk to this account, credentials unsealed.

    `settings` defaults to the running app's; credentials sealed with another CLIPPER_SECRET_KEY raise a
    CarrierError (authentication) so callers treat them like credentials the carrier refused.
    """
    settings = app_settings(settings)
    try:
        credentials = unseal_credentials(account, settings.secret_key)
    except secrets_box.UnreadableSecret:
        raise CarrierError(
            CarrierErrorCode.AUTHENTICATION,
            "The saved credentials of this carrier account can no longer be read (CLIPPER_SECRET_KEY changed): "
            "enter them again in Settings → Carriers.",
            carrier=account.carrier_name,
        ) from None
    account_settings = dict(account.settings or {})
    timeout = account_settings.get("timeout_seconds")
    return CarrierConfig(
        carrier_name=account.carrier_name,
        account_id=account.id,
        credentials=credentials,
        test_mode=bool(account.test_mode),
        services=tuple(account.services or ()),
        settings=account_settings,
        server_url=server_url_for(account, settings),
        tracking_url_template=account.tracking_url_template or None,
        timeout_seconds=float(timeout) if timeout else DEFAULT_TIMEOUT_SECONDS,
    )


def enabled_accounts(session: Session, *, location_id: int | None = None) -> list[CarrierAccount]:
    """Active accounts, in a stable order; with `location_id`, only those that ship from that location."""
    query = (select(CarrierAccount).where(CarrierAccount.active.is_(True))
             .options(selectinload(CarrierAccount.locations))
             .order_by(CarrierAccount.carrier_name, CarrierAccount.account_label, CarrierAccount.id))
    if location_id is not None:
        query = query.where(CarrierAccount.id.in_(
            select(CarrierAccountLocation.carrier_account_id)
            .where(CarrierAccountLocation.location_id == location_id)))
    return list(session.scalars(query))


def list_accounts(session: Session) -> list[CarrierAccount]:
    """Every account, active or not, for the settings page."""
    return list(session.scalars(
        select(CarrierAccount).options(selectinload(CarrierAccount.locations))
        .order_by(CarrierAccount.carrier_name, CarrierAccount.account_label, CarrierAccount.id)))


def account_currency(account: CarrierAccount) -> str | None:
    """What the carrier bills this account in, when the owner said."""
    return (account.settings or {}).get("currency")


def location_ids(account: CarrierAccount) -> list[int]:
    return sorted(link.location_id for link in account.locations)


def mask(value: str | None) -> str:
    """"••••1234": enough to recognise a secret, not to use it."""
    if not value:
        return ""
    return MASK + value[-4:] if len(value) > 8 else MASK


def masked_credentials(account: CarrierAccount, sealing_key: str | None = None) -> dict[str, str]:
    """Each credential as the admin shows it: secrets masked, the rest (account numbers) in clear.

    Credentials that can no longer be read (the secret key changed) come back empty.
    """
    sealing_key = sealing_key or app_settings().secret_key
    try:
        values = unseal_credentials(account, sealing_key)
    except secrets_box.UnreadableSecret:
        return {}
    spec = spec_of(account.carrier_name)
    secret = {f.name for f in spec.credential_fields if f.secret} if spec else set(values)
    return {name: mask(value) if name in secret else value for name, value in values.items()}


def credentials_readable(account: CarrierAccount, sealing_key: str | None = None) -> bool:
    try:
        unseal_credentials(account, sealing_key or app_settings().secret_key)
    except secrets_box.UnreadableSecret:
        return False
    return True
